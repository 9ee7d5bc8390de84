"""Stored payloads found by record id: in log order the lookup holds nothing, in any
other order it still finds every response, and a missing one is None."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tdm_crawler.exceptions import UnreadableWarc
from tdm_crawler.store import HttpExchange, StoredRecord, WarcWriter
from tdm_crawler.store.content import StoredPayloads

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def write(directory: Path, pages: int, *, max_file_bytes: int = 0) -> list[StoredRecord]:
    """Pages ``/0``... as the crawl stores them (response, request, metadata), the odd
    ones gzip-encoded; several files when ``max_file_bytes`` rotates them."""
    stored = []
    rotate = {"max_file_bytes": max_file_bytes} if max_file_bytes else {}
    with WarcWriter(directory, "content", crawl_id="c", software="test", **rotate) as writer:
        for n in range(pages):
            body, headers = f"<p>page {n}</p>".encode(), [("Content-Type", "text/html")]
            if n % 2:
                body, headers = gzip.compress(body), [*headers, ("Content-Encoding", "gzip")]
            url = f"http://example.test/{n}"
            exchange = HttpExchange(
                url=url, status=200, response_headers=headers, body=body, fetched_at=NOW
            )
            record = writer.write_exchange(exchange)
            writer.write_metadata("decision", url, {"decision": "allowed"}, refers_to=record)
            stored.append(record)
    return stored


def test_in_log_order_every_payload_is_found_and_nothing_is_held(tmp_path: Path) -> None:
    stored = write(tmp_path, 6, max_file_bytes=600)
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) > 1
    payloads = StoredPayloads(files)
    for n, record in enumerate(stored):
        payload = payloads.payload(record.record_id)
        assert payload is not None and payload.body == f"<p>page {n}</p>".encode()
        assert len(payloads) == 0


def test_out_of_order_and_missing_records(tmp_path: Path) -> None:
    stored = write(tmp_path, 4)
    payloads = StoredPayloads(sorted(tmp_path.glob("*.warc.gz")))
    last = payloads.payload(stored[3].record_id)
    assert last is not None and last.body == b"<p>page 3</p>"
    assert len(payloads) == 3  # passed on the way, kept until asked for
    first = payloads.find(stored[0].record_id)
    assert first is not None and first.record_id == stored[0].record_id
    assert len(payloads) == 2
    assert payloads.payload("<urn:uuid:nowhere>") is None


def test_a_damaged_file_raises_after_the_records_before_it(tmp_path: Path) -> None:
    stored = write(tmp_path, 3)
    (path,) = tmp_path.glob("*.warc.gz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    payloads = StoredPayloads([path])
    assert payloads.payload(stored[0].record_id) is not None
    with pytest.raises(UnreadableWarc):
        payloads.payload("<urn:uuid:nowhere>")
