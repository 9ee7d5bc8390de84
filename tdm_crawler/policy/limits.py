"""Every size and time cap on the work spent reading what a site sends, in one value.

A crawl reads hostile input all day: each reader is bounded. The caps are settings, so
they are read from the settings in one place (:meth:`Limits.from_settings`), by the live
crawl from Scrapy's settings and by a replay from the settings the manifest recorded:
both parse the same documents with the same caps.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Protocol


class _Settings(Protocol):
    """Scrapy's ``Settings`` or a manifest's ``settings`` dict: both answer ``get``."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


#: Field of :class:`Limits` -> the setting it is read from (fields not named here are
#: fixed bounds no setting changes).
SETTING_OF: dict[str, str] = {
    "html_head_bytes": "TDM_HTML_HEAD_MAX_BYTES",
    "embedded_bytes": "TDM_EMBEDDED_MAX_BYTES",
    "pdf_timeout": "TDM_EMBEDDED_TIMEOUT",
    "robots_bytes": "TDM_ROBOTS_MAX_BYTES",
    "tdmrep_bytes": "TDM_TDMREP_MAX_BYTES",
    "document_bytes": "TDM_DOCUMENT_MAX_BYTES",
    "max_licenses": "TDM_MAX_LICENSES",
    "max_crawl_delay": "TDM_MAX_CRAWL_DELAY",
    "sitemap_bytes": "TDM_SITEMAP_MAX_BYTES",
    "sitemap_urls": "TDM_SITEMAP_MAX_URLS",
    "sitemap_files": "TDM_SITEMAP_MAX_FILES",
    "sitemap_depth": "TDM_SITEMAP_MAX_DEPTH",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps, with the defaults of their settings."""

    html_head_bytes: int = 256 * 1024  # HTML scanned for <meta> in <head>
    embedded_bytes: int = 64 * 1024 * 1024  # a PDF/EPUB/media body read for metadata
    pdf_timeout: float = 5.0  # seconds reading one PDF's metadata
    epub_uncompressed: int = 16 * 1024 * 1024  # bytes inflated from one EPUB
    license_html_bytes: int = 4 * 1024 * 1024  # HTML read for licence statements
    paywall_html_bytes: int = 4 * 1024 * 1024  # HTML read for isAccessibleForFree
    robots_bytes: int = 512 * 1024  # robots.txt parsed; the rest is ignored (RFC 9309)
    tdmrep_bytes: int = 4 * 1024 * 1024  # a larger tdmrep.json is refused
    document_bytes: int = 1024 * 1024  # an RSL licence or a TDM policy
    max_licenses: int = 4  # RSL licences fetched per origin or response
    max_crawl_delay: float = 30.0  # cap on an honoured robots.txt Crawl-delay
    sitemap_bytes: int = 10 * 1024 * 1024  # one sitemap, as fetched and once inflated
    sitemap_urls: int = 50_000  # URLs taken from one origin's sitemaps
    sitemap_files: int = 20  # sitemaps fetched per origin
    sitemap_depth: int = 2  # sitemap indexes followed below the first sitemaps

    @classmethod
    def from_settings(cls, settings: _Settings) -> Limits:
        """The caps a crawl's settings name; a setting left unset keeps its default.

        Values are converted here (``-s TDM_ROBOTS_MAX_BYTES=1000`` arrives as text)."""
        values: dict[str, Any] = {}
        for item in fields(cls):
            name = SETTING_OF.get(item.name)
            value = None if name is None else settings.get(name)
            if value is not None:
                values[item.name] = float(value) if item.type == "float" else int(value)
        return cls(**values)
