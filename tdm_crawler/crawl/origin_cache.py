"""A per-origin cache that shares one in-flight fetch between concurrent requests.

The first request for a new origin starts the fetch of its policy files; every request
for that origin that arrives while the fetch runs awaits the *same* task instead of
starting its own, so an origin's robots.txt and tdmrep.json are fetched once however
high the concurrency. Finished entries live until their own expiry time (a failure is
kept for minutes, a success for up to a day) and the least recently used entries are
evicted once the bound is reached, so memory stays flat over millions of origins.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar


class Expiring(Protocol):
    """What a cached value must tell: until when (monotonic seconds) it is valid."""

    @property
    def expires_at(self) -> float: ...


V = TypeVar("V", bound=Expiring)


class OriginCache(Generic[V]):
    """Bounded TTL cache of per-origin values, with single-flight loading."""

    def __init__(
        self,
        load: Callable[[str], Awaitable[V]],
        *,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._load = load
        self._max_entries = max_entries
        self._clock = clock
        self._done: OrderedDict[str, V] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[V]] = {}
        self.loads = 0
        """How many times ``load`` was started (for stats and tests)."""

    def __len__(self) -> int:
        return len(self._done)

    async def get(self, origin: str) -> V:
        """Return the value for ``origin``, loading it at most once at a time."""
        value = self._done.get(origin)
        if value is not None:
            if value.expires_at > self._clock():
                self._done.move_to_end(origin)
                return value
            del self._done[origin]
        task = self._inflight.get(origin)
        if task is None:
            self.loads += 1
            task = asyncio.ensure_future(self._load(origin))
            self._inflight[origin] = task
            task.add_done_callback(lambda t: self._finish(origin, t))
        # shield: one waiter being cancelled must not cancel the shared fetch.
        return await asyncio.shield(task)

    def peek(self, origin: str) -> V | None:
        """The cached value if present and fresh, without loading."""
        value = self._done.get(origin)
        if value is not None and value.expires_at > self._clock():
            return value
        return None

    def _finish(self, origin: str, task: asyncio.Task[V]) -> None:
        self._inflight.pop(origin, None)
        if task.cancelled() or task.exception() is not None:
            return  # nothing cached: the next request tries again
        self._done[origin] = task.result()
        self._done.move_to_end(origin)
        while len(self._done) > self._max_entries:
            self._done.popitem(last=False)
