"""End-to-end: crawl every fixture site over real loopback sockets and check what was written.

The oracle is each fixture site's ``expected`` table (fixtures/sites/*/site.json): every
URL decided exactly once with the expected decision and reason, and — the project's first
rule — no byte of a non-allowed body anywhere under the output directory, while every
allowed body is there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_twisted
from warcio.checker import Checker

from fixtures.server import FixtureServer
from tdm_crawler.crawl.config import SCRAPY_SETTINGS
from tdm_crawler.store import RECORD_FIELDS
from tests.crawling import MARKER, by_url, crawl, markers_written, warc_records

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest_twisted.async_fixture(scope="module")
async def fixture_crawl(
    fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("e2e") / "out"
    fixture_server.reset_hits()
    crawler = await crawl(fixture_server.seeds(), out)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {"out": out, "records": by_url(out), "stats": stats}


def test_every_url_gets_its_expected_decision(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    expected = fixture_server.expected()
    got = {url: (r["decision"], r["reason"]) for url, r in fixture_crawl["records"].items()}
    missing = sorted(set(expected) - set(got))
    extra = sorted(set(got) - set(expected))
    assert not missing, f"never decided: {missing}"
    assert not extra, f"decided but not expected: {extra}"
    wrong = {url: (got[url], expected[url]) for url in expected if got[url] != expected[url]}
    assert not wrong, "got vs expected:\n" + "\n".join(
        f"{url}: {g} != {e}" for url, (g, e) in sorted(wrong.items())
    )


def test_every_decision_kind_is_exercised(fixture_server: FixtureServer) -> None:
    decisions = {d for d, _ in fixture_server.expected().values()}
    assert decisions == {"allowed", "reserved", "disallowed", "unknown", "error"}


def test_nothing_non_allowed_is_written_and_allowed_content_is(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    written = markers_written(fixture_crawl["out"])
    leaked = sorted(m for m in written if m.startswith("MARKER-BLOCKED-"))
    assert not leaked, f"non-allowed content written: {leaked}"
    site_of = {fixture_server.origin(site): site for site in fixture_server.sites}
    allowed_markers = set()
    for url, (decision, _) in fixture_server.expected().items():
        if decision == "allowed":
            final = urlsplit(fixture_crawl["records"][url]["final_url"])
            path = f"{final.path}?{final.query}" if final.query else final.path
            body = fixture_server.body(site_of[f"http://{final.netloc}"], path)
            allowed_markers.update(m.decode() for m in MARKER.findall(body))
    assert allowed_markers, "fixture sites define allowed content"
    assert allowed_markers <= written, f"allowed content missing: {allowed_markers - written}"


def test_stored_exactly_when_allowed(fixture_crawl: dict[str, Any]) -> None:
    for url, record in fixture_crawl["records"].items():
        assert record["stored"] is (record["decision"] == "allowed"), url
        if record["stored"]:
            assert record["warc_record_id"] and len(record["content_sha256"]) == 64, url
        else:
            assert record["warc_record_id"] is None and record["content_sha256"] is None, url


def test_records_have_every_field(fixture_crawl: dict[str, Any]) -> None:
    crawl_ids = set()
    for record in fixture_crawl["records"].values():
        assert list(record) == list(RECORD_FIELDS)
        assert record["fetched_at"].endswith("Z")
        assert record["signals"], "every record carries the signals that justify it"
        for signal in record["signals"]:
            assert set(signal) == {"protocol", "source", "value", "detail"}
        crawl_ids.add(record["crawl_id"])
    assert len(crawl_ids) == 1


def test_warc_files_are_valid_and_match_records(fixture_crawl: dict[str, Any]) -> None:
    out: Path = fixture_crawl["out"]
    files = sorted(out.glob("content/*.warc.gz")) + sorted(out.glob("evidence/*.warc.gz"))
    assert files
    checker = Checker(cmd=type("Args", (), {"inputs": [str(f) for f in files], "verbose": False}))
    assert checker.process_all() == 0
    responses = {
        rec.rec_headers.get_header("WARC-Record-ID")
        for kind, _, rec in warc_records(out, "content")
        if kind == "response"
    }
    stored_ids = {r["warc_record_id"] for r in fixture_crawl["records"].values() if r["stored"]}
    assert stored_ids == responses


def test_evidence_holds_every_policy_file(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    uris = {uri for kind, uri, _ in warc_records(fixture_crawl["out"], "evidence")}
    for site in fixture_server.sites:
        origin = fixture_server.origin(site)
        assert f"{origin}/robots.txt" in uris, site
        if site != "robots-5xx":  # unreachable robots.txt: tdmrep.json still fetched
            assert f"{origin}/.well-known/tdmrep.json" in uris, site


#: Server hits other than one per origin: a transient failure (5xx, 429) is retried twice
#: with back-off, then remembered; a redirect loop is not retried, but its one chain of 5
#: hops passes the file's URL twice.
HITS = {
    ("robots-5xx", "/robots.txt"): 3,
    ("robots-429", "/robots.txt"): 3,
    ("tdmrep-5xx", "/.well-known/tdmrep.json"): 3,
    ("tdmrep-429", "/.well-known/tdmrep.json"): 3,
    ("tdmrep-loop", "/.well-known/tdmrep.json"): 2,
}


@pytest.mark.parametrize("path", ["/robots.txt", "/.well-known/tdmrep.json"])
def test_policy_files_fetched_once_per_origin(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer, path: str
) -> None:
    for site in fixture_server.sites:
        expected = HITS.get((site, path), 1)
        assert fixture_server.hits(site, path) == expected, site


def test_off_site_links_are_not_followed(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    assert fixture_server.hits("tdmrep-file", "/offsite-only.html") == 0
    assert fixture_server.url("tdmrep-file", "/offsite-only.html") not in fixture_crawl["records"]


def test_manifest(fixture_crawl: dict[str, Any]) -> None:
    out: Path = fixture_crawl["out"]
    manifest = json.loads((out / "manifest.json").read_text())
    records = fixture_crawl["records"]
    assert manifest["status"] == "finished"
    assert manifest["agent"] == "tdm-crawler"
    assert manifest["crawl_id"] == next(iter(records.values()))["crawl_id"]
    assert manifest["counts"]["records"] == len(records)
    assert manifest["counts"]["stored"] == sum(r["stored"] for r in records.values())
    assert manifest["versions"]["scrapy"].startswith("2.19")
    assert manifest["settings"]["TDM_AGENT"] == "tdm-crawler"
    assert manifest["started_at"] and manifest["finished_at"]


def test_stats_are_namespaced(fixture_crawl: dict[str, Any]) -> None:
    stats = fixture_crawl["stats"]
    assert stats["tdm/decision/allowed"] == sum(
        r["decision"] == "allowed" for r in fixture_crawl["records"].values()
    )
    assert stats.get("tdm/store_refused", 0) == 0


def test_crawl_delay_is_honoured_where_robots_asks(fixture_crawl: dict[str, Any]) -> None:
    # Only robots-rules declares a Crawl-delay for our group.
    assert fixture_crawl["stats"]["tdm/crawl_delay/origins"] == 1


@pytest_twisted.ensureDeferred
async def test_max_depth_zero_decides_only_the_seeds(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    seeds = [fixture_server.url("open", "/"), fixture_server.url("tdmrep-file", "/")]
    await crawl(seeds, tmp_path / "out", max_depth=0)
    assert sorted(by_url(tmp_path / "out")) == sorted(seeds)


@pytest_twisted.ensureDeferred
async def test_max_depth_one_stops_after_the_first_links(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    seed = fixture_server.url("open", "/")
    await crawl([seed], tmp_path / "out", max_depth=1)
    urls = set(by_url(tmp_path / "out"))
    assert fixture_server.url("open", "/dir/") in urls
    assert fixture_server.url("open", "/dir/page.html") not in urls  # depth 2


@pytest_twisted.ensureDeferred
async def test_max_pages_bounds_the_urls_decided(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    await crawl([fixture_server.url("tdmrep-file", "/")], tmp_path / "out", max_pages=4)
    assert len(by_url(tmp_path / "out")) == 4


@pytest_twisted.ensureDeferred
async def test_second_lock_storage_refuses_without_the_gate(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    """With the gate removed, no response carries a verdict: the storage middleware must
    refuse every one of them, so not a single body reaches disk."""
    out = tmp_path / "out"
    crawler = await crawl(
        [fixture_server.url("tdmrep-file", "/")],
        out,
        DOWNLOADER_MIDDLEWARES={
            **SCRAPY_SETTINGS["DOWNLOADER_MIDDLEWARES"],
            "tdm_crawler.crawl.middlewares.TdmGateMiddleware": None,
        },
    )
    assert crawler.stats is not None
    assert crawler.stats.get_value("tdm/store_refused") >= 1
    assert markers_written(out) == set()
