"""Reading a body only up to its cap, compressed or not (robots.txt).

RFC 9309 asks a crawler to parse at least 500 KiB of robots.txt; a larger file is cut,
not refused. On the wire, :func:`~tdm_crawler.crawl.origin.count_received` stops the
download at the cap (``TRUNCATE_META``). But a compressed body that small can inflate
to gigabytes, and Scrapy's HttpCompressionMiddleware refuses a body that inflates past
``DOWNLOAD_MAXSIZE`` rather than cut it, which would make the whole origin
robots-unreachable. So :class:`TruncateMiddleware`, between the raw capture (which keeps
the body as received, for the evidence WARC) and HttpCompressionMiddleware, inflates
such a body itself, up to the cap and no further, and passes it on decoded.

It asks for gzip and deflate only, the encodings it decodes; a server that sends
another one anyway (br, zstd) is left to HttpCompressionMiddleware and its
``DOWNLOAD_MAXSIZE`` refusal: bounded, and failing closed.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

from tdm_crawler.crawl.meta import TRUNCATE_META

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

ACCEPT_ENCODING = b"gzip, deflate"

_GZIP = zlib.MAX_WBITS | 16
_ZLIB = zlib.MAX_WBITS
_RAW_DEFLATE = -zlib.MAX_WBITS
_WBITS = {b"gzip": (_GZIP,), b"x-gzip": (_GZIP,), b"deflate": (_ZLIB, _RAW_DEFLATE)}


def inflate_capped(body: bytes, encodings: list[bytes], limit: int) -> bytes | None:
    """``body`` decoded from its ``Content-Encoding`` values (applied in order, so
    undone last first), at most ``limit`` bytes of output at every layer; None when an
    encoding is not one of ours or the data is not what it says (left to Scrapy)."""
    layers = [e.strip().lower() for value in encodings for e in value.split(b",") if e.strip()]
    for encoding in reversed(layers):
        if encoding == b"identity":
            continue
        options = _WBITS.get(encoding)
        if options is None:
            return None
        for wbits in options:
            try:
                body = zlib.decompressobj(wbits).decompress(body, limit)
                break
            except zlib.error:
                continue
        else:
            return None
    return body


class TruncateMiddleware:
    """Decodes a capped body (``TRUNCATE_META``) up to its cap before Scrapy's
    decompression sees it (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def process_request(self, request: Request) -> None:
        if request.meta.get(TRUNCATE_META) is not None:
            request.headers[b"Accept-Encoding"] = ACCEPT_ENCODING

    def process_response(self, request: Request, response: Response) -> Response:
        cap = request.meta.get(TRUNCATE_META)
        encodings = response.headers.getlist(b"Content-Encoding")
        if cap is None or not encodings or request.method == "HEAD":
            return response
        # One byte past the cap, so that the reader can tell the file was cut.
        body = inflate_capped(response.body, encodings, cap + 1)
        if body is None:
            return response
        headers = response.headers.copy()
        del headers[b"Content-Encoding"]
        return response.replace(body=body, headers=headers)
