"""Distributed crawling: several processes, on one machine or many, share one crawl
through a Redis server.

What is shared, and where (every key starts with ``tdm:<crawl id>:``, see :class:`Keys`):

- the request queue and the duplicate filter: scrapy-redis's scheduler and
  ``RFPDupeFilter`` (:mod:`tdm_crawler.crawl.redis_scheduler`);
- the links admitted so far and the page counter, so ``--max-pages`` and "each URL
  scheduled once" hold across workers (:class:`tdm_crawler.crawl.frontier.RedisFrontier`);
- the per-origin policy documents (robots.txt, tdmrep.json, RSL licences) and per-URL
  documents (licences, TDM policies), fetched once per origin (or URL) and TTL by one
  worker while the others wait for it (:class:`RedisPolicyStore`);
- which URLs are decided, and by whom, and which requests each worker holds
  (:mod:`tdm_crawler.crawl.coordinator`), so every URL gets exactly one decision record
  across workers and a dead worker's requests are taken over.

Each worker writes a complete crawl directory of its own (``DIR/workers/<worker id>/``);
the readers (``report``, ``replay``, ``verify``, ``diff``) read them together.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from tdm_crawler.exceptions import RedisUnavailable

if TYPE_CHECKING:
    import redis
    import redis.asyncio
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: The crawl a worker joins when it is not told which: the latest one announced.
CURRENT_KEY = "tdm:current"


def default_worker_id() -> str:
    """``<host>-<pid>``: unique among the processes of a crawl, readable in a listing."""
    return safe_worker_id(f"{socket.gethostname()}-{os.getpid()}")


def safe_worker_id(text: str) -> str:
    """A worker id usable as a directory name and inside Redis keys."""
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return cleaned[:100] or "worker"


def public_url(url: str) -> str:
    """The Redis URL without its password, for manifests and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" if parts.username else f":***@{host}"
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


@dataclass(frozen=True, slots=True)
class Keys:
    """The Redis keys of one crawl."""

    crawl_id: str

    @property
    def prefix(self) -> str:
        return f"tdm:{self.crawl_id}"

    @property
    def info(self) -> str:
        return f"{self.prefix}:info"

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def seen(self) -> str:
        return f"{self.prefix}:seen"

    @property
    def scheduled(self) -> str:
        return f"{self.prefix}:scheduled"

    @property
    def decided(self) -> str:
        return f"{self.prefix}:decided"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    def alive(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def value(self, kind: str, key: str) -> str:
        return f"{self.prefix}:{kind}:{key}"

    def lock(self, kind: str, key: str) -> str:
        return f"{self.prefix}:lock:{kind}:{key}"

    def scrapy_key(self, key: str) -> str:
        """``key`` for a scrapy-redis setting, which is %-formatted with the spider name."""
        return key.replace("%", "%%")


def sync_client(url: str) -> redis.Redis:
    """A blocking client (bytes in, bytes out), as scrapy-redis uses."""
    import redis

    return redis.Redis.from_url(
        url, socket_timeout=30, socket_connect_timeout=10, retry_on_timeout=True
    )


def check_reachable(url: str) -> None:
    """Raise :class:`RedisUnavailable` unless a Redis server answers at ``url``."""
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    except ValueError as exc:
        raise RedisUnavailable(
            f"{public_url(url)} is not a Redis URL ({exc}); give redis://HOST:PORT/DB"
        ) from None
    try:
        client.ping()
    except redis.RedisError as exc:
        raise RedisUnavailable(
            f"cannot reach Redis at {public_url(url)} ({exc}); start redis-server or check --redis"
        ) from None
    finally:
        client.close()


# -- the crawl's announcement ------------------------------------------------------------


def announce_crawl(client: redis.Redis, crawl_id: str, info: dict[str, Any]) -> None:
    """Make ``crawl_id`` the crawl that workers started without a crawl id join."""
    keys = Keys(crawl_id)
    pipe = client.pipeline()
    pipe.set(keys.info, json.dumps(info))
    pipe.set(CURRENT_KEY, crawl_id)
    pipe.execute()


def find_crawl(client: redis.Redis, crawl_id: str | None) -> dict[str, Any] | None:
    """The announcement of ``crawl_id`` (default: the latest crawl), or None."""
    if not crawl_id:
        current = client.get(CURRENT_KEY)
        if current is None:
            return None
        crawl_id = current.decode() if isinstance(current, bytes) else str(current)
    raw = client.get(Keys(crawl_id).info)
    if raw is None:
        return None
    info: dict[str, Any] = json.loads(raw)
    info.setdefault("crawl_id", crawl_id)
    return info


def distributed_settings(redis_url: str, crawl_id: str, worker_id: str) -> dict[str, Any]:
    """The settings that turn a crawl into one worker of a distributed crawl."""
    keys = Keys(crawl_id)
    return {
        "TDM_REDIS_URL": redis_url,
        "TDM_CRAWL_ID": crawl_id,
        "TDM_WORKER_ID": worker_id,
        "TDM_CLAIMS_CLASS": "tdm_crawler.crawl.coordinator.WorkerCoordinator",
        "TDM_FRONTIER_CLASS": "tdm_crawler.crawl.frontier.RedisFrontier",
        "TDM_POLICY_STORE_CLASS": "tdm_crawler.crawl.distributed.RedisPolicyStore",
        "REDIS_URL": redis_url,
        "SCHEDULER": "tdm_crawler.crawl.redis_scheduler.TdmRedisScheduler",
        "DUPEFILTER_CLASS": "tdm_crawler.crawl.redis_scheduler.RedisRedirectAwareDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": keys.scrapy_key(keys.requests),
        "SCHEDULER_DUPEFILTER_KEY": keys.scrapy_key(keys.dupefilter),
        # The queue outlives any one worker: never flushed when a worker closes.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_FLUSH_ON_START": False,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        # Scrapy's JOBDIR does not apply: the shared state is in Redis.
        "JOBDIR": None,
    }


# -- the shared policy cache ---------------------------------------------------------------

#: Extends a lock only if it still holds our token.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

#: Deletes a lock only if it still holds our token (it may have expired and been taken).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisPolicyStore:
    """Policy documents shared by every worker, with single-flight across processes.

    ``shared(kind, key, produce)`` returns the stored value of ``key`` if another worker
    has fetched it within its TTL. Otherwise one worker wins the lock
    (``SET lock NX PX lease``, renewed every third of the lease while it fetches), runs
    ``produce`` (which fetches, writes the evidence to its own evidence WARC and returns
    the JSON value with its TTL), stores it with that TTL and releases the lock; the
    others poll until the value appears, or until the lock is gone without a value (the
    winner failed, or died and its lease expired), and then try to win it themselves.
    """

    def __init__(self, url: str, crawl_id: str, worker_id: str, *, lease: float, poll: float):
        self.url = url
        self.keys = Keys(crawl_id)
        self.worker_id = worker_id
        self.lease_ms = max(1, int(lease * 1000))
        self.poll = poll
        self._client: redis.asyncio.Redis | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisPolicyStore:
        s = crawler.settings
        return cls(
            s.get("TDM_REDIS_URL"),
            s.get("TDM_CRAWL_ID"),
            s.get("TDM_WORKER_ID"),
            lease=s.getfloat("TDM_REDIS_LEASE"),
            poll=s.getfloat("TDM_REDIS_POLL_INTERVAL"),
        )

    def client(self) -> redis.asyncio.Redis:
        if self._client is None:
            import redis.asyncio

            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=30, socket_connect_timeout=10
            )
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def shared(
        self,
        kind: str,
        key: str,
        produce: Callable[[], Awaitable[tuple[dict[str, Any], float]]],
    ) -> tuple[dict[str, Any], float]:
        """``(value, seconds it stays valid)``, fetched by whichever worker got there first."""
        client = self.client()
        value_key, lock_key = self.keys.value(kind, key), self.keys.lock(kind, key)
        token = f"{self.worker_id}:{time.time_ns()}"
        while True:
            found, locked = await self._lookup(client, value_key, lock_key)
            if found is not None:
                return found
            if not locked and await client.set(lock_key, token, nx=True, px=self.lease_ms):
                renewal = asyncio.ensure_future(self._renew(client, lock_key, token))
                try:
                    value, ttl = await produce()
                    await client.set(value_key, json.dumps(value), px=max(1, int(ttl * 1000)))
                    return value, ttl
                finally:
                    renewal.cancel()
                    await client.eval(_RELEASE, 1, lock_key, token)
            # Another worker is fetching it: wait for its value, or for its lease to end.
            await asyncio.sleep(self.poll)

    async def _renew(self, client: redis.asyncio.Redis, lock_key: str, token: str) -> None:
        """Keep the lock while the fetch runs (retries with back-off can outlast one
        lease): only a worker that died stops renewing, and then its lease expires."""
        while True:
            await asyncio.sleep(self.lease_ms / 3000)
            try:
                await client.eval(_RENEW, 1, lock_key, token, self.lease_ms)
            except Exception:  # a Redis hiccup: the next renewal tries again
                logger.debug("renewing %s failed", lock_key, exc_info=True)

    @staticmethod
    async def _lookup(
        client: redis.asyncio.Redis, value_key: str, lock_key: str
    ) -> tuple[tuple[dict[str, Any], float] | None, bool]:
        """The stored value with its remaining TTL (Redis's clock, not ours), and
        whether a worker holds the lock, in one round trip."""
        pipe = client.pipeline(transaction=False)
        pipe.get(value_key)
        pipe.pttl(value_key)
        pipe.exists(lock_key)
        raw, pttl, locked = await pipe.execute()
        if raw is None or pttl == -2:
            return None, bool(locked)
        remaining = pttl / 1000 if pttl > 0 else float("inf")
        return (json.loads(raw), remaining), bool(locked)
