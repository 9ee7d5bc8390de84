"""Reading an origin's sitemaps (``--sitemaps``): which URLs the site says it offers.

The spider asks :class:`SitemapReader` once per seed origin, and decides the URLs it
returns like links (the spider's host rule, depth 1, the frontier's cap). What a reading
does, each step bounded by a setting (:class:`~tdm_crawler.policy.Limits`):

1. the origin's policy documents are loaded as for any URL of it (the same cache), and
   the first sitemaps are the ``Sitemap:`` lines of its robots.txt that are on the
   origin itself, then ``/sitemap.xml``;
2. each is fetched, if robots.txt lets our agent fetch it (an unreachable robots.txt
   lets nothing through), by the :class:`~tdm_crawler.crawl.origin.PolicyFetcher`: so
   the request guard applies, and every response, each retry and redirect hop, goes to
   the evidence WARC as received; at most ``TDM_SITEMAP_MAX_FILES`` per origin, each at
   most ``TDM_SITEMAP_MAX_BYTES`` as fetched and once inflated;
3. each is read by :func:`~tdm_crawler.policy.sitemaps.read_sitemap` (in a worker
   thread: a large sitemap takes a while to parse); an index's sitemaps are read in
   turn, down to ``TDM_SITEMAP_MAX_DEPTH`` levels; a urlset's URLs are collected, at most
   ``TDM_SITEMAP_MAX_URLS`` per origin;
4. one :class:`~tdm_crawler.store.evidence.SitemapEvidence` record names every sitemap
   fetched, with the count and the problems met, so each fetch is accounted for.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

from tdm_crawler.policy import origin_of
from tdm_crawler.policy.robots_records import sitemap_urls
from tdm_crawler.policy.sitemaps import read_sitemap
from tdm_crawler.store.evidence import DocumentRef, SitemapEvidence

if TYPE_CHECKING:
    from tdm_crawler.crawl.session import CrawlSession

logger = logging.getLogger(__name__)

#: The fetch kind of a sitemap (its size cap; the evidence it goes to).
SITEMAP = "sitemap"


class SitemapReader:
    """Reads each origin's sitemaps for the spider (see the module docstring)."""

    def __init__(self, session: CrawlSession) -> None:
        self.session = session
        self.limits = session.limits

    async def read(self, origin: str) -> list[str]:
        """The URLs ``origin``'s sitemaps name, in reading order, each once."""
        fetcher = self.session.fetcher
        policy = await fetcher.origin(origin)
        robots = policy.facts.robots
        named = sitemap_urls(policy.facts.records, f"{origin}/robots.txt")
        first = [url for url in named if _same_origin(url, origin)]
        problems = [f"{url}: on another origin, not read" for url in named if url not in first]
        queue = deque((url, 0) for url in dict.fromkeys([*first, f"{origin}/sitemap.xml"]))
        seen: set[str] = set()
        read: list[DocumentRef] = []
        urls: dict[str, None] = {}
        while queue and len(read) < self.limits.sitemap_files:
            url, depth = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            allowed = robots.check(url, self.session.context.agent)
            if allowed.value != "allow":
                problems.append(f"{url}: not fetched, robots.txt: {allowed.detail}")
                continue
            fetched = await fetcher.fetch(url, SITEMAP, origin)
            read.append(fetched.ref())
            if not fetched.ok or fetched.body is None:
                problems.append(f"{url}: {fetched.error or fetched.status}")
                continue
            sitemap = await asyncio.to_thread(
                read_sitemap,
                fetched.url,
                fetched.body,
                max_bytes=self.limits.sitemap_bytes,
                max_urls=self.limits.sitemap_urls - len(urls),
            )
            problems += [f"{url}: {problem}" for problem in sitemap.problems]
            if sitemap.kind == "urlset":
                urls.update(dict.fromkeys(sitemap.urls))
            elif sitemap.kind == "index" and depth < self.limits.sitemap_depth:
                queue.extend((child, depth + 1) for child in sitemap.urls)
            elif sitemap.kind == "index":
                problems.append(f"{url}: an index below TDM_SITEMAP_MAX_DEPTH, not followed")
        unread = len({url for url, _ in queue} - seen)
        if unread:
            problems.append(f"{unread} sitemaps not read: TDM_SITEMAP_MAX_FILES reached")
        evidence = SitemapEvidence(tuple(read), len(urls), tuple(problems))
        self.session.recorder.write_origin_evidence(origin, evidence)
        logger.info("Sitemaps of %s: %d read, %d URLs", origin, len(read), len(urls))
        for problem in problems:
            logger.debug("Sitemaps of %s: %s", origin, problem)
        return list(urls)


def _same_origin(url: str, origin: str) -> bool:
    try:
        return origin_of(url) == origin
    except ValueError:  # an invalid port or IPv6 literal: no origin at all
        return False
