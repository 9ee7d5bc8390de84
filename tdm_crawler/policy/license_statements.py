"""Every machine-readable licence statement of a response, with where it was found.

Readers, one per carrier (protocols §6.4), each returning :class:`LicenseFinding` values
in the order found; :func:`read_licenses` runs the ones a response's kind calls for and
makes the :class:`LicenseReading` (one call for the crawl and for a replay, which reads
the stored body again). Nothing here raises on any input, and every reader is bounded.

- ``Link: <url>; rel="license"`` headers (not those typed ``application/rsl+xml``: an RSL
  file is read by :mod:`~tdm_crawler.policy.rsl`, see :func:`rsl_findings`);
- HTML, the whole document up to ``Limits.license_html_bytes`` (4 MiB: footers sit at
  the end of a page, so far past the head cap; lxml parses that in tens of
  milliseconds, the bound on a hostile page, and a footer beyond it is not seen): ``<link
  rel="license">``, ``<a rel~="license">`` and ``<area>``; RDFa ``rel``/``property``
  naming ``cc:license``, ``xhv:license``, ``dct:license`` or ``schema:license``, with
  prefixes from ``prefix``/``xmlns:*`` attributes and ``vocab``, else RDFa's initial
  context (``cc``, ``dc``, ``dcterms``, ``xhv``, ``schema``; ``dct`` too, ours: it is the
  common spelling); schema.org ``license`` in JSON-LD (``@graph``, arrays, nested
  objects with ``url``/``@id``) and microdata (``itemprop="license"``); ``<meta
  name="dc.rights|dcterms.rights|dc.license|dcterms.license|license">`` (any case);
- XMP ``cc:license``, ``xmpRights:WebStatement``, ``xmpRights:Marked`` and ``dc:rights``,
  from a PDF's catalog or from the raw bytes of an image;
- an EPUB's ``dc:rights`` and ``<meta property="dcterms:license|dcterms:rights">``;
- an RSL licence that permits every usage at no cost, and the CC signals named by the
  aipref ``exceptions`` parameter (permissions, not copyright licences: see
  :mod:`~tdm_crawler.policy.license_reading` for how they count).

**Cost (HTML).** A page whose bytes never say ``license`` nor ``.rights`` (any case)
cannot hold any of these statements and is not parsed; the others are parsed once, and a
compiled XPath picks the candidates: metas, scripts, and elements with a ``rel``,
``property`` or ``itemprop`` attribute, each kind only when the bytes show it near
``license``.

**Where (HTML).** ``head`` for anything in ``<head>``. In the body, an element inside a
``<figure>`` or ``<figcaption>``, or an element whose class or id contains ``caption``,
is ``figure``; else inside a ``<footer>``, an element with ``role="contentinfo"``, or a
class or id containing ``footer``, it is ``footer``; else, **image captions** (ours): when
the statement's nearest block ancestor (``p``, ``div``, ``li``, ``td``...) also holds an
image (``img``, ``picture``, ``video``, ``svg``) that is not a licence badge (the CC
chooser's ``88x31`` buttons, any image inside a ``rel=license`` link) and at most
:data:`CAPTION_TEXT` characters of text, it is ``figure``; otherwise ``body``. A
schema.org ``license`` of an ``ImageObject``/``VideoObject``/``AudioObject``/
``MediaObject``/``Photograph`` (or reached through ``image``, ``video``, ``audio``,
``associatedMedia``, ``thumbnail``) is ``figure`` too, wherever its script sits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any
from urllib.parse import urljoin

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]
import orjson

from tdm_crawler.policy.content import content_kind
from tdm_crawler.policy.epub import read_opf
from tdm_crawler.policy.html_meta import parse_document
from tdm_crawler.policy.license_reading import (
    MAX_VALUE,
    LicenseFinding,
    LicenseReading,
    Location,
    license_reading,
)
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.links import is_rsl_link, license_links_from_headers
from tdm_crawler.policy.pdf import read_pdf_xmp
from tdm_crawler.policy.rsl import FREE_PAYMENTS, RslDocument
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml
from tdm_crawler.policy.spdx import KnownLicense, licence_from_text, licence_from_url
from tdm_crawler.policy.xmp import RDF_NAMESPACE, scan_packets

__all__ = [
    "CAPTION_TEXT",
    "CC_SIGNALS",
    "cc_signal_findings",
    "epub_findings",
    "header_findings",
    "html_findings",
    "media_findings",
    "pdf_findings",
    "read_licenses",
    "rsl_findings",
    "xmp_findings",
]

#: Most text a block may hold and still be an image's caption.
CAPTION_TEXT = 200
#: HTML elements looked at per document (a hostile page may have millions).
MAX_ELEMENTS = 2000
#: JSON-LD: bytes of one script, and nodes walked per script.
MAX_JSON_LD = 1024 * 1024
MAX_JSON_NODES = 10_000

CC_NS = "http://creativecommons.org/ns#"
XHV_NS = "http://www.w3.org/1999/xhtml/vocab#"
DCTERMS_NS = "http://purl.org/dc/terms/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XMP_RIGHTS_NS = "http://ns.adobe.com/xap/1.0/rights/"

# RDFa 1.1 initial context (W3C), plus "dct" (ours).
_DEFAULT_PREFIXES = {
    "cc": CC_NS,
    "dc": DCTERMS_NS,
    "dcterms": DCTERMS_NS,
    "dct": DCTERMS_NS,
    "dc11": DC_NS,
    "xhv": XHV_NS,
    "schema": "http://schema.org/",
}
_LICENSE_IRIS = frozenset(
    {
        f"{CC_NS}license",
        f"{XHV_NS}license",
        f"{DCTERMS_NS}license",
        "http://schema.org/license",
        "https://schema.org/license",
    }
)
_META_NAMES = frozenset({"dc.rights", "dcterms.rights", "dc.license", "dcterms.license", "license"})
_JSON_LD_KEYS = frozenset(
    {"license", "schema:license", "http://schema.org/license", "https://schema.org/license"}
)
_MEDIA_TYPES = frozenset(
    {"imageobject", "videoobject", "audioobject", "mediaobject", "photograph", "3dmodel"}
)
_MEDIA_KEYS = frozenset({"image", "video", "audio", "associatedmedia", "thumbnail", "photo"})
_BLOCKS = frozenset(
    {"p", "div", "li", "dd", "dt", "td", "th", "section", "article", "aside", "blockquote"}
)
_IMAGES = frozenset({"img", "picture", "video", "svg"})
_BADGE = re.compile(r"licensebuttons\.net|i\.creativecommons\.org|/88x31|/80x15", re.IGNORECASE)
_PREFIX_PAIR = re.compile(r"([A-Za-z_][\w.-]*):\s+(\S+)")
# Candidates are picked in C by a compiled XPath, and only the attribute kinds the raw
# bytes show next to "license" are asked for: libxml2 tests each predicate on every
# element, which on a long page costs more than the parse itself.
_KINDS = ("rel", "property", "itemprop")
_KIND_MENTION = {
    kind: re.compile(kind.encode() + rb"""\s*=\s*["']?[^"'>]{0,200}license""") for kind in _KINDS
}
_BASE = lxml.etree.XPath("/html/head//base[@href]")
# A document that says neither "license" nor ".rights" has no statement: the parse is
# skipped. The bytes are searched as they came, so a UTF-16 or UTF-32 document is always
# parsed, with every kind of candidate.
_MENTIONS = (b"license", b".rights")
_WIDE = re.compile(r"utf-?(?:16|32)", re.IGNORECASE)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


def read_licenses(
    url: str,
    headers: Mapping[str, Sequence[str]],
    body: bytes,
    *,
    content_type: str | None = None,
    limits: Limits | None = None,
    extra: Iterable[LicenseFinding] = (),
) -> LicenseReading:
    """The licence reading of one stored response: its ``Link`` headers, then what its
    kind of body carries (HTML, PDF, EPUB, an image's XMP), then ``extra`` findings the
    caller already has (:func:`rsl_findings`, :func:`cc_signal_findings`)."""
    limits = limits or Limits()
    findings = header_findings(headers, url)
    kind = content_kind(content_type, body)
    if kind == "html":
        findings += html_findings(
            body, base_url=url, content_type=content_type, max_bytes=limits.license_html_bytes
        )
    elif kind == "pdf":
        findings += pdf_findings(body, max_bytes=limits.embedded_bytes, timeout=limits.pdf_timeout)
    elif kind == "epub":
        findings += epub_findings(
            body, max_bytes=limits.embedded_bytes, max_uncompressed=limits.epub_uncompressed
        )
    elif kind == "media" and len(body) <= limits.embedded_bytes:
        findings += media_findings(body)
    return license_reading([*findings, *extra])


def _finding(
    value: str, location: Location, source: str, base_url: str | None = None
) -> LicenseFinding | None:
    """A finding for a URL (resolved against ``base_url`` when given) or a text."""
    value = " ".join(value.split())
    if not value:
        return None
    if base_url is not None:
        value = _join(base_url, value)
    found: KnownLicense | None = licence_from_text(value)
    return LicenseFinding(found.id if found else None, value[:MAX_VALUE], location, source)


def _join(base: str, reference: str) -> str:
    """``reference`` resolved against ``base``; as written when it cannot be."""
    if reference.startswith(("https://", "http://")):
        return reference  # already absolute (most licence links): spare urljoin
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


# --- HTTP ------------------------------------------------------------------------------------


def header_findings(headers: Mapping[str, Sequence[str]], base_url: str) -> list[LicenseFinding]:
    """``Link: <url>; rel="license"`` header fields (RFC 8288), not typed as RSL."""
    found = (
        _finding(target, Location.HEADER, "link-header")
        for target in license_links_from_headers(headers, base_url)
    )
    return [finding for finding in found if finding is not None]


# --- HTML ------------------------------------------------------------------------------------


def html_findings(
    html: bytes,
    *,
    base_url: str,
    content_type: str | None = None,
    max_bytes: int | None = None,
) -> list[LicenseFinding]:
    """Every licence statement of an HTML document, in document order, read from the
    first ``max_bytes`` (default ``Limits().license_html_bytes``)."""
    if max_bytes is None:
        max_bytes = Limits().license_html_bytes
    data = html[:max_bytes]
    kinds: tuple[str, ...] = _KINDS
    if not (data.startswith(_WIDE_BOMS) or (content_type and _WIDE.search(content_type))):
        lowered = data.lower()  # bytes.lower and ``in`` run in C; a case-blind regex does not
        if not any(mention in lowered for mention in _MENTIONS):
            return []
        kinds = tuple(
            kind
            for kind in _KINDS
            if kind.encode() in lowered and _KIND_MENTION[kind].search(lowered)
        )
    root = parse_document(data, content_type=content_type, max_bytes=max_bytes)
    if root is None:
        return []
    bases = _BASE(root)
    base = _join(base_url, bases[0].get("href").strip()) if bases else base_url
    findings: list[LicenseFinding] = []
    for element in _candidates(kinds)(root)[:MAX_ELEMENTS]:
        if not isinstance(element.tag, str):
            continue
        for value, source, is_url, media in _statements(element):
            location = Location.FIGURE if media else _location(element)
            finding = _finding(value, location, source, base if is_url else None)
            if finding is not None:
                findings.append(finding)
    return findings


@cache
def _candidates(kinds: tuple[str, ...]) -> Any:
    """The compiled XPath for metas, scripts and elements with the attributes ``kinds``,
    in document order: one path with one predicate (a union of paths would make
    libxml2 merge node-sets, quadratic on a hostile page)."""
    tests = ["self::meta", "self::script", *(f"@{kind}" for kind in kinds)]
    return lxml.etree.XPath(f"descendant::*[{' or '.join(tests)}]")


def _statements(element: Any) -> Iterator[tuple[str, str, bool, bool]]:
    """``(value, source, value is a URL reference, about a media object)`` of one element."""
    tag = element.tag
    if tag == "script":
        if "ld+json" in (element.get("type") or "").lower():
            yield from _json_ld(element.text or "")
        return
    if tag == "meta" and (element.get("name") or "").strip().lower() in _META_NAMES:
        yield element.get("content") or "", "meta", False, False
    rel = element.get("rel")
    if rel is not None and (element.get("href") is not None or element.get("resource")):
        tokens = rel.split()
        if tag in ("link", "a", "area") and any(t.lower() == "license" for t in tokens):
            if not (tag == "link" and is_rsl_link(rel, element.get("type"))):
                yield element.get("href") or "", "link" if tag == "link" else "a", True, False
        elif _names_license(element, tokens):
            yield element.get("resource") or element.get("href") or "", "rdfa", True, False
    prop = element.get("property")
    if prop is not None and _names_license(element, prop.split()):
        yield from _rdfa_property(element)
    itemprop = element.get("itemprop")
    if itemprop is not None and any(_is_schema_license(t) for t in itemprop.split()):
        value, is_url = _microdata_value(element)
        yield value, "microdata", is_url, _in_media_item(element)


def _names_license(element: Any, tokens: list[str]) -> bool:
    """Whether an RDFa ``rel``/``property`` value names a licence property. Terms
    (``license``) and CURIEs are expanded with the element's in-scope vocab/prefixes."""
    prefixes: dict[str, str] | None = None
    for token in tokens:
        local = token.rpartition(":")[2].rpartition("#")[2].rpartition("/")[2]
        if local.lower() != "license":
            continue
        if token in _LICENSE_IRIS:
            return True
        prefix, colon, reference = token.partition(":")
        if not colon:
            vocab = _in_scope(element, "vocab")
            if (vocab + token if vocab else f"{XHV_NS}{token.lower()}") in _LICENSE_IRIS:
                return True
            continue
        if prefixes is None:
            prefixes = _prefixes(element)
        namespace = prefixes.get(prefix.lower())
        if namespace is not None and namespace + reference in _LICENSE_IRIS:
            return True
    return False


def _in_scope(element: Any, attribute: str) -> str | None:
    for node in (element, *element.iterancestors()):
        value = node.get(attribute)
        if value is not None:
            return str(value).strip()
    return None


def _prefixes(element: Any) -> dict[str, str]:
    """RDFa's initial context overridden by ``xmlns:p`` and ``prefix`` attributes, the
    nearest declaration winning."""
    chain = [element, *element.iterancestors()]
    prefixes = dict(_DEFAULT_PREFIXES)
    for node in reversed(chain):  # outermost first, so inner declarations override
        for name, value in node.attrib.items():
            if isinstance(name, str) and name.lower().startswith("xmlns:"):
                prefixes[name[6:].lower()] = value.strip()
        declared = node.get("prefix")
        if declared:
            for prefix, iri in _PREFIX_PAIR.findall(declared):
                prefixes[prefix.lower()] = iri
    return prefixes


def _rdfa_property(element: Any) -> Iterator[tuple[str, str, bool, bool]]:
    for attribute in ("resource", "href", "src"):
        value = element.get(attribute)
        if value is not None:
            yield value, "rdfa", True, False
            return
    content = element.get("content")
    yield (content if content is not None else element.text_content()), "rdfa", False, False


def _is_schema_license(token: str) -> bool:
    return token == "license" or token in _LICENSE_IRIS


def _microdata_value(element: Any) -> tuple[str, bool]:
    """A microdata property's value (HTML §5.2.4): the URL attribute of URL elements,
    ``content`` of a meta, else the text."""
    tag = element.tag
    if tag in ("a", "area", "link"):
        return element.get("href") or "", True
    if tag in ("img", "audio", "video", "source", "embed", "iframe", "track"):
        return element.get("src") or "", True
    if tag == "object":
        return element.get("data") or "", True
    if tag == "meta":
        return element.get("content") or "", False
    if element.get("itemscope") is not None:  # the licence as an item: its url property
        for child in element.iter():
            if child is not element and (child.get("itemprop") or "").strip() == "url":
                return _microdata_value(child)
    return element.text_content(), False


def _in_media_item(element: Any) -> bool:
    """Whether the microdata item this property belongs to is a media object."""
    for node in element.iterancestors():
        if node.get("itemscope") is not None:
            itemtype = (node.get("itemtype") or "").lower()
            return any(itemtype.rstrip("/").endswith("/" + t) for t in _MEDIA_TYPES)
    return False


def _json_ld(text: str) -> Iterator[tuple[str, str, bool, bool]]:
    """Every schema.org ``license`` of one JSON-LD script, in document order."""
    text = text.strip()
    if len(text) > MAX_JSON_LD:
        return
    text = text.removeprefix("<!--").removesuffix("-->").strip()
    text = text.removeprefix("<![CDATA[").removesuffix("]]>").strip()
    try:
        data = orjson.loads(text)  # depth-limited, unlike json (a RecursionError)
    except orjson.JSONDecodeError:
        return
    stack: list[tuple[Any, bool]] = [(data, False)]
    walked = 0
    while stack and walked < MAX_JSON_NODES:
        node, media = stack.pop()
        walked += 1
        if isinstance(node, list):
            stack.extend((item, media) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        media = media or _is_media_node(node)
        children: list[tuple[Any, bool]] = []
        for key, value in node.items():
            if not isinstance(key, str):
                continue
            if key.lower() in _JSON_LD_KEYS:
                for licence_value in value if isinstance(value, list) else [value]:
                    found = _json_ld_value(licence_value)
                    if found is not None:
                        yield found, "json-ld", _is_reference(found), media
            else:
                children.append((value, media or key.lower() in _MEDIA_KEYS))
        stack.extend(reversed(children))


def _is_media_node(node: dict[str, Any]) -> bool:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return any(
        isinstance(name, str) and name.rpartition("/")[2].rpartition(":")[2].lower() in _MEDIA_TYPES
        for name in names
    )


def _json_ld_value(value: Any) -> str | None:
    """A ``license`` value: a string, or an object's ``url``/``@id``/``name``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("url", "@id", "name"):
            inner = value.get(key)
            if isinstance(inner, str):
                return inner
    return None


def _is_reference(value: str) -> bool:
    """A JSON-LD string that is a URL (absolute, or relative to the page) and not text."""
    value = value.strip()
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*://|//|/[^\s]*$", value))


def _location(element: Any) -> Location:
    """Where an element sits (see the module docstring)."""
    in_footer = False
    block = None
    for node in element.iterancestors():
        tag = node.tag
        if tag == "head":
            return Location.HEAD
        if not isinstance(tag, str):
            continue
        if block is None and tag in _BLOCKS:
            block = node
        marks = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
        if tag in ("figure", "figcaption") or "caption" in marks:
            return Location.FIGURE
        if (
            tag == "footer"
            or "footer" in marks
            or (node.get("role") or "").lower() == "contentinfo"
        ):
            in_footer = True
    if in_footer:
        return Location.FOOTER
    if block is not None and _is_caption(block):
        return Location.FIGURE
    return Location.BODY


def _is_caption(block: Any) -> bool:
    """A block holding a real image (not a licence badge) and little text."""
    if len(" ".join(block.text_content().split())) > CAPTION_TEXT:
        return False
    for image in block.iter(*_IMAGES):
        if _BADGE.search(image.get("src") or ""):
            continue
        if any(
            (a.get("rel") or "").lower().split().count("license") for a in image.iterancestors("a")
        ):
            continue
        return True
    return False


# --- XMP, PDF, images, EPUB -------------------------------------------------------------------

_XMP_PROPERTIES = {
    f"{{{CC_NS}}}license": "cc:license",
    f"{{{XMP_RIGHTS_NS}}}WebStatement": "xmpRights:WebStatement",
    f"{{{XMP_RIGHTS_NS}}}Marked": "xmpRights:Marked",
    f"{{{DC_NS}}}rights": "dc:rights",
}
_RDF_RESOURCE = f"{{{RDF_NAMESPACE}}}resource"
_RDF_DESCRIPTION = f"{{{RDF_NAMESPACE}}}Description"
_XMP_MARKERS = (CC_NS.encode(), XMP_RIGHTS_NS.encode(), DC_NS.encode())


def xmp_findings(packet: bytes, *, location: Location = Location.XMP) -> list[LicenseFinding]:
    """Licence statements of one XMP packet (element or attribute form, any prefix).

    ``xmpRights:Marked`` ``False`` says "public domain" (``LicenseRef-Public-Domain``);
    ``True`` says "rights-managed", kept as found, naming no licence. ``dc:rights`` is
    a language alternative: each distinct text is read. An unparsable packet has none.
    """
    try:
        root = parse_xml(packet)
    except UnsafeOrInvalidXml:
        return []
    found: list[tuple[str, str]] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        source = _XMP_PROPERTIES.get(element.tag)
        if source is not None:
            resource = element.get(_RDF_RESOURCE)
            if resource is not None:
                found.append((source, resource))
            elif len(element):
                texts = (item.text or "" for item in element.iter() if item is not element)
                found.extend((source, text) for text in dict.fromkeys(texts) if text.strip())
            else:
                found.append((source, element.text or ""))
        if element.tag == _RDF_DESCRIPTION:
            for key, value in element.attrib.items():
                if key in _XMP_PROPERTIES:
                    found.append((_XMP_PROPERTIES[key], value))
    findings: list[LicenseFinding] = []
    for source, value in found:
        if source == "xmpRights:Marked":
            marked = value.strip().lower()
            spdx = "LicenseRef-Public-Domain" if marked == "false" else None
            if marked in ("true", "false"):
                findings.append(LicenseFinding(spdx, f"{source}={value.strip()}", location, source))
            continue
        finding = _finding(value, location, source)
        if finding is not None:
            findings.append(finding)
    return findings


def pdf_findings(
    body: bytes, *, max_bytes: int | None = None, timeout: float | None = None
) -> list[LicenseFinding]:
    """The XMP statements of a PDF's catalog metadata (the document's own, as for
    TDMRep; packets elsewhere in the file describe embedded images)."""
    limits = Limits()
    packet = read_pdf_xmp(
        body,
        max_bytes=limits.embedded_bytes if max_bytes is None else max_bytes,
        timeout=limits.pdf_timeout if timeout is None else timeout,
    )
    return [] if packet is None else xmp_findings(packet)


def media_findings(body: bytes) -> list[LicenseFinding]:
    """The XMP statements of an image, video or audio file: the first uncompressed XMP
    packet with a licence namespace (JPEG APP1, PNG iTXt, WebP, TIFF keep it so)."""
    for packet in scan_packets(body, _XMP_MARKERS):
        findings = xmp_findings(packet)
        if findings:
            return findings
    return []


_OPF_PROPS = frozenset({"dcterms:license", "dcterms:rights"})


def _opf_property(element: Any) -> str:
    return (element.get("property") or "").strip()


def epub_findings(
    body: bytes, *, max_bytes: int | None = None, max_uncompressed: int | None = None
) -> list[LicenseFinding]:
    """``dc:rights`` and ``<meta property="dcterms:license|dcterms:rights">`` (EPUB 3
    reserves the ``dcterms`` prefix) of an EPUB's package metadata."""
    limits = Limits()
    package, _ = read_opf(
        body,
        max_bytes=limits.embedded_bytes if max_bytes is None else max_bytes,
        max_uncompressed=limits.epub_uncompressed if max_uncompressed is None else max_uncompressed,
    )
    if package is None:
        return []
    findings: list[LicenseFinding] = []
    for element in package.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == f"{{{DC_NS}}}rights":
            source, value = "dc:rights", "".join(element.itertext())
        elif element.tag.rpartition("}")[2] == "meta" and (
            element.get("property") or ""
        ).strip() in (
            "dcterms:license",
            "dcterms:rights",
        ):
            if element.get("refines"):
                continue  # about another element of the package
            source, value = "opf-meta", "".join(element.itertext())
        else:
            continue
        finding = _finding(value, Location.OPF, source)
        if finding is not None:
            findings.append(finding)
    return findings


# --- RSL and CC signals ---------------------------------------------------------------------

#: The CC signals of the 2025 proposal, as the aipref ``exceptions`` parameter names them.
CC_SIGNALS = {
    "cc-cr": "Credit",
    "cc-cr-dc": "Credit + Direct Contribution",
    "cc-cr-ec": "Credit + Ecosystem Contribution",
    "cc-cr-op": "Credit + Open",
}


def rsl_findings(
    doc: RslDocument, resource_url: str, *, location: Location = Location.SITE
) -> list[LicenseFinding]:
    """What an RSL licence that permits every usage at no cost says of a resource.

    Such a licence (the ``<content>`` block covering the resource has a ``<license>``
    whose ``<permits type="usage">`` lists ``all``, which prohibits no usage, and whose
    payments are all ``free`` or ``attribution``, with no licence server) is a permission,
    not a copyright licence: a finding with source ``rsl``. Its URL is a payment's
    ``<standard>``/``<custom>`` URL when it has one (RSL points ``attribution`` payments
    at e.g. a CC BY licence, which then counts with its class), else the RSL file's URL,
    with no id. ``location`` is where the file was linked from (``site`` for robots.txt).
    """
    content = doc.match(resource_url)
    if content is None:
        return []
    findings: list[LicenseFinding] = []
    for terms in content.licenses:
        free = all(payment.type in FREE_PAYMENTS for payment in terms.payments)
        if "all" not in terms.permits or terms.prohibits or not free:
            continue
        if terms.server or content.server:
            continue
        urls = [payment.url for payment in terms.payments if payment.url]
        for url in urls or [doc.url]:
            known = licence_from_url(url) if urls else None
            findings.append(LicenseFinding(known.id if known else None, url, location, "rsl"))
    return findings


def cc_signal_findings(
    value: str | Sequence[str], *, location: Location = Location.HEADER
) -> list[LicenseFinding]:
    """The CC signals an aipref ``exceptions`` parameter names (``train-ai=n;
    exceptions=cc-cr``): a token, a string of tokens, or a list of them. Each known one
    is a finding with source ``cc-signal`` and the token as found; they name no licence."""
    tokens = value.split() if isinstance(value, str) else list(value)
    findings = []
    for token in tokens:
        for part in re.split(r"[\s,]+", token.strip().strip('"()')):
            if part.lower() in CC_SIGNALS:
                findings.append(LicenseFinding(None, part, location, "cc-signal"))
    return findings
