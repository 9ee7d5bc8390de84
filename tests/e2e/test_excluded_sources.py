"""Sources that must not be crawled (``--exclude``): an excluded origin receives no request
at all (not robots.txt, not a licence robots.txt names there, not a redirect hop), each URL
it would have served is ``disallowed`` (``excluded-source``) naming the list and entry, and
a replay decides the same offline, or excludes more with a newer list."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from tdm_crawler.cli import main
from tdm_crawler.store import read_manifest
from tests.crawling import by_url, crawl, markers_written
from tests.recording import RecordingServer, html

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[RecordingServer, RecordingServer]]:
    with RecordingServer() as open_site, RecordingServer() as banned:
        open_site.routes.update(
            {
                "/robots.txt": (
                    200,
                    (("Content-Type", "text/plain"),),
                    f"User-agent: *\nAllow: /\nLicense: {banned.url('/license.xml')}\n".encode(),
                ),
                "/": html(
                    '<a href="/ok.html">ok</a> <a href="/pirate/film.html">film</a> '
                    '<a href="/away">away</a>'
                ),
                "/ok.html": html("MARKER-OK-exclude-ok"),
                "/pirate/film.html": html("MARKER-BLOCKED-exclude-film"),
                "/away": (302, (("Location", banned.url("/landing")),), b""),
            }
        )
        for path in ("/", "/landing", "/robots.txt", "/license.xml"):
            banned.routes[path] = html("MARKER-BLOCKED-exclude-banned")
        yield open_site, banned


def write_list(path: Path, open_site: RecordingServer, banned: RecordingServer) -> Path:
    path.write_text(
        "# source: Test notices, https://rights.example/notices\n"
        "# date: 2025-10-01\n"
        "pirate.test\n"
        "=localhost\n"
        f"{banned.origin}/\n"
        f"{open_site.origin}/pirate/\n",
        encoding="utf-8",
    )
    return path


@pytest_twisted.async_fixture(scope="module")
async def excluded_crawl(
    servers: tuple[RecordingServer, RecordingServer], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    open_site, banned = servers
    tmp = tmp_path_factory.mktemp("excluded")
    listed = write_list(tmp / "notices.txt", open_site, banned)
    out = tmp / "out"
    seeds = [
        open_site.url("/"),
        banned.url("/"),
        f"http://localhost:{banned.port}/",  # a name: refused before it is resolved
        "http://www.pirate.test/",  # does not resolve: would be fetch-failed if looked up
    ]
    await crawl(seeds, out, TDM_EXCLUDED_SOURCES=[str(listed)])
    return {"out": out, "list": listed, "records": by_url(out), "seeds": seeds}


def test_an_excluded_origin_receives_no_request_at_all(
    excluded_crawl: dict[str, Any], servers: tuple[RecordingServer, RecordingServer]
) -> None:
    open_site, banned = servers
    assert banned.paths() == []
    assert "/pirate/film.html" not in open_site.paths()
    assert {"/robots.txt", "/", "/ok.html", "/away"} <= set(open_site.paths())


def _excluded_by(record: dict[str, Any]) -> tuple[str, str, int]:
    assert (record["decision"], record["reason"]) == ("disallowed", "excluded-source")
    assert record["status"] is None and not record["stored"]
    (signal,) = record["signals"]
    assert signal["protocol"] == "excluded-source"
    return signal["source"], signal["value"]["entry"], signal["value"]["line"]


def test_each_excluded_url_names_its_list_and_entry(
    excluded_crawl: dict[str, Any], servers: tuple[RecordingServer, RecordingServer]
) -> None:
    open_site, banned = servers
    records = excluded_crawl["records"]
    seeds = excluded_crawl["seeds"]
    assert _excluded_by(records[seeds[1]]) == ("url-prefix", f"{banned.origin}/", 5)
    assert _excluded_by(records[seeds[2]]) == ("host", "=localhost", 4)
    assert _excluded_by(records[seeds[3]]) == ("domain", "pirate.test", 3)
    film = records[open_site.url("/pirate/film.html")]  # a link from an allowed page
    assert _excluded_by(film) == ("url-prefix", f"{open_site.origin}/pirate/", 6)
    away = records[open_site.url("/away")]  # a redirect hop to the excluded origin
    assert _excluded_by(away) == ("url-prefix", f"{banned.origin}/", 5)
    assert away["final_url"] == banned.url("/landing")
    assert away["evidence"]["hops"] == [open_site.url("/away")]
    value = film["signals"][0]["value"]
    digest = hashlib.sha256(excluded_crawl["list"].read_bytes()).hexdigest()
    assert value["list"] == str(excluded_crawl["list"]) and value["sha256"] == digest
    assert value["source"] == "Test notices, https://rights.example/notices"
    assert value["date"] == "2025-10-01"
    for path in ("/", "/ok.html"):
        assert records[open_site.url(path)]["decision"] == "allowed"


def test_the_manifest_holds_the_list_and_its_digest(excluded_crawl: dict[str, Any]) -> None:
    manifest = read_manifest(excluded_crawl["out"] / "manifest.json")
    (recorded,) = manifest["excluded_sources"]
    raw = excluded_crawl["list"].read_bytes()
    assert recorded["sha256"] == hashlib.sha256(raw).hexdigest()
    assert recorded["text"].encode() == raw and recorded["entries"] == 4
    assert manifest["settings"]["TDM_EXCLUDED_SOURCES"] == [str(excluded_crawl["list"])]


def test_nothing_of_an_excluded_source_is_written(excluded_crawl: dict[str, Any]) -> None:
    assert markers_written(excluded_crawl["out"]) == {"MARKER-OK-exclude-ok"}


def test_a_licence_on_an_excluded_host_is_a_problem_not_a_request(
    excluded_crawl: dict[str, Any], servers: tuple[RecordingServer, RecordingServer]
) -> None:
    open_site, _ = servers
    rsl = [
        signal
        for signal in excluded_crawl["records"][open_site.url("/")]["signals"]
        if signal["protocol"] == "rsl"
    ]
    assert rsl and "excluded" in json.dumps(rsl)


def test_replay_reproduces_the_exclusions_offline(
    excluded_crawl: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.jsonl"
    assert main(["replay", str(excluded_crawl["out"]), "--report", str(report)]) == 0
    assert report.read_text() == "", capsys.readouterr().out


def test_replay_with_a_newer_list_excludes_what_it_names(
    excluded_crawl: dict[str, Any],
    servers: tuple[RecordingServer, RecordingServer],
    tmp_path: Path,
) -> None:
    open_site, _ = servers
    newer = tmp_path / "newer.txt"
    newer.write_text(
        excluded_crawl["list"].read_text() + f"{open_site.origin}/ok.html\n", encoding="utf-8"
    )
    report = tmp_path / "report.jsonl"
    code = main(
        [
            "replay",
            str(excluded_crawl["out"]),
            "--set",
            f"TDM_EXCLUDED_SOURCES={json.dumps([str(newer)])}",
            "--report",
            str(report),
        ]
    )
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    assert code == 1, "an allowed URL is excluded now"
    redecided = [line for line in lines if "reason" in line["fields"]]
    assert [(line["url"], line["new"]["reason"]) for line in redecided] == [
        (open_site.url("/ok.html"), "excluded-source")
    ]
    # The URLs excluded before still are, now by the newer list (their signals name it).
    assert all(line["fields"] == ["signals"] for line in lines if line not in redecided)
