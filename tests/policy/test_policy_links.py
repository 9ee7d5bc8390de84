"""Finding RSL licences: RFC 8288 ``Link`` headers and ``<link>`` in the HTML head."""

from __future__ import annotations

import pytest

from tdm_crawler.policy.links import (
    head_links,
    parse_link_header,
    rsl_links_from_headers,
    rsl_links_from_html,
)

BASE = "https://e.org/dir/page.html"
RSL = 'rel="license"; type="application/rsl+xml"'

# --- the Link parser -------------------------------------------------------------------

PARSE_CASES = [
    pytest.param(
        '<https://e.org/l.xml>; rel="license"; type="application/rsl+xml"',
        [("https://e.org/l.xml", {"rel": "license", "type": "application/rsl+xml"})],
        id="rsl-spec-form",
    ),
    pytest.param(
        "<a,b>; rel=license",
        [("a,b", {"rel": "license"})],
        id="comma-inside-target",
    ),
    pytest.param(
        '<a>; title="x, y; z", <b>; rel=next',
        [("a", {"title": "x, y; z"}), ("b", {"rel": "next"})],
        id="comma-and-semicolon-inside-quotes",
    ),
    pytest.param(
        r'<a>; title="say \"hi\", \\ bye"',
        [("a", {"title": 'say "hi", \\ bye'})],
        id="quoted-pair-escapes",
    ),
    pytest.param(
        "<a>;REL=License;Type=x , <b>",
        [("a", {"rel": "License", "type": "x"}), ("b", {})],
        id="names-lowered-values-kept",
    ),
    pytest.param(
        "<a>; rel=first; rel=second",
        [("a", {"rel": "first"})],
        id="repeated-param-first-wins",
    ),
    pytest.param(
        "<a>; crossorigin; rel = license",
        [("a", {"crossorigin": "", "rel": "license"})],
        id="bare-param-and-spaces-around-equals",
    ),
    pytest.param(
        "  ,, <a> ,<b>;;rel=x,",
        [("a", {}), ("b", {"rel": "x"})],
        id="empty-elements-and-stray-semicolons",
    ),
    pytest.param(
        'junk, <a> junk; rel=license, "<x>", <b>; rel=license',
        [("b", {"rel": "license"})],
        id="garbage-skipped-to-next-link",
    ),
    pytest.param("<unterminated; rel=license", [], id="unterminated-target"),
    pytest.param(
        '<a>; title="unterminated, <b>',
        [("a", {"title": "unterminated, <b>"})],
        id="unterminated-quote",
    ),
    pytest.param("", [], id="empty"),
    pytest.param("<>; rel=license", [("", {"rel": "license"})], id="empty-target"),
]


@pytest.mark.parametrize(("value", "expected"), PARSE_CASES)
def test_parse_link_header(value: str, expected: list[tuple[str, dict[str, str]]]) -> None:
    assert parse_link_header(value) == expected


# --- RSL links from headers -------------------------------------------------------------

HEADER_CASES = [
    pytest.param({"Link": [f"<https://e.org/l.xml>; {RSL}"]}, ["https://e.org/l.xml"], id="spec"),
    pytest.param({"link": [f"</l.xml>; {RSL}"]}, ["https://e.org/l.xml"], id="root-relative"),
    pytest.param({"LINK": [f"<l.xml>; {RSL}"]}, ["https://e.org/dir/l.xml"], id="relative"),
    pytest.param(
        {"Link": [f"<//cdn.e.org/l.xml>; {RSL}"]}, ["https://cdn.e.org/l.xml"], id="scheme-relative"
    ),
    pytest.param(
        {"Link": ['<l.xml>; rel="license"']},
        [],
        id="no-type-not-taken",
    ),
    pytest.param({"Link": ['<l.html>; rel=license; type="text/html"']}, [], id="other-type"),
    pytest.param(
        {"Link": ['<l.xml>; rel="alternate"; type="application/rsl+xml"']}, [], id="other-rel"
    ),
    pytest.param(
        {"Link": ['<l.xml>; rel="licenses"; type="application/rsl+xml"']},
        [],
        id="rel-is-a-token-not-a-substring",
    ),
    pytest.param(
        {"Link": ['<l.xml>; rel="alternate LICENSE"; type="Application/RSL+XML; charset=utf-8"']},
        ["https://e.org/dir/l.xml"],
        id="multiple-rels-case-and-type-params",
    ),
    pytest.param(
        {"Link": [f"</a.xml>; {RSL}, </x>; rel=next, </b.xml>; {RSL}", f"</c.xml>; {RSL}"]},
        ["https://e.org/a.xml", "https://e.org/b.xml", "https://e.org/c.xml"],
        id="several-links-and-fields-in-order",
    ),
    pytest.param(
        {"Link": [f"</a.xml>; {RSL}", f"</a.xml#frag>; {RSL}"]},
        ["https://e.org/a.xml"],
        id="deduplicated-without-fragment",
    ),
    pytest.param(
        {"Link": [f"<a,b.xml>; {RSL}"]},
        ["https://e.org/dir/a,b.xml"],
        id="comma-inside-target",
    ),
    pytest.param(
        {"Link": [f'<a.xml>; title="x, <b.xml>; {RSL}"; rel=next']},
        [],
        id="quoted-comma-does-not-start-a-link",
    ),
    pytest.param(
        {"Link": [f'</a.xml>; {RSL}; anchor="#section"', f'</b.xml>; {RSL}; anchor="/other"']},
        ["https://e.org/a.xml"],
        id="anchor-to-another-resource-skipped",
    ),
    pytest.param(
        {"Link": [f'</a.xml>; {RSL}; anchor="{BASE}"']},
        ["https://e.org/a.xml"],
        id="anchor-to-this-resource-kept",
    ),
    pytest.param(
        {
            "Link": [
                f"<http://[::1>; {RSL}",
                f"<ftp://e.org/l.xml>; {RSL}",
                f"<mailto:x@e.org>; {RSL}",
                f"<https://e.org:99999/x>; {RSL}",
                f"<>; {RSL}",
                f"<javascript:alert(1)>; {RSL}",
            ]
        },
        [],
        id="invalid-and-non-http-urls-dropped",
    ),
    pytest.param({"Content-Type": [f"<l.xml>; {RSL}"]}, [], id="other-header-ignored"),
    pytest.param({"Link": []}, [], id="no-field-values"),
]


@pytest.mark.parametrize(("headers", "expected"), HEADER_CASES)
def test_rsl_links_from_headers(headers: dict[str, list[str]], expected: list[str]) -> None:
    assert rsl_links_from_headers(headers, BASE) == expected


# --- the HTML head ---------------------------------------------------------------------

HEAD_CASES = [
    pytest.param(
        b'<html><head><link rel="license" type="application/rsl+xml" href="/l.xml">'
        b"<link rel=stylesheet href=s.css><link rel=icon></head></html>",
        None,
        [("license", "application/rsl+xml", "/l.xml"), ("stylesheet", "", "s.css")],
        id="document-order-href-required",
    ),
    pytest.param(
        b'<html><head></head><body><link rel="license" href="x"></body></html>',
        None,
        [],
        id="body-ignored",
    ),
    pytest.param(
        b"<title>t</title><link rel=a href=1>text<link rel=b href=2>",
        None,
        [("a", "", "1")],
        id="no-head-tag-text-starts-body",
    ),
    pytest.param(
        '<head><meta charset="iso-8859-1"><link rel=license href="/\xe9.xml">'.encode("latin-1"),
        None,
        [("license", "", "/\xe9.xml")],
        id="meta-charset",
    ),
    pytest.param(
        '<head><link rel=license href="/\xe9.xml">'.encode("latin-1"),
        "text/html; charset=ISO-8859-1",
        [("license", "", "/\xe9.xml")],
        id="content-type-charset",
    ),
    pytest.param(b"", None, [], id="empty"),
    pytest.param(b"  \n ", None, [], id="whitespace"),
    pytest.param(b"\x00\xff\xfe garbage <<<>>>", None, [], id="binary"),
]


@pytest.mark.parametrize(("html", "content_type", "expected"), HEAD_CASES)
def test_head_links(
    html: bytes, content_type: str | None, expected: list[tuple[str, str, str]]
) -> None:
    assert head_links(html, content_type=content_type) == expected


def test_head_links_reads_only_max_bytes() -> None:
    html = b"<head>" + b" " * 1000 + b'<link rel=license href="/l.xml"></head>'
    assert head_links(html, max_bytes=500) == []
    assert head_links(html, max_bytes=2000) == [("license", "", "/l.xml")]


HTML_CASES = [
    pytest.param(
        b'<head><link rel="license" type="application/rsl+xml" href="https://e.org/l.xml">',
        ["https://e.org/l.xml"],
        id="rsl-guide-form",
    ),
    pytest.param(
        b'<head><link rel="license" type="application/rsl+xml" href="l.xml">',
        ["https://e.org/dir/l.xml"],
        id="relative-to-document",
    ),
    pytest.param(
        b'<head><base href="https://cdn.e.org/x/"><link rel=license type=application/rsl+xml'
        b" href=l.xml>",
        ["https://cdn.e.org/x/l.xml"],
        id="absolute-base",
    ),
    pytest.param(
        b'<head><base href="/other/"><base href="/ignored/">'
        b"<link rel=license type=application/rsl+xml href=l.xml>",
        ["https://e.org/other/l.xml"],
        id="relative-base-first-wins",
    ),
    pytest.param(
        b'<head><base target="_blank"><link rel=license type=application/rsl+xml href=l.xml>',
        ["https://e.org/dir/l.xml"],
        id="base-without-href",
    ),
    pytest.param(
        b'<head><base href="http://[::1"><link rel=license type=application/rsl+xml href=l.xml>',
        ["https://e.org/dir/l.xml"],
        id="invalid-base-falls-back",
    ),
    pytest.param(
        b'<head><link rel="license" href="https://creativecommons.org/licenses/by/4.0/">',
        [],
        id="creative-commons-badge-without-type",
    ),
    pytest.param(
        b'<head><link rel="License Alternate" type=" APPLICATION/RSL+XML " href=" l.xml ">',
        ["https://e.org/dir/l.xml"],
        id="rel-set-case-and-whitespace",
    ),
    pytest.param(
        b"<head><link rel=license type=application/rsl+xml href=a.xml>"
        b"<link rel=license type=application/rsl+xml href=a.xml#x>"
        b"<link rel=license type=application/rsl+xml href=javascript:void(0)>"
        b"<link rel=license type=application/rsl+xml href=''>",
        ["https://e.org/dir/a.xml"],
        id="deduplicated-non-http-and-empty-dropped",
    ),
    pytest.param(
        b"<head></head><body><link rel=license type=application/rsl+xml href=l.xml></body>",
        [],
        id="body-link-ignored",
    ),
]


@pytest.mark.parametrize(("html", "expected"), HTML_CASES)
def test_rsl_links_from_html(html: bytes, expected: list[str]) -> None:
    assert rsl_links_from_html(html, base_url=BASE) == expected


ADVERSARIAL_HEADERS = [
    "<" * 10_000,
    ">" * 10_000,
    '"' * 10_001,
    ";" * 10_000,
    "<a>" + "; rel=license" * 5_000,
    "<a>;" + "x" * 100_000,
    '<a>; title="' + "\\" * 9_999,
    "\x00\uffff<\u2028>;rel=\u00e9",
    ", ".join(f"<{i}>; {RSL}" for i in range(2_000)),
]


@pytest.mark.parametrize("value", ADVERSARIAL_HEADERS, ids=lambda v: repr(v[:12]))
def test_adversarial_headers_never_raise(value: str) -> None:
    parse_link_header(value)
    result = rsl_links_from_headers({"Link": [value]}, BASE)
    assert all(url.startswith("https://e.org/") for url in result)


def test_many_links_all_resolved() -> None:
    value = ", ".join(f"</{i}.xml>; {RSL}" for i in range(2_000))
    assert len(rsl_links_from_headers({"Link": [value]}, BASE)) == 2_000
