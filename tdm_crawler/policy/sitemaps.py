"""Sitemaps (sitemaps.org 0.9): which URLs a site says it offers (``--sitemaps``).

A site names its sitemaps in robots.txt ``Sitemap:`` lines (read from the global records,
:func:`~tdm_crawler.policy.robots_records.sitemap_urls`) or serves one at
``/sitemap.xml``. A sitemap is a ``<urlset>`` of pages or a ``<sitemapindex>`` of
further sitemaps, XML, possibly gzip-compressed (``.xml.gz``). This module reads one
document, from bytes, and says which URLs it names; fetching, following indexes and the
per-origin caps are the crawl's (``crawl/sitemaps.py``). What it reads:

- ``<urlset>``: each ``<url><loc>``, and each ``<image:image><image:loc>`` of Google's
  image extension (an image is content like a page, decided the same way); a news
  sitemap (``<news:news>``) is a urlset whose ``<loc>`` are the article pages, so its
  pages are read like any other;
- ``<sitemapindex>``: each ``<sitemap><loc>``;
- elements are matched by local name, so a sitemap with a missing or wrong namespace
  still reads (many do); anything else is ignored.

Hostile input, bounded: a gzip body is inflated to at most ``max_bytes`` (a
decompression bomb is refused, not inflated), the XML goes through the project's one
hardened parser (:mod:`tdm_crawler.policy.safe_xml`: no entities, no DTD, no network),
and at most ``max_urls`` URLs are taken. A URL is kept only when it is absolute, http(s),
and on the sitemap's own origin — the protocol's rule (a sitemap speaks for its own
host), and the one that keeps a sitemap from sending the crawl elsewhere; relative
``<loc>`` values (which the protocol forbids) are dropped too. Every drop is counted in
``problems``; nothing here raises.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any, Final, Literal
from urllib.parse import urlsplit

from tdm_crawler.policy.origins import origin_of
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml

__all__ = ["Sitemap", "read_sitemap"]

SitemapKind = Literal["urlset", "index", "invalid"]

_GZIP_MAGIC: Final = b"\x1f\x8b"


@dataclass(frozen=True, slots=True)
class Sitemap:
    """What one sitemap document names: a urlset's pages (and images), or an index's
    sitemaps; ``invalid`` names nothing. ``problems`` says what was refused or dropped."""

    kind: SitemapKind
    urls: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def _local(tag: Any) -> str:
    """An element's name without its namespace (comments and PIs have no string tag)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _inflate(body: bytes, max_bytes: int) -> bytes:
    """A gzip body inflated, at most ``max_bytes`` of it; ValueError past that, or when
    the body is not one whole gzip stream."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise ValueError(f"not a gzip stream ({exc})") from None
    if len(data) > max_bytes:
        raise ValueError(f"over {max_bytes} bytes once decompressed: not read")
    if not inflater.eof:
        raise ValueError("the gzip stream is cut short")
    return data


def _locs(root: Any, kind: SitemapKind) -> list[str]:
    """The ``<loc>`` texts, in document order: an index's sitemaps, or a urlset's pages
    and the ``image:loc`` of their images."""
    wanted = {"sitemap"} if kind == "index" else {"url", "image"}
    found = []
    for element in root.iter():
        if _local(element.tag) != "loc":
            continue
        parent = element.getparent()
        if parent is not None and _local(parent.tag) in wanted:
            found.append((element.text or "").strip())
    return found


def read_sitemap(url: str, body: bytes, *, max_bytes: int, max_urls: int) -> Sitemap:
    """Read the sitemap fetched from ``url`` (after redirects): see the module docstring."""
    try:
        data = _inflate(body, max_bytes) if body.startswith(_GZIP_MAGIC) else body
        root = parse_xml(data, max_bytes=max_bytes)
    except (ValueError, UnsafeOrInvalidXml) as exc:
        return Sitemap("invalid", problems=(f"not read: {exc}",))
    name = _local(root.tag)
    kind: SitemapKind
    if name == "urlset":
        kind = "urlset"
    elif name == "sitemapindex":
        kind = "index"
    else:
        return Sitemap("invalid", problems=(f"not a sitemap: the root element is <{name}>",))
    own = origin_of(url)
    kept: dict[str, None] = {}
    dropped = {"relative or not http(s)": 0, "on another origin": 0, "over the URL cap": 0}
    for loc in _locs(root, kind):
        try:
            parts = urlsplit(loc)
            origin = origin_of(loc) if parts.hostname else ""
        except ValueError:
            parts, origin = None, ""
        if parts is None or parts.scheme not in ("http", "https") or not origin:
            dropped["relative or not http(s)"] += 1
        elif origin != own:
            dropped["on another origin"] += 1
        elif loc not in kept and len(kept) >= max_urls:
            dropped["over the URL cap"] += 1
        else:
            kept[loc] = None
    problems = tuple(f"{count} URLs dropped: {why}" for why, count in dropped.items() if count)
    return Sitemap(kind, tuple(kept), problems)
