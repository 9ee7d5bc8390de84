"""What a fetched body says about TDM, extracted once, as a small JSON-able value.

The decision never looks at a body directly: it looks at :class:`ContentFacts`. That
split is what makes a crawl reproducible: the facts go into the decision record, while a
reserved body is never stored, so an offline replay decides from the facts alone, exactly
as the live crawl did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tdm_crawler.policy.c2pa import c2pa_finding
from tdm_crawler.policy.epub import read_epub_tdm
from tdm_crawler.policy.html_meta import looks_like_html, parse_head
from tdm_crawler.policy.iptc import iptc_finding
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.links import rsl_links_from_head
from tdm_crawler.policy.paywall import paywall_finding
from tdm_crawler.policy.pdf import read_pdf_tdm
from tdm_crawler.policy.purposes import EVERY_PURPOSE, Purpose
from tdm_crawler.policy.rsl_inline import inline_rsl_from_html, looks_like_feed, rsl_from_feed
from tdm_crawler.policy.types import Finding, Reason, Signal, TdmProps

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
_EPUB_TYPES = frozenset({"application/epub+zip"})
_MEDIA_PREFIXES = ("image/", "video/", "audio/")


@dataclass(frozen=True, slots=True)
class EmbeddedTdm:
    """TDMRep properties read from inside a PDF (XMP) or an EPUB (OPF)."""

    format: str  # "pdf" or "epub"
    props: TdmProps
    problems: tuple[str, ...]
    detail: str
    complete: bool  # False: the metadata could not be read, so nothing is established

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "props": self.props.to_json(),
            "problems": list(self.problems),
            "detail": self.detail,
            "complete": self.complete,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EmbeddedTdm:
        props = data["props"]
        return cls(
            data["format"],
            TdmProps(props.get("tdm-reservation"), props.get("tdm-policy")),
            tuple(data["problems"]),
            data["detail"],
            data["complete"],
        )


@dataclass(frozen=True, slots=True)
class ContentFacts:
    """The in-content signals of one response, by kind of content."""

    kind: str  # "html", "pdf", "epub", "media", "feed" or "other"
    content_type: str | None = None
    metas: tuple[tuple[str, str], ...] = ()
    rsl_links: tuple[str, ...] = ()
    embedded: EmbeddedTdm | None = None
    c2pa: Finding | None = field(default=None)
    #: RSL licences carried in the body, as (source, XML text): ``inline`` scripts of a
    #: page, ``feed`` licences of a feed. Kept as text so a replay parses the same.
    rsl_documents: tuple[tuple[str, str], ...] = ()
    #: IPTC / PLUS Data Mining of an image or PDF (None: not a kind that carries it).
    iptc: Finding | None = None
    #: HTML only: what schema.org ``isAccessibleForFree`` says (None: nothing).
    paywall: Finding | None = None

    @property
    def is_image(self) -> bool:
        return media_type(self.content_type).startswith("image/")

    def to_json(self) -> dict[str, Any]:
        data = {
            "kind": self.kind,
            "content_type": self.content_type,
            "metas": [list(pair) for pair in self.metas],
            "rsl_links": list(self.rsl_links),
            # Only when there are any, so that evidence written before they were read
            # reads back and writes out byte for byte.
            **(
                {"rsl_documents": [list(d) for d in self.rsl_documents]}
                if self.rsl_documents
                else {}
            ),
            "embedded": self.embedded.to_json() if self.embedded else None,
            "c2pa": _finding_to_json(self.c2pa) if self.c2pa else None,
            **({"iptc": _finding_to_json(self.iptc)} if self.iptc else {}),
        }
        if self.paywall is not None:  # only then: older evidence keeps its bytes
            data["paywall"] = _finding_to_json(self.paywall)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ContentFacts:
        embedded = data.get("embedded")
        c2pa = data.get("c2pa")
        paywall = data.get("paywall")
        return cls(
            kind=data["kind"],
            content_type=data.get("content_type"),
            metas=tuple((name, content) for name, content in data.get("metas", ())),
            rsl_links=tuple(data.get("rsl_links", ())),
            rsl_documents=tuple((source, text) for source, text in data.get("rsl_documents", ())),
            embedded=EmbeddedTdm.from_json(embedded) if embedded else None,
            c2pa=_finding_from_json(c2pa) if c2pa else None,
            iptc=_finding_from_json(data["iptc"]) if data.get("iptc") else None,
            paywall=_finding_from_json(paywall) if paywall else None,
        )


def media_type(content_type: str | None) -> str:
    """``text/html; charset=utf-8`` -> ``text/html``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def content_kind(content_type: str | None, body: bytes) -> str:
    """Which reader applies: by declared type, and for untyped bodies by sniffing."""
    mtype = media_type(content_type)
    if mtype in _HTML_TYPES:
        return "html"
    if mtype in _PDF_TYPES:
        return "pdf"
    if mtype in _EPUB_TYPES:
        return "epub"
    if mtype.startswith(_MEDIA_PREFIXES):
        return "media"
    if looks_like_feed(mtype, body):
        return "feed"
    if not mtype or mtype == "application/octet-stream":
        if body.startswith(b"%PDF-"):
            return "pdf"
        if body.startswith(b"PK\x03\x04") and b"application/epub+zip" in body[:100]:
            return "epub"
        if not mtype and looks_like_html(body):
            return "html"
    return "other"


def extract_content(
    body: bytes, content_type: str | None, url: str, limits: Limits | None = None
) -> ContentFacts:
    """Read every in-content signal a body of this kind can carry. Never raises."""
    limits = limits or Limits()
    kind = content_kind(content_type, body)
    if kind == "html":
        head = parse_head(body, content_type=content_type, max_bytes=limits.html_head_bytes)
        inline = inline_rsl_from_html(
            body,
            content_type=content_type,
            html_bytes=limits.license_html_bytes,
            max_bytes=limits.document_bytes,
            max_count=limits.max_licenses,
        )
        return ContentFacts(
            kind,
            content_type,
            metas=head.metas,
            rsl_links=tuple(rsl_links_from_head(head, base_url=url)),
            rsl_documents=tuple(("inline", text) for text in inline),
            paywall=paywall_finding(
                body, content_type=content_type, max_bytes=limits.paywall_html_bytes
            ),
        )
    if kind == "feed":
        feeds = rsl_from_feed(
            body,
            feed_bytes=limits.sitemap_bytes,
            max_bytes=limits.document_bytes,
            max_count=limits.max_licenses,
        )
        return ContentFacts(kind, content_type, rsl_documents=tuple(("feed", t) for t in feeds))
    if kind == "pdf":
        reading = read_pdf_tdm(body, max_bytes=limits.embedded_bytes, timeout=limits.pdf_timeout)
        return ContentFacts(
            kind, content_type, embedded=EmbeddedTdm("pdf", *reading), iptc=_iptc(body, limits)
        )
    if kind == "epub":
        reading = read_epub_tdm(
            body, max_bytes=limits.embedded_bytes, max_uncompressed=limits.epub_uncompressed
        )
        return ContentFacts(kind, content_type, embedded=EmbeddedTdm("epub", *reading))
    if kind == "media":
        if len(body) > limits.embedded_bytes:
            skipped = (
                f"C2PA not read: body of {len(body)} bytes over the {limits.embedded_bytes} cap"
            )
            return ContentFacts(
                kind,
                content_type,
                c2pa=Finding((Signal("c2pa", "c2pa-manifest", None, skipped),)),
                iptc=_iptc(body, limits, content_type),
            )
        return ContentFacts(
            kind,
            content_type,
            c2pa=c2pa_finding(body, content_type),
            iptc=_iptc(body, limits, content_type),
        )
    return ContentFacts(kind, content_type)


def _iptc(body: bytes, limits: Limits, content_type: str | None = None) -> Finding:
    return iptc_finding(
        body, content_type, max_bytes=limits.embedded_bytes, pdf_timeout=limits.pdf_timeout
    )


def _finding_to_json(finding: Finding) -> dict[str, Any]:
    """The finding as evidence; ``purposes`` only when it is not every purpose, so that
    evidence written before purposes existed (which means every purpose) reads back and
    writes out byte for byte."""
    data: dict[str, Any] = {
        "signals": [signal.to_json() for signal in finding.signals],
        "reserves": finding.reserves.value if finding.reserves else None,
    }
    if finding.purposes != frozenset(Purpose):
        data["purposes"] = [purpose.value for purpose in Purpose if purpose in finding.purposes]
    return data


def _finding_from_json(data: Mapping[str, Any]) -> Finding:
    """A finding as the evidence recorded it; evidence written before purposes existed
    reserves for every purpose, as those crawls decided."""
    signals: Sequence[dict[str, Any]] = data["signals"]
    reserves = data.get("reserves")
    purposes = data.get("purposes")
    return Finding(
        tuple(Signal.from_json(s) for s in signals),
        Reason(reserves) if reserves else None,
        EVERY_PURPOSE if purposes is None else frozenset(Purpose(p) for p in purposes),
    )
