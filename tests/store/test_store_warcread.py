"""The WARC reader: members framed exactly, torn tails stopped at or raised on, payloads
read back, exchanges copied byte for byte; and repair, which cuts what resume must not
keep."""

from __future__ import annotations

import gzip
import hashlib
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.exceptions import UnreadableWarc
from tdm_crawler.store import HttpExchange, StoredRecord, WarcWriter
from tdm_crawler.store.repair import repair_warc
from tdm_crawler.store.warcread import (
    ExchangeCopier,
    metadata_json,
    read_member,
    read_payload,
    scan,
    sound_members,
)

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
PAGES = ("/a", "/b", "/c")


def page(path: str) -> bytes:
    return f"<html><body>page {path}</body></html>".encode()


def write_file(directory: Path) -> tuple[Path, list[StoredRecord]]:
    """A content WARC file as the crawl writes one: warcinfo, then per page a response,
    its request and its metadata record. The second page is sent gzip-encoded."""
    stored = []
    with WarcWriter(directory, "content", crawl_id="c", software="test") as writer:
        for path in PAGES:
            body, headers = page(path), [("Content-Type", "text/html")]
            if path == "/b":
                body, headers = gzip.compress(body), [*headers, ("Content-Encoding", "gzip")]
            url = f"http://example.test{path}"
            ex = HttpExchange(
                url=url, status=200, response_headers=headers, body=body, fetched_at=NOW
            )
            record = writer.write_exchange(ex)
            note = {"decision": "allowed", "page": path}
            writer.write_metadata("decision", url, note, refers_to=record)
            stored.append(record)
        (path,) = writer.files
    return path, stored


@pytest.fixture
def warc(tmp_path: Path) -> tuple[Path, list[StoredRecord]]:
    return write_file(tmp_path / "source")


def test_scan_frames_every_record_as_warcio_does(warc: tuple[Path, list[StoredRecord]]) -> None:
    path, stored = warc
    members = [member for member, _ in scan(path)]
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle)
        expected = [
            (iterator.get_record_offset(), iterator.get_record_length(), record.rec_type)
            for record in iterator
        ]
    assert [(m.offset, m.length, m.record_type) for m in members] == expected
    assert [m.record_type for m in members] == [
        "warcinfo",
        *["response", "request", "metadata"] * 3,
    ]
    responses = [m for m in members if m.record_type == "response"]
    assert [(m.record_id, m.offset, m.length) for m in responses] == [
        (s.record_id, s.offset, s.length) for s in stored
    ]
    # Requests and metadata records name the response they belong to.
    assert [m.refers_to for m in members[1:]] == [
        None if m.record_type == "response" else stored[i // 3].record_id
        for i, m in enumerate(members[1:])
    ]
    assert members[1].target_uri == "http://example.test/a"
    # A metadata record is addressed apart from its page, and says which page it is about.
    assert members[3].target_uri == "metadata://tdm-crawler.invalid/decision/http://example.test/a"
    assert [m.subject for m in members[1:4]] == ["http://example.test/a"] * 3


def test_scan_reads_what_a_reader_asks_and_checks_digests(
    warc: tuple[Path, list[StoredRecord]],
) -> None:
    path, _ = warc
    notes = [note for member, note in scan(path, metadata_json) if note is not None]
    assert notes == [{"decision": "allowed", "page": p} for p in PAGES]
    assert all(not m.digest_problems for m, _ in scan(path, check_digests=True, http=True))


@pytest.mark.parametrize("new", [b"B", b"BBBB"], ids=["same length", "longer than said"])
def test_a_changed_payload_fails_its_digest_and_costs_no_other_record(
    warc: tuple[Path, list[StoredRecord]], new: bytes
) -> None:
    path, _ = warc
    members = sound_members(path)
    response = members[1]
    raw = gzip.decompress(read_member(response)).replace(b"page /a", b"page /" + new)
    data = path.read_bytes()
    path.write_bytes(data[: response.offset] + gzip.compress(raw) + data[response.end :])
    checked = [m for m, _ in scan(path, check_digests=True, http=True)]
    assert [m.record_id for m in checked] == [m.record_id for m in members]
    assert "payload digest failed" in " ".join(checked[1].digest_problems)
    assert not [m for m in checked if m.digest_problems and m is not checked[1]]


@pytest.mark.parametrize("cut", [1, 10, 300])
def test_a_torn_tail_stops_the_scan_or_raises(
    warc: tuple[Path, list[StoredRecord]], cut: int
) -> None:
    path, _ = warc
    whole = sound_members(path)
    path.write_bytes(path.read_bytes()[:-cut])
    assert sound_members(path) == whole[:-1]
    with pytest.raises(UnreadableWarc, match="cut short") as caught:
        list(scan(path))
    assert caught.value.offset == whole[-1].offset


def test_bytes_after_the_last_record_are_no_record(warc: tuple[Path, list[StoredRecord]]) -> None:
    path, _ = warc
    whole = sound_members(path)
    path.write_bytes(path.read_bytes() + b"not a gzip member")
    assert sound_members(path) == whole
    with pytest.raises(UnreadableWarc, match="not a complete record") as caught:
        list(scan(path))
    assert caught.value.offset == path.stat().st_size - len(b"not a gzip member")


def test_read_payload_decodes_the_body_as_the_live_response_was(
    warc: tuple[Path, list[StoredRecord]],
) -> None:
    path, stored = warc
    members = {m.record_id: m for m in sound_members(path)}
    plain, encoded = members[stored[0].record_id], members[stored[1].record_id]
    assert read_payload(plain).body == page("/a")
    assert read_payload(plain).header("content-type") == "text/html"
    assert read_payload(encoded).body == page("/b")
    raw = read_payload(encoded, decode=False).body
    assert gzip.decompress(raw) == page("/b")
    assert hashlib.sha256(raw).hexdigest() == stored[1].payload_sha256


def test_reading_a_record_the_file_lost_raises(warc: tuple[Path, list[StoredRecord]]) -> None:
    path, stored = warc
    last = next(m for m in sound_members(path) if m.record_id == stored[-1].record_id)
    path.write_bytes(path.read_bytes()[: last.offset + 5])
    with pytest.raises(UnreadableWarc, match="shorter than its index"):
        read_payload(last)


def test_copying_every_exchange_gives_the_same_bytes(
    warc: tuple[Path, list[StoredRecord]], tmp_path: Path
) -> None:
    path, stored = warc
    dest = tmp_path / "copy"
    with closing(ExchangeCopier([path], dest)) as copier:
        assert copier.copy_all() == len(stored)
    assert (dest / path.name).read_bytes() == path.read_bytes()


def test_copying_one_exchange_takes_its_request_and_metadata(
    warc: tuple[Path, list[StoredRecord]], tmp_path: Path
) -> None:
    path, stored = warc
    dest = tmp_path / "copy"
    wanted = {stored[1].record_id}
    with closing(ExchangeCopier([path], dest, wanted=wanted)) as copier:
        assert stored[1].record_id in copier and stored[0].record_id not in copier
        assert not copier.copy(stored[0].record_id)
        assert copier.copy(stored[1].record_id)
    copied = sound_members(dest / path.name)
    source = {m.record_id: m for m in sound_members(path)}
    assert [m.record_type for m in copied] == ["warcinfo", "response", "request", "metadata"]
    assert all(read_member(m) == read_member(source[m.record_id]) for m in copied)
    with closing(ExchangeCopier([path], dest)) as again, pytest.raises(FileExistsError):
        again.copy(stored[0].record_id)  # a copy never overwrites


def test_a_record_standing_alone_is_copied_by_its_id(tmp_path: Path) -> None:
    """An origin evidence record refers to no response: it is an exchange of its own."""
    with WarcWriter(tmp_path / "source", "evidence", crawl_id="c", software="test") as writer:
        ex = HttpExchange(
            url="http://example.test/robots.txt", status=200, response_headers=[],
            body=b"User-agent: *\n", fetched_at=NOW,
        )  # fmt: skip
        robots = writer.write_exchange(ex)
        first = writer.write_metadata("origin", "http://example.test:80", {"robots": 1})
        writer.write_metadata("origin", "http://other.test:80", {"robots": 2})
        (path,) = writer.files
    dest = tmp_path / "copy"
    with closing(ExchangeCopier([path], dest, wanted={first, robots.record_id})) as copier:
        assert copier.copy_all() == 2
    copied = sound_members(dest / path.name)
    assert [m.record_type for m in copied] == ["warcinfo", "response", "request", "metadata"]
    assert copied[-1].record_id == first


def test_a_damaged_source_raises_unless_asked_to_stop(
    warc: tuple[Path, list[StoredRecord]], tmp_path: Path
) -> None:
    path, stored = warc
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(UnreadableWarc):
        ExchangeCopier([path], tmp_path / "copy")
    with closing(ExchangeCopier([path], tmp_path / "copy", stop_at_torn=True)) as copier:
        assert [r.record_id in copier for r in stored] == [True, True, True]
        assert copier.copy_all() == 3  # the last exchange lost only its metadata record


def test_repair_cuts_a_torn_tail_and_the_orphans_after_it(
    warc: tuple[Path, list[StoredRecord]],
) -> None:
    path, stored = warc
    whole = sound_members(path)
    path.write_bytes(path.read_bytes()[:-10])
    # Only the first page's decision was written: the others are orphans.
    result = repair_warc(path, {stored[0].record_id})
    assert result.torn and result.orphans == 5
    assert list(result.members) == whole[:4] == sound_members(path)
    assert path.stat().st_size == result.kept_bytes == whole[3].end
    again = repair_warc(path, {stored[0].record_id})
    assert (again.cut_bytes, again.torn, again.members) == (0, False, result.members)
