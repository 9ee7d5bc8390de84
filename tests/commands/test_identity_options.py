"""``--info-url`` and ``TDM_IP_RANGES``: what the User-Agent says, and values refused in
one line before anything is written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from fixtures.server import FixtureServer
from tdm_crawler import __version__
from tdm_crawler.cli import main
from tdm_crawler.crawl.config import user_agent
from tdm_crawler.crawl.settings import crawl_settings
from tdm_crawler.policy.network import parse_networks

FAST = ["--allow-private-networks", "--set", "AUTOTHROTTLE_ENABLED=False"]


@pytest.mark.parametrize(
    ("contact", "info_url", "expected"),
    [
        ("", "", f"bot/{__version__}"),
        ("mailto:a@b.example", "", f"bot/{__version__} (+mailto:a@b.example)"),
        ("", "https://b.example/bot", f"bot/{__version__} (+https://b.example/bot)"),
        (
            "mailto:a@b.example",
            "https://b.example/bot",
            f"bot/{__version__} (+https://b.example/bot; mailto:a@b.example)",
        ),
    ],
)
def test_user_agent_names_the_info_url_then_the_contact(
    contact: str, info_url: str, expected: str
) -> None:
    assert user_agent("bot", contact, info_url) == expected


def test_the_user_agent_follows_settings_given_with_set() -> None:
    settings = crawl_settings(
        out="x",
        overrides={"TDM_CONTACT": "mailto:a@b.example", "TDM_INFO_URL": "https://i.example/"},
    )
    assert (
        settings["USER_AGENT"]
        == f"tdm-crawler/{__version__} (+https://i.example/; mailto:a@b.example)"
    )
    own = crawl_settings(out="x", contact="c", overrides={"USER_AGENT": "Mine/1"})
    assert own["USER_AGENT"] == "Mine/1"


def test_parse_networks_normalises_and_refuses_what_is_not_a_network() -> None:
    assert parse_networks(None) == parse_networks("") == parse_networks([]) == ()
    given = ["192.0.2.0/24", "2001:DB8::/32", "192.0.2.0/24"]
    assert parse_networks(given) == ("192.0.2.0/24", "2001:db8::/32")
    assert parse_networks("198.51.100.7, 2001:db8::/48") == ("198.51.100.7/32", "2001:db8::/48")
    with pytest.raises(ValueError, match=r"host bits set: did you mean 192\.0\.2\.0/24"):
        parse_networks(["192.0.2.1/24"])
    for bad in (["not-a-network"], [7], "192.0.2.0/24,", {"a": 1}, ["10.0.0.0/33"]):
        with pytest.raises(ValueError, match="network"):
            parse_networks(bad)


@pytest.mark.parametrize(
    "options",
    [
        ["--info-url", "ftp://x.example/"],
        ["--set", "TDM_INFO_URL=not a url"],
        ["--set", "TDM_IP_RANGES=10.0.0.1/8"],
        ["--set", 'TDM_IP_RANGES=["nope"]'],
    ],
)
def test_a_bad_info_url_or_ip_range_is_one_line_and_exit_2_before_writing(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["crawl", "http://x.test/", "--out", str(out), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ("--info-url" in err or "TDM_IP_RANGES" in err), err
    assert not out.exists()


@pytest.mark.e2e
def test_a_crawl_sends_and_records_the_info_url(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    out = tmp_path / "crawl"
    seeds = fixture_server.seeds(["open"])[:1]
    info = "https://bots.example/tdm-crawler"
    command = [sys.executable, "-m", "tdm_crawler.cli", "crawl", *seeds, "--out", str(out)]
    command += [
        "--max-depth",
        "0",
        *FAST,
        "--info-url",
        info,
        "--contact",
        "mailto:ops@bots.example",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    expected = f"tdm-crawler/{__version__} (+{info}; mailto:ops@bots.example)"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["user_agent"] == expected
    assert manifest["settings"]["TDM_INFO_URL"] == info
    sent = set()
    for path in [*out.glob("content/*.warc.gz"), *out.glob("evidence/*.warc.gz")]:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "request":
                    sent.add(record.http_headers.get_header("User-Agent"))
    assert sent == {expected}
