"""``tdm-crawl agent-info``: the site it writes, the feed that gains one entry per change
and none otherwise, and the directories and values it refuses."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

import feedparser
import lxml.html
import pytest

from tdm_crawler import __version__
from tdm_crawler.agentinfo.facts import FORMAT, AgentFacts
from tdm_crawler.agentinfo.feed import ATOM
from tdm_crawler.agentinfo.site import FILES, publish
from tdm_crawler.cli import main
from tdm_crawler.commands.options import settings_for
from tdm_crawler.policy.ai_agents import list_version, packaged_agents
from tdm_crawler.policy.opt_outs import HONOURED
from tdm_crawler.policy.safe_xml import parse_xml

CONTACT = "mailto:crawl@example.org"
INFO = "https://example.org/bot/"
OPTIONS = ["--agent", "ExampleBot", "--contact", CONTACT, "--info-url", INFO]
A = f"{{{ATOM}}}"


def agent_info(out: Path, *options: str) -> int:
    return main(["agent-info", "--out", str(out), *OPTIONS, *options])


def snapshot(out: Path) -> dict[str, tuple[bytes, int, int]]:
    """Each file's bytes, modification time and inode: what "rewrites nothing" keeps."""
    found = {}
    for path in sorted(out.iterdir()):
        info = path.stat()
        found[path.name] = (path.read_bytes(), info.st_mtime_ns, info.st_ino)
    return found


def entries(out: Path) -> list[feedparser.FeedParserDict]:
    parsed = feedparser.parse((out / "changes.atom").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return list(parsed.entries)


def test_first_run_writes_the_site_with_one_entry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert agent_info(out, "--set", "TDM_IP_RANGES=192.0.2.0/24,2001:DB8::/32") == 0
    assert capsys.readouterr().out.strip() == f"{out}: first publication"
    assert sorted(path.name for path in out.iterdir()) == sorted(FILES)
    for path in out.iterdir():
        assert path.stat().st_mode & 0o777 == 0o644, path  # published: readable by all
    (first,) = entries(out)
    assert first.title == "ExampleBot published"
    assert "purpose ai-training" in first.content[0].value
    assert first.id.startswith("urn:uuid:")


def test_agent_json_says_who_crawls_for_what_with_which_protocols(tmp_path: Path) -> None:
    out = tmp_path / "site"
    ranges = '["192.0.2.0/24", "2001:DB8::/32"]'
    assert (
        agent_info(out, "--purpose", "tdm", "--region", "de", "--set", f"TDM_IP_RANGES={ranges}")
        == 0
    )
    facts = json.loads((out / "agent.json").read_text(encoding="utf-8"))
    assert facts["format"] == FORMAT
    assert facts["token"] == "ExampleBot"
    assert facts["user_agent"] == f"ExampleBot/{__version__} (+{INFO}; {CONTACT})"
    assert (facts["contact"], facts["info_url"]) == (CONTACT, INFO)
    assert (facts["purpose"], facts["operator"], facts["region"]) == ("tdm", "commercial", "DE")
    assert facts["ip_ranges"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert facts["tool"] == {"name": "tdm-crawler", "version": __version__}
    agents = packaged_agents()
    assert facts["ai_agents"]["version"] == list_version(agents)
    assert facts["ai_agents"]["tokens"] == {agent.token: agent.purpose for agent in agents}
    assert set(facts["protocols"]) <= {opt_out.key for opt_out in HONOURED}
    assert facts["protocols"]["tdmrep"]["specification"] == "W3C TDMRep (final report 2024-05-10)"
    # For mining that trains no model: aipref's every-use labels, not train-ai=n.
    assert facts["protocols"]["content-usage"]["reserving"] == ["bots=n", "all=n", "tdm=n"]
    assert facts["protocols"]["content-signal"]["reserving"] == []


def test_the_same_options_again_rewrite_nothing(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    before = snapshot(out)
    assert agent_info(out) == 0
    assert snapshot(out) == before
    assert len(entries(out)) == 1


def test_a_new_purpose_adds_exactly_one_entry_naming_the_change(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    (first,) = entries(out)
    assert agent_info(out, "--purpose", "search") == 0
    newest, oldest = entries(out)  # newest first
    assert (oldest.id, oldest.title, oldest.updated) == (first.id, first.title, first.updated)
    assert newest.id != oldest.id
    lines = newest.content[0].value.splitlines()
    assert "purpose: ai-training → search" in lines
    assert "purpose" in newest.title
    assert agent_info(out, "--purpose", "search") == 0
    assert len(entries(out)) == 2
    assert json.loads((out / "agent.json").read_text())["purpose"] == "search"


def test_every_fact_that_changes_is_listed(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    changed = [
        "--contact", "mailto:other@example.org",
        "--set", "TDM_AI_AGENTS=+MyBot",
        "--set", "TDM_IP_RANGES=198.51.100.0/24",
    ]  # fmt: skip
    assert (
        main(
            ["agent-info", "--out", str(out), "--agent", "ExampleBot", "--info-url", INFO, *changed]
        )
        == 0
    )
    newest = entries(out)[0]
    lines = newest.content[0].value.splitlines()
    assert f"contact: {CONTACT} → mailto:other@example.org" in lines
    assert "ip_ranges: (none) → 198.51.100.0/24" in lines
    assert "ai_agents.tokens.MyBot: (absent) → unknown" in lines
    assert any(line.startswith("user_agent: ") for line in lines)
    assert any(line.startswith("ai_agents.version: ") for line in lines)


def test_the_feed_has_every_element_rfc_4287_requires(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    assert agent_info(out, "--purpose", "ai-input") == 0
    root = parse_xml((out / "changes.atom").read_bytes())
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):  # §4.1.1: exactly one each
        assert len(root.findall(f"{A}{name}")) == 1, name
    assert root.find(f"{A}author/{A}name").text  # no entry has an author of its own
    assert root.find(f"{A}link[@rel='alternate']").get("href") == INFO
    found = root.findall(f"{A}entry")
    assert len(found) == 2
    for entry in found:  # §4.1.2
        for name in ("id", "title", "updated", "content"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert entry.find(f"{A}content").get("type") == "text"
        assert datetime.fromisoformat(entry.findtext(f"{A}updated")).tzinfo is not None
    assert root.findtext(f"{A}updated") == found[0].findtext(f"{A}updated")  # the newest
    assert len({entry.findtext(f"{A}id") for entry in found}) == 2


def test_the_page_lists_every_protocol_with_examples_and_the_contact(tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert agent_info(out, "--set", "TDM_IP_RANGES=192.0.2.0/24") == 0
    page = lxml.html.fromstring((out / "index.html").read_bytes())
    facts = AgentFacts.from_settings(settings_for(_args(), out))
    for opt_out in facts.honoured():
        (article,) = page.xpath(f"//article[@id='{opt_out.key}']")
        text = article.text_content()
        assert opt_out.name in text and opt_out.specification in text
        assert article.xpath(".//pre"), f"{opt_out.key}: no example"
    assert "User-agent: ExampleBot\nDisallow: /" in page.text_content()
    assert page.xpath(f"//a[@href='{CONTACT}']")
    assert "192.0.2.0/24" in page.xpath("string(//section[@id='who'])")
    assert "tdm-crawl purge" in page.xpath("string(//section[@id='complain'])")
    assert page.xpath("//a[@href='changes.atom']") and page.xpath("//a[@href='agent.json']")
    # Self-contained: nothing loaded from anywhere.
    assert not page.xpath("//script | //img | //link[@rel='stylesheet'] | //iframe")


def _args() -> object:
    """The options of :data:`OPTIONS`, parsed as the command parses them."""
    from tdm_crawler.cli import build_parser

    return build_parser().parse_args(["agent-info", "--out", "x", *OPTIONS])


def test_user_values_are_escaped_and_only_web_and_mail_addresses_are_links(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    hostile = "<script>alert(1)</script>javascript:x"
    assert main(["agent-info", "--out", str(out), "--contact", hostile]) == 0
    raw = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in raw
    page = lxml.html.fromstring(raw)
    assert not page.xpath("//script")
    assert hostile in page.xpath("string(//section[@id='who'])")
    hrefs = page.xpath("//a/@href")
    assert sorted(hrefs) == ["agent.json", "changes.atom"]  # the contact is no link


def test_a_run_stopped_before_agent_json_is_finished_without_a_second_entry(
    tmp_path: Path,
) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    old_facts = (out / "agent.json").read_bytes()
    assert agent_info(out, "--purpose", "search") == 0
    (out / "agent.json").write_bytes(old_facts)  # as if the run had stopped before it
    assert agent_info(out, "--purpose", "search") == 0
    assert len(entries(out)) == 2
    assert json.loads((out / "agent.json").read_text())["purpose"] == "search"


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        (lambda out: (out / "notes.txt").write_text("mine"), "holds notes.txt"),
        (lambda out: (out / "agent.json").unlink(), "lacks agent.json"),
        (lambda out: (out / "changes.atom").write_text("<rss/>"), "cannot be read"),
        (lambda out: (out / "agent.json").write_text("[]"), "cannot be read"),
    ],
)
def test_a_directory_that_is_not_an_earlier_site_is_refused_untouched(
    tmp_path: Path, prepare: object, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert agent_info(out) == 0
    prepare(out)  # type: ignore[operator]
    before = snapshot(out)
    capsys.readouterr()
    assert agent_info(out, "--purpose", "search") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert snapshot(out) == before


def test_a_file_where_the_directory_should_be_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "file"
    out.write_text("mine")
    assert agent_info(out) == 2
    assert "is not a directory" in capsys.readouterr().err
    assert out.read_text() == "mine"


def test_an_empty_directory_is_a_new_site(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    assert agent_info(out) == 0
    assert len(entries(out)) == 1


@pytest.mark.parametrize(
    "options",
    [
        ["--set", "TDM_IP_RANGES=192.0.2.1/24"],
        ["--set", "TDM_IP_RANGES=[1, 2]"],
        ["--set", "TDM_IP_RANGES=example.org"],
        ["--info-url", "example.org/bot"],
        ["--purpose", "world-domination"],
        ["--agent", "Bot/1.0"],
        ["--set", "TDM_AI_AGENTS=/nonexistent/agents.json"],
    ],
)
def test_bad_values_are_one_line_exit_2_and_write_nothing(
    tmp_path: Path, options: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert main(["agent-info", "--out", str(out), *options]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("tdm-crawl agent-info: error: "), err
    assert not out.exists()


def test_publish_dates_entries_with_the_time_given(tmp_path: Path) -> None:
    facts = AgentFacts.from_settings(settings_for(_args(), tmp_path))
    moment = datetime.fromisoformat("2026-03-01T12:30:45.999+01:00")
    publish(tmp_path / "site", facts, now=moment)
    (entry,) = entries(tmp_path / "site")
    assert entry.updated == "2026-03-01T11:30:45Z"
    assert os.path.getsize(tmp_path / "site" / "index.html") > 0
