"""decisions.jsonl: records as interface.md defines them, appended durably, read back safely."""

from __future__ import annotations

import dataclasses
import json
import os
import warnings
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.policy.purposes import Purpose
from tdm_crawler.policy.types import Decision, Reason, Signal, Verdict
from tdm_crawler.store import (
    RECORD_FIELDS,
    DecisionLog,
    TornLineWarning,
    decision_lines,
    decision_record,
    format_timestamp,
    iter_records,
    validate_record,
)
from tdm_crawler.store import decisions as decisions_module
from tdm_crawler.store.decisions import ADDED_FIELDS, recent_records
from tdm_crawler.store.evidence import DecisionEvidence

T0 = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
SHA = "ab" * 32
RID = "<urn:uuid:00000000-0000-0000-0000-000000000001>"

ALLOWED = Verdict(
    Decision.ALLOWED,
    Reason.NO_RESERVATION,
    tdm_reservation=0,
    tdm_policy=None,
    signals=(Signal("tdmrep", "file", None, "no rule matched"),),
)
RESERVED = Verdict(
    Decision.RESERVED,
    Reason.TDMREP_HEADER,
    tdm_reservation=1,
    tdm_policy="https://example.org/policy.json",
    signals=(
        Signal("tdmrep", "header", {"tdm-reservation": "1"}, "tdm-reservation: 1 — réservé"),
        Signal("robots", "robots.txt", "allow", ""),
    ),
)


def record(verdict: Verdict = ALLOWED, **overrides: Any) -> dict[str, Any]:
    stored = verdict.decision is Decision.ALLOWED
    fields: dict[str, Any] = {
        "url": "https://example.org/a",
        "final_url": "https://example.org/a",
        "status": 200,
        "verdict": verdict,
        "stored": stored,
        "content_sha256": SHA if stored else None,
        "warc_record_id": RID if stored else None,
        "fetched_at": T0,
        "crawl_id": "crawl-1",
    }
    fields.update(overrides)
    return decision_record(**fields)


def test_fields_in_interface_order() -> None:
    assert list(record()) == list(RECORD_FIELDS)
    assert len(RECORD_FIELDS) == 15  # interface.md's 13, and our "purpose" and "evidence"


def test_record_values() -> None:
    built = record(RESERVED, url="https://example.org/b", final_url=None, status=None)
    assert built == {
        "url": "https://example.org/b",
        "final_url": None,
        "status": None,
        "decision": "reserved",
        "reason": "tdmrep-header",
        "purpose": "ai-training",
        "tdm_reservation": 1,
        "tdm_policy": "https://example.org/policy.json",
        "signals": [
            {
                "protocol": "tdmrep",
                "source": "header",
                "value": {"tdm-reservation": "1"},
                "detail": "tdm-reservation: 1 — réservé",
            },
            {"protocol": "robots", "source": "robots.txt", "value": "allow", "detail": ""},
        ],
        "stored": False,
        "content_sha256": None,
        "warc_record_id": None,
        "fetched_at": "2025-03-04T05:06:07.123456Z",
        "crawl_id": "crawl-1",
        "evidence": None,
    }


def test_evidence_is_written_as_its_json() -> None:
    evidence = DecisionEvidence(
        "before", "https://example.org/a", (), {"https://example.org:443": "<urn:uuid:e>"}
    )
    assert record(evidence=evidence)["evidence"] == evidence.to_json()


def test_policy_is_null_when_reservation_is_zero() -> None:
    verdict = Verdict(Decision.ALLOWED, Reason.NO_RESERVATION, 0, "https://example.org/p")
    assert record(verdict)["tdm_policy"] is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            datetime(2025, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=2))),
            "2025-01-01T00:00:00.000000Z",
        ),
        (datetime(2025, 1, 1, tzinfo=UTC), "2025-01-01T00:00:00.000000Z"),
        (T0, "2025-03-04T05:06:07.123456Z"),
    ],
)
def test_format_timestamp(value: datetime, expected: str) -> None:
    assert format_timestamp(value) == expected


def test_naive_timestamp_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        record(fetched_at=datetime(2025, 1, 1))


def test_decision_record_refuses_stored_non_allowed() -> None:
    with pytest.raises(ValueError, match="only allowed content"):
        record(RESERVED, stored=True, content_sha256=SHA, warc_record_id=RID)


def test_stored_needs_digest_and_record_id() -> None:
    with pytest.raises(ValueError, match="content_sha256 and warc_record_id"):
        record(ALLOWED, stored=True, warc_record_id=None)


def test_log_lines_parse_and_are_flushed_while_open(tmp_path: Path) -> None:
    path = tmp_path / "out" / "decisions.jsonl"
    records = [record(), record(RESERVED, url="https://example.org/ü")]
    log = DecisionLog(path)
    try:
        for n, item in enumerate(records, start=1):
            log.write(item)
            lines = path.read_bytes().splitlines(keepends=True)  # log still open
            assert len(lines) == n
            assert all(line.endswith(b"\n") for line in lines)
    finally:
        log.close()
    raw = path.read_bytes()
    assert "https://example.org/ü".encode() in raw  # ensure_ascii=False, UTF-8
    assert b", " not in raw.split(b'"signals"')[0]  # compact separators
    parsed = [json.loads(line) for line in raw.decode("utf-8").splitlines()]
    assert parsed == records
    assert all(set(RECORD_FIELDS) <= set(p) for p in parsed)


def test_log_refuses_stored_non_allowed(tmp_path: Path) -> None:
    bad = record(RESERVED)
    bad["stored"] = True
    bad["content_sha256"], bad["warc_record_id"] = SHA, RID
    with DecisionLog(tmp_path / "d.jsonl") as log, pytest.raises(ValueError, match="reserved"):
        log.write(bad)
    assert (tmp_path / "d.jsonl").read_bytes() == b""


@pytest.mark.parametrize("field", [name for name in RECORD_FIELDS if name not in ADDED_FIELDS])
def test_log_refuses_missing_field(tmp_path: Path, field: str) -> None:
    bad = record()
    del bad[field]
    with DecisionLog(tmp_path / "d.jsonl") as log, pytest.raises(ValueError, match=field):
        log.write(bad)


def test_record_says_which_purpose_it_was_decided_for(tmp_path: Path) -> None:
    search = record(dataclasses.replace(RESERVED, purpose=Purpose.SEARCH))
    assert search["purpose"] == "search"
    old = record()
    del old["purpose"]  # a record written before purposes existed
    validate_record(old)
    with DecisionLog(tmp_path / "d.jsonl") as log:
        log.write(old)  # a replay's filtered corpus copies such records as they are
    assert ADDED_FIELDS == {"purpose": "ai-training"}


@pytest.mark.parametrize(
    ("field", "value"),
    [("decision", "maybe"), ("stored", "yes"), ("status", float("nan")), ("purpose", "training")],
)
def test_log_refuses_bad_values(tmp_path: Path, field: str, value: Any) -> None:
    bad = record()
    bad[field] = value
    with DecisionLog(tmp_path / "d.jsonl") as log, pytest.raises(ValueError):
        log.write(bad)
    assert (tmp_path / "d.jsonl").read_bytes() == b""


def test_log_allows_extra_fields(tmp_path: Path) -> None:
    extended = {**record(), "depth": 2}
    with DecisionLog(tmp_path / "d.jsonl") as log:
        log.write(extended)
    assert list(iter_records(tmp_path / "d.jsonl")) == [extended]


def test_resume_appends(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    with DecisionLog(path) as log:
        log.write(record(url="https://example.org/1"))
    with DecisionLog(path) as log:
        assert log.discarded_tail == b""
        log.write(record(url="https://example.org/2"))
    assert [r["url"] for r in iter_records(path)] == [
        "https://example.org/1",
        "https://example.org/2",
    ]


def test_closed_log_refuses_writes(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path / "d.jsonl")
    log.close()
    log.close()
    with pytest.raises(ValueError, match="closed"):
        log.write(record())


def test_fsync_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    with DecisionLog(tmp_path / "d.jsonl", fsync=True) as log:
        log.write(record())
        log.write(record())
    assert len(calls) >= 2


def _torn_file(tmp_path: Path) -> tuple[Path, bytes, bytes]:
    path = tmp_path / "d.jsonl"
    complete = json.dumps(record()).encode() + b"\n"
    torn = json.dumps(record(url="https://example.org/torn")).encode()[:40]
    path.write_bytes(complete + torn)
    return path, complete, torn


def test_iter_records_skips_torn_final_line_with_warning(tmp_path: Path) -> None:
    path, complete, torn = _torn_file(tmp_path)
    with pytest.warns(TornLineWarning) as caught:
        records = list(iter_records(path))
    assert records == [json.loads(complete)]
    (warning,) = caught
    assert isinstance(warning.message, TornLineWarning)
    assert warning.message.offset == len(complete)
    assert warning.message.data == torn
    assert warning.message.path == path


def test_iter_records_accepts_whole_record_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(json.dumps(record()).encode() + b"\n" + json.dumps(record()).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(list(iter_records(path))) == 2


def test_iter_records_raises_on_corrupt_middle_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    line = json.dumps(record()).encode() + b"\n"
    path.write_bytes(line + b"{not json\n" + line)
    with pytest.raises(ValueError, match=r"d\.jsonl:2"):
        list(iter_records(path))
    path.write_bytes(line + b"[1, 2]\n")
    with pytest.raises(ValueError, match="JSON object"):
        list(iter_records(path))


def test_iter_records_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    line = json.dumps(record()).encode() + b"\n"
    path.write_bytes(line + b"{broken\n")
    records = iter_records(path)
    assert next(records) == json.loads(line)  # the bad line is not read yet


def test_iter_records_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"")
    assert list(iter_records(path)) == []


def test_log_repairs_torn_tail_before_appending(tmp_path: Path) -> None:
    path, _, torn = _torn_file(tmp_path)
    with DecisionLog(path) as log:
        assert log.discarded_tail == torn
        log.write(record(url="https://example.org/after"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        urls = [r["url"] for r in iter_records(path)]
    assert urls == ["https://example.org/a", "https://example.org/after"]


def test_log_completes_whole_record_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(json.dumps(record()).encode())
    with DecisionLog(path) as log:
        assert log.discarded_tail == b""
        log.write(record(url="https://example.org/after"))
    assert len(list(iter_records(path))) == 2


def test_log_repairs_long_torn_tail(tmp_path: Path) -> None:
    """A torn line longer than the backwards-scan chunk is still found and cut."""
    path = tmp_path / "d.jsonl"
    complete = json.dumps(record()).encode() + b"\n"
    torn = b'{"url": "' + b"x" * 200_000
    path.write_bytes(complete + torn)
    with DecisionLog(path) as log:
        assert log.discarded_tail == torn
    assert path.read_bytes() == complete


def test_decision_lines_say_where_and_what_every_line_is(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    first = json.dumps(record()).encode() + b"\n"
    path.write_bytes(first + b"\n" + b"{not json\n" + b"null\n" + b'{"url": "x", "tor')
    lines = list(decision_lines(path))
    assert [(line.number, line.offset) for line in lines] == [
        (1, 0),
        (3, len(first) + 1),
        (4, len(first) + 11),
        (5, len(first) + 16),
    ]
    assert lines[0].record == json.loads(first) and lines[0].problem is None
    assert lines[1].record is None and lines[1].problem.startswith("not a JSON record")
    assert lines[2].problem == "expected a JSON object, got b'null\\n'" and not lines[2].torn
    assert lines[3].torn and lines[3].data == b'{"url": "x", "tor'
    assert [line.torn for line in lines[:3]] == [False, False, False]


def test_iter_records_can_count_a_torn_line_instead_of_warning(tmp_path: Path) -> None:
    path, complete, _ = _torn_file(tmp_path)
    torn: list[int] = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(iter_records(path, torn=torn)) == [json.loads(complete)]
    assert torn == [2]


def test_a_corrupt_line_is_not_a_crawl(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"{not json\n")
    with pytest.raises(NotACrawl, match=r"d\.jsonl:1: not a JSON record"):
        list(iter_records(path, torn=[]))


def test_the_reader_reads_alike_with_and_without_orjson(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.jsonl"
    huge = json.dumps({**record(), "status": 10**30})  # beyond orjson's integers
    lines = [json.dumps(record(url=f"https://example.org/{i}")) for i in range(3)]
    path.write_text("\n".join([lines[0], "", lines[1], huge, lines[2], "[1]", '{"url": "x']))
    fast = list(decision_lines(path))
    monkeypatch.setattr(decisions_module, "_loads", json.loads)
    assert list(decision_lines(path)) == fast
    assert [line.record["url"] for line in fast if line.record] == [
        "https://example.org/0",
        "https://example.org/1",
        "https://example.org/a",
        "https://example.org/2",
    ]


def test_recent_records_are_the_last_ones_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    lines = [json.dumps(record(url=f"https://example.org/{i}")).encode() for i in range(5)]
    path.write_bytes(b"\n".join(lines) + b"\n" + lines[0][:30])  # a torn last line
    window = len(lines[-1]) * 2 + 40  # the last two records, and part of one before
    urls = [r["url"] for r in recent_records(path, window)]
    assert urls == ["https://example.org/4", "https://example.org/3"]
    every = [r["url"] for r in recent_records(path, 10**6, containing=b"/2")]
    assert every == ["https://example.org/2"]
