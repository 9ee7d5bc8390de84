"""How the crawl knows a URL: the one it meant to fetch, and the 64-bit key it is kept by.

Every set of URLs the crawl keeps (seen, decided, claimed by a worker in Redis) holds this
key instead of the URL, so memory grows by bytes per URL, not by the URL's length; and
every place that asks "which URL is this request for" gets the same answer. And how a
list of URLs is read from a file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scrapy import Request


def url_key(url: str) -> bytes:
    """The 8-byte BLAKE2b digest ``url`` is known by (lone surrogates kept, not refused)."""
    return hashlib.blake2b(url.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def original_url(request: Request) -> str:
    """The URL the crawl meant to fetch: the first of a redirect chain."""
    redirects: list[str] = request.meta.get("redirect_urls") or []
    return redirects[0] if redirects else request.url


def read_url_list(path: Path) -> list[str]:
    """A file of URLs (``--seeds``, ``purge --urls``): one a line; blank lines and
    everything after a ``#`` ignored."""
    urls = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            urls.append(line)
    return urls
