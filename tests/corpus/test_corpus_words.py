"""The cheap word count: visible body text of HTML, plain text whole, other kinds not
counted; bounded by the cap it is given."""

from __future__ import annotations

import pytest

from tdm_crawler.corpus.words import count_words

CAP = 1024 * 1024


def words(body: bytes, kind: str = "html", content_type: str | None = "text/html") -> int | None:
    return count_words(body, kind=kind, content_type=content_type, max_bytes=CAP)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<html><body><p>one two three</p></body></html>", 3),
        # head, scripts, styles, noscript and templates are not visible text
        (
            "<html><head><title>Not counted</title><style>p { x: y }</style></head><body>"
            "<script>var a = 1;</script><noscript>turn it on</noscript>"
            "<template><p>later</p></template><p>seen here</p></body></html>",
            2,
        ),
        # a minified page: block boundaries still end words
        ("<body><p>one</p><p>two</p><ul><li>three</li><li>four</li></ul></body>", 4),
        # entities are text; a no-break space joins (not ASCII whitespace)
        ("<body><p>caf&eacute; &amp; bar&nbsp;baz</p></body>", 3),
        ("<body>\n\n \t </body>", 0),
        ("", 0),
        ("<html><head><title>only a head</title></head></html>", 0),
    ],
)
def test_html_words(html: str, expected: int) -> None:
    assert words(html.encode()) == expected


def test_encodings_are_decoded_as_the_readers_decode() -> None:
    text = "<html><body><p>ein zwei drei</p></body></html>"
    assert words(text.encode("utf-16"), content_type="text/html; charset=utf-16") == 3
    assert words(text.encode("latin-1"), content_type="text/html; charset=iso-8859-1") == 3


def test_plain_text_is_counted_whole_and_other_kinds_not_at_all() -> None:
    assert words(b"one two\nthree\t four", "other", "text/plain; charset=utf-8") == 4
    assert words(b"# Title\n\nsome words", "other", "text/markdown") == 4
    assert words(b"%PDF-1.7 ...", "pdf", "application/pdf") is None
    assert words(b"\x89PNG...", "media", "image/png") is None
    assert words(b"{}", "other", "application/json") is None


def test_the_cap_bounds_what_is_read() -> None:
    page = b"<html><body><p>" + b"word " * 10_000 + b"</p></body></html>"
    assert words(page) == 10_000
    assert count_words(page, kind="html", content_type="text/html", max_bytes=5_015) == 1_000
