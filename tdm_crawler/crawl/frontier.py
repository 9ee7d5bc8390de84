"""Which links the spider schedules: each URL once, and no more than ``TDM_MAX_PAGES``.

The frontier strategy of a crawl, chosen once by the ``TDM_FRONTIER_CLASS`` setting.
:class:`LocalFrontier` keeps the URLs seen as 64-bit hashes in a set (about 60 bytes a
URL instead of the URL itself); :class:`RedisFrontier` keeps them in Redis, shared by
every worker of a distributed crawl, with the page counter, so the cap and "each URL
once" hold across workers and a worker's memory does not grow with the crawl. Both
admit a page's links in one call (one Redis round trip).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

from tdm_crawler.crawl.urls import url_key

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: SADD each URL hash to the seen set; count the new ones against the cap (0 = none).
_ADMIT = """
local cap = tonumber(ARGV[1])
local admitted = {}
for i = 2, #ARGV do
  local ok = 0
  if redis.call('SADD', KEYS[1], ARGV[i]) == 1 then
    if cap == 0 or redis.call('INCR', KEYS[2]) <= cap then ok = 1 end
  end
  admitted[i - 1] = ok
end
return admitted
"""


class Frontier(Protocol):
    def remember(self, urls: Iterable[str]) -> None:
        """URLs an earlier session of this crawl scheduled (``--resume``): seen, and
        counted against the page cap."""

    def admit(self, urls: Sequence[str]) -> list[bool]:
        """For each URL, whether to schedule it (new to the crawl, within the cap)."""
        ...


class LocalFrontier:
    """URLs seen and pages scheduled, in this process."""

    def __init__(self, max_pages: int = 0) -> None:
        self.max_pages = max_pages
        self.scheduled = 0
        self._seen: set[bytes] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.getint("TDM_MAX_PAGES"))

    def remember(self, urls: Iterable[str]) -> None:
        for url in urls:
            self.scheduled += not self.seen(url)

    def seen(self, url: str) -> bool:
        """Mark ``url`` seen; True if it was already."""
        key = url_key(url)
        if key in self._seen:
            return True
        self._seen.add(key)
        return False

    def admit(self, urls: Sequence[str]) -> list[bool]:
        result = []
        for url in urls:
            ok = not self.seen(url) and not (self.max_pages and self.scheduled >= self.max_pages)
            self.scheduled += ok
            result.append(ok)
        return result

    def __len__(self) -> int:
        return len(self._seen)


class RedisFrontier:
    """URLs seen and pages scheduled, shared by every worker through Redis."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def __init__(self, crawler: Crawler) -> None:
        from tdm_crawler.crawl.distributed import Keys, sync_client

        s = crawler.settings
        keys = Keys(s.get("TDM_CRAWL_ID"))
        self.max_pages = s.getint("TDM_MAX_PAGES")
        self._keys = [keys.seen, keys.scheduled]
        self._client = sync_client(s.get("TDM_REDIS_URL"))
        self._admit = self._client.register_script(_ADMIT)

    def remember(self, urls: Iterable[str]) -> None:
        """Nothing to do: what every worker scheduled is in Redis already."""

    def admit(self, urls: Sequence[str]) -> list[bool]:
        if not urls:
            return []
        flags = self._admit(keys=self._keys, args=[self.max_pages, *map(url_key, urls)])
        return [bool(flag) for flag in flags]

    def close(self) -> None:
        self._client.close()
