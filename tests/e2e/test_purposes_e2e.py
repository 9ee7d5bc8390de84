"""End-to-end: the fixture sites crawled once per purpose, and replayed for every purpose.

Four live crawls over real loopback sockets, one per ``TDM_PURPOSE``, of the sites whose
statements depend on the purpose. Each must decide the ``purposes`` site as the table
below says, write no byte of what it did not allow, and say its purpose in every record
and in its manifest. Then the ai-training crawl is replayed offline (network off) for all
four purposes: every URL it can decide again gets the decision the live crawl for that
purpose made, and for its own purpose it reproduces every decision.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.offline.evidence import EvidenceIndex, EvidenceReader
from tdm_crawler.offline.replay import (
    COMPARED_FIELDS,
    NOT_REPLAYABLE,
    replay_config,
    replay_crawl,
    replay_record,
)
from tdm_crawler.store import CrawlDir, read_manifest
from tests.crawling import by_url, crawl, markers_written

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

#: The sites whose decisions depend on the purpose, and two that do not.
SITES = ["purposes", "aipref", "ai-agents", "rsl", "noai", "c2pa", "tdmrep-file", "open"]
PURPOSES = ["ai-training", "tdm", "ai-input", "search"]
LETTERS = {"T": "ai-training", "M": "tdm", "I": "ai-input", "S": "search"}

#: The ``purposes`` site: path -> (reason when reserved, letters of the purposes it
#: reserves for); allowed with ``no-reservation`` for every other purpose.
PURPOSES_SITE = {
    "/": ("", ""),
    "/ai-use-n.html": ("content-usage", "I"),
    "/search-n.html": ("content-usage", "S"),
    "/bots-n.html": ("content-usage", "TMIS"),
    "/ai-train-n.html": ("content-usage", "T"),
    "/signal-search-no.html": ("content-signal", "S"),
    "/signal-input-no.html": ("content-signal", "I"),
    "/no-ai-search/x.html": ("robots-ai-agent", "IS"),
    "/no-assistant/x.html": ("robots-ai-agent", "I"),
    "/no-index/x.html": ("content-usage", "S"),
    "/licensed/search/x.html": ("rsl", "S"),
    "/licensed/genai/x.html": ("rsl", "T"),
}


#: The ``aipref`` site's statements of the current drafts, as ``PURPOSES_SITE``; its
#: other pages are decided for the default purpose in its site.json.
AIPREF_SITE = {
    "/alias-last-y.html": ("", ""),
    "/alias-last-n.html": ("content-usage", "T"),
    "/params.html": ("content-usage", "T"),
    "/root-rule.html": ("", ""),
    "/global/x.html": ("content-signal", "T"),
    "/use-reference.html": ("content-signal", "TMIS"),
    "/use-full.html": ("", ""),
    "/noarchive.html": ("", ""),
    "/bingbot-nocache.html": ("", ""),
}
#: site -> its table of expectations per purpose.
TABLES = {"purposes": PURPOSES_SITE, "aipref": AIPREF_SITE}


def expected_for(purpose: str, path: str, site: str = "purposes") -> tuple[str, str]:
    reason, letters = TABLES[site][path]
    reserved = purpose in {LETTERS[letter] for letter in letters}
    return ("reserved", reason) if reserved else ("allowed", "no-reservation")


@pytest_twisted.async_fixture(scope="module")
async def crawls(
    fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """purpose -> the directory of the live crawl for it."""
    sites = [site for site in SITES if site in fixture_server.sites]  # c2pa may be skipped
    root = tmp_path_factory.mktemp("purposes")
    outs = {}
    for purpose in PURPOSES:
        outs[purpose] = root / purpose
        await crawl(fixture_server.seeds(sites), outs[purpose], TDM_PURPOSE=purpose)
    return outs


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_purpose_decides_the_purposes_site(
    crawls: dict[str, Path], fixture_server: FixtureServer, purpose: str
) -> None:
    origin = fixture_server.origin("purposes")
    got = {
        path_of(url): (record["decision"], record["reason"])
        for url, record in by_url(crawls[purpose]).items()
        if url.startswith(origin + "/")
    }
    assert got == {path: expected_for(purpose, path) for path in PURPOSES_SITE}


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_purpose_decides_the_current_aipref_statements(
    crawls: dict[str, Path], fixture_server: FixtureServer, purpose: str
) -> None:
    origin = fixture_server.origin("aipref")
    got = {
        path_of(url): (record["decision"], record["reason"])
        for url, record in by_url(crawls[purpose]).items()
        if url.startswith(origin + "/") and path_of(url) in AIPREF_SITE
    }
    assert got == {path: expected_for(purpose, path, "aipref") for path in AIPREF_SITE}


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_record_and_the_manifest_say_the_purpose(
    crawls: dict[str, Path], purpose: str
) -> None:
    records = by_url(crawls[purpose])
    assert {record["purpose"] for record in records.values()} == {purpose}
    manifest = read_manifest(crawls[purpose] / "manifest.json")
    assert manifest["profile"] == {"purpose": purpose, "operator": "commercial", "region": None}


@pytest.mark.parametrize("purpose", PURPOSES)
def test_nothing_this_purpose_did_not_allow_is_written(
    crawls: dict[str, Path], fixture_server: FixtureServer, purpose: str
) -> None:
    """The no-leak scan of every byte written, against this crawl's own decisions (the
    markers' names follow the default purpose's)."""
    site_of = {fixture_server.origin(site): site for site in fixture_server.sites}
    written = markers_written(crawls[purpose])
    for url, record in by_url(crawls[purpose]).items():
        final = record["final_url"] or url
        site = site_of[f"http://{urlsplit(final).netloc}"]
        marker = fixture_server.marker(site, path_of(final))
        if marker is None:
            continue
        if record["decision"] == "allowed":
            assert marker in written, f"{url}: allowed for {purpose} but not stored"
        else:
            assert marker not in written, f"{url}: {record['decision']} for {purpose}, written"


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("replay opened a network connection")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)


def compared(record: dict[str, Any]) -> dict[str, Any]:
    return {name: record[name] for name in (*COMPARED_FIELDS, "purpose")}


@pytest.mark.parametrize("purpose", PURPOSES)
def test_replay_of_the_training_crawl_reproduces_each_purposes_live_decisions(
    crawls: dict[str, Path], offline: None, purpose: str
) -> None:
    source = crawls["ai-training"]
    config = replay_config(read_manifest(source / "manifest.json"), {"TDM_PURPOSE": purpose})
    replayed: list[dict[str, Any]] = []
    result = replay_crawl(source, config, sink=replayed.append)
    live = by_url(crawls[purpose])
    recorded = by_url(source)
    redecided = 0
    for record in replayed:
        url = record["url"]
        if record.get("purpose") != purpose:
            # Not replayable: reserved before fetching for ai-training only, so only a
            # crawl for this purpose fetched it.
            assert live[url]["status"] is not None and recorded[url]["status"] is None, url
            continue
        redecided += 1
        assert compared(record) == compared(live[url]), url
    if purpose == "ai-training":
        assert (result.records, result.unchanged, result.changed, result.kept) == (
            len(recorded),
            len(recorded),
            0,
            0,
        )
    else:
        assert result.kept == len(recorded) - redecided
        assert set(result.kept_by) == {"needs-fetch"}
        assert result.redecided > 0, "the purposes differ on the fixture sites"


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_crawl_replays_for_its_own_purpose_unchanged(
    crawls: dict[str, Path], offline: None, purpose: str
) -> None:
    config = replay_config(read_manifest(crawls[purpose] / "manifest.json"), {})
    assert config.context.profile.purpose == purpose and not config.changed
    result = replay_crawl(crawls[purpose], config)
    assert (result.unchanged, result.changed, result.kept) == (result.records, 0, 0)


def test_a_not_replayable_url_keeps_its_recorded_verdict(crawls: dict[str, Path]) -> None:
    """A GPTBot block, decided before fetching for ai-training: for tdm it is kept as
    recorded and counted, never guessed."""
    source = crawls["ai-training"]
    crawl_dir = CrawlDir(source)
    config = replay_config(crawl_dir.load_manifest(), {"TDM_PURPOSE": "tdm"})
    reader = EvidenceReader(EvidenceIndex.build(crawl_dir.evidence_sources()), config.limits)
    (record,) = (r for url, r in by_url(source).items() if url.endswith("/ai-blocked/x.html"))
    outcome = replay_record(record, reader, config.context)
    assert (outcome.result, outcome.category, outcome.new) == (
        NOT_REPLAYABLE,
        "needs-fetch",
        record,
    )
