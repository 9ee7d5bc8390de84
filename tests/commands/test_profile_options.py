"""``--purpose``, ``--operator`` and ``--region``: refused in one line before anything is
written, and recorded in every record and in the manifest when given."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.cli import main

FAST = [
    "--allow-private-networks",
    "--set", "AUTOTHROTTLE_ENABLED=False",
    "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]",
    "--set", "TDM_BACKOFF_BASE=0.05",
]  # fmt: skip


@pytest.fixture
def refused_redis() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


#: Every command that takes the profile options, run so that only the option is wrong.
COMMANDS = {
    "crawl": ["crawl", "http://x.test/", "--out", "{tmp}/o"],
    "crawl-redis": ["crawl", "http://x.test/", "--out", "{tmp}/o", "--redis", "{redis}"],
    "worker": ["worker", "--redis", "{redis}", "--out", "{tmp}/o"],
    "check": ["check", "http://x.test/"],
    "demo": ["demo", "--out", "{tmp}/o"],
    "recheck": ["recheck", "{tmp}/source", "--out", "{tmp}/o"],
}
BAD = {
    "purpose": (["--purpose", "training"], "TDM_PURPOSE (--purpose): purpose 'training'"),
    "operator": (["--operator", "company"], "TDM_OPERATOR (--operator): operator 'company'"),
    "region": (["--region", "DEU"], "TDM_REGION (--region): region 'DEU'"),
    "set": (["--set", "TDM_PURPOSE=x"], "TDM_PURPOSE (--purpose): purpose 'x'"),
}


CASES = [
    pytest.param(command, bad, id=f"{command}-{bad}")
    for command in COMMANDS
    for bad in BAD
    if (command, bad) != ("demo", "set")  # demo takes no --set
]


@pytest.mark.parametrize(("command", "bad"), CASES)
def test_a_bad_profile_is_one_line_exit_2_and_writes_nothing(
    command: str,
    bad: str,
    tmp_path: Path,
    refused_redis: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "source"  # what recheck reads: a crawl directory, never changed
    source.mkdir()
    (source / "manifest.json").write_text("{}")
    (source / "decisions.jsonl").write_text("")
    extra, message = BAD[bad]
    argv = [
        arg.replace("{tmp}", str(tmp_path)).replace("{redis}", refused_redis)
        for arg in [*COMMANDS[command], *extra]
    ]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"tdm-crawl {argv[0]}: error: {message}")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["source"]
    assert sorted(path.name for path in source.iterdir()) == ["decisions.jsonl", "manifest.json"]


@pytest.mark.parametrize("command", ["crawl", "worker", "check", "demo", "recheck", "replay"])
def test_help_lists_the_profile_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    shown = capsys.readouterr().out
    assert "purpose profile:" in shown
    for option in ("--purpose PURPOSE", "--operator OPERATOR", "--region CC"):
        assert option in shown
    assert "ai-training, tdm, ai-input, search" in shown


def tdm_crawl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.e2e
def test_crawl_records_its_profile(fixture_server: FixtureServer, tmp_path: Path) -> None:
    """A search crawl: search=n reserves, train-ai=n does not; every record and the
    manifest say so."""
    out = tmp_path / "run"
    seeds = [
        fixture_server.url("aipref", "/usage-n.html"),
        fixture_server.url("aipref", "/usage-y-search-n.html"),
    ]
    profile = ["--purpose", "search", "--operator", "education", "--region", "ch"]
    result = tdm_crawl("crawl", *seeds, "--out", str(out), "--max-depth", "0", *profile, *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    records = {
        record["url"]: record
        for record in map(json.loads, (out / "decisions.jsonl").read_text().splitlines())
    }
    assert {url: (r["decision"], r["reason"], r["purpose"]) for url, r in records.items()} == {
        seeds[0]: ("allowed", "no-reservation", "search"),
        seeds[1]: ("reserved", "content-usage", "search"),
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["profile"] == {"purpose": "search", "operator": "education", "region": "CH"}
    assert manifest["settings"]["TDM_PURPOSE"] == "search"


@pytest.mark.e2e
def test_check_says_which_purpose_it_decided_for(fixture_server: FixtureServer) -> None:
    url = fixture_server.url("aipref", "/usage-n.html")
    as_json = tdm_crawl("check", url, "--json", "--purpose", "tdm", *FAST)
    record = json.loads(as_json.stdout)
    assert (record["decision"], record["purpose"]) == ("allowed", "tdm")
    explained = tdm_crawl("check", url, *FAST)
    assert "decision   reserved (content-usage) for purpose ai-training" in explained.stdout
