"""OriginCache: one in-flight load per origin, TTL expiry, LRU bound, failures not cached."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from tdm_crawler.crawl.origin_cache import OriginCache


@dataclass(frozen=True)
class Entry:
    origin: str
    expires_at: float


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run(coro: Coroutine[Any, Any, Any]) -> Deferred[Any]:
    """Drive an asyncio coroutine from a pytest-twisted test (asyncio reactor)."""
    return Deferred.fromFuture(asyncio.ensure_future(coro))


def make(ttl: float = 10.0, max_entries: int = 100, delay: float = 0.01, fail: bool = False):
    clock = Clock()
    calls: list[str] = []

    async def load(origin: str) -> Entry:
        calls.append(origin)
        await asyncio.sleep(delay)
        if fail:
            raise OSError("boom")
        return Entry(origin, clock() + ttl)

    return OriginCache(load, max_entries=max_entries, clock=clock), calls, clock


@pytest_twisted.ensureDeferred
async def test_concurrent_requests_share_one_load() -> None:
    cache, calls, _ = make()

    async def many() -> list[Entry]:
        return await asyncio.gather(*(cache.get("http://a:80") for _ in range(50)))

    results = await run(many())
    assert calls == ["http://a:80"]
    assert all(r is results[0] for r in results)


@pytest_twisted.ensureDeferred
async def test_expired_entry_is_reloaded() -> None:
    cache, calls, clock = make(ttl=10)
    await run(cache.get("o"))
    clock.now += 9
    await run(cache.get("o"))
    assert calls == ["o"]
    clock.now += 2
    await run(cache.get("o"))
    assert calls == ["o", "o"]


@pytest_twisted.ensureDeferred
async def test_bound_evicts_least_recently_used() -> None:
    cache, calls, _ = make(max_entries=2)
    await run(cache.get("a"))
    await run(cache.get("b"))
    await run(cache.get("a"))  # a is now the most recent
    await run(cache.get("c"))  # evicts b
    assert len(cache) == 2
    assert cache.peek("a") is not None and cache.peek("b") is None
    await run(cache.get("b"))
    assert calls == ["a", "b", "c", "b"]


@pytest_twisted.ensureDeferred
async def test_failed_load_is_not_cached() -> None:
    cache, calls, _ = make(fail=True)
    with pytest.raises(OSError):
        await run(cache.get("o"))
    with pytest.raises(OSError):
        await run(cache.get("o"))
    assert calls == ["o", "o"]


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError):
        make(max_entries=0)
