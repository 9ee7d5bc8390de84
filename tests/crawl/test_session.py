"""The glue, unit by unit, on Scrapy's test crawler (no engine, no download): the session
wires each part once, the gate decides and records through it, the errback's failures
and the storage lock go the same way. The origin's policy documents are given as fetched
(``FetchResult``), so what is tested is the wiring, not the fetching (tests/e2e does that
over real sockets)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from scrapy import Request, Spider
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from tdm_crawler.crawl.claims import ClaimReleaseMiddleware, LocalClaims
from tdm_crawler.crawl.frontier import LocalFrontier
from tdm_crawler.crawl.meta import VERDICT_META
from tdm_crawler.crawl.middlewares import RawCaptureMiddleware, TdmGateMiddleware
from tdm_crawler.crawl.origin import FetchResult, OriginDocuments
from tdm_crawler.crawl.origin_cache import OriginCache
from tdm_crawler.crawl.policy_store import LocalPolicyStore
from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.crawl.settings import crawl_settings
from tdm_crawler.crawl.storage import ContentStoreMiddleware
from tdm_crawler.exceptions import SettingError

ORIGIN = "http://site.test"
ROBOTS = b"User-agent: *\nDisallow: /private\n"


class ReleaseCounting(LocalClaims):
    """Local claims that remember what was released (a strategy named by setting)."""

    def __init__(self) -> None:
        super().__init__()
        self.released: list[str] = []

    def release(self, url: str) -> None:
        self.released.append(url)


def _crawler(tmp_path: Path, **overrides: Any) -> Any:
    settings = crawl_settings(out=str(tmp_path / "out"), overrides=overrides)
    return get_crawler(Spider, settings_dict=settings.copy_to_dict())


def _opened(tmp_path: Path, robots: bytes = ROBOTS, **overrides: Any) -> CrawlSession:
    """A session whose recorder is open and whose one origin serves ``robots``."""
    crawler = _crawler(tmp_path, **overrides)
    session = CrawlSession.of(crawler)
    fetcher = session.fetcher

    async def load(origin: str) -> Any:
        robots_res = FetchResult(f"{origin}/robots.txt", 200, robots, None, None, (), 1)
        tdmrep_url = f"{origin}/.well-known/tdmrep.json"
        tdmrep_res = FetchResult(tdmrep_url, 404, b"", None, None, (), 1)
        documents = OriginDocuments(origin, robots_res, tdmrep_res, (), "<urn:x>", 60.0)
        return await fetcher.build_origin(documents, 60.0)

    fetcher.origins = OriginCache(load)
    session.recorder.spider_opened(Spider("unit"))
    return session


async def _on_asyncio(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` as an asyncio task, as Scrapy runs the gate (it awaits asyncio futures)."""
    return await Deferred.fromFuture(asyncio.ensure_future(coro))


def _records(tmp_path: Path) -> dict[str, dict[str, Any]]:
    lines = (tmp_path / "out" / "decisions.jsonl").read_text().splitlines()
    return {record["url"]: record for record in map(json.loads, lines)}


def test_one_session_per_crawler_with_the_local_strategies_by_default(tmp_path: Path) -> None:
    crawler = _crawler(tmp_path)
    session = CrawlSession.of(crawler)
    assert CrawlSession.of(crawler) is session
    assert CrawlSession.from_crawler(crawler) is session  # as the first extension
    assert CrawlSession.of(_crawler(tmp_path)) is not session
    assert isinstance(session.claims, LocalClaims)
    assert isinstance(session.fetcher.store, LocalPolicyStore)
    assert isinstance(session.frontier, LocalFrontier)
    assert session.recorder.claims is session.claims


def test_a_strategy_is_the_class_its_setting_names(tmp_path: Path) -> None:
    crawler = _crawler(tmp_path, TDM_CLAIMS_CLASS=f"{__name__}.ReleaseCounting")
    session = CrawlSession.of(crawler)
    assert type(session.claims) is ReleaseCounting
    response = HtmlResponse(f"{ORIGIN}/a", request=Request(f"{ORIGIN}/a"), body=b"")
    ClaimReleaseMiddleware(crawler).process_spider_exception(response, ValueError())
    assert session.claims.released == [f"{ORIGIN}/a"]


def test_a_session_without_an_output_directory_refuses_to_start() -> None:
    settings = crawl_settings(out="")
    with pytest.raises(SettingError, match="TDM_OUTPUT_DIR"):
        CrawlSession.of(get_crawler(Spider, settings_dict=settings.copy_to_dict()))


@pytest.mark.parametrize(
    ("value", "reserves"), [(None, False), ("true", True), (True, True), ("0", False)]
)
def test_the_context_says_whether_noarchive_reserves(
    tmp_path: Path, value: Any, reserves: bool
) -> None:
    overrides = {} if value is None else {"TDM_NOARCHIVE_RESERVES": value}
    assert CrawlSession.of(_crawler(tmp_path, **overrides)).context.noarchive_reserves is reserves


def test_a_bad_noarchive_setting_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="TDM_NOARCHIVE_RESERVES must be true or false"):
        CrawlSession.of(_crawler(tmp_path, TDM_NOARCHIVE_RESERVES="sometimes"))


@pytest_twisted.ensureDeferred
async def test_gate_records_a_disallowed_url_once_and_keeps_the_origin_half(
    tmp_path: Path,
) -> None:
    session = _opened(tmp_path)
    gate = TdmGateMiddleware(session.crawler)
    blocked = Request(f"{ORIGIN}/private/x", meta={"download_slot": ORIGIN})
    with pytest.raises(IgnoreRequest, match="disallowed"):
        await _on_asyncio(gate.process_request(blocked))
    allowed = Request(f"{ORIGIN}/open", meta={"download_slot": ORIGIN})
    assert await _on_asyncio(gate.process_request(allowed)) is None
    half = session.kept_half(allowed, allowed.url)
    assert half is not None and half.verdict is None  # decided after the fetch
    again = Request(f"{ORIGIN}/private/x", meta={"download_slot": ORIGIN})
    with pytest.raises(IgnoreRequest, match="already decided"):
        await _on_asyncio(gate.process_request(again))
    session.recorder.spider_closed("finished")
    records = _records(tmp_path)
    assert list(records) == [blocked.url]
    assert records[blocked.url]["reason"] == "robots-disallow"
    assert records[blocked.url]["evidence"]["origins"] == {f"{ORIGIN}:80": "<urn:x>"}


@pytest_twisted.ensureDeferred
async def test_a_failure_the_gate_never_saw_is_recorded_through_the_session(
    tmp_path: Path,
) -> None:
    session = _opened(tmp_path)
    gate = TdmGateMiddleware(session.crawler)
    request = Request(f"{ORIGIN}/loop", meta={"download_slot": ORIGIN})
    await _on_asyncio(gate.process_request(request))
    session.record_failure(request, IgnoreRequest("max redirections reached"))
    session.record_failure(request, IgnoreRequest("max redirections reached"))  # idempotent
    session.recorder.spider_closed("finished")
    record = _records(tmp_path)[request.url]
    assert (record["decision"], record["reason"]) == ("error", "fetch-failed")
    assert record["evidence"]["stage"] == "failed"
    assert any(s["protocol"] == "robots" for s in record["signals"]), "origin signals kept"


def test_storage_refuses_a_response_without_an_allowed_verdict(tmp_path: Path) -> None:
    session = _opened(tmp_path)
    crawler = session.crawler
    request = Request(f"{ORIGIN}/open")
    response = HtmlResponse(request.url, request=request, body=b"<p>MARKER-UNIT</p>")
    RawCaptureMiddleware(crawler).process_response(request, response)
    assert session.raw_exchange(request) is not None
    ContentStoreMiddleware(crawler).process_spider_input(response)  # no verdict: refused
    session.recorder.spider_closed("finished")
    written = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert b"MARKER-UNIT" not in written
    assert VERDICT_META not in response.meta
