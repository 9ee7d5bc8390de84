"""The ``tdm-crawl`` command as a user runs it: a real process, real sockets, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tests.crawling import tdm_crawl
from tests.paths import REPO

FAST = [
    "--set", "AUTOTHROTTLE_ENABLED=False",
    "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]",
    "--set", "TDM_BACKOFF_BASE=0.05",
]  # fmt: skip


@pytest.mark.e2e
def test_crawl_writes_output_and_summary(fixture_server: FixtureServer, tmp_path: Path) -> None:
    out = tmp_path / "run"
    seed = fixture_server.url("tdmrep-file", "/")
    result = tdm_crawl("crawl", seed, "--out", str(out), "--allow-private-networks", *FAST)
    assert result.returncode == 0, result.stderr
    assert "URLs decided" in result.stdout and "reserved" in result.stdout
    assert (out / "manifest.json").exists() and (out / "decisions.jsonl").exists()
    assert list(out.glob("content/*.warc.gz")) and list(out.glob("evidence/*.warc.gz"))

    again = tdm_crawl("crawl", seed, "--out", str(out), "--allow-private-networks")
    assert again.returncode == 2
    assert "--resume" in again.stderr and "--overwrite" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    fresh = tdm_crawl(
        "crawl", seed, "--out", str(out), "--overwrite", "--allow-private-networks", *FAST
    )
    assert fresh.returncode == 0, fresh.stderr
    first_ids = {json.loads(line)["crawl_id"] for line in (out / "decisions.jsonl").open()}
    assert len(first_ids) == 1


@pytest.mark.e2e
def test_resume_continues_the_same_crawl(fixture_server: FixtureServer, tmp_path: Path) -> None:
    out = tmp_path / "run"
    seed = fixture_server.url("open", "/")
    args = ["--out", str(out), "--allow-private-networks", *FAST]
    assert tdm_crawl("crawl", seed, "--max-pages", "2", *args).returncode == 0
    resumed = tdm_crawl("crawl", seed, "--resume", *args)
    assert resumed.returncode == 0, resumed.stderr
    lines = [json.loads(line) for line in (out / "decisions.jsonl").open()]
    urls = [r["url"] for r in lines]
    assert len(urls) == len(set(urls)), "no URL decided twice across sessions"
    assert len({r["crawl_id"] for r in lines}) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["sessions"]) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "ftp://example.org/", "--out", "{tmp}/o"], "not an http(s) URL"),
        (["crawl", "example.org", "--out", "{tmp}/o"], "not an http(s) URL"),
        (["crawl", "--out", "{tmp}/o"], "no seed URLs"),
        (
            ["crawl", "http://x.test/", "--out", "/proc/forbidden", "--contact", "me@x.test"],
            "choose another --out",
        ),
        (
            ["crawl", "http://x.test/", "--out", "{tmp}/o", "--resume", "--contact", "me@x.test"],
            "no crawl to resume",
        ),
        (["crawl", "--seeds", "{tmp}/missing.txt", "--out", "{tmp}/o"], "cannot read --seeds"),
        (
            ["crawl", "http://x.test/", "--out", "{tmp}/o", "--set", "TDM_MAX_PAGE=3"],
            "did you mean TDM_MAX_PAGES",
        ),
        (["crawl", "http://x.test/", "--out", "{tmp}/o", "--set", "NOVALUE"], "NAME=VALUE"),
        (["check", "not a url"], "not an http(s) URL"),
        (["crawl", "http://x.test/", "--out", "{tmp}/o", "--agent", "FooBot/2.1"], "use 'FooBot'"),
        (
            ["crawl", "http://x.test/", "--out", "{tmp}/o", "--set", "TDM_AGENT=Foo Bot"],
            "use 'Foo'",
        ),
        (["check", "http://x.test/", "--agent", "FooBot/2.1"], "use 'FooBot'"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process, since a process per row costs half a second; the real process's exit
    status is checked by test_an_agent_that_is_no_product_token_writes_nothing."""
    code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    stderr = capsys.readouterr().err
    assert code == 2
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], stderr


@pytest.mark.e2e
def test_check_explains_layer_by_layer(fixture_server: FixtureServer) -> None:
    url = fixture_server.url("tdmrep-header-meta", "/")
    result = tdm_crawl("check", url, "--allow-private-networks", *FAST)
    assert result.returncode == 0, result.stderr
    for layer in ("robots", "tdmrep", "decision"):
        assert layer in result.stdout
    as_json = tdm_crawl("check", url, "--json", "--allow-private-networks", *FAST)
    record = json.loads(as_json.stdout)
    assert record["url"] == url and record["decision"] == "allowed"


def test_loopback_refused_without_flag(fixture_server: FixtureServer) -> None:
    fixture_server.reset_hits()
    url = fixture_server.url("open", "/")
    result = tdm_crawl("check", url, "--json", *FAST)
    record = json.loads(result.stdout)
    assert (record["decision"], record["reason"]) == ("error", "not-public-address")
    assert fixture_server.hits("open", "/") == 0
    assert fixture_server.hits("open", "/robots.txt") == 0


@pytest.mark.e2e
def test_scrapy_crawl_from_project_directory(fixture_server: FixtureServer, tmp_path: Path) -> None:
    out = tmp_path / "scrapy-out"
    project = REPO
    result = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "tdm",
            "-a", f"urls={fixture_server.url('open', '/')}",
            "-s", f"TDM_OUTPUT_DIR={out}", "-s", "TDM_ALLOW_PRIVATE_NETWORKS=True",
            "-s", "AUTOTHROTTLE_ENABLED=False",
        ],
        capture_output=True, text=True, timeout=120, cwd=project,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "tdm_crawler.settings"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    decisions = [json.loads(line)["decision"] for line in (out / "decisions.jsonl").open()]
    assert decisions and set(decisions) == {"allowed"}


@pytest.mark.e2e
def test_demo_crawls_the_fixtures_and_writes_a_report(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = tdm_crawl("demo", "--out", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    for decision in ("allowed", "reserved", "disallowed", "unknown", "error"):
        assert f"\n{decision} " in result.stdout
    report = out / "report.html"
    assert f"Report: {report}" in result.stdout and report.stat().st_size > 10_000


def test_an_agent_that_is_no_product_token_writes_nothing(tmp_path: Path) -> None:
    """RFC 9309 §2.2.1: ``FooBot/2.1`` would match no ``User-agent: FooBot`` group."""
    result = tdm_crawl("crawl", "http://x.test/", "--out", str(tmp_path / "o"), "--agent", "a/1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "use 'a'" in result.stderr, result.stderr
    assert not (tmp_path / "o").exists()
