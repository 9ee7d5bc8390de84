"""Who writes a URL's decision record: the claims strategy of a crawl.

A URL gets exactly one record per crawl. Crawling alone, that is a set of the URLs
decided so far (:class:`LocalClaims`); as one worker of a distributed crawl it is a claim
in Redis that only one worker wins
(:class:`~tdm_crawler.crawl.coordinator.WorkerCoordinator`). The recorder and the gate
talk to either through :class:`Claims`; which one a crawl uses is chosen once, by the
``TDM_CLAIMS_CLASS`` setting (``tdm-crawl worker`` sets the Redis one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.crawl.urls import original_url, url_key

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response


class Claims(Protocol):
    """The one-record-per-URL bookkeeping, whoever else crawls."""

    def remember(self, urls: Iterable[str]) -> None:
        """URLs an earlier session of this crawl decided (``--resume``)."""

    def is_decided(self, url: str) -> bool:
        """Whether ``url`` has its record already (here or, shared, in another worker)."""

    def claim(self, url: str) -> bool:
        """True when ``url``'s decision record is this process's to write."""

    def done(self, url: str, *, release: bool) -> None:
        """``url``'s record is written; ``release``: nothing more will come of it (a
        stored page is released later, once its links are queued)."""

    def release(self, url: str) -> None:
        """``url`` is finished with: its record written and its links queued."""

    def close(self, reason: str) -> None:
        """The crawl is over for this process (after its last record)."""


class LocalClaims:
    """Claims of a crawl that runs alone: every claim is ours; decided URLs are kept as
    8-byte keys, so a URL is decided once even when a spider schedules it twice (start
    URLs bypass the duplicate filter)."""

    def __init__(self) -> None:
        self._decided: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def remember(self, urls: Iterable[str]) -> None:
        self._decided.update(map(url_key, urls))

    def is_decided(self, url: str) -> bool:
        return url_key(url) in self._decided

    def claim(self, url: str) -> bool:
        self._decided.add(url_key(url))
        return True

    def done(self, url: str, *, release: bool) -> None:
        """Nothing to hand back: no other process waits for it."""

    def release(self, url: str) -> None:
        """Nothing is held for another process."""

    def close(self, reason: str) -> None:
        """Nothing to leave."""


class ClaimReleaseMiddleware:
    """Spider middleware: a page is released once its callback's output (its links) went
    to the scheduler; a distributed worker killed before that leaves the page to be read
    again by another (with :class:`LocalClaims`, releasing costs nothing)."""

    def __init__(self, crawler: Crawler) -> None:
        self.claims = CrawlSession.of(crawler).claims

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _release(self, response: Response) -> None:
        if response.request is not None:
            self.claims.release(original_url(response.request))

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        try:
            yield from result
        finally:
            self._release(response)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        try:
            async for item in result:
                yield item
        finally:
            self._release(response)

    def process_spider_exception(self, response: Response, exception: Exception) -> None:
        self._release(response)
