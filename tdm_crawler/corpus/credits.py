"""Whom to credit for a work: its title and author, read from the stored payload.

A licence that requires attribution (CC BY and its family, GFDL, ODC-By...) asks the
user of a work to name its author and title. The attribution file reads them from the
stored work at the time it is written (not at crawl time: a crawl of works that need no
attribution should not pay for it), with the crawl's own readers and caps:

- **Author** (the first found, in this order): RDFa ``cc:attributionName`` (how the
  licensor asked to be credited, the CC licence chooser's markup); schema.org ``author``
  in JSON-LD (a name, a ``Person``/``Organization`` with ``name``, or a list of them)
  of the page's own item, not of an image inside it; ``<meta name="author">`` (or
  ``dc.creator``/``dcterms.creator``). A PDF's XMP and an EPUB's package give
  ``dc:creator``.
- **Title**: ``<title>``, else ``og:title``/``dc.title`` metas, else a JSON-LD
  ``headline``/``name``; XMP and OPF ``dc:title``.

Every value is one line of at most :data:`MAX_TEXT` characters; none is trusted (the
writers escape it for their medium). Nothing here raises on any input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]
import orjson

from tdm_crawler.policy.content import content_kind
from tdm_crawler.policy.epub import read_opf
from tdm_crawler.policy.html_meta import parse_document
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.pdf import read_pdf_xmp
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml

__all__ = ["MAX_TEXT", "Credits", "read_credits"]

#: The most of a title or an author kept.
MAX_TEXT: Final = 300
#: JSON-LD: bytes of one script and nodes walked per script (as the licence readers).
_MAX_JSON_LD: Final = 1024 * 1024
_MAX_NODES: Final = 10_000

_CC_ATTRIBUTION: Final = frozenset(
    {"cc:attributionname", "http://creativecommons.org/ns#attributionname"}
)
_AUTHOR_METAS: Final = ("author", "dc.creator", "dcterms.creator")
_TITLE_METAS: Final = ("og:title", "dc.title", "dcterms.title", "twitter:title")
_MEDIA_KEYS: Final = frozenset({"image", "video", "audio", "associatedmedia", "thumbnail", "logo"})
_DC: Final = "http://purl.org/dc/elements/1.1/"
_CANDIDATES: Final = lxml.etree.XPath(
    "descendant::*[self::title or self::meta or self::script or @property]"
)


@dataclass(frozen=True, slots=True)
class Credits:
    """``title`` and ``author`` of a work (None when not found) and where the author
    was found: ``cc:attributionName``, ``json-ld``, ``meta``, ``xmp``, ``opf``."""

    title: str | None = None
    author: str | None = None
    author_source: str | None = None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text[:MAX_TEXT] or None


def read_credits(body: bytes, *, content_type: str | None, limits: Limits | None = None) -> Credits:
    """The title and author of a stored work, by its kind."""
    limits = limits or Limits()
    kind = content_kind(content_type, body)
    if kind == "html":
        return _html(body, content_type, limits)
    if kind == "pdf":
        packet = read_pdf_xmp(body, max_bytes=limits.embedded_bytes, timeout=limits.pdf_timeout)
        return _dc(_parse_xml(packet), "xmp") if packet is not None else Credits()
    if kind == "epub":
        package, _ = read_opf(
            body, max_bytes=limits.embedded_bytes, max_uncompressed=limits.epub_uncompressed
        )
        return _dc(package, "opf")
    return Credits()


def _parse_xml(data: bytes) -> Any | None:
    try:
        return parse_xml(data)
    except UnsafeOrInvalidXml:
        return None


def _dc(root: Any | None, source: str) -> Credits:
    """``dc:title`` and ``dc:creator`` of an XMP packet or an OPF package (the first of
    each; an XMP ``rdf:Alt``/``rdf:Seq`` is read to its first item)."""
    if root is None:
        return Credits()
    found: dict[str, str] = {}
    for element in root.iter(f"{{{_DC}}}title", f"{{{_DC}}}creator"):
        name = element.tag.rpartition("}")[2]
        if name in found:
            continue
        texts = [t for t in (_clean(x) for x in element.itertext()) if t]
        if texts:
            found[name] = texts[0]
    author = found.get("creator")
    return Credits(found.get("title"), author, source if author else None)


def _html(body: bytes, content_type: str | None, limits: Limits) -> Credits:
    root = parse_document(body, content_type=content_type, max_bytes=limits.license_html_bytes)
    if root is None:
        return Credits()
    title: str | None = None
    metas: dict[str, str] = {}
    attribution: str | None = None
    ld_author: str | None = None
    ld_title: str | None = None
    for element in _CANDIDATES(root)[:5000]:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if tag == "title" and title is None:
            title = _clean(element.text_content())
        elif tag == "meta":
            name = (element.get("name") or element.get("property") or "").strip().lower()
            value = _clean(element.get("content"))
            if value and name not in metas:
                metas[name] = value
        elif tag == "script" and "ld+json" in (element.get("type") or "").lower():
            for key, value in _json_ld(element.text or ""):
                if key == "author" and ld_author is None:
                    ld_author = value
                elif key in ("headline", "name") and ld_title is None:
                    ld_title = value
        if attribution is None:
            tokens = {t.lower() for t in (element.get("property") or "").split()}
            if tokens & _CC_ATTRIBUTION:
                attribution = _clean(element.get("content") or element.text_content())
    title = title or next((metas[n] for n in _TITLE_METAS if n in metas), None) or ld_title
    meta_author = next((metas[n] for n in _AUTHOR_METAS if n in metas), None)
    for author, source in (
        (attribution, "cc:attributionName"),
        (ld_author, "json-ld"),
        (meta_author, "meta"),
    ):
        if author:
            return Credits(title, author, source)
    return Credits(title)


def _json_ld(text: str) -> Iterator[tuple[str, str]]:
    """``(key, text)`` for the ``author``, ``headline`` and ``name`` of the items of one
    JSON-LD script, in document order, skipping media items (an image's author is the
    photographer's, not the page's)."""
    text = text.strip()
    if len(text) > _MAX_JSON_LD:
        return
    text = text.removeprefix("<!--").removesuffix("-->").strip()
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        return
    stack: list[Any] = [data]
    walked = 0
    while stack and walked < _MAX_NODES:
        node = stack.pop()
        walked += 1
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        children = []
        for key, value in node.items():
            lowered = key.lower() if isinstance(key, str) else ""
            if lowered in ("author", "schema:author", "http://schema.org/author"):
                names = _names(value)
                if names:
                    yield "author", names
            elif lowered in ("headline", "name"):
                name = _clean(value)
                if name:
                    yield lowered, name
            elif lowered not in _MEDIA_KEYS and isinstance(value, dict | list):
                children.append(value)
        stack.extend(reversed(children))


def _names(value: Any) -> str | None:
    """An ``author`` value as text: names joined with ``, ``."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items[:20]:
        name = _clean(item.get("name")) if isinstance(item, dict) else _clean(item)
        if name and name not in names:
            names.append(name)
    return _clean(", ".join(names)) if names else None
