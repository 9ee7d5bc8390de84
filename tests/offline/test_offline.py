"""replay, diff and verify on small crawl directories built here, without a crawler.

Each directory is written the way the crawl writes one (store writers, the pure decision
functions, the evidence field of the gate middleware), for one origin whose robots.txt is
sent gzip-compressed, so these tests also pin down what replay reads from the evidence.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.warcwriter import WARCWriter

from tdm_crawler.cli import main
from tdm_crawler.crawl.config import tdm_defaults
from tdm_crawler.offline.diff import diff_crawls, load_state
from tdm_crawler.offline.evidence import EvidenceIndex, EvidenceReader
from tdm_crawler.offline.replay import replay_config, replay_record
from tdm_crawler.offline.verify import verify_crawl
from tdm_crawler.policy import (
    ContentFacts,
    Context,
    Limits,
    OriginFacts,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_after_fetch,
    decide_before_fetch,
)
from tdm_crawler.policy.ai_agents import packaged_agents
from tdm_crawler.store import (
    CrawlDir,
    DecisionLog,
    HttpExchange,
    StoredRecord,
    WarcWriter,
    decision_record,
    file_digests,
    write_manifest,
)
from tdm_crawler.store.evidence import (
    DecisionEvidence,
    DocumentRef,
    OriginEvidence,
    RecordRef,
    ResponseEvidence,
)
from tdm_crawler.store.warcread import read_payload, scan

SITE = "http://example.test"
ORIGIN = "http://example.test:80"
ROBOTS = "User-agent: tdm-crawler\nDisallow: /private/\n\nUser-agent: FooBot\nDisallow: /foo/\n"
PATHS = ("/", "/private/x", "/foo/x")


def _ref(url: str, status: int, stored: StoredRecord) -> DocumentRef:
    return DocumentRef(url, status, None, (RecordRef(stored.record_id, stored.payload_digest),))


def build_crawl(root: Path, robots: str = ROBOTS) -> Path:
    """A finished crawl of PATHS on one origin, decided with the packaged AI-agent list."""
    now = datetime.now(UTC)
    evidence = WarcWriter(root / "evidence", "evidence", crawl_id="test", software="test")
    content = WarcWriter(root / "content", "content", crawl_id="test", software="test")
    robots_wire = gzip.compress(robots.encode(), mtime=0)  # the same bytes every build
    robots_headers = [("Content-Type", "text/plain"), ("Content-Encoding", "gzip")]
    robots_url, tdmrep_url = f"{SITE}/robots.txt", f"{SITE}/.well-known/tdmrep.json"
    robots_stored = evidence.write_exchange(
        HttpExchange(url=robots_url, status=200, response_headers=robots_headers,
                     body=robots_wire, fetched_at=now)
    )  # fmt: skip
    tdmrep_stored = evidence.write_exchange(
        HttpExchange(url=tdmrep_url, status=404, body=b"no", fetched_at=now)
    )
    origin = OriginEvidence(
        _ref(robots_url, 200, robots_stored), _ref(tdmrep_url, 404, tdmrep_stored)
    )
    origin_id = evidence.write_metadata("origin", ORIGIN, origin.to_json())
    evidence.close()
    facts = OriginFacts(
        RobotsFile.from_fetch(200, robots.encode(), None),
        TdmRepFile.from_fetch(404, b"no", None, url=tdmrep_url),
    )
    ctx = Context()
    with DecisionLog(root / "decisions.jsonl") as log:
        for path in PATHS:
            url = SITE + path
            origins = {ORIGIN: origin_id}
            verdict = decide_before_fetch(url, ctx, facts)
            status: int | None = None
            stored = None
            if verdict is not None:
                record_evidence = DecisionEvidence("before", url, (), origins)
            else:
                body = f"<html><head></head><body>page {path}</body></html>".encode()
                headers = {"content-type": ["text/html"]}
                facts_ = ResponseFacts(url, 200, headers, ContentFacts("html", "text/html"))
                verdict = decide_after_fetch(url, ctx, facts, facts_)
                status = 200
                read = ResponseEvidence((("content-type", "text/html"),), facts_.content)
                record_evidence = DecisionEvidence("after", url, (), origins, read)
                if verdict.allowed:
                    exchange = HttpExchange(
                        url=url,
                        status=200,
                        response_headers=[("Content-Type", "text/html")],
                        body=body,
                        fetched_at=now,
                    )
                    stored = content.write_exchange(exchange)
                    content.write_metadata(
                        "decision",
                        url,
                        {"decision": "allowed", "reason": "no-reservation", "crawl_id": "test"},
                        refers_to=stored,
                    )
            log.write(
                decision_record(
                    url=url,
                    final_url=url,
                    status=status,
                    verdict=verdict,
                    stored=stored is not None,
                    content_sha256=stored.payload_sha256 if stored else None,
                    warc_record_id=stored.record_id if stored else None,
                    fetched_at=now,
                    crawl_id="test",
                    evidence=record_evidence,
                )
            )
    content.close()
    manifest = {
        "crawl_id": "test",
        "status": "finished",
        "agent": "tdm-crawler",
        "settings": tdm_defaults(),
        "ai_agents": [agent.to_json() for agent in packaged_agents()],
        "digests": file_digests(CrawlDir(root)),
    }
    write_manifest(root / "manifest.json", manifest)
    return root


def records(root: Path) -> dict[str, dict[str, Any]]:
    lines = (root / "decisions.jsonl").read_text().splitlines()
    return {r["url"]: r for r in map(json.loads, lines)}


@pytest.fixture
def crawl_dir(tmp_path: Path) -> Path:
    return build_crawl(tmp_path / "crawl")


def test_the_built_crawl_verifies(crawl_dir: Path) -> None:
    result = verify_crawl(crawl_dir, strict=True)
    assert result.ok, result.violations
    assert (result.decisions, result.stored) == (3, 2)


def test_replay_reads_compressed_robots_and_reproduces(
    crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    decided = records(crawl_dir)
    assert decided[f"{SITE}/private/x"]["reason"] == "robots-disallow"  # from gzipped robots
    assert main(["replay", str(crawl_dir), "--report", str(tmp_path / "r.jsonl")]) == 0
    assert (tmp_path / "r.jsonl").read_text() == ""
    assert f"{'unchanged':<64} {3:>7}" in capsys.readouterr().out


def test_replay_adds_an_agent_and_filters(
    crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "filtered"
    code = main(
        ["replay", str(crawl_dir), "--set", "TDM_AI_AGENTS=+FooBot", "--out", str(out),
         "--report", str(tmp_path / "r.jsonl")]
    )  # fmt: skip
    assert code == 1
    text = capsys.readouterr().out
    assert "allowed (no-reservation) -> reserved (robots-ai-agent)" in text
    new = records(out)
    assert (new[f"{SITE}/foo/x"]["decision"], new[f"{SITE}/foo/x"]["stored"]) == ("reserved", False)
    assert new[f"{SITE}/"]["stored"] is True
    kept = [m for p in sorted(out.glob("content/*.warc.gz")) for m, _ in scan(p)]
    assert [m.record_type for m in kept] == ["warcinfo", "response", "request", "metadata"]
    assert {m.subject for m in kept[1:]} == {f"{SITE}/"}
    assert verify_crawl(out, strict=True).ok


def reader_for(root: Path) -> EvidenceReader:
    return EvidenceReader(EvidenceIndex.build([CrawlDir(root)]), Limits())


@pytest.mark.parametrize(
    ("change", "category"),
    [
        (lambda r: r.update(evidence=None), "no-evidence"),
        (lambda r: r["evidence"].update(origins={ORIGIN: None}), "no-evidence"),
        (lambda r: r["evidence"].update(origins={ORIGIN: "<urn:uuid:gone>"}), "missing-evidence"),
        (lambda r: r["evidence"].update(stage="address"), "address-check"),
        (lambda r: r["evidence"].update(stage="later"), "bad-evidence"),
        (lambda r: r["evidence"].pop("url"), "bad-evidence"),
    ],
)
def test_replay_keeps_what_it_cannot_decide(crawl_dir: Path, change: Any, category: str) -> None:
    record = records(crawl_dir)[f"{SITE}/private/x"]
    change(record)
    outcome = replay_record(record, reader_for(crawl_dir), Context())
    assert (outcome.result, outcome.category) == ("not-replayable", category)
    assert outcome.new is record


def test_replay_cannot_decide_a_url_it_would_now_fetch(crawl_dir: Path) -> None:
    record = records(crawl_dir)[f"{SITE}/private/x"]
    outcome = replay_record(record, reader_for(crawl_dir), Context(agent="otherbot"))
    assert (outcome.result, outcome.category) == ("not-replayable", "needs-fetch")


def test_replay_config_uses_the_recorded_agent_list() -> None:
    recorded = [{"token": "FooBot", "operator": "x", "purpose": "dataset", "source": "y"}]
    config = replay_config({"settings": {}, "ai_agents": recorded}, {})
    assert [a.token for a in config.context.ai_agents] == ["FooBot"]
    assert config.changed == {}
    config = replay_config({"settings": {}, "ai_agents": recorded}, {"TDM_AI_AGENTS": "FooBot"})
    assert config.changed == {}, "the same list is no change"
    config = replay_config({"settings": {}}, {"TDM_AI_AGENTS": "+FooBot"})
    tokens = [a.token for a in config.context.ai_agents]
    assert tokens[-1] == "FooBot" and len(tokens) == len(packaged_agents()) + 1
    assert config.changed["TDM_AI_AGENTS"] == {"from": "", "to": "+FooBot"}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DOWNLOAD_TIMEOUT": 3}, "replay cannot apply DOWNLOAD_TIMEOUT"),
        ({"TDM_ROBOTS_MAX_BYTES": "big"}, "positive number of bytes"),
        ({"TDM_AGENT": ""}, "product token"),
        ({"TDM_NOARCHIVE_RESERVES": "maybe"}, "TDM_NOARCHIVE_RESERVES must be true or false"),
    ],
)
def test_replay_config_refuses(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        replay_config({"settings": {}}, overrides)


@pytest.mark.parametrize(
    ("recorded", "override", "reserves", "changed"),
    [
        pytest.param(None, None, False, False, id="manifest-without-it-reads-as-default"),
        pytest.param(True, None, True, False, id="recorded-true"),
        pytest.param("true", None, True, False, id="recorded-as-typed-on-the-command-line"),
        pytest.param("0", None, False, False, id="recorded-0"),
        pytest.param(False, True, True, True, id="overridden"),
        pytest.param("True", True, True, False, id="same-value-no-change"),
    ],
)
def test_replay_reads_noarchive_reserves_from_the_manifest(
    recorded: Any, override: Any, reserves: bool, changed: bool
) -> None:
    settings = {} if recorded is None else {"TDM_NOARCHIVE_RESERVES": recorded}
    overrides = {} if override is None else {"TDM_NOARCHIVE_RESERVES": override}
    config = replay_config({"settings": settings}, overrides)
    assert config.context.noarchive_reserves is reserves
    assert config.settings["TDM_NOARCHIVE_RESERVES"] is reserves
    assert ("TDM_NOARCHIVE_RESERVES" in config.changed) is changed


def test_replay_applies_the_robots_size_limit(crawl_dir: Path) -> None:
    record = records(crawl_dir)[f"{SITE}/foo/x"]
    reader = reader_for(crawl_dir)
    manifest = {"settings": tdm_defaults()}
    added = replay_config(manifest, {"TDM_AI_AGENTS": "+FooBot"})
    assert replay_record(record, reader, added.context).new["reason"] == "robots-ai-agent"
    cut = replay_config(manifest, {"TDM_AI_AGENTS": "+FooBot", "TDM_ROBOTS_MAX_BYTES": 40})
    reader = EvidenceReader(reader.index, cut.limits)  # FooBot's group is past byte 40
    outcome = replay_record(record, reader, cut.context)
    assert outcome.new["decision"] == "allowed" and "signals" in outcome.fields


def test_diff_sees_a_changed_robots_txt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = build_crawl(tmp_path / "a")
    b = build_crawl(tmp_path / "b", robots=ROBOTS + "\nUser-agent: *\nDisallow: /\n")
    result = diff_crawls(load_state(a), load_state(b))
    assert result["counts"] == {"added": 0, "removed": 0, "changed": 3, "unchanged": 0}
    assert result["fields"]["origin_documents"] == 3
    (origin,) = result["by_origin"]
    assert origin["origin"] == ORIGIN and list(origin["documents"]) == ["robots.txt"]
    robots = origin["documents"]["robots.txt"]
    assert robots["a"].startswith("200 sha1:") and robots["a"] != robots["b"]
    assert main(["diff", str(a), str(b)]) == 0
    assert f"{ORIGIN:<32}" in capsys.readouterr().out


def test_diff_counts_added_and_removed(tmp_path: Path) -> None:
    a = build_crawl(tmp_path / "a")
    b = build_crawl(tmp_path / "b")
    lines = (b / "decisions.jsonl").read_text().splitlines(keepends=True)
    extra = json.loads(lines[0])
    extra["url"] = f"{SITE}/new"
    (b / "decisions.jsonl").write_text("".join([*lines[1:], json.dumps(extra) + "\n"]))
    result = diff_crawls(load_state(a), load_state(b))
    assert result["counts"] == {"added": 1, "removed": 1, "changed": 0, "unchanged": 2}
    changes = {entry["url"]: entry["change"] for entry in result["urls"]}
    assert changes == {f"{SITE}/new": "added", f"{SITE}/": "removed"}
    assert {"from": None, "to": {"decision": "allowed", "reason": "no-reservation"}, "urls": 1} in (
        result["by_reason"]
    )


def test_read_payload_decodes_the_content_encoding_unless_asked(crawl_dir: Path) -> None:
    (source,) = crawl_dir.glob("evidence/*.warc.gz")
    robots = next(m for m, _ in scan(source) if m.target_uri == f"{SITE}/robots.txt")
    assert read_payload(robots).body == ROBOTS.encode()
    assert gzip.decompress(read_payload(robots, decode=False).body) == ROBOTS.encode()
    assert read_payload(robots).header("content-encoding") == "gzip"


def test_replay_of_damaged_evidence_fails_cleanly(
    crawl_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (evidence,) = crawl_dir.glob("evidence/*.warc.gz")
    evidence.write_bytes(evidence.read_bytes()[:-300])  # into the member before the last
    out = tmp_path / "filtered"
    code = main(["replay", str(crawl_dir), "--out", str(out), "--report", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 2
    assert "unreadable from byte" in err and "run tdm-crawl verify" in err
    assert not (out / "decisions.jsonl").exists(), "no half-written corpus is left"
    assert not verify_crawl(crawl_dir).ok


def test_verify_finds_a_metadata_record_about_another_url(crawl_dir: Path) -> None:
    (content,) = crawl_dir.glob("content/*.warc.gz")
    stored = next(r for r in records(crawl_dir).values() if r["stored"])
    extra = io.BytesIO()
    writer = WARCWriter(extra, gzip=True)
    record = writer.create_warc_record(
        f"metadata://tdm-crawler.invalid/decision/{SITE}/elsewhere",
        "metadata",
        payload=io.BytesIO(b'{"decision": "allowed"}'),
        warc_content_type="application/json",
        warc_headers_dict={"WARC-Refers-To": stored["warc_record_id"]},
    )
    writer.write_record(record)
    content.write_bytes(content.read_bytes() + extra.getvalue())
    problems = [str(v) for v in verify_crawl(crawl_dir).violations]
    wrong = f"metadata record for {SITE}/elsewhere refers to the response for {stored['url']}"
    assert any(wrong in problem for problem in problems), problems


@pytest.mark.parametrize("cut", [10, 300])
def test_verify_finds_a_truncated_warc(crawl_dir: Path, cut: int) -> None:
    (content,) = crawl_dir.glob("content/*.warc.gz")
    content.write_bytes(content.read_bytes()[:-cut])
    problems = [str(v) for v in verify_crawl(crawl_dir).violations]
    name = f"content/{content.name}"
    assert f"{name}: SHA-256 differs from the manifest (changed after the crawl)" in problems
    damaged = [p for p in problems if p.startswith(name) and "SHA-256 differs" not in p]
    assert damaged, problems
    assert any("not a complete record" in p or "cut short" in p for p in damaged), damaged
