"""Where fetched policy documents are kept for other processes: the policy-store strategy.

The policy fetcher asks its store for an origin's documents (or a licence, a TDM
policy) with a ``produce`` coroutine that fetches them. Crawling alone the store simply
runs it (:class:`LocalPolicyStore`); in a distributed crawl one worker runs it and the
others read its result from Redis
(:class:`~tdm_crawler.crawl.distributed.RedisPolicyStore`). Chosen once, by the
``TDM_POLICY_STORE_CLASS`` setting.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

#: Fetches a document: its JSON value and the seconds it stays valid.
Produce = Callable[[], Awaitable[tuple[dict[str, Any], float]]]


class PolicyStore(Protocol):
    async def shared(self, kind: str, key: str, produce: Produce) -> tuple[dict[str, Any], float]:
        """``(value, seconds it stays valid)`` of ``key``, produced here or elsewhere."""
        ...


class LocalPolicyStore:
    """No one to share with: fetch now (the fetcher's own cache keeps the result)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    async def shared(self, kind: str, key: str, produce: Produce) -> tuple[dict[str, Any], float]:
        return await produce()
