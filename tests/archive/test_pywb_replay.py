"""The crawl's WARC files in a real pywb (2.10, started on loopback): each stored URL
replays as the page stored, each policy document as fetched.

Before metadata records had their own ``metadata://`` target, pywb indexed the decision
record under the page's URL and the origin evidence under the home page's, and served
their JSON instead of the page; the crawl of release 0.1.0 kept in tests/data shows it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.archiving import Capture, Wayback, captures, expected_payloads, robots_urls, wayback
from tests.crawling import by_url
from tests.paths import DATA

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def pywb(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Wayback]:
    warcs = sorted(fixture_crawl.glob("content/*.warc.gz")) + sorted(
        fixture_crawl.glob("evidence/*.warc.gz")
    )
    with wayback(tmp_path_factory.mktemp("pywb"), warcs) as server:
        yield server


def _replayed_wrongly(server: Wayback, wanted: list[Capture], found: list[Capture]) -> list[str]:
    """The captures pywb does not replay as stored: (url, what it served instead)."""
    payloads = expected_payloads(found)
    wrong = []
    for capture in wanted:
        status, body = server.replay(capture.timestamp, capture.url)
        if hashlib.sha256(body).hexdigest() not in payloads[(capture.url, capture.timestamp)]:
            wrong.append(f"{capture.url} @{capture.timestamp}: HTTP {status} {body[:80]!r}")
    return wrong


def test_every_stored_url_replays_as_the_stored_payload(pywb: Wayback, fixture_crawl: Path) -> None:
    found = captures(fixture_crawl)
    stored = [c for c in found if c.kind == "content"]
    decided = {r["warc_record_id"]: r for r in by_url(fixture_crawl).values() if r["stored"]}
    assert stored and len(stored) == len(decided)
    for capture in stored:  # the digest compared is the decision record's content_sha256
        assert decided[capture.record_id]["content_sha256"] == capture.sha256
    assert not _replayed_wrongly(pywb, stored, found)


def test_every_origins_robots_txt_replays_as_the_evidence_copy(
    pywb: Wayback, fixture_crawl: Path
) -> None:
    found = captures(fixture_crawl)
    robots = [c for c in found if c.kind == "evidence" and c.url in robots_urls(found)]
    origins = {c.url.removesuffix("/robots.txt") for c in robots}
    decided = {urlsplit(url)._replace(path="", query="").geturl() for url in by_url(fixture_crawl)}
    assert origins and origins <= decided
    assert not _replayed_wrongly(pywb, robots, found)


def test_every_policy_document_replays_as_fetched(pywb: Wayback, fixture_crawl: Path) -> None:
    found = captures(fixture_crawl)
    documents = [c for c in found if c.kind == "evidence"]
    assert {c.url.rsplit("/", 1)[-1] for c in documents} >= {"robots.txt", "tdmrep.json"}
    assert not _replayed_wrongly(pywb, documents, found)


def test_metadata_records_are_indexed_under_their_own_uri(pywb: Wayback) -> None:
    """Indexed (a player can show them at their own URI), never under a page's key."""
    keys = [line.split(" ", 2) for line in pywb.index().splitlines()]
    metadata = [json.loads(fields)["url"] for _, _, fields in keys if '"metadata://' in fields]
    assert metadata
    assert all(url.startswith("metadata://tdm-crawler.invalid/") for url in metadata)
    meta_keys = {key for key, _, fields in keys if '"metadata://' in fields}
    page_keys = {key for key, _, fields in keys if '"metadata://' not in fields}
    assert not meta_keys & page_keys


def test_the_0_1_0_metadata_records_shadowed_pages(tmp_path: Path) -> None:
    """The oracle catches the bug this fixed: in a crawl written by 0.1.0, pywb serves the
    decision record's JSON for a stored page."""
    old = DATA / "crawl-0.1.0"
    found = captures(old)
    with wayback(tmp_path, sorted(old.glob("*/*.warc.gz"))) as server:
        wrong = _replayed_wrongly(server, [c for c in found if c.kind == "content"], found)
    assert any('"decision":"allowed"' in line for line in wrong), wrong
