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
from tests.e2e.expectations import HITS

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest_twisted.async_fixture(scope="module")
async def fixture_crawl(
    fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("e2e") / "out"
    fixture_server.reset_hits()
    crawler = await crawl(fixture_server.seeds(), out)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    # Server hits of this crawl alone (later tests crawl some sites again).
    hits = {key: fixture_server.hits(*key) for key in [*DOCUMENT_HITS, *NEVER_FETCHED]}
    return {"out": out, "records": by_url(out), "stats": stats, "hits": hits}


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


#: Policy documents, as opposed to robots.txt and tdmrep.json.
DOCUMENT_HITS = {
    key: count
    for key, count in HITS.items()
    if key[1] not in {"/robots.txt", "/.well-known/tdmrep.json"}
}


@pytest.mark.parametrize("path", ["/robots.txt", "/.well-known/tdmrep.json"])
def test_policy_files_fetched_once_per_origin(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer, path: str
) -> None:
    for site in fixture_server.sites:
        expected = HITS.get((site, path), 1)
        assert fixture_server.hits(site, path) == expected, site


def test_policy_documents_fetched_once(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    got = {key: fixture_crawl["hits"][key] for key in DOCUMENT_HITS}
    assert got == DOCUMENT_HITS
    uris = {uri for _, uri, _ in warc_records(fixture_crawl["out"], "evidence")}
    for site, path in DOCUMENT_HITS:
        assert fixture_server.url(site, path) in uris, "policy documents are evidence"


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


# -- protocol by protocol -------------------------------------------------------------

#: Decided from origin-level signals alone: never requested from the server.
NEVER_FETCHED = [
    ("ai-agents", "/ai-blocked/x.html"),  # GPTBot's group (robots-ai-agent)
    ("ai-agents", "/datasets/x.html"),  # CCBot / Google-Extended group
    ("ai-agents", "/claude-only/x.html"),  # claudebot group, lower case
    ("ai-agents", "/not-for-us/x.html"),  # our own group (robots-disallow)
    ("aipref", "/no-train/x.html"),  # robots.txt Content-Usage
    ("aipref", "/cs/x.html"),  # robots.txt Content-Signal
    ("aipref", "/global/x.html"),  # robots.txt Content-Signal before the first group
    ("rsl", "/members/x.html"),  # robots.txt License -> ai-train prohibited
    ("rsl", "/licence-terms.html"),  # rel="license" without the RSL type: not RSL
]


def _signals(record: dict[str, Any], protocol: str, source: str | None = None) -> list[Any]:
    return [
        s
        for s in record["signals"]
        if s["protocol"] == protocol and (source is None or s["source"] == source)
    ]


def _record(fixture_crawl: dict[str, Any], server: FixtureServer, site: str, path: str) -> Any:
    return fixture_crawl["records"][server.url(site, path)]


def test_origin_level_reservations_are_never_fetched(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    for site, path in NEVER_FETCHED:
        assert fixture_crawl["hits"][(site, path)] == 0, (site, path)
        record = fixture_crawl["records"].get(fixture_server.url(site, path))
        if record is not None:  # /licence-terms.html is no page of the crawl at all
            assert record["status"] is None and not record["stored"], (site, path)


def test_ai_agent_groups_name_the_reserving_tokens(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    tokens = {
        "/ai-blocked/x.html": ["GPTBot"],
        "/datasets/x.html": ["CCBot", "Google-Extended"],
        "/claude-only/x.html": ["ClaudeBot"],
        "/ai-blocked/open/x.html": [],
        "/search-only/x.html": [],
        "/everyone/x.html": [],
    }
    for path, expected in tokens.items():
        record = _record(fixture_crawl, fixture_server, "ai-agents", path)
        (signal,) = _signals(record, "robots-ai-agent")
        assert signal["value"] == expected, path


def test_tdm_policy_is_recorded_with_the_assigner(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    policies = {
        "/premium/a": ("policy.json", "rights@press.example"),
        "/premium/free": ("policy.json", "rights@press.example"),
        "/premium/policy-by-header.html": ("other-policy.json", "licensing@syndicate.example"),
    }
    for path, (name, email) in policies.items():
        record = _record(fixture_crawl, fixture_server, "tdmrep-file", path)
        assert record["decision"] == "reserved"
        assert record["tdm_policy"] == fixture_server.url("tdmrep-file", f"/{name}")
        (signal,) = _signals(record, "tdm-policy")
        assert signal["value"]["assigner"]["email"] == email, path
        (permission,) = signal["value"]["permissions"]
        assert permission["purposes"] == ["research"]
        assert "obtainConsent" in [duty["action"] for duty in permission["duties"]]
        assert signal["value"]["problems"] == []
    assert fixture_crawl["hits"][("tdmrep-file", "/policy.json")] == 1
    lifted = _record(fixture_crawl, fixture_server, "tdmrep-file", "/premium/lifted-by-header")
    assert lifted["tdm_policy"] is None and not _signals(lifted, "tdm-policy")


def test_any_reservation_wins_over_a_tdmrep_zero(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    record = _record(fixture_crawl, fixture_server, "noai", "/tdmrep0-and-noai.html")
    assert (record["decision"], record["reason"]) == ("reserved", "x-robots-noai")
    assert record["tdm_reservation"] == 0
    image = _record(fixture_crawl, fixture_server, "noai", "/images/noimageai.png")
    assert _signals(image, "noai", "header")[0]["value"] == ["noimageai"]


def test_rsl_licences_say_where_they_come_from(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    origin = fixture_server.origin("rsl")
    members = _record(fixture_crawl, fixture_server, "rsl", "/members/x.html")
    (robots_rsl,) = _signals(members, "rsl", "robots.txt")
    assert robots_rsl["value"]["license_url"] == f"{origin}/license.xml"
    assert robots_rsl["value"]["prohibits"] == ["ai-train"]
    paid = _record(fixture_crawl, fixture_server, "rsl", "/linked-paid.html")
    linked = [s for s in paid["signals"] if s["protocol"] == "rsl" and s["source"] != "robots.txt"]
    assert [s["value"]["license_url"] for s in linked] == [f"{origin}/paid.xml"]
    assert linked[0]["value"]["payment"][0]["type"] == "purchase"
    free = _record(fixture_crawl, fixture_server, "rsl", "/linked-free.html")
    assert f"{origin}/free.xml" in [s["value"]["license_url"] for s in _signals(free, "rsl")]


def test_documents_are_read_within_bounds(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    lifted = _record(fixture_crawl, fixture_server, "documents", "/pdf/lifted.pdf")
    assert lifted["tdm_reservation"] == 0  # the PDF's 0 supersedes the file's 1
    assert _signals(lifted, "tdmrep", "file")[0]["value"]["tdm-reservation"] == 1
    truncated = _record(fixture_crawl, fixture_server, "documents", "/pdf/truncated.pdf")
    assert "truncated PDF" in _signals(truncated, "tdmrep", "pdf")[0]["detail"]
    bomb = _record(fixture_crawl, fixture_server, "documents", "/epub/bomb.epub")
    (epub,) = _signals(bomb, "tdmrep", "epub")
    assert epub["value"] is None and "not read" in epub["detail"]
    reserved = _record(fixture_crawl, fixture_server, "documents", "/epub/reserved.epub")
    assert _signals(reserved, "tdmrep", "epub")[0]["value"]["tdm-reservation"] == 1


def test_c2pa_training_mining_entries_are_recorded(
    fixture_crawl: dict[str, Any], fixture_server: FixtureServer
) -> None:
    if "c2pa" not in fixture_server.sites:
        pytest.skip(f"c2pa site not served: {fixture_server.skipped.get('c2pa')}")
    uses = {
        "/img/not-allowed.png": {"c2pa.ai_training": {"use": "notAllowed"}},
        "/img/constrained.png": {"cawg.data_mining": {"use": "constrained"}},
        "/img/plain.png": None,
    }
    for path, value in uses.items():
        record = _record(fixture_crawl, fixture_server, "c2pa", path)
        (signal,) = _signals(record, "c2pa")
        assert signal["value"] == value, path
    allowed = _record(fixture_crawl, fixture_server, "c2pa", "/img/all-allowed.png")
    assert all(
        entry["use"] == "allowed" for entry in _signals(allowed, "c2pa")[0]["value"].values()
    )
