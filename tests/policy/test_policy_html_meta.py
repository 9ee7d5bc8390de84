"""Meta tags of the document head, from any bytes (§2.3)."""

from __future__ import annotations

import pytest

from tdm_crawler.policy import head_meta, looks_like_html

# (document, content type, expected pairs)
HEAD_CASES = [
    pytest.param(
        b'<html><head><meta name="a" content="1"><meta name="b" content="2"></head></html>',
        None,
        [("a", "1"), ("b", "2")],
        id="document-order",
    ),
    pytest.param(
        b'<html><head></head><body><meta name="a" content="1"></body></html>',
        None,
        [],
        id="body-ignored",
    ),
    pytest.param(
        b'<meta name="a" content="1"><title>t</title>text<meta name="b" content="2">',
        None,
        [("a", "1")],
        id="no-head-tag-text-starts-body",
    ),
    pytest.param(
        b'<head><meta name="a" content="1"><meta name="b" content="2"><p>x',
        None,
        [("a", "1"), ("b", "2")],
        id="unclosed-head",
    ),
    pytest.param(
        b'<head><meta name="a"><meta content="2"><meta charset="utf-8"><meta name="c" content="">',
        None,
        [("c", "")],
        id="needs-name-and-content",
    ),
    pytest.param(
        b'<HEAD><META NAME="A" CONTENT="X"></HEAD>',
        None,
        [("A", "X")],
        id="uppercase-tags-values-kept",
    ),
    pytest.param(
        b'<head><noscript><meta name="a" content="1"></noscript></head>',
        None,
        [("a", "1")],
        id="nested-in-head",
    ),
    pytest.param(
        b'<head><!-- <meta name="a" content="1"> --><meta name="b" content="2"></head>',
        None,
        [("b", "2")],
        id="commented-out",
    ),
    pytest.param(
        b'<?xml version="1.0" encoding="iso-8859-1"?>'
        b'<html><head><meta name="a" content="\xe9"></head>',
        None,
        [("a", "\u00e9")],
        id="xml-declaration",
    ),
    pytest.param(
        b'<head><meta name="a" content="\xe9t\xe9"></head>',
        "text/html; charset=ISO-8859-1",
        [("a", "\u00e9t\u00e9")],
        id="charset-from-content-type",
    ),
    pytest.param(
        b'\xef\xbb\xbf<head><meta name="a" content="\xc3\xa9"></head>',
        "text/html; charset=ISO-8859-1",
        [("a", "\u00e9")],
        id="bom-beats-header",
    ),
    pytest.param(
        '<head><meta name="a" content="\u00e9"></head>'.encode("utf-16"),
        None,
        [("a", "\u00e9")],
        id="utf-16-bom",
    ),
    pytest.param(
        b'<head><meta name="a" content="\xff\xfe"></head>',
        None,
        [("a", "\ufffd\ufffd")],
        id="invalid-utf8-replaced",
    ),
    pytest.param(b"", None, [], id="empty"),
    pytest.param(b"   \n\t", None, [], id="whitespace-only"),
    pytest.param(bytes(range(256)) * 4, None, [], id="binary-garbage"),
    pytest.param(
        b"\x00" * 100, "text/html; charset=bogus-charset", [], id="nul-bytes-unknown-charset"
    ),
    pytest.param(b"<head><meta name=a content=1 <meta", None, [], id="broken-attributes"),
]


@pytest.mark.parametrize(("document", "content_type", "expected"), HEAD_CASES)
def test_head_meta(
    document: bytes, content_type: str | None, expected: list[tuple[str, str]]
) -> None:
    assert head_meta(document, content_type=content_type) == expected


def test_only_the_first_max_bytes_are_read() -> None:
    padding = b"<head><title>" + b"x" * 1000 + b"</title>"
    document = padding + b'<meta name="late" content="1"></head>'
    assert head_meta(document, max_bytes=len(padding)) == []
    assert head_meta(document) == [("late", "1")]


def test_body_text_resembling_head_end_is_not_needed() -> None:
    # Everything after <body> is cut before parsing, whatever it contains.
    document = b'<head><meta name="a" content="1"></head><body>' + b"\xff<" * 100_000
    assert head_meta(document) == [("a", "1")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(b"<!DOCTYPE html><html>", True, id="doctype"),
        pytest.param(b"\xef\xbb\xbf  <html lang=en>", True, id="bom-and-space"),
        pytest.param(b"<HEAD>", True, id="uppercase-head"),
        pytest.param(b"<!-- c -->", True, id="comment"),
        pytest.param(b"<p>hello", True, id="paragraph"),
        pytest.param(b"<pre>", False, id="pre-is-not-p"),
        pytest.param(b'<?xml version="1.0"?><svg>', False, id="xml"),
        pytest.param(b'{"a": 1}', False, id="json"),
        pytest.param(b"%PDF-1.7", False, id="pdf"),
        pytest.param(b"", False, id="empty"),
    ],
)
def test_looks_like_html(body: bytes, expected: bool) -> None:
    assert looks_like_html(body) is expected
