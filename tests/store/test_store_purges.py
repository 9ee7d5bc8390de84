"""purge.jsonl and complaints.jsonl: carried over unchanged, then appended; a damaged
complaint log is refused, not carried over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.store.purges import PurgeEntry, PurgeList, append_complaint, carry_complaints


def test_a_purge_list_carries_the_earlier_one_over_then_appends(tmp_path: Path) -> None:
    earlier = tmp_path / "earlier.jsonl"
    earlier.write_bytes(b'{"url": "https://e.org/a"}\n')
    path = tmp_path / "purge.jsonl"
    entry = PurgeEntry("https://e.org/b", "<urn:uuid:1>", "0" * 64, "reserved", "purged",
                       purged_at="2026-01-02T03:04:05Z", complaint_id=2, complaint="X")  # fmt: skip
    with PurgeList(path, carry_from=earlier) as purge:
        purge.write(entry)
        purge.write(PurgeEntry("https://e.org/c", "<urn:uuid:2>", "1" * 64, "reserved", "rsl"))
    assert purge.count == 2
    first, second, third = path.read_bytes().splitlines(keepends=True)
    assert first == earlier.read_bytes()
    assert json.loads(second)["complaint_id"] == 2 and json.loads(second)["complaint"] == "X"
    assert set(json.loads(third)) == {
        "url", "warc_record_id", "content_sha256", "decision", "reason"
    }, "a recheck's entry has the recheck's fields only"  # fmt: skip
    with pytest.raises(FileExistsError):
        PurgeList(path)  # a purge list is written once


def test_complaints_carry_over_byte_for_byte_and_number_on(tmp_path: Path) -> None:
    source, dest = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert carry_complaints(source, dest) == 0 and not dest.exists()
    source.write_text('{"id": 1, "reason": "caf\\u00e9"}\n{"id": 2}\n')
    assert carry_complaints(source, dest) == 2
    append_complaint(dest, {"id": 3, "reason": "third"})
    assert dest.read_bytes().startswith(source.read_bytes())
    assert [json.loads(line)["id"] for line in dest.read_text().splitlines()] == [1, 2, 3]


@pytest.mark.parametrize(
    ("log", "where"),
    [
        ('{"id": 1}\n{"id": 2', "a.jsonl:2"),  # torn
        ('{"id": 1}\n[1]\n', "a.jsonl:2"),
        ('{"id": 1}\n{"id": 3}\n', "a.jsonl:2"),  # a line lost
        ('{"reason": "no id"}\n', "a.jsonl:1"),
    ],
)
def test_a_damaged_complaint_log_is_refused(tmp_path: Path, log: str, where: str) -> None:
    source, dest = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    source.write_text(log)
    with pytest.raises(NotACrawl, match=where):
        carry_complaints(source, dest)
    assert not dest.exists()
