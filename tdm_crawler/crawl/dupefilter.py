"""A duplicate filter that never drops a redirect hop.

Scrapy schedules each redirect hop as a new request through the dupefilter. When a hop
leads to a URL already crawled (``/a`` -> ``/b`` while ``/b`` was also linked), the stock
filter drops it silently and ``/a`` would end with no decision record. Hops are bounded
by ``REDIRECT_MAX_TIMES`` anyway, so letting them through costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.dupefilters import RFPDupeFilter

if TYPE_CHECKING:
    from scrapy import Request


class RedirectAwareDupeFilter(RFPDupeFilter):
    """RFPDupeFilter, except that requests produced by a redirect always pass."""

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))
