"""ContentFacts: which reader applies to a body, what it extracts, and the JSON record."""

from __future__ import annotations

import json
import random

import pytest

from fixtures.documents import make_epub, make_pdf, make_png, truncated, xmp_packet
from tdm_crawler.policy import (
    ContentFacts,
    Limits,
    TdmProps,
    content_kind,
    extract_content,
)
from tdm_crawler.policy.c2pa import NOT_INSTALLED, training_mining_finding
from tdm_crawler.policy.content import EmbeddedTdm, media_type
from tdm_crawler.policy.purposes import EVERY_PURPOSE
from tdm_crawler.policy.types import Finding, Reason, Signal

URL = "https://e.org/dir/page"
P = "https://e.org/policy.json"

PDF_1 = make_pdf(xmp_packet("1", P))
PDF_NONE = make_pdf(None)
EPUB_1 = make_epub(3, "1", P)
EPUB_2_0 = make_epub(2, "0")
PNG = make_png()
HTML = (
    b"<!DOCTYPE html><html><head>"
    b'<meta name="tdm-reservation" content="1">'
    b'<meta name="robots" content="noai">'
    b'<link rel="license" type="application/rsl+xml" href="../license.xml">'
    b'<link rel="license" href="https://creativecommons.org/licenses/by/4.0/">'
    b"</head><body><meta name=ignored content=x></body></html>"
)
ZIP_NOT_EPUB = b"PK\x03\x04" + b"\x00" * 26 + b"word/document.xml" + b"\x00" * 60


# --- content_kind -------------------------------------------------------------------------

KIND_CASES = [
    # declared types win, whatever the body
    pytest.param("text/html", b"", "html", id="html"),
    pytest.param("TEXT/HTML ; charset=UTF-8", b"", "html", id="html-case-and-params"),
    pytest.param("application/xhtml+xml", b"", "html", id="xhtml"),
    pytest.param("text/html", PDF_1, "html", id="declared-html-pdf-body"),
    pytest.param("application/pdf", b"", "pdf", id="pdf"),
    pytest.param("application/x-pdf", b"", "pdf", id="x-pdf"),
    pytest.param("Application/PDF; qs=0.1", HTML, "pdf", id="declared-pdf-html-body"),
    pytest.param("application/epub+zip", b"", "epub", id="epub"),
    pytest.param("image/png", b"", "media", id="image"),
    pytest.param("image/svg+xml", b"<svg/>", "media", id="svg"),
    pytest.param("video/mp4", b"", "media", id="video"),
    pytest.param("audio/ogg", b"", "media", id="audio"),
    pytest.param("application/json", HTML, "other", id="json-with-html-body"),
    pytest.param("text/plain", HTML, "other", id="text-plain-with-html-body"),
    pytest.param("text/plain", PDF_1, "other", id="text-plain-with-pdf-body"),
    pytest.param("application/zip", EPUB_1, "other", id="zip-with-epub-body"),
    # untyped bodies are sniffed
    pytest.param(None, PDF_1, "pdf", id="untyped-pdf"),
    pytest.param(None, EPUB_1, "epub", id="untyped-epub"),
    pytest.param(None, HTML, "html", id="untyped-html"),
    pytest.param(None, b"\xef\xbb\xbf \n<html>", "html", id="untyped-html-bom-space"),
    pytest.param("", b"<p>hi</p>", "html", id="empty-type-html"),
    pytest.param(" ; charset=utf-8", b"<p>hi</p>", "html", id="only-params-html"),
    pytest.param(None, b"hello <html>", "other", id="untyped-text"),
    pytest.param(None, b"", "other", id="untyped-empty"),
    pytest.param(None, ZIP_NOT_EPUB, "other", id="untyped-zip-not-epub"),
    pytest.param(None, b" %PDF-1.7", "other", id="untyped-pdf-not-at-start"),
    pytest.param(None, PNG, "other", id="untyped-png-not-sniffed"),
    # octet-stream: PDF and EPUB are sniffed, HTML never (it would run markup)
    pytest.param("application/octet-stream", PDF_1, "pdf", id="octet-stream-pdf"),
    pytest.param("application/octet-stream", EPUB_1, "epub", id="octet-stream-epub"),
    pytest.param("application/octet-stream", HTML, "other", id="octet-stream-html"),
    pytest.param("application/octet-stream", b"\x00\x01", "other", id="octet-stream-garbage"),
]


@pytest.mark.parametrize(("content_type", "body", "expected"), KIND_CASES)
def test_content_kind(content_type: str | None, body: bytes, expected: str) -> None:
    assert content_kind(content_type, body) == expected
    assert extract_content(body, content_type, URL).kind == expected


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        pytest.param("text/html; charset=utf-8", "text/html", id="params"),
        pytest.param(" Image/PNG ", "image/png", id="case-and-space"),
        pytest.param(None, "", id="none"),
        pytest.param("", "", id="empty"),
    ],
)
def test_media_type(content_type: str | None, expected: str) -> None:
    assert media_type(content_type) == expected


@pytest.mark.parametrize(
    ("content_type", "is_image"),
    [
        pytest.param("image/png", True, id="png"),
        pytest.param("IMAGE/JPEG; q=1", True, id="case-and-params"),
        pytest.param("video/mp4", False, id="video"),
        pytest.param("text/html", False, id="html"),
        pytest.param(None, False, id="untyped"),
        pytest.param(
            " image/png",
            True,
            id="leading-space",
        ),
    ],
)
def test_is_image(content_type: str | None, is_image: bool) -> None:
    facts = extract_content(PNG, content_type, URL)
    assert facts.is_image is is_image
    if is_image:  # an image is always read as media (C2PA)
        assert facts.kind == "media"


# --- extract_content, kind by kind -------------------------------------------------------


def test_extract_html() -> None:
    facts = extract_content(HTML, "text/html; charset=utf-8", URL)
    assert facts == ContentFacts(
        "html",
        "text/html; charset=utf-8",
        metas=(("tdm-reservation", "1"), ("robots", "noai")),
        rsl_links=("https://e.org/license.xml",),
    )


def test_extract_html_base_href_and_head_only() -> None:
    body = (
        b'<html><head><base href="https://cdn.e.org/x/">'
        b'<link rel="license" type="application/rsl+xml" href="rsl.xml"></head>'
        b'<body><link rel="license" type="application/rsl+xml" href="/body.xml"></body></html>'
    )
    assert extract_content(body, "text/html", URL).rsl_links == ("https://cdn.e.org/x/rsl.xml",)


def test_extract_html_respects_head_limit() -> None:
    filler = b"<meta name=filler content=x>" * 100
    body = b"<html><head>" + filler + b'<meta name="robots" content="noai"></head>'
    assert ("robots", "noai") in extract_content(body, "text/html", URL).metas
    limited = extract_content(body, "text/html", URL, Limits(html_head_bytes=500))
    assert ("robots", "noai") not in limited.metas


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        pytest.param(
            PDF_1,
            "application/pdf",
            EmbeddedTdm("pdf", TdmProps(1, P), (), "XMP metadata read", True),
            id="pdf-1-policy",
        ),
        pytest.param(
            PDF_NONE,
            None,
            EmbeddedTdm("pdf", TdmProps(), (), "no XMP metadata", True),
            id="pdf-untyped-no-xmp",
        ),
        pytest.param(
            EPUB_1,
            "application/epub+zip",
            EmbeddedTdm("epub", TdmProps(1, P), (), "OPF OEBPS/content.opf read", True),
            id="epub3-1-policy",
        ),
        pytest.param(
            EPUB_2_0,
            "application/octet-stream",
            EmbeddedTdm("epub", TdmProps(0), (), "OPF OEBPS/content.opf read", True),
            id="epub2-0-octet-stream",
        ),
    ],
)
def test_extract_embedded(body: bytes, content_type: str | None, expected: EmbeddedTdm) -> None:
    facts = extract_content(body, content_type, URL)
    iptc = facts.iptc if expected.format == "pdf" else None
    assert facts == ContentFacts(expected.format, content_type, embedded=expected, iptc=iptc)
    if expected.format == "pdf":
        assert iptc is not None and iptc.reserves is None


def test_extract_embedded_respects_size_limit() -> None:
    facts = extract_content(PDF_1, "application/pdf", URL, Limits(embedded_bytes=100))
    assert facts.embedded is not None
    assert facts.embedded.props == TdmProps()
    assert facts.embedded.detail.startswith("over size cap")
    epub = extract_content(EPUB_1, "application/epub+zip", URL, Limits(embedded_bytes=100))
    assert epub.embedded is not None
    assert epub.embedded.props == TdmProps()


def test_extract_media_reads_c2pa() -> None:
    facts = extract_content(PNG, "image/png", URL)
    assert (facts.kind, facts.content_type, facts.metas, facts.embedded) == (
        "media",
        "image/png",
        (),
        None,
    )
    assert facts.c2pa is not None
    assert facts.c2pa.reserves is None
    [signal] = facts.c2pa.signals
    assert (signal.protocol, signal.source, signal.value) == ("c2pa", "c2pa-manifest", None)
    assert signal.detail in ("no C2PA manifest", NOT_INSTALLED)


def test_extract_other_reads_nothing() -> None:
    assert extract_content(HTML, "application/json", URL) == ContentFacts(
        "other", "application/json"
    )


# --- the JSON record -------------------------------------------------------------------

C2PA_RESERVING = training_mining_finding(
    [
        {
            "label": "cawg.training-mining",
            "data": {
                "entries": {
                    "cawg.ai_training": {"use": "notAllowed"},
                    "cawg.ai_inference": {"use": "allowed", "constraint_info": "see terms"},
                }
            },
        }
    ]
)

ROUND_TRIP_CASES = [
    pytest.param(extract_content(HTML, "text/html", URL), id="html"),
    pytest.param(extract_content(b"", "text/html", URL), id="html-empty"),
    pytest.param(extract_content(PDF_1, "application/pdf", URL), id="pdf"),
    pytest.param(extract_content(truncated(PDF_1), None, URL), id="pdf-truncated-problems"),
    pytest.param(
        extract_content(make_pdf(xmp_packet("2", "not a url")), None, URL), id="pdf-invalid-values"
    ),
    pytest.param(extract_content(EPUB_1, "application/epub+zip", URL), id="epub"),
    pytest.param(extract_content(EPUB_2_0, None, URL), id="epub2-untyped"),
    pytest.param(extract_content(PNG, "image/png", URL), id="media-extracted"),
    pytest.param(
        ContentFacts("media", "image/jpeg", c2pa=C2PA_RESERVING), id="media-c2pa-reserving"
    ),
    pytest.param(
        ContentFacts("media", "video/mp4", c2pa=Finding((), None)), id="media-empty-finding"
    ),
    pytest.param(
        ContentFacts(
            "media",
            "image/png",
            c2pa=Finding((Signal("c2pa", "c2pa-manifest", None, "x"),), Reason.C2PA),
        ),
        id="media-reserves-without-value",
    ),
    pytest.param(extract_content(b"{}", "application/json", URL), id="other"),
    pytest.param(ContentFacts("other"), id="defaults"),
]


@pytest.mark.parametrize("facts", ROUND_TRIP_CASES)
def test_json_round_trip(facts: ContentFacts) -> None:
    assert ContentFacts.from_json(facts.to_json()) == facts
    # through real JSON text, as the decision record stores it
    text = json.dumps(facts.to_json(), sort_keys=True)
    again = ContentFacts.from_json(json.loads(text))
    assert again == facts
    assert json.dumps(again.to_json(), sort_keys=True) == text


def test_json_shape() -> None:
    facts = extract_content(PDF_1, "application/pdf", URL)
    assert facts.to_json() == {
        "kind": "pdf",
        "content_type": "application/pdf",
        "metas": [],
        "rsl_links": [],
        "embedded": {
            "format": "pdf",
            "props": {"tdm-reservation": 1, "tdm-policy": P},
            "problems": [],
            "detail": "XMP metadata read",
            "complete": True,
        },
        "c2pa": None,
        "iptc": {
            "signals": [
                {
                    "protocol": "iptc",
                    "source": "xmp",
                    "value": None,
                    "detail": "PDF XMP: no plus:DataMining",
                }
            ],
            "reserves": None,
        },
    }
    assert ContentFacts("media", "image/png", c2pa=C2PA_RESERVING).to_json()["c2pa"] == {
        "signals": [s.to_json() for s in C2PA_RESERVING.signals],
        "reserves": "c2pa",
        "purposes": ["ai-training"],
    }


def test_evidence_without_purposes_reserves_for_every_purpose() -> None:
    """Evidence recorded before purposes existed: the crawl decided it reserved, and a
    replay for any purpose must not read less into it than the crawl did."""
    recorded = ContentFacts("media", "image/png", c2pa=C2PA_RESERVING).to_json()
    del recorded["c2pa"]["purposes"]
    c2pa = ContentFacts.from_json(recorded).c2pa
    assert c2pa is not None
    assert (c2pa.reserves, c2pa.purposes) == (C2PA_RESERVING.reserves, EVERY_PURPOSE)


# --- extract_content never raises ---------------------------------------------------------

# (content type, body prefix) per kind; random tails make garbage of each.
GARBAGE_KINDS = [
    pytest.param("text/html", b"<html><head>", "html", id="html"),
    pytest.param(
        "text/html; charset=no-such-charset", b"<meta charset=x>", "html", id="html-bad-cs"
    ),
    pytest.param(None, b"<!doctype html>", "html", id="html-sniffed"),
    pytest.param("application/pdf", b"%PDF-1.7\n", "pdf", id="pdf"),
    pytest.param(None, b"%PDF-", "pdf", id="pdf-sniffed"),
    pytest.param("application/epub+zip", b"PK\x03\x04", "epub", id="epub"),
    pytest.param(
        None,
        b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/epub+zip",
        "epub",
        id="epub-sniffed",
    ),
    pytest.param("image/png", b"\x89PNG\r\n\x1a\n", "media", id="png"),
    pytest.param("image/jpeg", b"\xff\xd8\xff\xe0", "media", id="jpeg"),
    pytest.param("video/mp4", b"\x00\x00\x00\x18ftypmp42", "media", id="mp4"),
    pytest.param("audio/mpeg", b"ID3", "media", id="mp3"),
    pytest.param("application/x-whatever", b"", "other", id="other"),
]


@pytest.mark.parametrize(("content_type", "prefix", "kind"), GARBAGE_KINDS)
def test_extract_content_never_raises(content_type: str | None, prefix: bytes, kind: str) -> None:
    rng = random.Random(f"{content_type}{prefix!r}")
    bodies = [prefix, prefix + b"\x00" * 64, prefix + b"\xff" * 64]
    bodies += [prefix + rng.randbytes(rng.randrange(1, 2048)) for _ in range(25)]
    for body in bodies:
        facts = extract_content(body, content_type, URL)
        assert facts.kind == kind
        assert ContentFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts


@pytest.mark.parametrize(
    ("body", "content_type", "kind"),
    [
        pytest.param(truncated(PDF_1, 0.3), "application/pdf", "pdf", id="truncated-pdf"),
        pytest.param(
            make_pdf(xmp_packet("1"), encrypt=True, user_password="secret"),
            None,
            "pdf",
            id="encrypted-pdf",
        ),
        pytest.param(EPUB_1[:200], "application/epub+zip", "epub", id="truncated-epub"),
        pytest.param(make_epub(3, "1", with_container=False), None, "epub", id="epub-no-container"),
        pytest.param(PNG[:20], "image/png", "media", id="truncated-png"),
        pytest.param(PNG, "image/x-unknown-format", "media", id="unknown-image-type"),
        pytest.param(b"\x00" * 100, "text/html", "html", id="nul-html"),
        pytest.param(
            b'<html><head><base href="http://[::1"><link rel=license '
            b'type="application/rsl+xml" href="x.xml"></head>',
            "text/html",
            "html",
            id="html-broken-base",
        ),
        pytest.param(b"<p>x", "\x00\xff;;;", "other", id="garbage-content-type"),
    ],
)
def test_extract_content_hostile_samples(body: bytes, content_type: str | None, kind: str) -> None:
    facts = extract_content(body, content_type, URL)
    assert facts.kind == kind
    assert ContentFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts


def test_extract_content_odd_page_urls() -> None:
    body = b'<html><head><link rel=license type="application/rsl+xml" href="/l.xml"></head>'
    for url in ("", "not a url", "http://[::1", "ftp://e.org/x"):
        assert extract_content(body, "text/html", url).rsl_links == ()


def test_media_over_the_cap_is_not_read() -> None:
    facts = extract_content(PNG, "image/png", URL, Limits(embedded_bytes=len(PNG) - 1))
    assert facts.c2pa is not None and facts.c2pa.reserves is None
    assert "over the" in facts.c2pa.signals[0].detail
