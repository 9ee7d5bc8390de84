"""Politeness under faults, over a real socket: Retry-After is honoured, and an origin
that keeps failing is slowed down, not hammered."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.crawl.backoff import retry_after_seconds
from tests.crawling import by_url, crawl


class FaultyServer(ThreadingHTTPServer):
    """/limited answers 503 + Retry-After: 1 once, then 200; /flaky always 500.
    Every request's arrival time is kept per path."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.times: dict[str, list[float]] = {}
        self.lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: FaultyServer

    def do_GET(self) -> None:
        with self.server.lock:
            seen = self.server.times.setdefault(self.path, [])
            seen.append(time.monotonic())
            count = len(seen)
        if self.path == "/limited" and count == 1:
            self._send(503, b"busy", [("Retry-After", "1")])
        elif self.path == "/flaky":
            self._send(500, b"broken")
        elif self.path in ("/limited", "/"):
            body = b'<html><body><a href="/limited">l</a><a href="/flaky">f</a></body></html>'
            self._send(200, body, [("Content-Type", "text/html")])
        else:
            self._send(404, b"none")

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve() -> FaultyServer:
    server = FaultyServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def faulty() -> Iterator[tuple[FaultyServer, FaultyServer]]:
    """Two origins, so the Retry-After case and the failing case do not share a slot."""
    servers = (serve(), serve())
    yield servers
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_retry_after_and_backoff(
    faulty: tuple[FaultyServer, FaultyServer], tmp_path: Path
) -> None:
    limited_server, flaky_server = faulty
    limited_url = f"http://127.0.0.1:{limited_server.server_address[1]}/limited"
    flaky_url = f"http://127.0.0.1:{flaky_server.server_address[1]}/flaky"
    crawler = await crawl(
        [limited_url, flaky_url],
        tmp_path / "out",
        max_depth=0,
        RETRY_TIMES=3,
        TDM_BACKOFF_BASE=0.3,
    )
    records = by_url(tmp_path / "out")
    assert records[limited_url]["decision"] == "allowed"
    assert records[flaky_url]["reason"] == "http-status"
    limited = limited_server.times["/limited"]
    assert len(limited) == 2 and limited[1] - limited[0] >= 0.9, "Retry-After: 1 honoured"
    flaky = flaky_server.times["/flaky"]
    gaps = [b - a for a, b in itertools.pairwise(flaky)]
    assert len(flaky) == 4  # first try + 3 retries
    # delays 0.3, 0.6, 1.2 s after the 1st, 2nd, 3rd failure (no jitter while backing off)
    assert gaps[0] >= 0.29 and gaps[1] >= 0.59 and gaps[2] >= 1.19, f"back-off, gaps {gaps}"
    assert crawler.stats is not None and crawler.stats.get_value("tdm/backoff/slowed") >= 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 5 ", 5.0), ("soon", None), ("", None), ("-3", None)],
)
def test_retry_after_seconds(value: str, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_http_date() -> None:
    now = 1_700_000_000.0
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(now + 30))
    assert retry_after_seconds(date, now=now) == pytest.approx(30, abs=1)


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_decisions_are_not_failures(fixture_server: FixtureServer, tmp_path: Path) -> None:
    """URLs refused by the gate (robots-disallowed, AI-reserved) raise IgnoreRequest; an
    origin must not be slowed down for them, only for real faults."""
    crawler = await crawl(fixture_server.seeds(["ai-agents", "robots-rules"]), tmp_path / "out")
    assert crawler.stats is not None
    assert (
        crawler.stats.get_value("tdm/decision/disallowed", 0)
        + crawler.stats.get_value("tdm/decision/reserved", 0)
        >= 5
    )
    assert crawler.stats.get_value("tdm/backoff/slowed") is None
