"""Whom to credit: title and author read from a stored work, by kind, in the documented
order, bounded and never raising."""

from __future__ import annotations

import pytest

from fixtures.documents import make_epub, make_pdf, opf
from tdm_crawler.corpus.credits import MAX_TEXT, Credits, read_credits

CC_NS = "http://creativecommons.org/ns#"


def html(head: str = "", body: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def credits(body: bytes, content_type: str = "text/html") -> Credits:
    return read_credits(body, content_type=content_type)


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (
            html(
                "<title>T</title><meta name='author' content='Meta Name'>"
                '<script type="application/ld+json">{"author": "LD Name"}</script>',
                f'<p xmlns:cc="{CC_NS}"><span property="cc:attributionName">CC Name</span></p>',
            ),
            Credits("T", "CC Name", "cc:attributionName"),
        ),
        (
            html(
                "<title>T</title><meta name='Author' content='Meta Name'>"
                '<script type="application/ld+json">{"@graph": [{"@type": "WebPage", "image": '
                '{"@type": "ImageObject", "author": "Photographer"}, "author": [{"name": "A"},'
                ' {"@type": "Person", "name": "B"}, "A"]}]}</script>'
            ),
            Credits("T", "A, B", "json-ld"),
        ),
        (html("<meta name='author' content='  Meta\n Name '>"), Credits(None, "Meta Name", "meta")),
        (html("<meta name='DC.creator' content='DC Name'>"), Credits(None, "DC Name", "meta")),
        (
            html('<meta property="cc:attributionName" content="In Head">'),
            Credits(None, "In Head", "cc:attributionName"),
        ),
        (html("<meta property='og:title' content='OG'>"), Credits("OG")),
        (
            html('<script type="application/ld+json">{"headline": "LD title"}</script>'),
            Credits("LD title"),
        ),
        (html("<title>Only a title</title>"), Credits("Only a title")),
        (html(), Credits()),
        (b"", Credits()),
        (html('<script type="application/ld+json">{"author": [1, {"x": 2}</script>'), Credits()),
    ],
)
def test_html_credits(page: bytes, expected: Credits) -> None:
    assert credits(page) == expected


def test_values_are_one_line_and_capped() -> None:
    found = credits(html(f"<title>{'word ' * 200}</title><meta name=author content='a\tb'>"))
    assert found.title is not None and len(found.title) == MAX_TEXT and "\n" not in found.title
    assert found.author == "a b"


def test_a_pdf_and_an_epub_name_their_creator() -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        b"<dc:title><rdf:Alt><rdf:li xml:lang='x-default'>A Paper</rdf:li></rdf:Alt></dc:title>"
        b"<dc:creator><rdf:Seq><rdf:li>First Author</rdf:li><rdf:li>Second</rdf:li></rdf:Seq>"
        b"</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    assert credits(make_pdf(xmp), "application/pdf") == Credits("A Paper", "First Author", "xmp")
    book = make_epub(opf_bytes=opf(3, extra_meta="<dc:creator>Book Author</dc:creator>"))
    assert credits(book, "application/epub+zip") == Credits("Test book", "Book Author", "opf")
    assert credits(make_pdf(None), "application/pdf") == Credits()
    assert credits(b"%PDF-1.7 broken", "application/pdf") == Credits()


def test_media_and_other_kinds_have_no_credits() -> None:
    assert credits(b"\x89PNG\r\n\x1a\n", "image/png") == Credits()
    assert credits(b"plain words", "text/plain") == Credits()
