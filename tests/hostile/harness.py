"""Crawl one hostile category and judge what it wrote: every case's decision record, no
non-allowed byte anywhere under the output, and bounds on memory and time.

Each category module (``test_hostile_<category>.py``) crawls all its cases in one crawl
(the ``outcome`` fixture of ``tests/hostile/conftest.py``) and judges them with the
``check_*`` functions here.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar, cast

import pytest
import pytest_twisted  # type: ignore[import-untyped]

from tests.crawling import MARKER, by_url, crawl, markers_written
from tests.hostile.generate import Case, MiB

#: Settings every hostile crawl uses: no page retries, one quick policy retry, no link
#: following (every case URL is a seed). The timeout is generous so that a loaded machine
#: cannot turn a 50 MiB page into a timeout; the transport crawl, whose stalls and
#: trickles must time out, sets 2 s.
HOSTILE_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_TIMEOUT": 15,
    "RETRY_TIMES": 0,
    "TDM_POLICY_RETRY_DELAYS": [0.05],
    # Many faults on one origin by design: keep the per-origin failure back-off short.
    "TDM_BACKOFF_BASE": 0.05,
    "TDM_BACKOFF_MAX": 0.2,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
    "LOG_LEVEL": "WARNING",
    "max_depth": 0,
}


_F = TypeVar("_F", bound=Callable[..., Any])


def async_fixture(**kwargs: Any) -> Callable[[_F], _F]:
    """``pytest_twisted.async_fixture``, typed."""
    return cast(Callable[[_F], _F], pytest_twisted.async_fixture(**kwargs))


def ensure_deferred(function: _F) -> _F:
    """``pytest_twisted.ensureDeferred``, typed: run an async test in the reactor."""
    return cast(_F, pytest_twisted.ensureDeferred(function))


class RssSampler:
    """Samples this process's resident set size every few milliseconds while active;
    :attr:`growth` is the peak minus the size at entry (bytes)."""

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def rss() -> int:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, self.rss())

    def __enter__(self) -> RssSampler:
        _release_free_memory()
        self.baseline = self.peak = self.rss()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


def _release_free_memory() -> None:
    """Hand freed heap back to the system, so that RSS growth counts what a crawl needs
    rather than what earlier tests left in malloc's free lists."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: only less tight
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class LoopLag:
    """Measures the longest time the event loop was held (a tick every ``interval``
    seconds, late by how much?) while active; use inside a running asyncio loop."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.longest = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def _tick(self, due: float) -> None:
        loop = asyncio.get_running_loop()
        self.longest = max(self.longest, loop.time() - due)
        self._handle = loop.call_at(
            loop.time() + self.interval, self._tick, loop.time() + self.interval
        )

    def __enter__(self) -> LoopLag:
        loop = asyncio.get_running_loop()
        self._handle = loop.call_at(
            loop.time() + self.interval, self._tick, loop.time() + self.interval
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._handle is not None:
            self._handle.cancel()


@dataclass(repr=False)
class CrawlOutcome:
    """What one category crawl produced."""

    out: Path
    cases: list[Case]
    urls: dict[str, str]  # case id -> absolute URL
    records: dict[str, dict[str, Any]]
    stats: dict[str, Any]
    rss_growth: int
    seconds: float

    def __repr__(self) -> str:
        return f"CrawlOutcome({len(self.records)} records, {self.seconds:.1f} s)"

    def record(self, case: Case) -> dict[str, Any] | None:
        return self.records.get(self.urls[case.id])


async def crawl_cases(
    cases: Sequence[Case], url_of: Callable[[Case], str], out: Path, **settings: Any
) -> CrawlOutcome:
    """Crawl every case URL (all seeds, in one crawl) and measure its memory and time."""
    urls = {case.id: url_of(case) for case in cases}
    started = time.monotonic()
    with RssSampler() as rss:
        crawler = await crawl(
            list(dict.fromkeys(urls.values())), out, **{**HOSTILE_SETTINGS, **settings}
        )
    seconds = time.monotonic() - started
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return CrawlOutcome(out, list(cases), urls, by_url(out), stats, rss.growth, seconds)


def signal_text(record: Mapping[str, Any]) -> str:
    """Every signal's value and detail, as one searchable string."""
    return "\n".join(
        f"{s['protocol']}/{s['source']}: {json.dumps(s['value'])} {s['detail']}"
        for s in record["signals"]
    )


def check_case(outcome: CrawlOutcome, case: Case) -> None:
    """The case URL has one record, with the expected decision, reason and detail, and
    stored content exactly when allowed."""
    record = outcome.record(case)
    assert record is not None, f"{case.id}: no decision recorded for {outcome.urls[case.id]:.120}"
    got = (record["decision"], record["reason"])
    text = signal_text(record)
    assert got == (case.decision, case.reason), f"{case.id}: got {got}\n{text}"
    if case.detail:
        assert case.detail in text, f"{case.id}: {case.detail!r} not in\n{text}"
    assert record["stored"] is (record["decision"] == "allowed"), case.id
    assert record["signals"], f"{case.id}: a record without signals"


def check_markers(outcome: CrawlOutcome) -> None:
    """No BLOCKED marker anywhere under the output; every OK marker of a passing case."""
    written = markers_written(outcome.out)
    leaked = sorted(m for m in written if m.startswith("MARKER-BLOCKED-"))
    assert not leaked, f"non-allowed content written: {leaked}"
    wanted = {
        case.marker
        for case in outcome.cases
        if case.marker.startswith("MARKER-OK-") and case.xfail is None
    }
    missing = sorted(wanted - written)
    assert not missing, f"allowed content not stored: {missing}"
    for case in outcome.cases:
        assert not case.marker or MARKER.fullmatch(case.marker.encode()), case.marker


def check_bounds(outcome: CrawlOutcome, *, rss_mib: int) -> None:
    """The crawl grew this process by less than ``rss_mib`` MiB and took under a minute."""
    growth = outcome.rss_growth / MiB
    print(f"peak RSS growth {growth:.0f} MiB, {outcome.seconds:.1f} s")
    assert growth < rss_mib, f"peak RSS grew by {growth:.0f} MiB"
    assert outcome.seconds < 60, f"crawl took {outcome.seconds:.1f} s"


def params(cases: Iterable[Case]) -> list[Any]:
    """``pytest.param`` per case, ids by name; a case with ``xfail`` is a strict xfail."""
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else [],
        )
        for case in cases
    ]
