"""tdm-crawl purge on a real crawl: a rightsholder's content leaves the copy (every byte of
it), everything else is copied unchanged, the copy verifies, and the complaint log grows
by one entry per purge."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tdm_crawler.store import CrawlDir, read_manifest
from tdm_crawler.store.warcread import read_member, sound_members
from tests.crawling import crawl, markers_written

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::ResourceWarning")]

REASON = "Photo Agency (legal@agency.example), letter of 2026-03-02: remove all our images"


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def write_sites(root: Path) -> None:
    """``agency`` (the rightsholder) and ``news``, one of whose URLs redirects to an
    agency page that nothing else links to."""
    agency = {
        "index.html": _page('<a href="/photos/1.html">1</a><a href="/photos/2.html">2</a>'
                            '<a href="/about.html">a</a><a href="/blocked.html">b</a>'),
        "photos/1.html": _page("MARKER-OK-agency-1"),
        "photos/2.html": _page("MARKER-OK-agency-2"),
        "photos/3.html": _page("MARKER-OK-agency-3"),
        "about.html": _page("MARKER-OK-agency-4"),
        "blocked.html": _page(
            "MARKER-BLOCKED-agency-5", '<meta name="tdm-reservation" content="1">'
        ),
    }  # fmt: skip
    news = {
        "index.html": _page('<a href="/story.html">s</a><a href="/go">photo</a>'),
        "story.html": _page("MARKER-OK-news-1"),
    }
    for site, pages in (("agency", agency), ("news", news)):
        for name, body in pages.items():
            path = root / site / "root" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
    specs = {
        "agency": {"routes": {}, "expected": {"/": ["allowed", "no-reservation"]}},
        "news": {
            "routes": {
                "/go": {"status": 301, "headers": {"Location": "{{origin:agency}}/photos/3.html"}}
            },
            "expected": {"/": ["allowed", "no-reservation"]},
        },
    }
    for site, spec in specs.items():
        (root / site / "site.json").write_text(
            json.dumps({"description": f"purge: {site}", "seeds": ["/"], **spec})
        )


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("purge-sites")
    write_sites(root)
    with FixtureServer(sites_dir=root) as server:
        yield server


@pytest_twisted.async_fixture(scope="module")
async def crawled(sites: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("purge") / "crawl"
    await crawl(sites.seeds(), out)
    return out


def tdm_crawl(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines(path)]


def digests(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def members(directory: Path) -> dict[str, bytes]:
    """Record id -> the raw bytes of its gzip member, over every content WARC file."""
    return {
        member.record_id: read_member(member)
        for path in CrawlDir(directory).content_warcs()
        for member in sound_members(path)
        if member.record_type != "warcinfo"
    }


def test_purge_by_origin_removes_every_byte_of_that_content_and_nothing_else(
    crawled: Path, sites: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digests(crawled)
    agency = sites.origin("agency")
    out = tmp_path / "purged"
    code, stdout, err = tdm_crawl(
        capsys, "purge", crawled, "--out", out, "--origin", agency, "--reason", REASON
    )
    assert code == 0, err
    assert digests(crawled) == before, "the source directory is never modified"

    stored_markers = {f"MARKER-OK-agency-{n}" for n in range(1, 5)} | {"MARKER-OK-news-1"}
    assert markers_written(crawled) == stored_markers
    assert markers_written(out) == {"MARKER-OK-news-1"}, "every byte of the purged content"

    old, new = lines(CrawlDir(crawled).decisions), lines(CrawlDir(out).decisions)
    assert len(old) == len(new)
    purged: dict[str, dict[str, Any]] = {}
    for old_line, new_line in zip(old, new, strict=True):
        before_record, after = json.loads(old_line), json.loads(new_line)
        theirs = agency in (before_record["url"] + " " + before_record["final_url"])
        if not (theirs and before_record["stored"]):
            assert new_line == old_line, "every other record is copied unchanged"
            continue
        purged[before_record["url"]] = before_record
        assert (after["decision"], after["reason"], after["stored"]) == (
            "reserved",
            "purged",
            False,
        )
        assert after["content_sha256"] is None and after["warc_record_id"] is None
        assert after["signals"][:-1] == before_record["signals"]
        assert after["signals"][-1]["protocol"] == "purge"
        assert after["signals"][-1]["value"]["complaint_id"] == 1
        assert after["signals"][-1]["value"]["reason"] == REASON
        assert after["evidence"] == before_record["evidence"]
    redirected = sites.url("news", "/go")
    expected = {sites.url("agency", p) for p in ("/", "/photos/1.html", "/photos/2.html")}
    expected |= {sites.url("agency", "/about.html"), redirected}
    assert set(purged) == expected, "selected by the final URL too (news /go -> agency)"
    blocked = next(json.loads(line) for line in new if b"/blocked.html" in line)
    assert blocked["reason"] == "tdmrep-meta", "a selected record never stored stays as it was"

    # The kept exchanges: the very gzip members of the crawl, byte for byte.
    old_members, new_members = members(crawled), members(out)
    assert new_members and all(old_members[rid] == data for rid, data in new_members.items())
    assert not {r["warc_record_id"] for r in purged.values()} & set(new_members)

    entries = jsonl(CrawlDir(out).purge)
    assert {e["url"]: (e["warc_record_id"], e["content_sha256"]) for e in entries} == {
        url: (r["warc_record_id"], r["content_sha256"]) for url, r in purged.items()
    }
    assert {(e["reason"], e["complaint_id"], e["complaint"]) for e in entries} == {
        ("purged", 1, REASON)
    }
    (complaint,) = jsonl(CrawlDir(out).complaints)
    assert complaint["id"] == 1 and complaint["reason"] == REASON
    assert complaint["selector"] == {"origins": [agency]}
    assert complaint["counts"] == {"matched": 6, "purged": 5, "kept": 2}
    assert "Complaint 1: 6 decisions selected, 5 stored responses purged, 2 kept" in stdout

    manifest = read_manifest(CrawlDir(out).manifest)
    source = read_manifest(CrawlDir(crawled).manifest)
    assert manifest["crawl_id"] == source["crawl_id"]
    assert manifest["derived_from"]["command"] == "purge"
    assert manifest["derived_from"]["complaint_id"] == 1
    assert manifest["counts"]["stored"] == source["counts"]["stored"] - 5
    assert "complaints.jsonl" in manifest["digests"]

    code, stdout, _ = tdm_crawl(capsys, "verify", out, "--strict")
    assert code == 0, stdout


def test_a_second_purge_appends_to_the_complaint_and_purge_logs(
    crawled: Path, sites: FixtureServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    photos = sites.url("agency", "/photos/")
    code, _, err = tdm_crawl(
        capsys, "purge", crawled, "--out", first, "--url-prefix", photos, "--reason", REASON
    )
    assert code == 0, err
    photo_urls = [sites.url("agency", f"/photos/{n}.html") for n in (1, 2)]
    photo_urls.append(sites.url("news", "/go"))  # to /photos/3.html
    assert sorted(e["url"] for e in jsonl(CrawlDir(first).purge)) == sorted(photo_urls)
    urls = tmp_path / "complaint-2.txt"
    story = sites.url("news", "/story.html")
    urls.write_text(f"# News Ltd, complaint 2\n\n{story}  # the story\n")
    code, _, err = tdm_crawl(
        capsys, "purge", first, "--out", second, "--urls", urls, "--reason", "News Ltd"
    )
    assert code == 0, err

    complaints = lines(CrawlDir(second).complaints)
    assert complaints[:1] == lines(CrawlDir(first).complaints), "carried over unchanged"
    latest = json.loads(complaints[1])
    assert (latest["id"], latest["reason"], latest["counts"]["purged"]) == (2, "News Ltd", 1)
    assert latest["selector"]["urls"] == 1
    assert latest["selector"]["urls_sha256"] == hashlib.sha256(urls.read_bytes()).hexdigest()
    purge = lines(CrawlDir(second).purge)
    assert purge[:3] == lines(CrawlDir(first).purge)
    assert [json.loads(line)["url"] for line in purge[3:]] == [story]
    assert markers_written(second) == {"MARKER-OK-agency-4"}

    code, stdout, _ = tdm_crawl(capsys, "verify", second, "--strict")
    assert code == 0, stdout
    # A replay keeps the purged verdicts: no protocol document records a complaint.
    report = tmp_path / "replay.jsonl"
    code, stdout, _ = tdm_crawl(capsys, "replay", second, "--report", report)
    assert code == 0, stdout
    kept = [line for line in jsonl(report) if line["result"] == "not-replayable"]
    assert sorted(line["url"] for line in kept) == sorted([*photo_urls, story])
    assert {line["why"] for line in kept} == {"purged"}
    assert [line for line in jsonl(report) if line["result"] != "not-replayable"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "{tmp}/taken", "--origin", "https://agency.example"], "not an empty directory"),
        (["--out", "{crawl}/inside", "--origin", "https://agency.example"], "outside DIR"),
        (["--out", "{tmp}/new", "--origin", "https://agency.example/photos/"], "has a path"),
        (["--out", "{tmp}/new", "--url-prefix", "agency.example/"], "not an http(s) URL"),
        (["--out", "{tmp}/new", "--urls", "{tmp}/missing.txt"], "cannot read --urls"),
    ],
)
def test_purge_refuses_in_one_line_and_writes_nothing(
    crawled: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    before, listing = digests(crawled), sorted(tmp_path.rglob("*"))
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{crawl}", str(crawled)) for a in args]
    code, _, err = tdm_crawl(capsys, "purge", crawled, *argv, "--reason", REASON)
    assert code == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("tdm-crawl purge: error: ") and message in line, line
    assert digests(crawled) == before and sorted(tmp_path.rglob("*")) == listing
