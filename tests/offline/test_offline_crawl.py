"""replay, diff and verify on a real crawl of the fixture sites (real loopback sockets).

One crawl per module: every fixture site, plus a generated site whose robots.txt names an
AI agent that is *not* in the packaged list ("ResearchBotX"), so its pages are allowed by
the crawl and become reserved when a replay adds that agent (``+ResearchBotX``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from warcio.archiveiterator import ArchiveIterator

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tdm_crawler.offline.replay import replay_config, replay_crawl
from tdm_crawler.store import read_manifest
from tdm_crawler.store.warcread import sound_members
from tests.crawling import by_url, crawl, markers_written

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

AGENT = "ResearchBotX"
ROBOTS = f"User-agent: {AGENT}\nDisallow: /members/\nDisallow: /old/\n\nUser-agent: *\nAllow: /\n"
PAGES = {
    "index.html": '<a href="/members/a.html">a</a> <a href="/members/b.html">b</a> '
    '<a href="/public.html">p</a> <a href="/go">go</a> <a href="/old/x">old</a>',
    "members/a.html": "MARKER-OK-extra-members-a",
    "members/b.html": "MARKER-OK-extra-members-b",
    "members/c.html": "MARKER-OK-extra-members-c",
    "public.html": "MARKER-OK-extra-public",
    "target.html": "MARKER-OK-extra-target",
}
#: Path -> decision after ``+ResearchBotX`` (all are allowed by the crawl itself).
REPLAYED = {
    "/": ("allowed", "no-reservation"),
    "/members/a.html": ("reserved", "robots-ai-agent"),
    "/members/b.html": ("reserved", "robots-ai-agent"),
    "/go": ("reserved", "robots-ai-agent"),  # its redirect target /members/c.html
    "/public.html": ("allowed", "no-reservation"),
    "/old/x": ("reserved", "robots-ai-agent"),  # stopped at the hop, before the redirect
}


def write_extra_site(root: Path) -> None:
    site = root / "extra"
    for name, body in PAGES.items():
        path = site / "root" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"<html><head><title>{name}</title></head><body>{body}</body></html>")
    spec = {
        "description": f"robots.txt names {AGENT}, an AI agent outside the packaged list",
        "seeds": ["/"],
        "routes": {
            "/robots.txt": {"body": ROBOTS, "headers": {"Content-Type": "text/plain"}},
            "/go": {"status": 301, "headers": {"Location": "/members/c.html"}},
            "/old/x": {"status": 301, "headers": {"Location": "/target.html"}},
        },
        "expected": {path: ["allowed", "no-reservation"] for path in REPLAYED},
    }
    (site / "site.json").write_text(json.dumps(spec))


@pytest.fixture(scope="module")
def extra_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("extra-sites")
    write_extra_site(root)
    with FixtureServer(sites_dir=root) as server:
        yield server


@pytest_twisted.async_fixture(scope="module")
async def crawled(
    fixture_server: FixtureServer,
    extra_server: FixtureServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    out = tmp_path_factory.mktemp("offline") / "crawl"
    await crawl(fixture_server.seeds() + extra_server.seeds(), out)
    return out


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def outputs(path: Path) -> dict[str, str]:
    """Digests of everything a crawl wrote (a replay must leave them all unchanged)."""
    files = sorted(file for file in path.rglob("*") if file.is_file())
    return {
        str(file.relative_to(path)): hashlib.sha256(file.read_bytes()).hexdigest() for file in files
    }


def extra_url(server: FixtureServer, path: str) -> str:
    return server.url("extra", path)


# -- verify ---------------------------------------------------------------------------


@pytest.mark.e2e
def test_verify_passes_on_a_fresh_crawl(crawled: Path, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "verify", crawled, "--strict")
    assert code == 0, out
    assert out.startswith("OK: ")


def copy_of(crawled: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(crawled, target)
    return target


@pytest.mark.e2e
def test_verify_finds_a_changed_evidence_byte(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    crawl_dir = copy_of(crawled, tmp_path)
    (evidence,) = crawl_dir.glob("evidence/*.warc.gz")
    data = bytearray(evidence.read_bytes())
    # The middle of a record's gzip member is deflate data under its CRC: a flip there is
    # always caught by the WARC check (the middle of the file may be a header's mtime).
    members = sound_members(evidence)
    member = members[len(members) // 2]
    data[member.offset + member.length // 2] ^= 0x01
    evidence.write_bytes(bytes(data))
    code, out, _ = run(capsys, "verify", crawl_dir)
    assert code == 1
    name = f"evidence/{evidence.name}"
    assert f"{name}: SHA-256 differs from the manifest" in out
    assert f"  {name}" in out.replace(f"{name}: SHA-256", "")  # and the WARC check names it


def rewrite_member(path: Path, record_id: str, change: Any) -> None:
    """Replace one record's gzip member by ``change(uncompressed bytes)``, recompressed:
    valid gzip and WARC framing, but a body its digests no longer match."""
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        for record in iterator:
            if record.rec_headers.get_header("WARC-Record-ID") == record_id:
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                break
        else:
            raise AssertionError(f"{record_id} not in {path}")
    data = path.read_bytes()
    member = gzip.decompress(data[offset : offset + length])
    path.write_bytes(data[:offset] + gzip.compress(change(member)) + data[offset + length :])


@pytest.mark.e2e
def test_verify_finds_a_changed_content_record(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    crawl_dir = copy_of(crawled, tmp_path)
    stored = next(r for r in by_url(crawl_dir).values() if r["stored"])
    (content,) = crawl_dir.glob("content/*.warc.gz")
    rewrite_member(content, stored["warc_record_id"], lambda b: b[:-8] + b"tampered" + b[-4:])
    code, out, _ = run(capsys, "verify", crawl_dir)
    assert code == 1
    assert f"content/{content.name}: SHA-256 differs from the manifest" in out
    assert "WARC digest check failed" in out and stored["warc_record_id"] in out
    assert "differs from the decision's content_sha256" in out


@pytest.mark.e2e
def test_verify_finds_content_of_a_non_allowed_url(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    crawl_dir = copy_of(crawled, tmp_path)
    path = crawl_dir / "decisions.jsonl"
    records = [json.loads(line) for line in path.read_text().splitlines()]
    victim = next(r for r in records if r["stored"])
    victim.update(decision="reserved", reason="tdmrep-meta", stored=False)
    victim.update(content_sha256=None, warc_record_id=None, license=None, size=None)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    code, out, _ = run(capsys, "verify", crawl_dir)
    assert code == 1
    assert "decisions.jsonl: SHA-256 differs from the manifest" in out
    assert (
        f"content response for {victim['final_url']}, whose decision is reserved "
        "(tdmrep-meta): non-allowed content is stored"
    ) in out


@pytest.mark.e2e
def test_verify_finds_a_torn_and_a_repeated_decision(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    crawl_dir = copy_of(crawled, tmp_path)
    path = crawl_dir / "decisions.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[0], lines[1][:40]]))
    code, out, _ = run(capsys, "verify", crawl_dir)
    assert code == 1
    assert f"decisions.jsonl:{len(lines) + 1}: {json.loads(lines[0])['url']} decided again" in out
    assert f"decisions.jsonl:{len(lines) + 2}: torn last line" in out


@pytest.mark.e2e
def test_verify_without_manifest_digests_warns_or_fails_with_strict(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    crawl_dir = copy_of(crawled, tmp_path)
    manifest = read_manifest(crawl_dir / "manifest.json")
    manifest["digests"] = {}
    (crawl_dir / "manifest.json").write_text(json.dumps(manifest))
    code, out, _ = run(capsys, "verify", crawl_dir)
    assert code == 0 and "1 warnings" in out and "has no file digests" in out
    code, out, _ = run(capsys, "verify", crawl_dir, "--strict")
    assert code == 1 and "manifest.json: has no file digests" in out


# -- replay ---------------------------------------------------------------------------


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("replay opened a network connection")


@pytest.mark.e2e
def test_replay_reproduces_every_decision_without_network(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: Any
):
    before = outputs(crawled)
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    report = tmp_path / "report.jsonl"
    out = tmp_path / "same"
    code, stdout, _ = run(capsys, "replay", crawled, "--report", report, "--out", out)
    assert code == 0, stdout
    assert report.read_text() == "", "nothing changed, all replayable"
    records = by_url(crawled)
    # Among them, pages never stored whose decision came from their content (the paywall
    # fixture site): reproduced from the recorded content facts alone.
    assert "paywalled" in {record["reason"] for record in records.values()}
    assert f"Replayed {len(records)} decisions" in stdout
    assert f"{'unchanged':<64} {len(records):>7}" in stdout

    # The same through the API: every record re-decided, none merely kept.
    manifest = read_manifest(crawled / "manifest.json")
    result = replay_crawl(crawled, replay_config(manifest, {}))
    assert (result.records, result.unchanged, result.kept) == (len(records), len(records), 0)

    # The re-derived corpus is the crawl's, record for record and byte for byte.
    assert by_url(out) == records
    assert markers_written(out) == markers_written(crawled)
    assert outputs(crawled) == before, "replay never modifies DIR"
    derived = read_manifest(out / "manifest.json")["derived_from"]
    assert derived["source_crawl_id"] == manifest["crawl_id"]
    assert derived["settings_changed"] == {}


@pytest.fixture(scope="module")
def added_agent(crawled: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Replay with ResearchBotX added to the AI-agent list, with --out."""
    tmp = tmp_path_factory.mktemp("added")
    report, out = tmp / "report.jsonl", tmp / "filtered"
    before = outputs(crawled)
    args = ["--set", f"TDM_AI_AGENTS=+{AGENT}", "--report", str(report), "--out", str(out)]
    code = main(["replay", str(crawled), *args])
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    return {"code": code, "report": lines, "out": out, "unchanged": outputs(crawled) == before}


@pytest.mark.e2e
def test_replay_with_a_longer_agent_list_excludes_and_exits_1(
    added_agent: dict[str, Any], extra_server: FixtureServer
):
    assert added_agent["code"] == 1
    assert added_agent["unchanged"], "replay never modifies DIR"
    changed = {
        line["url"]: (line["new"]["decision"], line["new"]["reason"])
        for line in added_agent["report"]
        if line["result"] == "changed" and line["new"]["decision"] != line["old"]["decision"]
    }
    expected = {
        extra_url(extra_server, path): outcome
        for path, outcome in REPLAYED.items()
        if outcome[0] != "allowed"
    }
    assert changed == expected
    hop = next(r for r in added_agent["report"] if r["url"] == extra_url(extra_server, "/old/x"))
    assert hop["new"]["final_url"] == hop["url"] and hop["new"]["status"] is None
    assert hop["old"]["final_url"] == extra_url(extra_server, "/target.html")


@pytest.mark.e2e
def test_replay_out_keeps_only_what_is_still_allowed(
    added_agent: dict[str, Any], crawled: Path, extra_server: FixtureServer
):
    out = added_agent["out"]
    records = by_url(out)
    for path, (decision, reason) in REPLAYED.items():
        record = records[extra_url(extra_server, path)]
        assert (record["decision"], record["reason"]) == (decision, reason), path
        assert record["stored"] is (decision == "allowed"), path
    written = markers_written(out)
    gone = {f"MARKER-OK-extra-members-{x}" for x in "abc"} | {"MARKER-OK-extra-target"}
    assert not gone & written
    assert written == markers_written(crawled) - gone
    manifest = read_manifest(out / "manifest.json")
    assert manifest["derived_from"]["settings_changed"]["TDM_AI_AGENTS"]["to"] == f"+{AGENT}"
    assert AGENT in [agent["token"] for agent in manifest["ai_agents"]]
    assert manifest["counts"]["stored"] == sum(r["stored"] for r in records.values())


@pytest.mark.e2e
def test_verify_passes_on_the_filtered_corpus(
    added_agent: dict[str, Any], capsys: pytest.CaptureFixture[str]
):
    code, out, _ = run(capsys, "verify", added_agent["out"], "--strict")
    assert code == 0, out


@pytest.mark.e2e
def test_a_second_replay_of_the_filtered_corpus_changes_nothing(
    added_agent: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code, out, _ = run(capsys, "replay", added_agent["out"], "--report", tmp_path / "r.jsonl")
    assert code == 0, out
    assert (tmp_path / "r.jsonl").read_text() == ""


@pytest.mark.e2e
def test_diff_shows_the_replayed_changes_by_origin_and_reason(
    added_agent: dict[str, Any],
    crawled: Path,
    extra_server: FixtureServer,
    capsys: pytest.CaptureFixture[str],
):
    code, out, _ = run(capsys, "diff", crawled, added_agent["out"], "--json")
    assert code == 0
    result = json.loads(out)
    assert result["format"] == "tdm-crawl-diff/1"
    decided = {
        entry["url"]: (entry["b"]["decision"], entry["b"]["reason"])
        for entry in result["urls"]
        if "decision" in entry["fields"]
    }
    assert decided == {
        extra_url(extra_server, path): outcome
        for path, outcome in REPLAYED.items()
        if outcome[0] != "allowed"
    }
    assert result["counts"]["added"] == result["counts"]["removed"] == 0
    assert result["fields"]["origin_documents"] == 0, "same evidence, same documents"
    origin = next(o for o in result["by_origin"] if o["origin"] == extra_server.origin("extra"))
    assert origin["changed"] == 4 and origin["documents"] == {}
    move = {
        "from": {"decision": "allowed", "reason": "no-reservation"},
        "to": {"decision": "reserved", "reason": "robots-ai-agent"},
        "urls": 4,
    }
    assert move in result["by_reason"]

    code, text, _ = run(capsys, "diff", crawled, added_agent["out"])
    assert code == 0
    assert "allowed (no-reservation) -> reserved (robots-ai-agent)" in text
    assert extra_url(extra_server, "/members/a.html") in text


@pytest.mark.e2e
def test_replay_default_report_goes_to_the_working_directory(
    crawled: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
):
    crawl_dir = copy_of(crawled, tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = sorted(p.name for p in crawl_dir.rglob("*"))
    code, out, _ = run(capsys, "replay", crawl_dir)
    assert code == 0
    (report,) = work.glob(f"replay-{crawl_dir.name}-*.jsonl")
    assert f"Report: {report.name}" in out
    assert sorted(p.name for p in crawl_dir.rglob("*")) == before, "the crawl dir is untouched"
    code, _, _ = run(capsys, "verify", crawl_dir, "--strict")
    assert code == 0


# -- usage errors ---------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "CONCURRENT_REQUESTS=3"], "replay cannot apply CONCURRENT_REQUESTS"),
        (["--set", "TDM_AI_AGENTS=not#a token"], "is not a robots.txt User-agent value"),
        (["--set", "TDM_ROBOTS_MAX_BYTES=-1"], "must be a positive number of bytes"),
        (["--set", "TDM_AGENTT=x"], "did you mean TDM_AGENT"),
    ],
)
def test_replay_refuses_settings_it_cannot_apply(
    crawled: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
):
    code, _, err = run(capsys, "replay", crawled, "--report", tmp_path / "r.jsonl", *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.e2e
def test_replay_refuses_an_existing_or_nested_out(
    crawled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    report = tmp_path / "r.jsonl"
    code, _, err = run(capsys, "replay", crawled, "--report", report, "--out", crawled)
    assert code == 2 and "--out must be outside DIR" in err
    code, _, err = run(capsys, "replay", crawled, "--report", report, "--out", crawled / "sub")
    assert code == 2 and "--out must be outside DIR" in err
    other = copy_of(crawled, tmp_path)
    code, _, err = run(capsys, "replay", crawled, "--report", report, "--out", other)
    assert code == 2 and "already holds a crawl" in err


@pytest.mark.parametrize("command", ["replay", "diff", "verify"])
def test_commands_refuse_a_directory_without_a_crawl(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    args = [tmp_path, tmp_path] if command == "diff" else [tmp_path]
    code, _, err = run(capsys, command, *args)
    assert code == 2
    assert "holds no crawl" in err and len(err.strip().splitlines()) == 1
