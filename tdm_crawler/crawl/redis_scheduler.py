"""scrapy-redis's scheduler and duplicate filter, adapted to tdm-crawler's rules.

- :class:`RedisRedirectAwareDupeFilter`: the shared duplicate filter, except that redirect
  hops always pass (as :class:`tdm_crawler.crawl.dupefilter.RedirectAwareDupeFilter` does
  for one process), so a redirect to an already crawled URL still ends with a decision.
- :class:`TdmRedisScheduler`: the shared priority queue; a request taken from it is moved,
  in the same Redis operation, into the set of requests this worker holds
  (:class:`~tdm_crawler.crawl.coordinator.WorkerCoordinator`), so that a worker killed at
  any moment leaves nothing that the others cannot take over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from tdm_crawler.crawl.coordinator import WorkerCoordinator
from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.exceptions import SettingError

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler


class RedisRedirectAwareDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's RFPDupeFilter, except that requests produced by a redirect pass."""

    def request_seen(self, request: Request) -> bool:
        if request.meta.get("redirect_urls"):
            return False
        return bool(super().request_seen(request))


class TdmRedisScheduler(Scheduler):  # type: ignore[misc]
    """scrapy-redis's scheduler; popping a request records it as held by this worker."""

    crawler: Crawler
    coordinator: WorkerCoordinator

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        instance = super().from_crawler(crawler)
        instance.crawler = crawler
        return instance  # type: ignore[no-any-return]

    def open(self, spider: Spider) -> None:
        super().open(spider)
        claims = CrawlSession.of(self.crawler).claims
        if not isinstance(claims, WorkerCoordinator):
            raise SettingError(
                "TdmRedisScheduler needs TDM_CLAIMS_CLASS = "
                "tdm_crawler.crawl.coordinator.WorkerCoordinator (tdm-crawl worker sets it)"
            )
        self.coordinator = claims
        self.coordinator.attach_queue(self.queue)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        # A redirect hop or a retry now carries its URL in the shared queue.
        self.coordinator.handed_back(request)
        return True

    def next_request(self) -> Request | None:
        popped: Any = self.coordinator.take()
        if popped is None:
            return None
        request, _ = popped
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request  # type: ignore[no-any-return]
