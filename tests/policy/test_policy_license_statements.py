"""The licence statement readers: every markup, in every position, on real bytes."""

from __future__ import annotations

import time

import pytest

from fixtures.documents import (
    licence_xmp_packet,
    licensed_epub,
    licensed_pdf,
    licensed_png,
    make_epub,
    make_pdf,
    make_png,
    pdf_header_then,
)
from tdm_crawler.policy.license_reading import LicenseFinding, Location
from tdm_crawler.policy.license_statements import (
    cc_signal_findings,
    epub_findings,
    header_findings,
    html_findings,
    media_findings,
    pdf_findings,
    read_licenses,
    rsl_findings,
    xmp_findings,
)
from tdm_crawler.policy.rsl import RslDocument, parse_rsl
from tdm_crawler.policy.spdx import LicenseClass

PAGE = "https://news.example/2024/story.html"
BY = "https://creativecommons.org/licenses/by/4.0/"
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"
BY_NC = "https://creativecommons.org/licenses/by-nc/4.0/"
CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"


def page(head: str = "", body: str = "", html_attrs: str = "") -> bytes:
    return (
        f"<!doctype html><html{html_attrs}><head><title>t</title>{head}</head>"
        f"<body><h1>Story</h1><p>{'Some words of the story. ' * 20}</p>{body}</body></html>"
    ).encode()


def found(html: bytes) -> list[tuple[str | None, str, str]]:
    return [(f.id, f.location.value, f.source) for f in html_findings(html, base_url=PAGE)]


# --- HTML markup, one at a time -----------------------------------------------------------

MARKUP = [
    pytest.param(
        page(head=f'<link rel="license" href="{BY}">'),
        ("CC-BY-4.0", "head", "link"),
        id="link-head",
    ),
    pytest.param(
        page(head=f'<link rel="License" href="{BY}">'),
        ("CC-BY-4.0", "head", "link"),
        id="link-rel-case",
    ),
    pytest.param(
        page(head=f'<link rel="license nofollow" href="{BY}">'),
        ("CC-BY-4.0", "head", "link"),
        id="link-rel-tokens",
    ),
    pytest.param(
        page(body=f'<p>Under <a rel="license" href="{BY_SA}">CC BY-SA</a>.</p>'),
        ("CC-BY-SA-4.0", "body", "a"),
        id="a-body",
    ),
    pytest.param(
        page(body=f'<map><area rel="license" href="{BY}"></map>'),
        ("CC-BY-4.0", "body", "a"),
        id="area-body",
    ),
    pytest.param(
        page(head='<meta name="dc.rights" content="CC BY-NC 4.0">'),
        ("CC-BY-NC-4.0", "head", "meta"),
        id="meta-dc-rights",
    ),
    pytest.param(
        page(head=f'<meta name="DC.Rights" content="{BY}">'),
        ("CC-BY-4.0", "head", "meta"),
        id="meta-DC-Rights-url",
    ),
    pytest.param(
        page(head=f'<meta name="dcterms.license" content="{CC0}">'),
        ("CC0-1.0", "head", "meta"),
        id="meta-dcterms-license",
    ),
    pytest.param(
        page(head='<meta name="LICENSE" content="CC-BY-SA-4.0">'),
        ("CC-BY-SA-4.0", "head", "meta"),
        id="meta-license-upper",
    ),
    pytest.param(
        page(head='<meta name=" dcterms.rights " content="CC0">'),
        ("CC0-1.0", "head", "meta"),
        id="meta-dcterms-rights-padded",
    ),
    # RDFa: default prefixes (RDFa 1.1 initial context), declared ones, vocab, full IRIs
    pytest.param(
        page(body=f'<a rel="cc:license" href="{BY}">x</a>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-cc-default-prefix",
    ),
    pytest.param(
        page(body=f'<span property="dct:license" resource="{BY}"></span>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-dct-property-resource",
    ),
    pytest.param(
        page(body=f'<span property="dcterms:license" content="{BY_SA}"></span>'),
        ("CC-BY-SA-4.0", "body", "rdfa"),
        id="rdfa-dcterms-content",
    ),
    pytest.param(
        page(body=f'<a property="xhv:license" href="{BY}">x</a>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-xhv-property-href",
    ),
    pytest.param(
        page(body='<span property="cc:license">CC BY-NC 4.0</span>'),
        ("CC-BY-NC-4.0", "body", "rdfa"),
        id="rdfa-literal",
    ),
    pytest.param(
        page(
            body=(
                '<div xmlns:k="http://creativecommons.org/ns#"><a '
                f'rel="k:license" href="{BY}">x</a></div>'
            )
        ),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-xmlns-prefix",
    ),
    pytest.param(
        page(
            body=(
                '<div prefix="lic: http://purl.org/dc/terms/"><a '
                f'rel="lic:license" href="{BY}">x</a></div>'
            )
        ),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-prefix-attribute",
    ),
    pytest.param(
        page(
            body=f'<a rel="cc:license" href="{BY}">x</a>',
            html_attrs=' prefix="cc: http://creativecommons.org/ns#"',
        ),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-prefix-on-html",
    ),
    pytest.param(
        page(
            body=(
                '<div vocab="http://creativecommons.org/ns#"><a '
                f'property="license" href="{BY}">x</a></div>'
            )
        ),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-vocab-term",
    ),
    pytest.param(
        page(body=f'<span property="license" resource="{BY}"></span>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-initial-context-term",
    ),
    pytest.param(
        page(body=f'<a rel="http://creativecommons.org/ns#license" href="{BY}">x</a>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-full-iri",
    ),
    pytest.param(
        page(body=f'<span property="schema:license" resource="{BY}"></span>'),
        ("CC-BY-4.0", "body", "rdfa"),
        id="rdfa-schema",
    ),
    # microdata
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/Article"><link '
                f'itemprop="license" href="{BY}"></div>'
            )
        ),
        ("CC-BY-4.0", "body", "microdata"),
        id="microdata-link",
    ),
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/Article"><a '
                f'itemprop="license" href="{BY_SA}">l</a></div>'
            )
        ),
        ("CC-BY-SA-4.0", "body", "microdata"),
        id="microdata-a",
    ),
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/Article"><meta '
                'itemprop="license" content="CC0"></div>'
            )
        ),
        ("CC0-1.0", "body", "microdata"),
        id="microdata-meta-content",
    ),
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/Article"><span '
                'itemprop="license">CC BY 4.0</span></div>'
            )
        ),
        ("CC-BY-4.0", "body", "microdata"),
        id="microdata-text",
    ),
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/Article"><div '
                'itemprop="license" itemscope '
                'itemtype="https://schema.org/CreativeWork"><link '
                f'itemprop="url" href="{BY}"></div></div>'
            )
        ),
        ("CC-BY-4.0", "body", "microdata"),
        id="microdata-nested-item-url",
    ),
    pytest.param(
        page(
            body=(
                '<div itemscope itemtype="https://schema.org/ImageObject">'
                '<img itemprop="contentUrl" src="p.jpg"><link '
                f'itemprop="license" href="{BY}"></div>'
            )
        ),
        ("CC-BY-4.0", "figure", "microdata"),
        id="microdata-image-object",
    ),
    # JSON-LD
    pytest.param(
        page(
            head=f'<script type="application/ld+json">{{"@context":"https://schema.org","@type":"Article","license":"{BY}"}}</script>'
        ),
        ("CC-BY-4.0", "head", "json-ld"),
        id="json-ld-string",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                '{"@type":"Article","license":"CC BY-SA 4.0"}</script>'
            )
        ),
        ("CC-BY-SA-4.0", "head", "json-ld"),
        id="json-ld-name",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                f'{{"@type":"Article","license":{{"@type":"CreativeWork","url":"{BY}"}}}}</script>'
            )
        ),
        ("CC-BY-4.0", "head", "json-ld"),
        id="json-ld-object-url",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                f'{{"@type":"Article","license":{{"@id":"{CC0}"}}}}</script>'
            )
        ),
        ("CC0-1.0", "head", "json-ld"),
        id="json-ld-object-id",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                f'[{{"@type":"WebSite"}},{{"@type":"Article","license":["{BY}"]}}]</script>'
            )
        ),
        ("CC-BY-4.0", "head", "json-ld"),
        id="json-ld-array",
    ),
    pytest.param(
        page(
            head=f'<script type="application/ld+json">{{"@context":"https://schema.org","@graph":[{{"@type":"WebSite"}},{{"@type":"WebPage","license":"{BY_SA}"}}]}}</script>'
        ),
        ("CC-BY-SA-4.0", "head", "json-ld"),
        id="json-ld-graph",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                f'{{"@type":"Article","image":{{"@type":"ImageObject","license":"{BY}"}}}}</script>'
            )
        ),
        ("CC-BY-4.0", "figure", "json-ld"),
        id="json-ld-image-object",
    ),
    pytest.param(
        page(
            head=(
                '<script type="application/ld+json">'
                f'{{"@type":"Article","associatedMedia":{{"contentUrl":"v.mp4","license":"{BY}"}}}}</script>'
            )
        ),
        ("CC-BY-4.0", "figure", "json-ld"),
        id="json-ld-associated-media",
    ),
    pytest.param(
        page(
            head=f'<script type="application/ld+json">{{"@type":"Article","http://schema.org/license":"{BY}"}}</script>'
        ),
        ("CC-BY-4.0", "head", "json-ld"),
        id="json-ld-full-iri-key",
    ),
    pytest.param(
        page(
            head=f'<script type="Application/LD+JSON">\n<!--\n{{"license":"{BY}"}}\n-->\n</script>'
        ),
        ("CC-BY-4.0", "head", "json-ld"),
        id="json-ld-commented-type-case",
    ),
    pytest.param(
        page(
            body=(
                '<script type="application/ld+json">'
                f'{{"@type":"Article","license":"{BY}"}}</script>'
            )
        ),
        ("CC-BY-4.0", "body", "json-ld"),
        id="json-ld-in-body",
    ),
]


@pytest.mark.parametrize(("html", "expected"), MARKUP)
def test_each_markup(html: bytes, expected: tuple[str, str, str]) -> None:
    assert found(html) == [expected]


@pytest.mark.parametrize(
    "html",
    [
        page(head='<link rel="license" type="application/rsl+xml" href="/rsl.xml">'),
        page(head='<link rel="alternate" href="https://creativecommons.org/licenses/by/4.0/">'),
        page(body='<a href="https://creativecommons.org/licenses/by/4.0/">CC BY</a>'),  # no rel
        page(body=f'<a rel="nolicense" href="{BY}">x</a>'),
        page(body=f'<a rel="foo:license" href="{BY}">x</a>'),  # undeclared prefix
        page(
            body=(
                '<div prefix="cc: http://example.org/other#"><a '
                f'rel="cc:license" href="{BY}">x</a></div>'
            )
        ),
        page(head='<meta name="copyright" content="CC BY 4.0">'),
        page(head='<meta property="og:title" content="Licensing news">'),
        page(head='<script type="application/json">{"license": "CC-BY-4.0"}</script>'),
        page(head='<script type="application/ld+json">{"license": </script>'),  # broken JSON
        page(
            head='<script type="application/ld+json">{"acquireLicensePage": "https://e.org/buy"}</script>'
        ),
    ],
)
def test_what_is_not_a_licence_statement(html: bytes) -> None:
    assert html_findings(html, base_url=PAGE) == []


def test_relative_urls_resolve_against_the_base() -> None:
    html = page(
        head='<base href="https://cdn.example/docs/"><link rel="license" href="../terms.html">',
        body='<a rel="license" href="//creativecommons.org/licenses/by/4.0/">x</a>',
    )
    urls = [(f.id, f.url) for f in html_findings(html, base_url=PAGE)]
    assert urls == [
        (None, "https://cdn.example/terms.html"),
        ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
    ]


def test_text_naming_no_licence_is_kept_without_id() -> None:
    html = page(head='<meta name="dc.rights" content="© 2024 Acme Ltd. All rights reserved.">')
    assert html_findings(html, base_url=PAGE) == [
        LicenseFinding(None, "© 2024 Acme Ltd. All rights reserved.", Location.HEAD, "meta")
    ]


# --- positions ------------------------------------------------------------------------------

CHOOSER = (  # what the Creative Commons licence chooser emits
    f'<a rel="license" href="{BY_SA}"><img alt="Creative Commons Licence" '
    'style="border-width:0" src="https://i.creativecommons.org/l/by-sa/4.0/88x31.png" /></a>'
    f'<br />This work is licensed under a <a rel="license" href="{BY_SA}">Creative Commons '
    "Attribution-ShareAlike 4.0 International License</a>."
)


@pytest.mark.parametrize(
    ("body", "location"),
    [
        (f"<footer>{CHOOSER}</footer>", "footer"),
        (f'<div id="footer"><p>{CHOOSER}</p></div>', "footer"),
        (f'<div class="site-footer-inner">{CHOOSER}</div>', "footer"),
        (f'<div role="contentinfo">{CHOOSER}</div>', "footer"),
        (f"<p>{CHOOSER}</p>", "body"),  # the badge is not an image of the work
        (
            (
                '<figure><img src="p.jpg"><figcaption><a rel="license" '
                f'href="{BY}">CC BY</a></figcaption></figure>'
            ),
            "figure",
        ),
        (f'<figure><img src="p.jpg"><a rel="license" href="{BY}">CC BY</a></figure>', "figure"),
        (
            (
                '<div class="wp-caption"><img src="p.jpg"><p '
                f'class="wp-caption-text">Photo: <a rel="license" href="{BY}">'
                "CC BY</a></p></div>"
            ),
            "figure",
        ),
        (
            (
                '<div><img src="p.jpg"><br>Photo: Jane Roe, <a rel="license" '
                f'href="{BY}">CC BY</a></div>'
            ),
            "figure",
        ),
        (
            f'<p><picture><img src="p.webp"></picture> <a rel="license" href="{BY}">CC BY</a></p>',
            "figure",
        ),
        # an image beside a long text is an illustration of the text, not a caption
        (
            (
                f'<div><img src="p.jpg"><p>{"Long text. " * 30}<a '
                f'rel="license" href="{BY}">CC BY</a></p></div>'
            ),
            "body",
        ),
        # a figure inside the footer is still about its image
        (
            (
                '<footer><figure><img src="p.jpg"><a rel="license" '
                f'href="{BY}">x</a></figure></footer>'
            ),
            "figure",
        ),
        # a site logo in a footer does not turn the footer into a caption
        (
            (
                '<footer><div><img src="logo.png"> © Site, <a rel="license" '
                f'href="{BY}">CC BY</a></div></footer>'
            ),
            "footer",
        ),
    ],
)
def test_positions(body: str, location: str) -> None:
    findings = html_findings(page(body=body), base_url=PAGE)
    assert findings
    assert {f.location.value for f in findings} == {location}


def test_every_markup_in_every_position() -> None:
    """One page with each body markup in body, footer and figure; each found where it is."""
    markups = [
        f'<a rel="license" href="{BY}">l</a>',
        f'<a rel="cc:license" href="{BY}">l</a>',
        f'<span property="dct:license" resource="{BY}"></span>',
        (
            '<span itemscope itemtype="https://schema.org/CreativeWork">'
            f'<link itemprop="license" href="{BY}"></span>'
        ),
        f'<script type="application/ld+json">{{"license": "{BY}"}}</script>',
    ]
    wrappers = {
        "body": "<section><p>{}</p></section>",
        "footer": "<footer>{}</footer>",
        "figure": '<figure><img src="x.jpg"><figcaption>{}</figcaption></figure>',
    }
    for location, wrapper in wrappers.items():
        for markup in markups:
            findings = html_findings(page(body=wrapper.format(markup)), base_url=PAGE)
            assert [(f.id, f.location.value) for f in findings] == [("CC-BY-4.0", location)], (
                location,
                markup,
            )


# --- the reading of a whole page --------------------------------------------------------------


def test_head_over_body_and_disagreement() -> None:
    html = page(
        head=f'<link rel="license" href="{BY_SA}">',
        body=f'<p><a rel="license" href="{BY_NC}">CC BY-NC</a></p>',
    )
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert (reading.id, reading.license_class, reading.disagreement) == (
        "CC-BY-SA-4.0",
        LicenseClass.OPEN,
        True,
    )
    assert [f.location.value for f in reading.findings] == ["head", "body"]


def test_header_over_html() -> None:
    headers = {"Link": [f'<{CC0}>; rel="license"']}
    html = page(body=f"<footer><a rel='license' href='{BY}'>x</a></footer>")
    reading = read_licenses(PAGE, headers, html, content_type="text/html; charset=utf-8")
    assert (reading.id, reading.license_class) == ("CC0-1.0", LicenseClass.PUBLIC_DOMAIN)
    assert [f.location for f in reading.findings] == [Location.HEADER, Location.FOOTER]


def test_only_a_figure_licence_is_partial() -> None:
    """Common Pile's pitfall: the one licence link of the page covers a photo."""
    html = page(
        body=f'<figure><img src="p.jpg"><figcaption>Photo <a rel="license" href="{BY}">CC BY'
        "</a></figcaption></figure>"
    )
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert (reading.id, reading.license_class, reading.disagreement) == (
        "CC-BY-4.0",
        LicenseClass.PARTIAL,
        False,
    )


def test_page_licence_with_a_differently_licensed_photo() -> None:
    html = page(
        body=f'<figure><img src="p.jpg"><figcaption><a rel="license" href="{BY}">CC BY</a>'
        f'</figcaption></figure><footer><a rel="license" href="{BY_SA}">CC BY-SA</a></footer>'
    )
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert (reading.id, reading.license_class, reading.disagreement) == (
        "CC-BY-SA-4.0",
        LicenseClass.OPEN,
        False,
    )


def test_the_same_licence_spelt_three_ways_agrees() -> None:
    html = page(
        head=f'<link rel="license" href="{BY}"><meta name="dc.rights" content="CC BY 4.0">',
        body="<footer><a rel='license' href='http://creativecommons.org/licenses/by/4.0/deed.de'>"
        "CC BY</a></footer>",
    )
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert (reading.id, reading.disagreement, len(reading.findings)) == ("CC-BY-4.0", False, 3)


def test_no_statement_is_unstated() -> None:
    reading = read_licenses(PAGE, {}, page(), content_type="text/html")
    assert reading.to_json() == {
        "id": None,
        "class": "unstated",
        "url": None,
        "findings": [],
        "disagreement": False,
    }


def test_an_unknown_licence_url_is_other() -> None:
    html = page(head='<link rel="license" href="/licence.html">')
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert (reading.id, reading.license_class, reading.url) == (
        None,
        LicenseClass.OTHER,
        "https://news.example/licence.html",
    )


def test_non_html_bodies_are_not_parsed_as_html() -> None:
    text = f'<a rel="license" href="{BY}">x</a>'.encode()
    reading = read_licenses(PAGE, {}, text, content_type="text/plain")
    assert reading.license_class is LicenseClass.UNSTATED


# --- broken and hostile HTML ------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        b"",
        b"   \n",
        b"\x00\x01\x02\xff\xfe",
        b"<html><head><link rel=license href=" + BY.encode(),  # cut off mid-tag
        b"<a rel='license' href='" + BY.encode() + b"'>x",  # no html, head or body
        b"<html><body><footer><p><a rel=license href=" + BY.encode() + b">x</footer></div></html>",
        (
            "<html><head><meta name='dc.rights' content='CC BY-SA 4.0'></head><body>"
            + "<div>" * 5000
        ).encode(),
        b'<script type="application/ld+json">' + b"[" * 100_000 + b"</script>",
        b'<script type="application/ld+json">{"license": {"license": {"url": 5}}}</script>',
        page(head="<meta charset='utf-16'>" + f'<link rel="license" href="{BY}">'),
    ],
)
def test_broken_html_never_raises(html: bytes) -> None:
    findings = html_findings(html, base_url=PAGE)
    assert all(f.id in (None, "CC-BY-4.0", "CC-BY-SA-4.0") for f in findings)


def test_broken_html_still_yields_what_a_browser_would() -> None:
    html = (
        b"<html><body><footer><p><a rel=license href=" + BY.encode() + b">x</footer></div></html>"
    )
    assert found(html) == [("CC-BY-4.0", "footer", "a")]
    cut = b"<html><head><title>x</title><link rel=license href=" + BY.encode() + b">"
    assert found(cut) == [("CC-BY-4.0", "head", "link")]


def test_encoding_from_the_header() -> None:
    html = page(head='<meta name="dc.rights" content="Lizenz: CC BY-SA 4.0, Müller">')
    findings = html_findings(
        html.decode().encode("windows-1252", errors="replace"),
        base_url=PAGE,
        content_type="text/html; charset=windows-1252",
    )
    assert [(f.id, f.url) for f in findings] == [("CC-BY-SA-4.0", "Lizenz: CC BY-SA 4.0, Müller")]


def test_huge_html_is_bounded() -> None:
    """A 20 MiB page of licence links: read up to the cap, in linear time (a union XPath
    made libxml2 merge node-sets quadratically: 3 s on this page)."""
    link = f'<p><a rel="license" href="{BY}">CC BY</a> <span property="cc:license">x</span></p>'
    html = page(body=link * 200_000)
    assert len(html) > 20 * 1024 * 1024
    start = time.process_time()
    findings = html_findings(html, base_url=PAGE)
    elapsed = time.process_time() - start
    assert 0 < len(findings) <= 2000 * 2
    assert elapsed < 1.5, elapsed  # 0.25 s here; a quadratic step would take seconds
    reading = read_licenses(PAGE, {}, html, content_type="text/html")
    assert reading.id == "CC-BY-4.0"
    assert len(reading.findings) <= 32


def test_a_footer_past_the_cap_is_not_seen() -> None:
    html = page(
        body="<p>" + "x" * 5000 + f"</p><footer><a rel='license' href='{BY}'>l</a></footer>"
    )
    assert found(html) == [("CC-BY-4.0", "footer", "a")]
    assert html_findings(html, base_url=PAGE, max_bytes=2000) == []


# --- HTTP headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Link": [f'<{BY}>; rel="license"']}, ["CC-BY-4.0"]),
        ({"link": [f"<{BY}>; rel=license"]}, ["CC-BY-4.0"]),
        ({"Link": [f'<{BY}>; rel="license"; type="text/html"']}, ["CC-BY-4.0"]),
        (
            {
                "Link": [
                    f'</rsl.xml>; rel="license"; type="application/rsl+xml", <{CC0}>; rel="license"'
                ]
            },
            ["CC0-1.0"],
        ),
        (
            {"Link": [f'<{BY}>; rel="license", <{BY_NC}>; rel="license"']},
            ["CC-BY-4.0", "CC-BY-NC-4.0"],
        ),
        (
            {"Link": [f'<{BY}>; rel="license"', f'<{BY_SA}>; rel="license"']},
            ["CC-BY-4.0", "CC-BY-SA-4.0"],
        ),
        ({"Link": [f'<{BY}>; rel="license"; anchor="/other.jpg"']}, []),  # about another resource
        ({"Link": [f'<{BY}>; rel="license"; anchor="{PAGE}"']}, ["CC-BY-4.0"]),
        ({"Link": [f'<{BY}>; rel="alternate"']}, []),
        ({"Link": ["</terms>; rel=license"]}, [None]),
        ({"Link": ['<broken; rel="license"']}, []),
        ({}, []),
    ],
)
def test_link_headers(headers: dict[str, list[str]], expected: list[str | None]) -> None:
    findings = header_findings(headers, PAGE)
    assert [f.id for f in findings] == expected
    assert all(f.location is Location.HEADER and f.source == "link-header" for f in findings)


# --- XMP, PDF, images, EPUB -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("packet", "expected"),
    [
        (licence_xmp_packet(BY), [("CC-BY-4.0", "cc:license")]),
        (licence_xmp_packet(BY, form="attribute"), [("CC-BY-4.0", "cc:license")]),
        (licence_xmp_packet(web_statement=BY_SA), [("CC-BY-SA-4.0", "xmpRights:WebStatement")]),
        (licence_xmp_packet(marked="False"), [("LicenseRef-Public-Domain", "xmpRights:Marked")]),
        (licence_xmp_packet(marked="True"), [(None, "xmpRights:Marked")]),
        (licence_xmp_packet(marked="maybe"), []),
        (licence_xmp_packet(rights="CC BY-NC 4.0, Jane Roe"), [("CC-BY-NC-4.0", "dc:rights")]),
        (licence_xmp_packet(rights="© Jane Roe"), [(None, "dc:rights")]),
        (
            licence_xmp_packet(BY, web_statement="https://jane.example/rights", marked="True"),
            [
                ("CC-BY-4.0", "cc:license"),
                (None, "xmpRights:WebStatement"),
                (None, "xmpRights:Marked"),
            ],
        ),
        (b"<x:xmpmeta", []),
        (b"", []),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', []),
    ],
)
def test_xmp_packets(packet: bytes, expected: list[tuple[str | None, str]]) -> None:
    findings = xmp_findings(packet)
    assert [(f.id, f.source) for f in findings] == expected
    assert all(f.location is Location.XMP for f in findings)


def test_xmp_any_prefix() -> None:
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        f'xmlns:lic="http://creativecommons.org/ns#" lic:license="{BY}"/></rdf:RDF></x:xmpmeta>'
    ).encode()
    assert [f.id for f in xmp_findings(packet)] == ["CC-BY-4.0"]


def test_pdf_catalog_xmp() -> None:
    pdf = licensed_pdf(BY_SA, marked="True")
    assert [(f.id, f.source) for f in pdf_findings(pdf)] == [
        ("CC-BY-SA-4.0", "cc:license"),
        (None, "xmpRights:Marked"),
    ]
    reading = read_licenses(PAGE, {}, pdf, content_type="application/pdf")
    assert (reading.id, reading.license_class) == ("CC-BY-SA-4.0", LicenseClass.OPEN)


@pytest.mark.parametrize(
    "body",
    [
        make_pdf(None),
        b"not a pdf",
        pdf_header_then(licence_xmp_packet(BY)),  # unreadable by pypdf: no catalog, no licence
        licensed_pdf(BY)[:200],
    ],
)
def test_pdf_without_catalog_licence(body: bytes) -> None:
    assert pdf_findings(body) == []


def test_pdf_over_the_cap_is_not_read() -> None:
    assert pdf_findings(licensed_pdf(BY), max_bytes=100) == []


def test_image_xmp() -> None:
    png = licensed_png(CC0)
    assert [(f.id, f.location.value) for f in media_findings(png)] == [("CC0-1.0", "xmp")]
    reading = read_licenses(PAGE, {}, png, content_type="image/png")
    assert reading.license_class is LicenseClass.PUBLIC_DOMAIN
    assert media_findings(make_png()) == []


@pytest.mark.parametrize(
    ("epub", "expected"),
    [
        (licensed_epub("CC BY-SA 4.0"), [("CC-BY-SA-4.0", "dc:rights")]),
        (licensed_epub(f"Licensed under {BY}"), [("CC-BY-4.0", "dc:rights")]),
        (licensed_epub("All rights reserved"), [(None, "dc:rights")]),
        (licensed_epub(license_meta=CC0), [("CC0-1.0", "opf-meta")]),
        (
            licensed_epub("© 2021 Jane Roe", license_meta=BY),
            [(None, "dc:rights"), ("CC-BY-4.0", "opf-meta")],
        ),
        (make_epub(3), []),
        (b"PK\x03\x04 broken", []),
    ],
)
def test_epub_opf(epub: bytes, expected: list[tuple[str | None, str]]) -> None:
    findings = epub_findings(epub)
    assert [(f.id, f.source) for f in findings] == expected
    assert all(f.location is Location.OPF for f in findings)


def test_epub_reading() -> None:
    reading = read_licenses(
        PAGE,
        {},
        licensed_epub("© 2021 Jane Roe", license_meta=BY),
        content_type="application/epub+zip",
    )
    assert (reading.id, reading.license_class, reading.disagreement) == (
        "CC-BY-4.0",
        LicenseClass.OPEN,
        False,
    )


# --- RSL and CC signals -----------------------------------------------------------------------


def rsl(license_xml: str) -> RslDocument:
    body = (
        f'<rsl xmlns="https://rslstandard.org/rsl"><content url="/">{license_xml}</content></rsl>'
    ).encode()
    doc = parse_rsl(body, url="https://news.example/license.xml")
    assert isinstance(doc, RslDocument)
    return doc


@pytest.mark.parametrize(
    ("license_xml", "expected"),
    [
        (
            '<license><permits type="usage">all</permits><payment type="attribution">'
            f"<standard>{BY}</standard></payment></license>",
            [("CC-BY-4.0", BY)],
        ),
        (
            '<license><permits type="usage">all</permits><payment type="free"/></license>',
            [(None, "https://news.example/license.xml")],
        ),
        (
            '<license><permits type="usage">all</permits></license>',
            [(None, "https://news.example/license.xml")],
        ),
        ('<license><permits type="usage">search</permits></license>', []),  # not every usage
        (
            (
                '<license><permits type="usage">all</permits><prohibits '
                'type="usage">ai-train</prohibits></license>'
            ),
            [],
        ),
        (
            (
                '<license><permits type="usage">all</permits><payment '
                'type="purchase"><amount currency="USD">1</amount></payment>'
                "</license>"
            ),
            [],
        ),
        ('<license server="https://ls.example/"><permits type="usage">all</permits></license>', []),
        ("", []),
    ],
)
def test_rsl_free_licences(license_xml: str, expected: list[tuple[str | None, str]]) -> None:
    findings = rsl_findings(rsl(license_xml), PAGE)
    assert [(f.id, f.url) for f in findings] == expected
    assert all(f.source == "rsl" and f.location is Location.SITE for f in findings)


def test_rsl_without_a_known_licence_does_not_count() -> None:
    findings = rsl_findings(rsl('<license><permits type="usage">all</permits></license>'), PAGE)
    reading = read_licenses(PAGE, {}, page(), content_type="text/html", extra=findings)
    assert (reading.license_class, len(reading.findings)) == (LicenseClass.UNSTATED, 1)


def test_rsl_naming_cc_by_counts() -> None:
    doc = rsl(
        '<license><permits type="usage">all</permits><payment type="attribution">'
        f"<standard>{BY}</standard></payment></license>"
    )
    extra = rsl_findings(doc, PAGE, location=Location.HEADER)
    reading = read_licenses(PAGE, {}, page(), content_type="text/html", extra=extra)
    assert (reading.id, reading.license_class) == ("CC-BY-4.0", LicenseClass.OPEN)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("cc-cr", ["cc-cr"]),
        ("cc-cr-ec", ["cc-cr-ec"]),
        ('"cc-cr-dc"', ["cc-cr-dc"]),
        ("(cc-cr cc-cr-op)", ["cc-cr", "cc-cr-op"]),
        (["cc-cr", "other"], ["cc-cr"]),
        ("CC-CR", ["CC-CR"]),
        ("something-else", []),
        ("", []),
    ],
)
def test_cc_signals(value: str | list[str], expected: list[str]) -> None:
    findings = cc_signal_findings(value)
    assert [f.url for f in findings] == expected
    assert all(f.id is None and f.source == "cc-signal" for f in findings)


def test_cc_signals_name_no_licence() -> None:
    reading = read_licenses(
        PAGE, {}, page(), content_type="text/html", extra=cc_signal_findings("cc-cr")
    )
    assert reading.license_class is LicenseClass.UNSTATED
    assert [f.source for f in reading.findings] == ["cc-signal"]


def test_wide_encodings_are_parsed_whatever_the_bytes_say() -> None:
    """The no-mention shortcut reads raw bytes, so UTF-16 pages always go to the parser."""
    html = page(head=f'<link rel="LICENSE" href="{BY}">').decode()
    with_bom = "\ufeff".encode("utf-16-le") + html.encode("utf-16-le")
    assert [f.id for f in html_findings(with_bom, base_url=PAGE)] == ["CC-BY-4.0"]
    declared = html.encode("utf-16-le")
    findings = html_findings(declared, base_url=PAGE, content_type="text/html; charset=UTF-16")
    assert [f.id for f in findings] == ["CC-BY-4.0"]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        (page(head=f'<LINK REL="LICENSE" HREF="{BY}">'), ["CC-BY-4.0"]),
        (page(head='<META NAME="DC.RIGHTS" CONTENT="CC0">'), ["CC0-1.0"]),
        (page(body="<p>Our licence terms are on the about page.</p>"), []),
        (page(body="<script>/*! lib v3 | example.org/license */</script>"), []),
    ],
)
def test_the_no_mention_shortcut_keeps_every_statement(html: bytes, expected: list[str]) -> None:
    assert [f.id for f in html_findings(html, base_url=PAGE)] == expected
