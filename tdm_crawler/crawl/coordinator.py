"""One worker of a distributed crawl: what it holds, what it decided, whether it lives.

:class:`WorkerCoordinator`, the claims strategy of a worker (``TDM_CLAIMS_CLASS``, see
:mod:`tdm_crawler.crawl.claims`), keeps, in Redis (keys in
:class:`~tdm_crawler.crawl.distributed.Keys`):

``decided``
    a hash from each URL's 64-bit hash to the worker writing its record (a *claim*), or
    to ``""`` once the record is written. A worker writes a URL's record only after
    winning its claim (:meth:`WorkerCoordinator.claim`), so no URL is recorded twice
    however many workers reach it.
``inflight:<worker>``
    the requests the worker took from the shared queue and has not finished, as the
    queue held them (moved there in the same Redis operation that pops them). A request
    leaves it once its decision is written and, for a page whose links are followed,
    once those links are in the shared queue
    (:class:`~tdm_crawler.crawl.claims.ClaimReleaseMiddleware`).
``alive:<worker>``
    its heartbeat, refreshed every ``TDM_REDIS_HEARTBEAT`` seconds and expiring after
    ``TDM_REDIS_WORKER_TIMEOUT``: a worker whose heartbeat expired is dead, and the
    first survivor to notice moves its held requests to itself and puts back in the
    queue those not decided (those decided are put back too, marked to have their links
    read again, as the dead worker may have died before queueing them).

A worker with nothing to do stays while any other live worker holds requests (they may
produce links), and leaves once the queue has been empty and nobody held anything for
``TDM_REDIS_IDLE_TIMEOUT`` seconds.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import create_looping_call

from tdm_crawler.crawl.distributed import Keys, sync_client
from tdm_crawler.crawl.meta import RELINK_META
from tdm_crawler.crawl.urls import original_url, url_key
from tdm_crawler.exceptions import SettingError
from tdm_crawler.store import CrawlDir
from tdm_crawler.store.decisions import recent_records

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Pop the highest-priority request and hold it, atomically (a kill cannot lose it).
_TAKE = """
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
redis.call('SADD', KEYS[2], popped[1])
return popped[1]
"""

#: Claim a URL's record for a worker: 1 if it is (now) this worker's to write.
_CLAIM = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if not owner then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
if owner == ARGV[2] then return 1 end
return 0
"""

#: Take over a dead worker: move its held requests to us and unregister it, atomically,
#: so that two survivors never both put them back.
_ADOPT = """
local held = redis.call('SMEMBERS', KEYS[1])
for _, item in ipairs(held) do redis.call('SADD', KEYS[2], item) end
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[3], ARGV[1])
return held
"""

#: Drop a claim only if the dead worker still holds it.
_UNCLAIM = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""

#: How much of a dead worker's decision log is read to see whether it wrote a record.
_TAIL_BYTES = 1 << 20


class WorkerCoordinator:
    """This worker's share of the crawl in Redis: claims, held requests, heartbeat."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        url = s.get("TDM_REDIS_URL")
        if not url:
            raise SettingError(
                "the Redis claims strategy needs TDM_REDIS_URL (tdm-crawl worker --redis sets it)"
            )
        scheduler = s.get("SCHEDULER")
        if not (isinstance(scheduler, str) and scheduler.endswith(".TdmRedisScheduler")):
            raise ValueError(
                "TDM_REDIS_URL needs the shared scheduler: set SCHEDULER to "
                "tdm_crawler.crawl.redis_scheduler.TdmRedisScheduler (and the other settings "
                "of tdm_crawler.crawl.distributed.distributed_settings; tdm-crawl --redis "
                "sets them)"
            )
        self.crawler = crawler
        self.keys = Keys(s.get("TDM_CRAWL_ID"))
        self.worker_id: str = s.get("TDM_WORKER_ID")
        self.heartbeat = s.getfloat("TDM_REDIS_HEARTBEAT")
        self.worker_timeout = s.getfloat("TDM_REDIS_WORKER_TIMEOUT")
        self.idle_timeout = s.getfloat("TDM_REDIS_IDLE_TIMEOUT")
        self.client = sync_client(url)
        self._take = self.client.register_script(_TAKE)
        self._claim = self.client.register_script(_CLAIM)
        self._adopt = self.client.register_script(_ADOPT)
        self._unclaim = self.client.register_script(_UNCLAIM)
        self.inflight_key = self.keys.inflight(self.worker_id)
        self.queue: Any = None
        self.spider: Spider | None = None
        # original URL -> the queue entries held for it (a URL can be held twice, e.g. a
        # page and a redirect hop to it): bounded by the requests in the engine.
        self._held: dict[str, list[bytes]] = {}
        self._idle_since: float | None = None
        self._loop: Any = None
        self.adopted = 0
        crawler.signals.connect(self._opened, signal=signals.spider_opened)
        crawler.signals.connect(self._idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    # -- lifecycle ---------------------------------------------------------------------

    def _opened(self, spider: Spider) -> None:
        self.spider = spider
        info = {
            "host": socket.gethostname(),
            "out": str(Path(self.crawler.settings.get("TDM_OUTPUT_DIR")).resolve()),
            "started_at": time.time(),
        }
        self.client.hset(self.keys.workers, self.worker_id, json.dumps(info))
        self._beat()
        self._loop = create_looping_call(self._tick)
        self._loop.start(self.heartbeat, now=False)
        logger.info("Worker %s joined crawl %s", self.worker_id, self.keys.crawl_id)

    def attach_queue(self, queue: Any) -> None:
        """The scheduler's scrapy-redis queue (its key and request encoding)."""
        self.queue = queue

    def close(self, reason: str) -> None:
        """Leave the crawl: put back what this worker still holds, then unregister.

        Called by the recorder after its last record is written."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        try:
            self._put_back_own(force=True)
            pipe = self.client.pipeline()
            pipe.delete(self.keys.alive(self.worker_id))
            pipe.hdel(self.keys.workers, self.worker_id)
            pipe.execute()
        finally:
            self.client.close()
        logger.info(
            "Worker %s left crawl %s (%s); took over %d requests of dead workers",
            self.worker_id,
            self.keys.crawl_id,
            reason,
            self.adopted,
        )

    def _tick(self) -> None:
        try:
            self._beat()
            self.adopt_dead()
            self._wake_engine()
        except Exception:  # Redis hiccup: the next tick tries again
            logger.exception("Worker %s: heartbeat failed", self.worker_id)

    def _wake_engine(self) -> None:
        """Let an idle engine see requests that other workers queued meanwhile, and ask
        itself whether to leave.

        An idle Scrapy engine looks at its scheduler every 5 seconds only; a worker
        waiting for work (one started before the seeds were queued, or whose queue ran
        dry) would join late, and leave late. Relies on the engine's slot (not public
        API); without it the engine's own 5-second heartbeat still does the job, later."""
        engine = self.crawler.engine
        nextcall = getattr(getattr(engine, "_slot", None), "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def _beat(self) -> None:
        engine = self.crawler.engine
        busy = bool(engine is not None and engine.downloader.active) or bool(self._held)
        value = json.dumps({"busy": busy, "at": time.time()})
        self.client.set(
            self.keys.alive(self.worker_id), value, px=max(1, int(self.worker_timeout * 1000))
        )

    # -- the queue ---------------------------------------------------------------------

    def take(self) -> tuple[Request, bytes] | None:
        """Pop the next request of the shared queue into this worker's held set."""
        assert self.queue is not None, "scheduler not opened"
        data = self._take(keys=[self.queue.key, self.inflight_key])
        if data is None:
            return None
        request = self.queue._decode_request(data)
        self._held.setdefault(original_url(request), []).append(data)
        return request, data

    def handed_back(self, request: Request) -> None:
        """A request for a URL this worker holds went into the shared queue (a redirect
        hop, a retry): the queue carries that URL now."""
        self.release(original_url(request))

    def release(self, url: str) -> None:
        """Stop holding ``url``'s requests (it is decided, its links are queued)."""
        held = self._held.pop(url, None)
        if held:
            self.client.srem(self.inflight_key, *held)

    def has_queued(self) -> bool:
        return bool(self.queue is not None and len(self.queue))

    # -- decisions ---------------------------------------------------------------------

    def remember(self, urls: Iterable[str]) -> None:
        """Nothing to do: what every worker decided is in Redis already."""

    def claim(self, url: str) -> bool:
        """True when ``url``'s decision record is this worker's to write."""
        return bool(self._claim(keys=[self.keys.decided], args=[url_key(url), self.worker_id]))

    def done(self, url: str, *, release: bool) -> None:
        """``url``'s record is written; stop holding it unless its links are still to come."""
        held = self._held.pop(url, None) if release else None
        pipe = self.client.pipeline()
        pipe.hset(self.keys.decided, url_key(url), b"")
        if held:
            pipe.srem(self.inflight_key, *held)
        pipe.execute()

    def is_decided(self, url: str) -> bool:
        return bool(self.client.hexists(self.keys.decided, url_key(url)))

    # -- idle and dead workers ---------------------------------------------------------

    def _idle(self, spider: Spider) -> None:
        """Keep an idle worker while the crawl may still produce work for it."""
        self.adopt_dead()
        self._put_back_own()
        if self.has_queued() or self._others_working():
            self._idle_since = None
            raise DontCloseSpider
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        if now - self._idle_since < self.idle_timeout:
            raise DontCloseSpider
        logger.info(
            "Worker %s: queue empty and no worker busy for %.0fs: leaving",
            self.worker_id,
            now - self._idle_since,
        )

    def _others_working(self) -> bool:
        """Whether another live worker holds requests or says it is busy."""
        for worker in self._workers():
            if worker == self.worker_id:
                continue
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self.keys.alive(worker))
            pipe.scard(self.keys.inflight(worker))
            alive, held = pipe.execute()
            if alive is None:
                if held:
                    return True  # dead but not yet taken over: its requests come back
                continue
            if held or json.loads(alive).get("busy"):
                return True
        return False

    def _workers(self) -> list[str]:
        return [_text(w) for w in self.client.hkeys(self.keys.workers)]

    def adopt_dead(self) -> int:
        """Take over every worker whose heartbeat expired; return how many requests."""
        total = 0
        for worker in self._workers():
            if worker == self.worker_id or self.client.exists(self.keys.alive(worker)):
                continue
            raw_info = self.client.hget(self.keys.workers, worker)
            info = json.loads(raw_info) if raw_info else {}
            held = self._adopt(
                keys=[self.keys.inflight(worker), self.inflight_key, self.keys.workers],
                args=[worker],
            )
            logger.warning(
                "Worker %s is gone (no heartbeat for %.0fs): taking over its %d requests",
                worker,
                self.worker_timeout,
                len(held),
            )
            for data in held:
                self._recover(data, worker, info)
            total += len(held)
        self.adopted += total
        return total

    def _recover(self, data: bytes, dead: str, info: dict[str, Any]) -> None:
        """Put one request of a dead worker back in the queue, as its state requires."""
        request = self.queue._decode_request(data)
        url = original_url(request)
        key = url_key(url)
        owner = self.client.hget(self.keys.decided, key)
        relink = False
        if owner == b"":
            relink = True  # decided: its record exists; its links may not be queued
        elif owner == dead.encode():
            # It died while writing this URL's record: did the record make it to disk?
            if _record_written(info, url):
                self.client.hset(self.keys.decided, key, b"")
                relink = True
            else:
                self._unclaim(keys=[self.keys.decided], args=[key, dead])
        elif owner is not None:
            # Another live worker is writing it.
            self.client.srem(self.inflight_key, data)
            return
        self._requeue(request, data, relink=relink)

    def _requeue(self, request: Request, data: bytes, *, relink: bool) -> None:
        if relink:
            request.meta[RELINK_META] = True
            entry = self.queue._encode_request(request)
        else:
            entry = data
        pipe = self.client.pipeline()
        pipe.zadd(self.queue.key, {entry: -request.priority})
        pipe.srem(self.inflight_key, data)
        pipe.execute()

    def _put_back_own(self, *, force: bool = False) -> None:
        """Requests this worker holds while its engine is idle (or closing) were lost on
        the way: put back those not decided; forget the rest."""
        engine = self.crawler.engine
        if not force and engine is not None and engine.downloader.active:
            return
        members = self.client.smembers(self.inflight_key)
        self._held.clear()
        for member in members:
            data = bytes(member) if not isinstance(member, str) else member.encode()
            request = self.queue._decode_request(data) if self.queue is not None else None
            if request is None:
                continue
            if self.is_decided(original_url(request)):
                self.client.srem(self.inflight_key, data)
            else:
                logger.info("Putting back %s (held, never decided)", request.url)
                self._requeue(request, data, relink=False)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _record_written(info: dict[str, Any], url: str) -> bool:
    """Whether a dead worker's decision log ends with a record of ``url``. Only a worker
    on this host is read; elsewhere the answer is no (the URL is decided again: a
    duplicate record is possible, a lost one is not)."""
    if info.get("host") != socket.gethostname() or not info.get("out"):
        return False
    needle = json.dumps(url)[1:-1].encode()
    try:
        records = recent_records(
            CrawlDir(Path(info["out"])).decisions, _TAIL_BYTES, containing=needle
        )
        return any(record.get("url") == url for record in records)
    except OSError:
        return False


__all__ = ["WorkerCoordinator"]
