"""The command registry: every command module is reachable from ``tdm-crawl``, documents
itself, and reports bad usage the one way (one line on stderr, exit status 2)."""

from __future__ import annotations

import importlib
import pkgutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import tdm_crawler.commands
from tdm_crawler.cli import main
from tdm_crawler.commands import COMMANDS

NAMES = [command.NAME for command in COMMANDS]


def _command_modules() -> list[str]:
    """Modules of ``tdm_crawler.commands`` that are commands (they have ``run``), as opposed
    to the shared ones (options, directories, running, distributed)."""
    found = []
    for info in pkgutil.iter_modules(tdm_crawler.commands.__path__):
        module = importlib.import_module(f"tdm_crawler.commands.{info.name}")
        if hasattr(module, "run"):
            found.append(module.__name__)
    return found


def test_every_command_module_is_registered_once() -> None:
    """A command's module is named after it, so ``tdm-crawl NAME`` is found by its file."""
    registered = [f"tdm_crawler.commands.{command.NAME}" for command in COMMANDS]
    assert sorted(registered) == sorted(_command_modules())
    assert len(set(NAMES)) == len(NAMES)
    for name, command in zip(registered, COMMANDS, strict=True):
        assert importlib.import_module(name) is command
        assert command.__doc__, f"{command.NAME}: say what the command is for"


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    listed = capsys.readouterr().out
    for command in COMMANDS:
        assert f"    {command.NAME:<9} {command.HELP.split()[0]}" in listed


@pytest.mark.parametrize("name", NAMES)
def test_help_of_each_command(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([name, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: tdm-crawl {name} ")
    assert "example" in out


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert capsys.readouterr().out.startswith("usage: tdm-crawl ")


@pytest.fixture
def refused_redis() -> Iterator[str]:
    """A loopback port that is bound but not listening: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"


#: For each command, arguments its ``run`` refuses with a UsageError (argparse accepts
#: them), and a part of the message.
USAGE_ERRORS = {
    "crawl": (["crawl", "--out", "{tmp}/o"], "no seed URLs"),
    "worker": (["worker", "--redis", "{redis}", "--out", "{tmp}/o"], "cannot reach Redis"),
    "check": (["check", "not a url"], "not an http(s) URL"),
    "recheck": (["recheck", "{tmp}", "--out", "{tmp}/new"], "holds no crawl"),
    "purge": (
        ["purge", "{tmp}", "--out", "{tmp}/new", "--origin", "https://e.org", "--reason", "x"],
        "holds no crawl",
    ),
    "demo": (["demo", "--out", "/proc/forbidden"], "choose another --out"),
    "report": (["report", "{tmp}"], "crawl"),
    "replay": (["replay", "{tmp}"], "crawl"),
    "diff": (["diff", "{tmp}", "{tmp}"], "crawl"),
    "verify": (["verify", "{tmp}/missing"], "is not a directory"),
    "wacz": (["wacz", "{tmp}", "--out", "{tmp}/x.wacz"], "holds no crawl"),
    "agents": (["agents", "import", "{tmp}/robots.json"], "cannot read"),
}


def test_usage_errors_cover_every_command() -> None:
    assert sorted(USAGE_ERRORS) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_a_usage_error_is_one_line_and_exit_2(
    name: str, tmp_path: Path, refused_redis: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args, message = USAGE_ERRORS[name]
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{redis}", refused_redis) for a in args]
    assert main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith(f"tdm-crawl {name}: error: ") and message in lines[0]
    assert not list(tmp_path.iterdir()), "a refused command writes nothing"
