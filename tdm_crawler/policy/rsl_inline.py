"""RSL licences a response carries in itself (protocols §5): an inline ``<script
type="application/rsl+xml">`` in an HTML page, and the ``rsl:`` module of an RSS or Atom
feed.

Both are taken out of the body as text, kept in :class:`~tdm_crawler.policy.content.
ContentFacts` (so a replay parses exactly what the crawl parsed) and read by
:func:`~tdm_crawler.policy.rsl.parse_rsl` when deciding. Bounded: at most ``max_count``
licences per body, each cut at ``max_bytes + 1`` bytes (so the parser refuses it as over
the cap and says so, instead of reading a truncated licence as a complete one). Nothing
here raises.
"""

from __future__ import annotations

import re
from typing import Any

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]

from tdm_crawler.policy.html_meta import parse_document
from tdm_crawler.policy.links import RSL_MEDIA_TYPE
from tdm_crawler.policy.rsl import RSL_NAMESPACE
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml

__all__ = ["FEED_TYPES", "inline_rsl_from_html", "looks_like_feed", "rsl_from_feed"]

#: Media types of feeds; an XML body whose root is ``<rss>`` or ``<feed>`` counts too.
FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_FEED_ROOT = re.compile(rb"<(?:rss|feed)[\s>]")
_RSL_NAMESPACES = frozenset({RSL_NAMESPACE, "http://rslstandard.org/rsl"})
_ATOM = "http://www.w3.org/2005/Atom"
# A cheap test before the whole page is parsed: almost no page has an inline licence.
_INLINE_HINT = re.compile(re.escape(RSL_MEDIA_TYPE).encode(), re.IGNORECASE)


def inline_rsl_from_html(
    body: bytes, *, content_type: str | None, html_bytes: int, max_bytes: int, max_count: int
) -> tuple[str, ...]:
    """The text of each ``<script type="application/rsl+xml">`` in the first
    ``html_bytes`` of the page, in document order (head or body: RSL does not say)."""
    data = body[:html_bytes]
    if _INLINE_HINT.search(data) is None:
        return ()
    root = parse_document(data, content_type=content_type, max_bytes=html_bytes)
    if root is None:
        return ()
    found: list[str] = []
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";", 1)[0].strip().lower()
        if kind != RSL_MEDIA_TYPE:
            continue
        if len(found) == max_count:
            break
        found.append(_cut((script.text or "").strip(), max_bytes))
    return tuple(found)


def looks_like_feed(media_type: str, body: bytes) -> bool:
    """A feed by its media type, or an XML body whose root element is a feed's."""
    if media_type in FEED_TYPES:
        return True
    return media_type in _XML_TYPES and _FEED_ROOT.search(body[:1024]) is not None


def rsl_from_feed(
    body: bytes, *, feed_bytes: int, max_bytes: int, max_count: int
) -> tuple[str, ...]:
    """The ``<rsl:rsl>`` licences of a feed's channel (RSS) or feed (Atom) level, as
    text. Licences inside items describe the items (fetched, if at all, as their own
    URLs, which carry their own signals); an unreadable feed has none."""
    try:
        root = parse_xml(body, max_bytes=feed_bytes)
    except UnsafeOrInvalidXml:
        return ()
    levels: list[Any] = [root]
    if root.tag == "rss":
        levels = [child for child in root if child.tag == "channel"]
    elif root.tag != f"{{{_ATOM}}}feed" and root.tag != "feed":
        return ()
    found: list[str] = []
    for level in levels:
        for child in level:
            if not isinstance(child.tag, str) or not _is_rsl(child.tag):
                continue
            if len(found) == max_count:
                return tuple(found)
            text = lxml.etree.tostring(child, encoding="unicode")
            found.append(_cut(text, max_bytes))
    return tuple(found)


def _is_rsl(tag: str) -> bool:
    namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return name == "rsl" and namespace in _RSL_NAMESPACES


def _cut(text: str, max_bytes: int) -> str:
    """At most ``max_bytes + 1`` bytes of ``text`` (UTF-8), so an over-cap licence stays
    over the cap."""
    data = text.encode("utf-8")
    return text if len(data) <= max_bytes else data[: max_bytes + 1].decode("utf-8", "ignore")
