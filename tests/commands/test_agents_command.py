"""``tdm-crawl agents list`` and ``tdm-crawl agents import``."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from tdm_crawler.cli import main
from tdm_crawler.policy.ai_agents import agent_list_info, load_agents, packaged_agents
from tests.paths import DATA

SMALL = DATA / "ai-robots-txt" / "small-robots.json"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ---------------------------------------------------------------------------- list


def test_list_prints_the_packaged_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "list")
    assert code == 0
    lines = out.splitlines()
    info = agent_list_info()
    assert lines[0] == (
        f"AI-agent list: {info['tokens']} agents, version {info['version']}, {info['date']}"
    )
    assert lines[1] == f"source: {info['source']}"
    assert lines[2].startswith("categories: ai-training ")
    assert lines[4].split() == ["token", "operator", "category", "source"]
    rows = lines[5:]
    assert len(rows) == len(packaged_agents())
    gptbot = next(row for row in rows if row.startswith("GPTBot "))
    assert gptbot.split() == ["GPTBot", "OpenAI", "ai-training", info["source"]]
    spaced = next(row for row in rows if row.startswith("ChatGPT Agent "))
    assert "ai-assistant" in spaced.split()


def test_list_json_is_a_list_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "agents", "list", "--json")
    assert code == 0
    path = tmp_path / "agents.json"
    path.write_text(out, "utf-8")
    assert load_agents(path) == packaged_agents()


def test_list_of_a_spec(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "list", "--agents", "GPTBot, My Bot 2.0")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "AI-agent list: 2 agents, no version"
    assert lines[1] == "source: TDM_AI_AGENTS 'GPTBot, My Bot 2.0'"
    assert [line.split("  ")[0] for line in lines[5:]] == ["GPTBot", "My Bot 2.0"]
    assert lines[6].split()[-2:] == ["unknown", "user-supplied"]


def test_list_of_a_bad_spec_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "agents", "list", "--agents", "GPT#Bot")
    assert (code, out) == (2, "")
    assert err.startswith("tdm-crawl agents: error: --agents: ")
    assert len(err.strip().splitlines()) == 1


def test_a_sub_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["agents"])
    assert exited.value.code == 2
    assert "SUBCOMMAND" in capsys.readouterr().err


# -------------------------------------------------------------------------- import


def test_import_prints_the_list_without_out(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "agents", "import", SMALL)
    assert code == 0
    data = json.loads(out)
    digest = hashlib.sha256(SMALL.read_bytes()).hexdigest()
    assert data["version"] == f"sha256:{digest[:12]}"
    assert data["source"] == f"ai.robots.txt robots.json, sha256 {digest}"
    assert len(data["date"]) == 10
    assert {agent["source"] for agent in data["agents"]} == {data["source"]}
    assert len(data["agents"]) == 14


def test_import_writes_a_file_a_crawl_reads(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "agents.json"
    args = ["--list-version", "v1.49", "--list-date", "2026-07-01", "--source", "my copy"]
    code, printed, _ = run(capsys, "agents", "import", SMALL, "--out", out, *args)
    assert code == 0
    assert printed.splitlines() == [
        f"wrote {out}: 14 agents, version v1.49, 2026-07-01 "
        "(ai-training 3, ai-search 2, ai-assistant 4, dataset 2, unknown 3)",
        f"use it with: --set TDM_AI_AGENTS={out}",
    ]
    agents = load_agents(str(out))
    assert (agents.version, agents.date, agents.source) == ("v1.49", "2026-07-01", "my copy")
    assert "ChatGPT Agent" in [agent.token for agent in agents]
    code, listed, _ = run(capsys, "agents", "list", "--agents", out)
    assert code == 0 and listed.startswith("AI-agent list: 14 agents, version v1.49, 2026-07-01")


def test_import_date_defaults_to_the_copy_s_modification_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "robots.json"
    copy.write_bytes(SMALL.read_bytes())
    moment = 1_780_000_000  # 2026-05-28 UTC
    os.utime(copy, (moment, moment))
    code, out, _ = run(capsys, "agents", "import", copy)
    assert code == 0
    assert json.loads(out)["date"] == "2026-05-28"


def test_import_never_overwrites(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "agents.json"
    out.write_text("mine", "utf-8")
    code, printed, err = run(capsys, "agents", "import", SMALL, "--out", out)
    assert (code, printed) == (2, "")
    assert err.strip() == (
        f"tdm-crawl agents: error: {out} exists; give another --out "
        "(an existing file is never replaced)"
    )
    assert out.read_text("utf-8") == "mine"


def test_import_refuses_a_dangling_symlink(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "agents.json"
    out.symlink_to(tmp_path / "elsewhere.json")
    code, _, err = run(capsys, "agents", "import", SMALL, "--out", out)
    assert code == 2 and "exists" in err
    assert not (tmp_path / "elsewhere.json").exists()


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        pytest.param(b"[1, 2]", [], "is not ai.robots.txt's robots.json", id="array"),
        pytest.param(b"{oops", [], "is not valid JSON", id="invalid-json"),
        pytest.param(b'{"A": 1}', [], "entry 'A': expected an object", id="bad-entry"),
        pytest.param(None, ["--list-date", "2026-13-01"], "is not a YYYY-MM-DD", id="bad-date"),
        pytest.param(None, ["--list-version", " "], "version ' ' must be", id="blank-version"),
        pytest.param(None, ["--out", "{tmp}/agents.txt"], "name the list file *.json", id="out"),
        pytest.param(None, ["--out", "{tmp}/no/such/dir/a.json"], "cannot write", id="no-dir"),
    ],
)
def test_import_errors_are_one_line_and_write_nothing(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    content: bytes | None,
    args: list[str],
    message: str,
) -> None:
    source = tmp_path / "robots.json"
    source.write_bytes(SMALL.read_bytes() if content is None else content)
    argv = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    code, out, err = run(capsys, "agents", "import", source, *argv)
    assert (code, out) == (2, "")
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tdm-crawl agents: error: ")
    assert message in lines[0]
    assert [path.name for path in tmp_path.iterdir()] == ["robots.json"]
