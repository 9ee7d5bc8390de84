"""replay for another purpose: the profile is part of the replayable context.

Run over tests/data/crawl-0.1.0, a demo crawl written before purposes existed (no
``profile`` in its manifest, no ``purpose`` in its records): it reads as the default
profile, and can be decided again for any purpose. The directory is only read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tdm_crawler.cli import main
from tdm_crawler.offline.replay import replay_config, replay_crawl
from tdm_crawler.offline.verify import verify_crawl
from tdm_crawler.policy.purposes import DEFAULT_PROFILE, Operator, Profile, Purpose
from tdm_crawler.store import iter_records, read_manifest
from tests.paths import DATA

OLD = DATA / "crawl-0.1.0"
RECORDS = 137


def manifest() -> dict[str, Any]:
    return read_manifest(OLD / "manifest.json")


def by_path(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["url"].split("/", 3)[3]: record for record in records}


def test_an_old_crawl_reads_as_the_default_profile() -> None:
    assert "profile" not in manifest()
    assert all("purpose" not in record for record in iter_records(OLD / "decisions.jsonl"))
    assert verify_crawl(OLD, strict=True).ok
    config = replay_config(manifest(), {})
    assert config.context.profile == config.crawl_profile == DEFAULT_PROFILE
    assert not config.changed and not config.profile_changed
    result = replay_crawl(OLD, config)
    assert (result.records, result.kept) == (RECORDS, 0)
    # Purposes re-decide nothing for the default profile; the signal details of
    # reserving statements now name their purposes. The only re-decided URLs are the
    # aipref site's, whose robots.txt reads differently since 0.1.0 for another reason
    # (a Content-Usage line no longer ends a run of user-agent lines, so its `*` group's
    # train-ai=n is in the group we obey).
    assert result.transitions == {
        ("allowed", "no-reservation", "reserved", "content-usage"): 4,
        ("reserved", "content-signal", "reserved", "content-usage"): 2,
    }
    assert set(result.details) <= {"signals"}


def test_the_recorded_profile_is_the_replays_unless_overridden() -> None:
    recorded = {**manifest(), "profile": Profile(Purpose.SEARCH, Operator.EDUCATION).to_json()}
    config = replay_config(recorded, {})
    assert config.context.profile == Profile(Purpose.SEARCH, Operator.EDUCATION)
    assert not config.changed
    config = replay_config(recorded, {"TDM_PURPOSE": "tdm", "TDM_REGION": "at"})
    assert config.context.profile == Profile(Purpose.TDM, Operator.EDUCATION, "AT")
    assert config.crawl_profile == Profile(Purpose.SEARCH, Operator.EDUCATION)
    assert config.changed == {
        "TDM_PURPOSE": {"from": "search", "to": "tdm"},
        "TDM_REGION": {"from": None, "to": "AT"},
    }
    assert config.settings["TDM_PURPOSE"] == "tdm"


def test_a_bad_profile_override_names_the_setting() -> None:
    with pytest.raises(ValueError, match=r"^TDM_PURPOSE \(--purpose\): purpose 'x'"):
        replay_config(manifest(), {"TDM_PURPOSE": "x"})


#: What changes when the 0.1.0 demo crawl (decided for ai-training) is decided for each
#: other purpose: path -> (old decision, reason) -> (new decision, reason).
TRANSITIONS = {
    Purpose.TDM: {
        "usage-n.html": ("reserved", "content-usage", "allowed", "no-reservation"),
        "signal-no.html": ("reserved", "content-signal", "allowed", "no-reservation"),
    },
    Purpose.AI_INPUT: {
        "usage-n.html": ("reserved", "content-usage", "allowed", "no-reservation"),
        "signal-no.html": ("reserved", "content-signal", "allowed", "no-reservation"),
    },
    Purpose.SEARCH: {
        "usage-n.html": ("reserved", "content-usage", "allowed", "no-reservation"),
        "signal-no.html": ("reserved", "content-signal", "allowed", "no-reservation"),
        "usage-y-search-n.html": ("allowed", "no-reservation", "reserved", "content-usage"),
    },
}
#: Reserved before fetching for ai-training only: for another purpose the crawl would
#: have fetched them, so only a new crawl can decide them.
NEEDS_FETCH = {
    "ai-blocked/x.html",
    "claude-only/x.html",
    "no-train/x.html",
    "cs/x.html",
    "members/x.html",
}
#: RSL's /members/ block permits only search and prohibits ai-train: its exhaustive
#: permits list (errata 2026-05) reserves it before fetching for tdm and ai-input too,
#: so for those purposes it is decided offline; only a search crawl would fetch it.
NEEDS_FETCH_FOR = {
    Purpose.TDM: NEEDS_FETCH - {"members/x.html"},
    Purpose.AI_INPUT: NEEDS_FETCH - {"members/x.html"},
    Purpose.SEARCH: NEEDS_FETCH,
}


@pytest.mark.parametrize("purpose", list(TRANSITIONS))
def test_replay_for_another_purpose(purpose: Purpose) -> None:
    config = replay_config(manifest(), {"TDM_PURPOSE": purpose.value})
    assert config.profile_changed
    rebuilt: list[dict[str, Any]] = []
    result = replay_crawl(OLD, config, sink=rebuilt.append)
    records = by_path(rebuilt)
    old = by_path(list(iter_records(OLD / "decisions.jsonl")))
    moved = {
        path: (old[path]["decision"], old[path]["reason"], new["decision"], new["reason"])
        for path, new in records.items()
        if (new["decision"], new["reason"]) != (old[path]["decision"], old[path]["reason"])
    }
    assert moved == TRANSITIONS[purpose]
    assert result.kept_by == {"needs-fetch": len(NEEDS_FETCH_FOR[purpose])}
    kept = {path for path, record in records.items() if "purpose" not in record}
    assert kept == NEEDS_FETCH_FOR[purpose], "not replayable: the recorded verdict, as recorded"
    assert {records[path]["purpose"] for path in set(records) - kept} == {purpose.value}
    # datasets/ is blocked for CCBot, a dataset builder: reserved for every purpose.
    assert (records["datasets/x.html"]["decision"], records["datasets/x.html"]["purpose"]) == (
        "reserved",
        purpose.value,
    )


def test_replay_command_for_another_purpose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report, out = tmp_path / "r.jsonl", tmp_path / "search"
    argv = ["replay", str(OLD), "--report", str(report), "--out", str(out), "--purpose", "search"]
    assert main(argv) == 1  # an allowed URL (search=n) is excluded for search
    printed = capsys.readouterr().out
    assert "Profile: purpose search, operator commercial, no region (the crawl decided for " in (
        printed
    )
    assert "setting TDM_PURPOSE: 'ai-training' -> 'search'" in printed
    assert "WARNING" not in printed  # differences are expected for another purpose
    lines = [json.loads(line) for line in report.read_text().splitlines()]
    excluded = [line for line in lines if line["url"].endswith("/usage-y-search-n.html")]
    assert [(line["old"]["purpose"], line["new"]["purpose"]) for line in excluded] == [
        ("ai-training", "search")
    ]
    derived = read_manifest(out / "manifest.json")
    assert derived["profile"] == {"purpose": "search", "operator": "commercial", "region": None}
    assert derived["derived_from"]["settings_changed"]["TDM_PURPOSE"]["to"] == "search"
    assert verify_crawl(out, strict=True).ok


def test_replay_command_refuses_a_bad_purpose_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["replay", str(OLD), "--report", str(tmp_path / "r.jsonl"), "--purpose", "x"]
    assert main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "tdm-crawl replay: error: TDM_PURPOSE (--purpose): purpose 'x' is not one of "
        "ai-training, tdm, ai-input, search"
    ]
    assert not list(tmp_path.iterdir())
