"""Live progress (``TDM_PROGRESS``): log lines off a terminal, a rich display on one.

The in-process crawls run against the loopback fixture sites; what the progress shows at
the end must be what ``decisions.jsonl`` holds.
"""

from __future__ import annotations

import io
import logging
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted
from rich.console import Console
from rich.file_proxy import FileProxy
from scrapy.utils.test import get_crawler

from fixtures.server import FixtureServer
from tdm_crawler.crawl.config import SCRAPY_SETTINGS, TDM_SETTINGS
from tdm_crawler.crawl.progress import Snapshot, TdmProgress, choose_mode
from tdm_crawler.policy import Decision
from tdm_crawler.policy.origins import origin_of
from tests.crawling import crawl, records

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PROGRESS_LOGGER = "tdm_crawler.crawl.progress"
KINDS = [str(d) for d in Decision]
LINE = re.compile(
    r"^tdm progress(?: \((?P<reason>[a-z_]+)\))?: (?P<decided>\d+) decided "
    r"\((?P<kinds>[a-z]+ \d+(?:, [a-z]+ \d+)*)\), (?P<responses>\d+) responses, "
    r"(?P<origins>\d+) origins, (?P<rate>\d+\.\d) URLs/s"
)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def progress_lines(caplog: pytest.LogCaptureFixture) -> list[re.Match[str]]:
    found = []
    for record in caplog.records:
        if record.name == PROGRESS_LOGGER:
            match = LINE.match(record.getMessage())
            assert match, f"unexpected progress line: {record.getMessage()}"
            found.append(match)
    return found


def kinds_of(match: re.Match[str]) -> dict[str, int]:
    pairs = (part.split() for part in match["kinds"].split(", "))
    return {kind: int(n) for kind, n in pairs}


def decision_counts(out: Path) -> dict[str, int]:
    counts = Counter(r["decision"] for r in records(out))
    return {kind: counts.get(kind, 0) for kind in KINDS}


# -- mode selection ------------------------------------------------------------------


def test_auto_picks_log_when_stderr_is_not_a_terminal() -> None:
    assert choose_mode("auto", io.StringIO()) == "log"
    assert choose_mode("auto", None) == "log"


def test_auto_picks_rich_on_a_terminal_unless_dumb(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert choose_mode("auto", FakeTerminal()) == "rich"
    monkeypatch.setenv("TERM", "dumb")
    assert choose_mode("auto", FakeTerminal()) == "log"


@pytest.mark.parametrize(
    ("setting", "mode"),
    [("rich", "rich"), ("LOG", "log"), (" off ", "off"), (False, "off"), (True, "log")],
)
def test_explicit_modes(setting: Any, mode: str) -> None:
    assert choose_mode(setting, io.StringIO()) == mode


def test_a_misspelt_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="TDM_PROGRESS must be one of auto, rich, log, off"):
        choose_mode("fancy", io.StringIO())


def test_extension_uses_log_mode_when_stderr_is_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    crawler = get_crawler(settings_dict={"TDM_PROGRESS": "auto"})
    extension = TdmProgress.from_crawler(crawler)
    assert extension.mode == "log"
    assert extension.interval == TDM_SETTINGS["TDM_PROGRESS_INTERVAL"][0] == 10.0


def test_interval_must_be_positive() -> None:
    crawler = get_crawler(settings_dict={"TDM_PROGRESS": "log", "TDM_PROGRESS_INTERVAL": 0})
    with pytest.raises(ValueError, match="TDM_PROGRESS_INTERVAL"):
        TdmProgress.from_crawler(crawler)


def test_enabled_after_the_recorder() -> None:
    extensions = SCRAPY_SETTINGS["EXTENSIONS"]
    assert (
        extensions["tdm_crawler.crawl.progress.TdmProgress"]
        > extensions["tdm_crawler.crawl.session.CrawlSession"]
    )
    assert TDM_SETTINGS["TDM_PROGRESS"][0] == "auto"


def test_log_line_format() -> None:
    snap = Snapshot(
        decisions={"allowed": 800, "reserved": 300, "disallowed": 100, "unknown": 10, "error": 24},
        responses=1500,
        stored_bytes=0,
        origins=17,
        queue=310,
        in_flight=3,
        elapsed=27.3,
    )
    assert TdmProgress.line(snap, 45.24) == (
        "tdm progress: 1234 decided (allowed 800, reserved 300, disallowed 100, unknown 10, "
        "error 24), 1500 responses, 17 origins, 45.2 URLs/s, queue 310"
    )
    assert TdmProgress.final_line(snap, "finished").startswith(
        "tdm progress (finished): 1234 decided (allowed 800,"
    )
    assert TdmProgress.final_line(snap, "finished").endswith(
        "45.2 URLs/s average over 27.3 s, queue 310"
    )


# -- real crawls -----------------------------------------------------------------------


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_log_mode_lines_count_what_the_crawl_decided(
    fixture_server: FixtureServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    out = tmp_path / "out"
    crawler = await crawl(
        fixture_server.seeds(), out, TDM_PROGRESS="log", TDM_PROGRESS_INTERVAL=0.2
    )
    lines = progress_lines(caplog)
    *periodic, final = lines
    assert periodic, "no periodic progress line in a crawl of several seconds"
    assert all(m["reason"] is None for m in periodic)
    assert final["reason"] == "finished"

    expected = decision_counts(out)
    assert kinds_of(final) == expected
    assert int(final["decided"]) == sum(expected.values()) == len(records(out))
    assert set(expected) == {"allowed", "reserved", "disallowed", "unknown", "error"}
    assert all(expected.values()), "the fixture sites produce every kind of decision"
    stats = crawler.stats.get_stats() if crawler.stats else {}
    assert int(final["responses"]) == stats["response_received_count"]
    seen = {origin_of(r[key]) for r in records(out) for key in ("url", "final_url")}
    assert int(final["origins"]) == len(seen)

    # Periodic lines only ever grow, and each adds up.
    decided = [int(m["decided"]) for m in lines]
    assert decided == sorted(decided)
    for match in lines:
        assert sum(kinds_of(match).values()) == int(match["decided"])
        assert list(kinds_of(match)) == KINDS


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_rich_mode_shows_decision_kinds_and_keeps_the_log(
    fixture_server: FixtureServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.INFO, logger=PROGRESS_LOGGER)
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100, color_system=None)
    monkeypatch.setattr(TdmProgress, "console", console)
    # Like Scrapy's own handler under `tdm-crawl`: a handler holding the current stderr.
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    root = logging.getLogger()
    root.addHandler(handler)
    stderr, stdout = sys.stderr, sys.stdout
    out = tmp_path / "out"
    try:
        crawler = await crawl(fixture_server.seeds(), out, TDM_PROGRESS="rich")
    finally:
        root.removeHandler(handler)

    # Everything is put back once the crawl ends.
    assert sys.stderr is stderr and sys.stdout is stdout
    assert handler.stream is stderr
    assert not isinstance(sys.stderr, FileProxy)

    drawn = screen.getvalue()
    assert "tdm-crawl" in drawn and "finished" in drawn
    for kind in KINDS:
        assert kind in drawn
    # A warning logged while the display was up went through the console, above it.
    assert "invalid tdmrep.json" in drawn
    assert not progress_lines(caplog), "no log lines in rich mode"

    extension = crawler.get_extension(TdmProgress)
    assert extension is not None and extension.mode == "rich"
    final = Console(file=io.StringIO(), width=100, record=True)
    final.print(extension.renderable())
    text = final.export_text()
    for kind, count in decision_counts(out).items():
        assert re.search(rf"\b{kind}\s+{count}\b", text), (kind, count, text)
    assert re.search(rf"decided\s+{len(records(out))}\b", text)
    assert "finished" in text


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_off_emits_nothing(
    fixture_server: FixtureServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger=PROGRESS_LOGGER)
    out = tmp_path / "out"
    crawler = await crawl(
        fixture_server.seeds(["open"]), out, TDM_PROGRESS="off", TDM_PROGRESS_INTERVAL=0.05
    )
    assert records(out), "the crawl ran"
    assert crawler.get_extension(TdmProgress) is None
    assert not [r for r in caplog.records if r.name == PROGRESS_LOGGER]
    captured = capsys.readouterr()
    assert "tdm progress" not in captured.err + captured.out
    assert "tdm-crawl" not in captured.err + captured.out
