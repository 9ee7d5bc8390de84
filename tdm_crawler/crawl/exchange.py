"""Converting a raw Scrapy response into the WARC writer's :class:`HttpExchange`."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING

from tdm_crawler.store import HttpExchange

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


def _header_pairs(headers: object) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for key, values in headers.items():  # type: ignore[attr-defined]
        name = key.decode("latin-1")
        pairs.extend((name, value.decode("latin-1")) for value in values)
    return pairs


def exchange_from(request: Request, response: Response) -> HttpExchange:
    """The request as sent and the response as received, for a WARC request/response pair."""
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    return HttpExchange(
        url=response.url,
        method=request.method,
        request_headers=_header_pairs(request.headers),
        request_body=request.body,
        status=response.status,
        reason=reason,
        protocol=response.protocol or "HTTP/1.1",
        response_headers=_header_pairs(response.headers),
        body=response.body,
        ip_address=str(response.ip_address) if response.ip_address else None,
        fetched_at=datetime.now(UTC),
    )
