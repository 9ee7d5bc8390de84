"""The crawl spider: seeds, same-host links (and, with ``--sitemaps``, the URLs of the
seeds' sitemaps), depth and page limits.

It does no TDM work itself — the downloader middleware decides and the spider
middleware stores — so that the same guarantees hold for any spider using the add-on.
Its one extra duty is the errback: a request that failed somewhere the gate could not
see (a redirect loop, a decompression bomb) still gets its decision record.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from tdm_crawler.crawl.meta import RELINK_META
from tdm_crawler.crawl.resume import ResumeState
from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.crawl.urls import read_url_list, url_key
from tdm_crawler.policy import origin_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler


def _scope_key(url: str) -> tuple[str, int | None]:
    """Host and explicit port: links are followed on the seed's host (and port, if the
    seed names one, so that loopback sites on different ports stay apart)."""
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port)


class TdmSpider(Spider):
    """Crawls from seeds, following ``<a href>`` links on the host of the seed they came from."""

    name = "tdm"

    def __init__(
        self,
        urls: Iterable[str] | str = (),
        seeds: str | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        url_list = urls.split(",") if isinstance(urls, str) else list(urls)
        if seeds:
            url_list += read_url_list(Path(seeds))
        self.seed_urls = [u.strip() for u in url_list if u.strip()]
        self.resume: ResumeState | None = None
        # Resume: URLs an earlier session decided whose stored page was read for links.
        self._reread: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.max_depth = crawler.settings.getint("TDM_MAX_DEPTH")
        spider.read_sitemaps = crawler.settings.getbool("TDM_SITEMAPS")
        spider.session = CrawlSession.of(crawler)
        return spider

    max_depth = -1
    read_sitemaps = False
    session: CrawlSession

    async def start(self) -> AsyncIterator[Request]:
        self.resume = self.session.recorder.resume
        if self.resume is not None:
            self.session.frontier.remember(self.resume.decided)
        for url in self.seed_urls:
            for request in self._follow([url], depth=0, scope=_scope_key(url)):
                yield request
        if self.read_sitemaps and not 0 <= self.max_depth < 1:
            async for request in self._from_sitemaps():
                yield request

    async def _from_sitemaps(self) -> AsyncIterator[Request]:
        """``--sitemaps``: the URLs each seed origin's sitemaps name, as if linked from
        the sitemap: the seed's host rule, depth 1 (the sitemap is depth 0)."""
        scopes = {origin_of(url): _scope_key(url) for url in self.seed_urls}
        for origin, scope in scopes.items():
            urls = await self.session.sitemaps.read(origin)
            for request in self._follow(self._in_scope(urls, scope), depth=1, scope=scope):
                yield request

    def parse(self, response: Response) -> Iterator[Request]:
        depth = response.meta.get("tdm_depth", 0)
        scope = tuple(response.meta.get("tdm_scope", _scope_key(response.url)))
        if not self._expands(response, depth):
            return
        links = self._links(response, scope)
        if response.meta.get(RELINK_META):
            # Distributed mode: decided by a worker that died before queueing its links.
            # Queue them all again; URLs already decided are dropped before fetching.
            meta = {"tdm_depth": depth + 1, "tdm_scope": scope}
            for url in dict.fromkeys(links):
                yield Request(
                    url, callback=self.parse, errback=self.failed, meta=meta, dont_filter=True
                )
            return
        yield from self._follow(links, depth=depth + 1, scope=scope)

    def _expands(self, response: Response, depth: int) -> bool:
        return isinstance(response, HtmlResponse) and not 0 <= self.max_depth <= depth

    def _links(self, response: Response, scope: tuple[str, int | None]) -> list[str]:
        """Same-scope http(s) ``<a href>`` targets, fragments dropped."""
        links = []
        for href in response.xpath("//a/@href").getall():
            try:
                links.append(urldefrag(response.urljoin(href.strip())).url)
            except ValueError:
                continue
        return self._in_scope(links, scope)

    @staticmethod
    def _in_scope(urls: Iterable[str], scope: tuple[str, int | None]) -> list[str]:
        """The http(s) URLs on the scope's host (and explicit port): the links followed."""
        return [
            url
            for url in urls
            if urlsplit(url).scheme in ("http", "https") and _scope_key(url) == scope
        ]

    def _follow(
        self, urls: list[str], *, depth: int, scope: tuple[str, int | None]
    ) -> Iterator[Request]:
        """Requests for the URLs the frontier admits (new, within the page cap). On
        resume, a URL an earlier session decided is not fetched again; if it was stored,
        its links are read from the stored copy, so the crawl still reaches what lies
        behind it."""
        pending = [(urls, depth)]
        while pending:
            batch, level = pending.pop()
            unique = list(dict.fromkeys(batch))
            meta = {"tdm_depth": level, "tdm_scope": scope}
            for url, admitted in zip(unique, self.session.frontier.admit(unique), strict=True):
                if admitted:
                    yield Request(url, callback=self.parse, errback=self.failed, meta=meta)
                    continue
                page = self._stored_page(url)
                if page is not None and self._expands(page, level):
                    pending.append((self._links(page, scope), level + 1))

    def _stored_page(self, url: str) -> Response | None:
        """The page an earlier session stored for ``url``, the first time it is asked."""
        prior = self.resume.decided.get(url) if self.resume is not None else None
        if prior is None or url_key(url) in self._reread:
            return None
        self._reread.add(url_key(url))
        assert self.resume is not None
        return self.resume.stored_page(prior)

    def failed(self, failure: Failure) -> None:
        """Record a failure the gate did not see; already-decided requests are skipped."""
        request = failure.request  # type: ignore[attr-defined]
        exc = failure.value
        assert exc is not None
        if isinstance(exc, IgnoreRequest) and str(exc).startswith("tdm-crawler:"):
            return
        self.logger.info("Failed %s: %s", request.url, exc)
        self.session.record_failure(request, exc)
