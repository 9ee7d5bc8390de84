"""Politeness under faults: slow an origin down when it says so or keeps failing.

A 429 or 503 with ``Retry-After`` asks for a pause; a run of 5xx answers or network
errors says the server is struggling. Both slow that origin's download slot (one slot per
origin, see the gate) instead of letting retries hammer it: ``Retry-After`` is honoured
(capped), and consecutive failures double the delay up to a cap. A success restores the
slot's normal delay. The middleware sits above RetryMiddleware (550) and the redirect
middlewares (580, 600) so that it sees every attempt, including those about to be
retried, and every redirect hop (a 3xx is a success).
"""

from __future__ import annotations

import email.utils
import logging
import time
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class OriginBackoffMiddleware:
    """Per-origin back-off on 429/503 ``Retry-After`` and on consecutive failures."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.base = s.getfloat("TDM_BACKOFF_BASE")
        self.cap = s.getfloat("TDM_BACKOFF_MAX")
        self.failures: dict[str, int] = {}
        # Origins that keep failing are forgotten oldest first past this many, so the
        # dicts stay bounded over millions of origins (a forgotten slot keeps its delay
        # until Scrapy drops the idle slot).
        self.max_entries = s.getint("TDM_ORIGIN_CACHE_MAX_ENTRIES")
        self.normal: dict[str, tuple[float, float]] = {}  # slot (delay, jitter) before

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        key = request.meta.get("download_slot")
        if key is None:
            return response
        if response.status == 429 or response.status >= 500:
            pause = None
            if response.status in (429, 503):
                header = response.headers.get(b"Retry-After")
                if header:
                    pause = retry_after_seconds(header.decode("latin-1"))
            self._failed(key, pause, f"HTTP {response.status}")
        else:
            self._succeeded(key)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        key = request.meta.get("download_slot")
        # IgnoreRequest is a decision (ours or another middleware's), not a server fault.
        if key is not None and not isinstance(exception, IgnoreRequest):
            self._failed(key, None, type(exception).__name__)

    def _slot(self, key: str) -> Any:
        engine = self.crawler.engine
        return engine.downloader.slots.get(key) if engine is not None else None

    def _failed(self, key: str, pause: float | None, why: str) -> None:
        count = self.failures.get(key, 0) + 1
        self.failures[key] = count
        while len(self.failures) > self.max_entries:
            oldest = next(iter(self.failures))
            del self.failures[oldest]
            self.normal.pop(oldest, None)
        delay = min(self.cap, pause if pause is not None else self.base * 2 ** (count - 1))
        slot = self._slot(key)
        if slot is None or delay <= slot.delay:
            return
        self.normal.setdefault(key, (slot.delay, slot.jitter))
        # No jitter while paused: a randomised delay could undercut Retry-After.
        slot.delay, slot.jitter = delay, 0.0
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tdm/backoff/slowed")
        logger.info("%s: %s, next request in %.1fs (failure %d)", key, why, delay, count)

    def _succeeded(self, key: str) -> None:
        if self.failures.pop(key, None) is None:
            return
        normal = self.normal.pop(key, None)
        slot = self._slot(key)
        if normal is not None and slot is not None:
            slot.delay, slot.jitter = normal
