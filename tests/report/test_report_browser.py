"""The report as a person uses it: opened in a real headless Chromium.

Debian's ``chromium`` is driven by Playwright (its Python package bundles the driver; no
browser is downloaded). Without Chromium the tests are skipped with the reason, except
in CI (``CI`` set), where they must run. A screenshot is saved as a test artifact:
``test-artifacts/report.png``.

The test session runs Twisted's asyncio reactor, and Playwright's sync API refuses to
run under a running event loop, so every browser call goes through one worker thread
(:class:`BrowserThread`), which has no loop.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.report.html_report import write_report
from tdm_crawler.store import iter_records

CHROMIUM = Path(os.environ.get("TDM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser tests (`make test` installs them)")
    pytest.skip(reason)


class BrowserThread:
    """Playwright and Chromium, living in one thread; :meth:`run` calls into it."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="playwright")
        self._playwright: Any = None
        self.browser: Any = None

    def run(self, function: Callable[..., Any], *args: Any) -> Any:
        return self._pool.submit(function, *args).result(timeout=180)

    def start(self) -> None:
        def start() -> None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self.browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )

        self.run(start)

    def stop(self) -> None:
        def stop() -> None:
            if self.browser is not None:
                self.browser.close()
            if self._playwright is not None:
                self._playwright.stop()

        try:
            self.run(stop)
        finally:
            self._pool.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserThread]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    thread = BrowserThread()
    try:
        thread.start()
        yield thread
    finally:
        thread.stop()


@pytest.fixture(scope="module")
def records(crawl: Path) -> list[dict[str, Any]]:
    return list(iter_records(crawl / "decisions.jsonl"))


class Page:
    """A loaded report page and everything it said on the console or asked the network.

    ``do(function)`` runs ``function(playwright_page)`` in the browser thread.
    """

    def __init__(self, browser: BrowserThread, path: Path) -> None:
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.thread = browser
        self.page: Any = browser.run(self._open, browser.browser, path)

    def _open(self, browser: Any, path: Path) -> Any:
        page = browser.new_page(viewport={"width": 1360, "height": 1000})
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("request", lambda request: self.requests.append(request.url))
        started = time.monotonic()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='true']", timeout=60_000)
        self.load_seconds = time.monotonic() - started
        return page

    def _console(self, message: Any) -> None:
        if message.type in ("error", "warning"):
            self.errors.append(f"console {message.type}: {message.text}")

    def do(self, function: Callable[[Any], Any]) -> Any:
        return self.thread.run(function, self.page)

    def count_text(self) -> str:
        return str(self.do(lambda p: p.inner_text("#url-count")))

    def search(self, text: str, total: int, expected: int) -> None:
        def search(page: Any) -> None:
            page.fill("#f-text", text)
            page.wait_for_function(
                "want => document.getElementById('url-count').textContent === want",
                arg=f"{expected:,} of {total:,} URLs",
                timeout=10_000,
            )

        self.do(search)

    def visible_urls(self) -> list[str]:
        cells = self.do(lambda p: p.locator("#urls .vt-row > div:first-child").all_inner_texts())
        return [str(c) for c in cells]

    def close(self) -> None:
        self.do(lambda p: p.close())


@pytest.fixture(scope="module")
def page(
    browser: BrowserThread, crawl: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Page]:
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(crawl, path)
    loaded = Page(browser, path)
    yield loaded
    loaded.close()


@pytest.mark.e2e
def test_page_loads_offline_without_console_errors(
    page: Page, records: list[dict[str, Any]]
) -> None:
    assert page.errors == []
    assert all(url.startswith(("file:", "data:")) for url in page.requests), page.requests
    assert page.count_text() == f"{len(records):,} of {len(records):,} URLs"
    headline = page.do(lambda p: p.inner_text("#headline"))
    assert f"{len(records):,}" in headline
    assert page.do(lambda p: p.locator("svg").count()) >= 3  # reason, origin, time


@pytest.mark.e2e
def test_search_reduces_the_table_to_the_matching_urls(
    page: Page, records: list[dict[str, Any]], fixture_server: FixtureServer
) -> None:
    origin = fixture_server.origin("tdmrep-file")
    term = "/premium"
    wanted = [
        r["url"]
        for r in records
        if term in f"{r['url']} {r['final_url'] or ''}".lower() and r["url"].startswith(origin)
    ]
    assert 0 < len(wanted) < 15, wanted
    page.search(f"{origin.split('//')[1]}{term}", len(records), len(wanted))
    assert sorted(page.visible_urls()) == sorted(wanted)
    page.search("no-such-url-anywhere", len(records), 0)
    assert page.visible_urls() == []
    assert "No rows match" in page.do(lambda p: p.inner_text("#urls"))
    page.do(lambda p: p.click("#f-clear"))
    assert page.count_text() == f"{len(records):,} of {len(records):,} URLs"


@pytest.mark.e2e
def test_decision_and_origin_filters_and_sorting(
    page: Page, records: list[dict[str, Any]], fixture_server: FixtureServer
) -> None:
    page.do(lambda p: p.click("#f-clear"))
    decisions = ["allowed", "reserved", "disallowed", "unknown", "error"]
    page.do(lambda p: p.select_option("#f-decision", str(decisions.index("reserved"))))
    reserved = [r["url"] for r in records if r["decision"] == "reserved"]
    assert page.count_text() == f"{len(reserved):,} of {len(records):,} URLs"
    assert set(page.visible_urls()) <= set(reserved)

    page.do(lambda p: p.click("#f-clear"))
    origin = fixture_server.origin("robots-5xx")
    exact = re.compile(f"^{re.escape(origin)}$")
    page.do(lambda p: p.locator("#origins .vt-row > div:first-child", has_text=exact).click())
    mine = [r["url"] for r in records if r["url"].startswith(origin + "/")]
    assert page.count_text() == f"{len(mine):,} of {len(records):,} URLs"

    page.do(lambda p: p.click("#f-clear"))
    urls = sorted(r["url"] for r in records)
    page.do(lambda p: p.locator("#urls .vt-head div", has_text="URL").click())
    assert page.visible_urls()[:5] == urls[:5]
    page.do(lambda p: p.locator("#urls .vt-head div", has_text="URL").click())
    assert page.visible_urls()[:5] == urls[::-1][:5]
    page.do(lambda p: p.click("#f-clear"))


@pytest.mark.e2e
def test_detail_shows_every_signal_and_the_evidence_ids(
    page: Page, records: list[dict[str, Any]]
) -> None:
    target = next(r for r in records if r["reason"] == "tdmrep-meta")
    page.search(target["url"].split("//")[1], len(records), 1)

    def open_detail(p: Any) -> dict[str, Any]:
        p.click("#urls .vt-row")
        detail = p.locator("#detail")
        detail.wait_for(state="visible")
        rows = detail.locator("table.signals tr:not(:first-child)")
        decider = detail.locator("tr.decider")
        return {
            "title": detail.locator("h3").inner_text(),
            "protocols": [
                rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())
            ],
            "deciders": [decider.nth(i).inner_text() for i in range(decider.count())],
            "text": detail.inner_text(),
        }

    shown = page.do(open_detail)
    assert shown["title"] == target["url"]
    assert shown["protocols"] == [s["protocol"] for s in target["signals"]]
    assert len(shown["deciders"]) == 1 and "meta" in shown["deciders"][0]
    for record_id in target["evidence"]["origins"].values():
        assert record_id in shown["text"]
    assert "reserved" in shown["text"] and "tdmrep-meta" in shown["text"]

    ARTIFACTS.mkdir(exist_ok=True)
    page.do(lambda p: p.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True))
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000

    def close_detail(p: Any) -> None:
        p.keyboard.press("Escape")
        p.locator("#detail").wait_for(state="hidden")

    page.do(close_detail)
    assert page.errors == []


def _many(n: int) -> Iterator[dict[str, Any]]:
    reasons = [
        ("allowed", "no-reservation"),
        ("reserved", "tdmrep-file"),
        ("disallowed", "robots-disallow"),
    ]
    for i in range(n):
        decision, reason = reasons[i % 3]
        url = f"http://site{i % 500}.example:8080/p/{i}"
        yield {
            "url": url,
            "final_url": url,
            "status": 200,
            "decision": decision,
            "reason": reason,
            "tdm_reservation": 1 if decision == "reserved" else None,
            "tdm_policy": None,
            "signals": [
                {"protocol": "robots", "source": "robots.txt", "value": "allow", "detail": "ok"},
                {
                    "protocol": "tdmrep",
                    "source": "file",
                    "value": None,
                    "detail": f"no rule matches '/p/{i}'",
                },
            ],
            "stored": decision == "allowed",
            "content_sha256": "ab" * 32 if decision == "allowed" else None,
            "warc_record_id": f"<urn:uuid:{i}>" if decision == "allowed" else None,
            "fetched_at": f"2026-01-05T09:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:06d}Z",
            "crawl_id": "many",
            "evidence": {"stage": "after", "url": url, "hops": [], "origins": {}},
        }


def test_one_hundred_thousand_rows_stay_fast(browser: BrowserThread, tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"crawl_id": "many"}))
    write_report(tmp_path, records=_many(100_000))
    loaded = Page(browser, tmp_path / "report.html")
    try:
        assert loaded.errors == []
        assert loaded.load_seconds < 20, loaded.load_seconds
        assert loaded.do(lambda p: p.locator("#urls .vt-row").count()) < 100  # rows in view
        started = time.monotonic()
        loaded.search("/p/4242", 100_000, 11)  # /p/4242 and /p/42420 ... /p/42429
        assert time.monotonic() - started < 5

        def sort_and_scroll(p: Any) -> None:
            p.locator("#urls .vt-head div", has_text="fetched").click()
            p.click("#f-clear")
            p.locator("#urls .vt-body").evaluate("body => { body.scrollTop = 1e9; }")
            p.wait_for_function(
                "() => [...document.querySelectorAll('#urls .vt-row div:first-child')]"
                ".some(cell => cell.textContent.endsWith('/p/99999'))",
                timeout=10_000,
            )

        started = time.monotonic()
        loaded.do(sort_and_scroll)
        assert time.monotonic() - started < 10
        assert loaded.errors == []
    finally:
        loaded.close()
