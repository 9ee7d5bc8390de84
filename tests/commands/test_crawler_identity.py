"""Saying who is crawling, and what not to crawl, on the command line: a contact is
required for the public web, ``--info-url`` goes into the User-Agent, ``--exclude`` lists
and ``RETRY_HTTP_CODES`` are checked before anything is written."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from tdm_crawler import __version__
from tdm_crawler.cli import main
from tdm_crawler.commands.options import add_crawl_options, require_contact
from tdm_crawler.crawl.config import user_agent
from tdm_crawler.crawl.settings import crawl_settings
from tdm_crawler.exceptions import UsageError

PUBLIC = "http://93.184.215.14/"  # a public address: nothing is fetched, the crawl refuses first
OUT = ["--out", "{tmp}/o"]
PRIVATE = ["http://127.0.0.1:8080/", "http://[::1]/", "http://10.1.2.3/"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", PUBLIC, "--out", "{tmp}/o"], f"--contact is required: {PUBLIC} is not a"),
        (["crawl", PUBLIC, *OUT, "--allow-private-networks"], "--contact is required"),
        (
            ["crawl", "http://localhost:9/", "--out", "{tmp}/o", "--allow-private-networks"],
            "http://localhost:9/ is not a loopback or private address literal",
        ),
        (
            ["crawl", "http://127.0.0.1:9/", "--out", "{tmp}/o"],
            "only a crawl with --allow-private-networks",
        ),
        (
            ["crawl", PUBLIC, "--out", "{tmp}/o", "--contact", "a@b.c", "--info-url", "ftp://x/"],
            "--info-url: 'ftp://x/' is not an http(s) URL",
        ),
        (
            ["crawl", PUBLIC, "--out", "{tmp}/o", "--contact", "a@b.c", "--exclude", "{tmp}/bad"],
            "--exclude: {tmp}/bad:3: '*.pirate.example': write 'pirate.example'",
        ),
        (
            ["crawl", PUBLIC, "--out", "{tmp}/o", "--contact", "a@b.c", "--exclude", "{tmp}/no"],
            "--exclude: {tmp}/no: cannot read the list",
        ),
        (
            ["check", PUBLIC, "--exclude", "{tmp}/bad"],
            "--exclude: {tmp}/bad:3:",
        ),
        (
            ["crawl", PUBLIC, *OUT, "--contact", "a@b.c", "--set", "RETRY_HTTP_CODES=[403,451]"],
            "RETRY_HTTP_CODES must not include 403, 451",
        ),
    ],
)  # fmt: skip
def test_refused_in_one_line_before_anything_is_written(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad").write_text("# source: s\n# date: 2025-01-01\n*.pirate.example\n")
    code = main([a.replace("{tmp}", str(tmp_path)) for a in args])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1 and message.replace("{tmp}", str(tmp_path)) in lines[0], lines
    assert not (tmp_path / "o").exists()


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_crawl_options(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    ("argv", "seeds", "runs"),
    [
        (["--contact", "mailto:me@example.org"], [PUBLIC], True),
        (["--set", "TDM_CONTACT=https://example.org/crawler"], [PUBLIC], True),
        (["--contact", "  "], [PUBLIC], False),
        (["--allow-private-networks"], PRIVATE, True),
        (["--set", "TDM_ALLOW_PRIVATE_NETWORKS=true"], ["http://192.168.0.1/"], True),
        (["--allow-private-networks"], ["http://127.0.0.1/", PUBLIC], False),
        (["--allow-private-networks"], ["http://2130706433/"], False),  # a name, resolved later
        (["--allow-private-networks"], [], True),  # a worker: no seeds of its own
        ([], [], False),
    ],
)  # fmt: skip
def test_when_a_contact_is_required(argv: list[str], seeds: list[str], runs: bool) -> None:
    args = _args(*argv)
    if runs:
        require_contact(args, seeds)
    else:
        with pytest.raises(UsageError, match="--contact is required"):
            require_contact(args, seeds)


@pytest.mark.e2e
def test_a_public_crawl_without_contact_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", "crawl", PUBLIC, "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "--contact is required" in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("contact", "info_url", "expected"),
    [
        ("", "", f"tdm-crawler/{__version__}"),
        ("mailto:me@example.org", "", f"tdm-crawler/{__version__} (+mailto:me@example.org)"),
        ("", "https://example.org/bot", f"tdm-crawler/{__version__} (+https://example.org/bot)"),
        (
            "mailto:me@example.org",
            "https://example.org/bot",
            f"tdm-crawler/{__version__} (+https://example.org/bot; mailto:me@example.org)",
        ),
    ],
)
def test_the_user_agent_says_who_and_where_to_read_more(
    contact: str, info_url: str, expected: str
) -> None:
    assert user_agent("tdm-crawler", contact, info_url=info_url) == expected
    settings = crawl_settings(out="o", overrides={"TDM_CONTACT": contact, "TDM_INFO_URL": info_url})
    assert settings.get("USER_AGENT") == expected
    given = crawl_settings(out="o", contact=contact, overrides={"USER_AGENT": "Mine/1"})
    assert given.get("USER_AGENT") == "Mine/1"
