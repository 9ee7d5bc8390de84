"""End-to-end: the ``licenses`` fixture site crawled, each stored work's licence recorded.

One live crawl over loopback HTTP. Every stored page's record carries the licence
reading site.json's ``expected_license`` table names (and a size); the reserved CC BY
page is still reserved, stores nothing, and keeps its reading in its evidence; nothing
the crawl did not allow is written; and a replay, offline, reads every licence again
from the stored content and reproduces every record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.offline.replay import replay_config, replay_crawl
from tdm_crawler.store import read_manifest
from tdm_crawler.store.decisions import RECORD_FORMAT
from tests.crawling import by_url, crawl, markers_written

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

#: The sites whose pages say which licence they are under (site.json expected_license).
SITES = ["licenses", "credits"]


@pytest_twisted.async_fixture(scope="module")
async def licensed(fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("licenses") / "crawl"
    await crawl(fixture_server.seeds(SITES), out)
    return out


def reading(record: dict[str, Any]) -> tuple[str | None, str, bool]:
    found = record["license"]
    return found["id"], found["class"], found["disagreement"]


def test_every_stored_work_records_the_expected_licence(
    licensed: Path, fixture_server: FixtureServer
) -> None:
    records = by_url(licensed)
    expected = fixture_server.expected_license(SITES)
    decided = fixture_server.expected(SITES)
    assert {url: (r["decision"], r["reason"]) for url, r in records.items()} == decided
    stored = {url: reading(r) for url, r in records.items() if r["stored"]}
    assert stored == {url: expected[url] for url in stored}
    assert len(stored) == len(expected) - 1  # all but the reserved page
    for record in records.values():
        if record["stored"]:
            assert record["size"]["bytes"] > 0
            counted = record["url"].endswith((".html", "/", ".txt"))  # HTML, plain text
            assert (record["size"]["words"] is not None) == counted, record["url"]
        else:
            assert record["license"] is None and record["size"] is None
    assert read_manifest(licensed / "manifest.json")["record_format"] == RECORD_FORMAT


def test_a_licence_changes_no_decision(licensed: Path, fixture_server: FixtureServer) -> None:
    """The CC BY page with ``tdm-reservation: 1`` is reserved and not stored; its
    reading is in its evidence, which is how the report counts it."""
    url = fixture_server.url("licenses", "/reserved-cc-by.html")
    record = by_url(licensed)[url]
    assert (record["decision"], record["stored"], record["license"]) == ("reserved", False, None)
    evidence_reading = record["evidence"]["response"]["license"]
    assert (evidence_reading["id"], evidence_reading["class"]) == ("CC-BY-4.0", "open")


def test_nothing_reserved_is_written(licensed: Path, fixture_server: FixtureServer) -> None:
    written = markers_written(licensed)
    site_of = {fixture_server.origin(site): site for site in SITES}
    for url, record in by_url(licensed).items():
        site = site_of[f"http://{urlsplit(url).netloc}"]
        marker = fixture_server.marker(site, urlsplit(url).path)
        if marker is None:
            continue
        assert (marker in written) == (record["decision"] == "allowed"), url


def test_replay_reads_every_licence_again_from_the_stored_content(
    licensed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def no_network(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("replay opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    replayed: list[dict[str, Any]] = []
    config = replay_config(read_manifest(licensed / "manifest.json"), {})
    result = replay_crawl(licensed, config, sink=replayed.append)
    assert (result.unchanged, result.changed, result.kept) == (result.records, 0, 0)
    assert replayed == list(by_url(licensed).values())


def test_replay_notices_a_licence_that_does_not_match_the_content(
    licensed: Path, tmp_path: Path
) -> None:
    """The comparison includes the licence: a record whose ``license`` was altered is
    a change, in field ``license`` alone."""
    import json
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(licensed, copy)
    lines = (copy / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    altered = 0
    for index, line in enumerate(lines):
        record = json.loads(line)
        if record["stored"] and record["license"]["id"] == "CC-BY-4.0" and not altered:
            record["license"]["id"] = "CC0-1.0"
            lines[index] = json.dumps(record)
            altered += 1
    (copy / "decisions.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = replay_crawl(copy, replay_config(read_manifest(copy / "manifest.json"), {}))
    assert (result.changed, result.redecided, dict(result.details)) == (1, 0, {"license": 1})
