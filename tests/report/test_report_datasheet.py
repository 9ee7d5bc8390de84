"""The Markdown datasheet: every section, figures that match the crawl, safe Markdown."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tdm_crawler.report.datasheet import PROTOCOL_ROWS, render_datasheet, write_datasheet
from tdm_crawler.report.summary import CrawlSummary, summarise
from tdm_crawler.store import iter_records
from tests.markdown import rendered

SECTIONS = (
    "## Summary",
    "## Sources",
    "## Protocols honoured",
    "## Exclusions",
    "### By reason",
    "### By origin (top 20 by URLs excluded)",
    "## Licences and policies seen",
    "## Reproducibility",
)


@pytest.fixture(scope="module")
def sheet(crawl: Path) -> str:
    manifest = json.loads((crawl / "manifest.json").read_text())
    when = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    return render_datasheet(summarise(crawl), manifest, crawl, generated=when)


def table_rows(sheet: str, heading: str) -> list[list[str]]:
    """The cells of the first pipe table after ``heading``."""
    after = sheet.split(heading, 1)[1]
    lines = [line for line in after.splitlines() if line.startswith("|")]
    block: list[list[str]] = []
    for line in lines:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        block.append(cells)
        if len(block) > 2 and not after.split(line, 1)[1].lstrip(" ").startswith("\n|"):
            break
    return block[2:]


@pytest.mark.e2e
def test_datasheet_has_every_section_in_order(sheet: str) -> None:
    positions = [sheet.index(heading) for heading in SECTIONS]
    assert positions == sorted(positions)
    assert sheet.startswith("# Datasheet: web corpus ")
    assert "2026-01-05 12:00 UTC" in sheet


@pytest.mark.e2e
def test_sources_name_the_crawl_the_agent_and_the_versions(crawl: Path, sheet: str) -> None:
    manifest = json.loads((crawl / "manifest.json").read_text())
    assert f"`{manifest['crawl_id']}`" in sheet
    assert f"`{manifest['agent']}`" in sheet and f"`{manifest['user_agent']}`" in sheet
    assert manifest["started_at"] in sheet and manifest["finished_at"] in sheet
    assert f"scrapy {manifest['versions']['scrapy']}" in sheet
    assert "`GPTBot`" in sheet  # the AI-agent tokens that count as reservations
    listed = manifest["ai_agents_list"]
    assert (
        f"- **AI-agent list:** version {listed['version']}, {listed['date']}; "
        f"source {listed['source']}"
    ) in sheet
    records = list(iter_records(crawl / "decisions.jsonl"))
    origins = {r["url"].split("/")[2] for r in records}
    for host in origins:
        assert f"`http://{host}`" in sheet


@pytest.mark.e2e
def test_exclusions_match_the_decision_log(crawl: Path, sheet: str) -> None:
    records = list(iter_records(crawl / "decisions.jsonl"))
    expected: dict[tuple[str, str], int] = {}
    for record in records:
        if record["decision"] != "allowed":
            key = (record["decision"], record["reason"])
            expected[key] = expected.get(key, 0) + 1
    rows = table_rows(sheet, "### By reason")
    assert {(d, r.strip("`")): int(n) for d, r, n, _ in rows} == expected
    excluded = sum(expected.values())
    stored = sum(1 for r in records if r["stored"])
    assert f"**{len(records):,} URLs**" in sheet
    assert f"**{stored:,} (" in sheet and f"{excluded:,} (" in sheet

    by_origin = table_rows(sheet, "### By origin")
    assert 0 < len(by_origin) <= 20
    counts = [int(row[3]) for row in by_origin]
    assert counts == sorted(counts, reverse=True)
    for row in by_origin:
        reserved, disallowed, unknown, error = map(int, row[4:8])
        assert reserved + disallowed + unknown + error == int(row[3])


@pytest.mark.e2e
def test_protocol_table_lists_every_protocol_with_usage(sheet: str) -> None:
    rows = table_rows(sheet, "## Protocols honoured")
    assert [row[0] for row in rows] == [name.replace("|", "\\|") for name, *_ in PROTOCOL_ROWS]
    usage = {row[0]: row[4] for row in rows}
    assert re.fullmatch(r"[1-9]\d* \(\d+\.\d %\)", usage["TDMRep file (W3C)"])
    assert usage["TDMRep policy (ODRL)"].startswith(("1 ", "2 "))


@pytest.mark.e2e
def test_licences_and_policies_name_whom_to_ask(sheet: str) -> None:
    rows = table_rows(sheet, "## Licences and policies seen")
    assert rows and all(row[0].startswith("`http://127.0.0.1:") for row in rows)
    assert any("@" in row[1] for row in rows)  # the assigner's e-mail address


@pytest.mark.e2e
def test_reproducibility_lists_the_manifest_digests(crawl: Path, sheet: str) -> None:
    manifest = json.loads((crawl / "manifest.json").read_text())
    for name, digest in manifest["digests"].items():
        assert f"{digest}  {name}" in sheet
    assert f"tdm-crawl verify {crawl}" in sheet and f"tdm-crawl replay {crawl}" in sheet


def _policy_record(assigner: str, url: str) -> dict[str, Any]:
    value = {"url": url, "assigner": {"name": assigner, "email": None}}
    return {
        "url": "http://e.example/a",
        "decision": "reserved",
        "reason": "tdmrep-header",
        "signals": [{"protocol": "tdm-policy", "source": "policy", "value": value, "detail": ""}],
        "stored": False,
        "fetched_at": "2026-01-05T09:00:00.000000Z",
    }


def test_untrusted_text_cannot_inject_markdown_or_html(tmp_path: Path) -> None:
    summary = CrawlSummary()
    summary.add(
        _policy_record(
            "<img src=x onerror=alert(1)> [click](http://x) | *", "http://e.example/p`q.json"
        )
    )
    text = render_datasheet(summary, {}, tmp_path)
    line = next(line for line in text.splitlines() if "e.example/p" in line)
    assert re.findall(r"[<>\[\]|]", line.replace("\\[", "").replace("\\]", "")) == [
        "|", "|", "|", "|",  # the table's own: every < > of the site an entity, [ ] escaped
    ]  # fmt: skip
    assert "``" in line  # a backtick in a URL gets a longer code fence
    html = rendered(text)
    assert "<img" not in html and "<a " not in html
    cell = "<td>&lt;img src=x onerror=alert(1)&gt; [click](http://x) | *</td>"
    assert cell in html, "the assigner's name shown as the characters it is, in its own cell"


def test_empty_crawl_and_missing_manifest(tmp_path: Path) -> None:
    text = render_datasheet(CrawlSummary(), {}, tmp_path)
    for heading in SECTIONS:
        assert heading in text
    assert "Nothing was excluded." in text and "No origin lost any URL." in text
    assert "No TDMRep policy" in text and "The manifest records no file digests." in text
    path = tmp_path / "sub" / "DATASHEET.md"
    write_datasheet(path, text)
    assert path.read_bytes() == text.encode("utf-8")


@pytest.mark.e2e
def test_cli_writes_the_datasheet(crawl: Path, tmp_path: Path) -> None:
    path = tmp_path / "DATASHEET.md"
    command = [sys.executable, "-m", "tdm_crawler.cli", "report", str(crawl)]
    command += ["--html", str(tmp_path / "r.html"), "--datasheet", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert str(path) in result.stdout.splitlines()
    assert "## Exclusions" in path.read_text(encoding="utf-8")
