"""docs/interface.md and docs/protocols.md say what the code does: every command, option,
decision, reason code and record field the code has is documented, the tables list
nothing the code lacks, the example records are records the writer accepts, and every
link between the documents lands on a heading."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from tdm_crawler.cli import main
from tdm_crawler.policy import DECISION_HEADERS, Decision, Reason
from tdm_crawler.report.html_report import CSV_COLUMNS
from tdm_crawler.store import RECORD_FIELDS, validate_record
from tests.paths import REPO

INTERFACE = (REPO / "docs" / "interface.md").read_text(encoding="utf-8")
PROTOCOLS = (REPO / "docs" / "protocols.md").read_text(encoding="utf-8")
LINKED = [
    REPO / "README.md",
    REPO / "fixtures" / "README.md",
    REPO / "docs" / "interface.md",
    REPO / "docs" / "protocols.md",
]


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--help"])
    assert exit_info.value.code == 0
    return capsys.readouterr().out


def _commands(capsys: pytest.CaptureFixture[str]) -> list[str]:
    text = _help(capsys)
    listing = text.split("positional arguments:", 1)[1].split("options:", 1)[0]
    return re.findall(r"^    ([a-z][a-z-]*)\s", listing, flags=re.MULTILINE)


def _section(text: str, heading: str) -> str:
    """The text under ``heading`` (a whole Markdown heading line) up to the next heading."""
    start = text.index(f"\n{heading}\n") + len(heading) + 2
    following = re.search(r"^#{1,6} ", text[start:], flags=re.MULTILINE)
    return text[start : start + following.start()] if following else text[start:]


def _first_column(table: str) -> list[str]:
    """The backticked values of a Markdown table's first column, in order."""
    return re.findall(r"^\| `([^`]+)` \|", table, flags=re.MULTILINE)


def test_every_command_and_option_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    commands = _commands(capsys)
    assert "crawl" in commands and "verify" in commands
    missing = []
    for command in commands:
        if f"tdm-crawl {command}" not in INTERFACE:
            missing.append(f"tdm-crawl {command}")
        options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", _help(capsys, command)))
        for option in sorted(options - {"--help"}):
            if not re.search(rf"{re.escape(option)}(?![\w-])", INTERFACE):
                missing.append(f"{command} {option}")
    assert not missing, f"not in docs/interface.md: {missing}"


def test_decisions_table_lists_exactly_the_decisions() -> None:
    table = _section(INTERFACE, "### Decisions")
    assert _first_column(table) == [decision.value for decision in Decision]


def test_reason_table_lists_exactly_the_reason_codes() -> None:
    table = _section(INTERFACE, "### Reason codes")
    assert sorted(_first_column(table)) == sorted(reason.value for reason in Reason)


def test_record_table_lists_the_fields_in_record_order() -> None:
    table = _section(INTERFACE, "## The decision record")
    assert tuple(_first_column(table)) == RECORD_FIELDS


@pytest.mark.parametrize("source", [LINKED[0], LINKED[2]], ids=lambda path: path.name)
def test_example_records_are_valid_decision_records(source: Path) -> None:
    examples = [
        json.loads(block)
        for block in re.findall(
            r"^```json\n(.*?)^```", source.read_text(encoding="utf-8"), re.S | re.M
        )
    ]
    records = [example for example in examples if "decision" in example]
    assert records
    for record in records:
        validate_record(record)
        assert tuple(record) == RECORD_FIELDS


def test_recorded_headers_and_csv_columns_are_listed_in_order() -> None:
    assert ", ".join(f"`{name}`" for name in DECISION_HEADERS) in " ".join(INTERFACE.split())
    assert ", ".join(f"`{name}`" for name in CSV_COLUMNS) in " ".join(INTERFACE.split())


@pytest.mark.parametrize("reason", [reason.value for reason in Reason])
def test_protocols_say_when_each_reason_is_given(reason: str) -> None:
    assert f"`{reason}`" in PROTOCOLS


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = heading.strip().lower()
    kept = "".join(char for char in text if char in " -_" or unicodedata.category(char)[0] in "LN")
    return kept.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)
    return {_slug(title) for title in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("source", LINKED, ids=lambda path: path.relative_to(REPO).as_posix())
def test_links_between_the_documents_land_on_headings(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    broken = []
    for target, anchor in re.findall(r"\]\(([\w./-]*\.md|)(?:#([\w-]+))?\)", text):
        path = (source.parent / target).resolve() if target else source
        if not path.is_file():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in _anchors(path):
            broken.append(f"{target}#{anchor}: no such heading")
    assert not broken, f"{source.name}: {broken}"
