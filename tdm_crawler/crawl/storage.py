"""The spider middleware on the storage path: writes allowed responses, refuses the rest.

It runs for every response a spider receives, whatever the spider, which is what lets the
add-on bring compliance to someone else's project. A response reaches it only after the
gate let it through; anything without an ``allowed`` verdict is refused and logged: the
second of two locks that keep reserved content off disk.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tdm_crawler.crawl.meta import EVIDENCE_META, RECHECK_META, VERDICT_META, WORK_META
from tdm_crawler.crawl.session import CrawlSession

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class ContentStoreMiddleware:
    """Stores each allowed response (raw, as received) before the spider callback runs."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.session = CrawlSession.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_spider_input(self, response: Response) -> None:
        verdict = response.meta.get(VERDICT_META)
        request = response.request
        raw = None
        if request is not None and verdict is not None and verdict.allowed:
            raw = self.session.raw_exchange(request)
        if raw is None:
            logger.error("Refusing to store %s: no 'allowed' decision for it", response.url)
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("tdm/store_refused")
            return
        assert request is not None and verdict is not None
        evidence = response.meta.get(EVIDENCE_META)
        recorder = self.session.recorder
        if RECHECK_META in request.meta:
            recorder.keep_original(
                request, verdict, evidence, status=response.status, final_url=response.url
            )
        else:
            recorder.store(request, raw, verdict, evidence, response.meta.get(WORK_META))
