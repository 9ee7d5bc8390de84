"""``<meta name content>`` pairs of an HTML document's head (protocols §2.3).

TDMRep meta tags count only in ``<head>``. Pages in the wild are broken in every way, so
the head is found the way a browser finds it (lxml's HTML parser implies a head, and
moves anything after body content into the body), and no input makes this raise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]
import lxml.html  # type: ignore[import-untyped, unused-ignore]
from w3lib.encoding import (
    html_body_declared_encoding,
    html_to_unicode,
    http_content_type_encoding,
    read_bom,
    to_unicode,
)

# Where the head certainly ends. Cutting there first spares parsing a large body; what
# follows could only land in <body>, where meta tags do not count.
_HEAD_END = re.compile(rb"</head[\s>]|<body[\s>/]", re.IGNORECASE)

# The WHATWG MIME-sniffing patterns for HTML: a tag name (or comment opener) at the start
# of the document, after optional whitespace, followed by a space or ">".
_HTML_START = re.compile(
    rb"[\t\n\f\r ]*(?:<!doctype html|<html|<head|<script|<iframe|<h1|<div|<font|<table|<a"
    rb"|<style|<title|<b|<body|<br|<p|<!--)[ >]",
    re.IGNORECASE,
)
_UTF8_BOM = b"\xef\xbb\xbf"
_HTML_SPACE = "\t\n\f\r "

# Comments and processing instructions carry no meta; dropping them keeps the tree small.
_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def looks_like_html(body: bytes) -> bool:
    """Whether a body without a Content-Type starts like HTML (WHATWG MIME sniffing)."""
    return _HTML_START.match(body.removeprefix(_UTF8_BOM)) is not None


@dataclass(frozen=True, slots=True)
class Head:
    """What the head of an HTML document says: meta pairs, links, and its base URL."""

    metas: tuple[tuple[str, str], ...] = ()
    links: tuple[tuple[str, str, str], ...] = ()  # (rel, type, href) as written
    base_href: str | None = None


def parse_head(
    html: bytes, *, content_type: str | None = None, max_bytes: int = 256 * 1024
) -> Head:
    """Parse the head once for every reader (TDMRep meta, robots meta, RSL links).

    The encoding comes from the BOM, then the charset of ``content_type`` (the full header
    value), then ``<meta charset>``, else UTF-8. Only the first ``max_bytes`` are read.
    A meta lacking ``name`` or ``content`` is left out.
    """
    data = html[:max_bytes]
    head_end = _HEAD_END.search(data)
    if head_end is not None:
        data = data[: head_end.start()]
    text = _decode(data, content_type)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), _PARSER)
    except (lxml.etree.ParserError, ValueError):
        return Head()  # nothing parsable, e.g. an empty or all-whitespace document
    metas = tuple(
        (meta.get("name"), meta.get("content"))
        for meta in root.xpath("/html/head//meta[@name][@content]")
    )
    links = tuple(
        (link.get("rel") or "", link.get("type") or "", link.get("href"))
        for link in root.xpath("/html/head//link[@href]")
    )
    bases = root.xpath("/html/head//base[@href]")
    base_href = bases[0].get("href").strip(_HTML_SPACE) if bases else None
    return Head(metas, links, base_href or None)


def parse_document(
    html: bytes, *, content_type: str | None = None, max_bytes: int = 256 * 1024
) -> Any | None:
    """The whole document's tree (an ``lxml.html`` root), for readers that look past the
    head (licence statements sit in footers and captions); None when nothing parses.

    Decoded as :func:`parse_head` decodes, from the first ``max_bytes`` only: a body cut
    there parses as a browser would parse a truncated page, so the cap bounds the time.
    """
    text = _decode(html[:max_bytes], content_type)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), _PARSER)
    except (lxml.etree.ParserError, ValueError):
        return None


def _decode(data: bytes, content_type: str | None) -> str:
    """Decode as a browser does (WHATWG Encoding), where w3lib's guess differs from it.

    * A ``charset=utf-16`` header means UTF-16LE (w3lib reads it as big-endian).
    * A ``<meta>`` (or XML) declaration naming UTF-16 or UTF-32 means UTF-8: it was
      readable as ASCII, so the body is not UTF-16 (HTML's prescan rule). Read as UTF-16,
      an ASCII page turns to noise and its ``tdm-reservation`` meta would go unseen.
    """
    if read_bom(data)[0] is None:
        header = http_content_type_encoding(content_type)
        if header == "utf-16":
            return to_unicode(data, "utf-16-le")
        if header is None:
            declared = html_body_declared_encoding(data)
            if declared is not None and declared.startswith(("utf-16", "utf-32")):
                return to_unicode(data, "utf-8")
    return html_to_unicode(content_type, data)[1]


def head_meta(
    html: bytes, *, content_type: str | None = None, max_bytes: int = 256 * 1024
) -> list[tuple[str, str]]:
    """Return the ``(name, content)`` of every ``<meta>`` in the head, in document order."""
    return list(parse_head(html, content_type=content_type, max_bytes=max_bytes).metas)
