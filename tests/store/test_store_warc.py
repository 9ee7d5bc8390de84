"""WarcWriter: records read back with warcio exactly as written, digests verify, files rotate."""

from __future__ import annotations

import gzip
import hashlib
import io
import itertools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.store import WARC_VERSION, HttpExchange, StoredRecord, WarcWriter
from tdm_crawler.store.warc import metadata_subject

T0 = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)
HTML = b"<html><body>Hello, corpus.</body></html>"
GZIPPED = gzip.compress(HTML, mtime=0)


def id_factory() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"<urn:uuid:00000000-0000-0000-0000-{next(counter):012d}>"


def fixed_clock() -> datetime:
    return T0


def make_writer(directory: Path, **kwargs: Any) -> WarcWriter:
    options: dict[str, Any] = {
        "crawl_id": "crawl-1",
        "software": "tdm-crawler/0.1.0",
        "info": {"http-header-user-agent": "tdm-crawler/0.1.0 (+mailto:a@example.org)"},
        "record_id_factory": id_factory(),
        "clock": fixed_clock,
    }
    options.update(kwargs)
    return WarcWriter(directory, "content", **options)


def exchange(**overrides: Any) -> HttpExchange:
    fields: dict[str, Any] = {
        "url": "https://example.org/page?x=1#frag",
        "request_headers": [("User-Agent", "tdm-crawler/0.1.0"), ("Accept", "*/*")],
        "status": 200,
        "response_headers": [("Content-Type", "text/html"), ("Content-Length", str(len(HTML)))],
        "body": HTML,
        "ip_address": "192.0.2.10",
        "fetched_at": T0,
    }
    fields.update(overrides)
    return HttpExchange(**fields)


EXCHANGES = {
    "gzip": exchange(
        url="https://example.org/gz",
        response_headers=[
            ("Content-Type", "text/html; charset=utf-8"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", str(len(GZIPPED))),
        ],
        body=GZIPPED,
    ),
    "chunked": exchange(
        url="https://example.org/chunked",
        response_headers=[("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")],
        body=b"de-chunked body",
    ),
    "cookies": exchange(
        url="https://example.org/cookies",
        response_headers=[
            ("Set-Cookie", "a=1; Path=/"),
            ("Content-Type", "text/plain"),
            ("Set-Cookie", "b=2; Path=/"),
            ("Set-Cookie", "a=3; Path=/x"),
        ],
        body=b"cookies",
    ),
    "empty": exchange(
        url="http://example.org/empty",
        status=204,
        response_headers=[("Server", "test")],
        body=b"",
        ip_address=None,
    ),
    # "café" sent as UTF-8 bytes, handed over latin-1-decoded like Scrapy header bytes.
    "non_ascii": exchange(
        url="https://example.org/non-ascii",
        response_headers=[
            ("X-Title", "caf\xc3\xa9"),
            ("Content-Disposition", "attachment; filename=\xe9t\xe9.txt"),
        ],
        body=b"text",
    ),
}


def read_records(path: Path) -> Iterator[tuple[Any, bytes]]:
    """(record, raw block payload) pairs, read as any WARC consumer would."""
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            yield record, record.raw_stream.read()


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def written(tmp_path: Path) -> tuple[Path, dict[str, StoredRecord]]:
    with make_writer(tmp_path) as writer:
        stored = {name: writer.write_exchange(ex) for name, ex in EXCHANGES.items()}
        (path,) = writer.files
    return path, stored


def test_record_order_types_and_version(written: tuple[Path, dict[str, StoredRecord]]) -> None:
    path, _ = written
    records = [record for record, _ in read_records(path)]
    types = [r.rec_headers.get_header("WARC-Type") for r in records]
    assert types == ["warcinfo"] + ["response", "request"] * len(EXCHANGES)
    assert {r.rec_headers.protocol for r in records} == {WARC_VERSION}
    assert path.read_bytes()[:2] == b"\x1f\x8b"


def test_request_is_concurrent_to_response(
    written: tuple[Path, dict[str, StoredRecord]],
) -> None:
    path, stored = written
    records = [record for record, _ in read_records(path)][1:]
    pairs = zip(records[::2], records[1::2], strict=True)
    for (response, request), ex in zip(pairs, EXCHANGES.values(), strict=True):
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        assert request.rec_headers.get_header("WARC-Concurrent-To") == response_id
        for record in (response, request):
            assert record.rec_headers.get_header("WARC-Target-URI") == ex.url
            assert record.rec_headers.get_header("WARC-Date") == "2025-03-04T05:06:07.123456Z"
            assert record.rec_headers.get_header("WARC-IP-Address") == ex.ip_address
    assert [s.record_id for s in stored.values()] == [
        r.rec_headers.get_header("WARC-Record-ID") for r in records[::2]
    ]


def test_payload_bytes_are_exactly_what_was_given(
    written: tuple[Path, dict[str, StoredRecord]],
) -> None:
    path, _ = written
    responses = [(r, raw) for r, raw in read_records(path) if r.rec_type == "response"]
    for (record, raw), ex in zip(responses, EXCHANGES.values(), strict=True):
        assert raw == ex.body
        assert record.http_headers.get_statuscode() == str(ex.status)


def test_gzip_body_kept_encoded_and_still_decodable(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(EXCHANGES["gzip"])
    with writer.files[0].open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                assert record.http_headers.get_header("Content-Encoding") == "gzip"
                assert record.content_stream().read() == HTML


def test_transfer_encoding_is_renamed(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(EXCHANGES["chunked"])
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.http_headers.get_header("Transfer-Encoding") is None
    assert response.http_headers.get_header("X-Crawler-Transfer-Encoding") == "chunked"
    with writer.files[0].open("rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_type == "response":
                assert record.content_stream().read() == b"de-chunked body"


def test_repeated_headers_kept_in_order(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(EXCHANGES["cookies"])
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.http_headers.headers == list(EXCHANGES["cookies"].response_headers)


def test_empty_body_and_default_reason(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        stored = writer.write_exchange(EXCHANGES["empty"])
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.http_headers.statusline == "204 No Content"
    assert response.rec_headers.get_header("WARC-IP-Address") is None
    assert stored.payload_sha256 == hashlib.sha256(b"").hexdigest()
    assert warcio_check(writer.files[0]).returncode == 0


def test_non_ascii_header_bytes_written_as_received(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(EXCHANGES["non_ascii"])
    raw = gzip.decompress(writer.files[0].read_bytes())
    assert b"\r\nX-Title: caf\xc3\xa9\r\n" in raw
    assert b"\r\nContent-Disposition: attachment; filename=\xe9t\xe9.txt\r\n" in raw
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.http_headers.get_header("X-Title") == "café"
    assert warcio_check(writer.files[0]).returncode == 0


def test_warcio_check_verifies_every_digest(
    written: tuple[Path, dict[str, StoredRecord]],
) -> None:
    path, _ = written
    result = warcio_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    passes = result.stdout.count("digest pass")
    records = list(read_records(path))
    assert passes == len(records)
    for record, _ in records:
        assert record.rec_headers.get_header("WARC-Block-Digest")
        if record.rec_type != "warcinfo":
            assert record.rec_headers.get_header("WARC-Payload-Digest")


def test_warcio_check_catches_tampering(
    tmp_path: Path, written: tuple[Path, dict[str, StoredRecord]]
) -> None:
    """Guards the test above: the checker really compares digests with our bytes."""
    path, _ = written
    raw = gzip.decompress(path.read_bytes())
    assert raw.count(b"de-chunked body") == 1
    tampered = tmp_path / "tampered.warc"
    tampered.write_bytes(raw.replace(b"de-chunked body", b"de-chunked BODY"))
    result = warcio_check(tampered)
    assert result.returncode == 1
    assert "digest failed" in result.stdout


def test_stored_record_locates_the_response(
    written: tuple[Path, dict[str, StoredRecord]],
) -> None:
    path, stored = written
    data = path.read_bytes()
    for name, ex in EXCHANGES.items():
        info = stored[name]
        assert info.file_name == path.name
        member = data[info.offset : info.offset + info.length]
        ((record, raw),) = [(r, r.raw_stream.read()) for r in ArchiveIterator(io.BytesIO(member))]
        assert record.rec_type == "response"
        assert record.rec_headers.get_header("WARC-Record-ID") == info.record_id
        assert record.rec_headers.get_header("WARC-Payload-Digest") == info.payload_digest
        assert raw == ex.body
        assert info.payload_sha256 == hashlib.sha256(ex.body).hexdigest()


def test_warcinfo_fields(written: tuple[Path, dict[str, StoredRecord]]) -> None:
    path, _ = written
    warcinfo, payload = next(read_records(path))
    assert warcinfo.rec_type == "warcinfo"
    assert warcinfo.rec_headers.get_header("WARC-Filename") == path.name
    assert warcinfo.rec_headers.get_header("Content-Type") == "application/warc-fields"
    fields = dict(line.split(": ", 1) for line in payload.decode().splitlines())
    assert fields == {
        "software": "tdm-crawler/0.1.0",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "isPartOf": "crawl-1",
        "http-header-user-agent": "tdm-crawler/0.1.0 (+mailto:a@example.org)",
    }


def test_file_name_pattern(written: tuple[Path, dict[str, StoredRecord]]) -> None:
    path, _ = written
    assert path.name == f"content-20250304050607123-{os.getpid()}-00000.warc.gz"


def test_metadata_record_refers_to_response(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        stored = writer.write_exchange(exchange())
        payload = {"decision": "allowed", "signals": [], "note": "é", "n": 1.5}
        meta_id = writer.write_metadata("decision", exchange().url, payload, refers_to=stored)
    records = list(read_records(writer.files[0]))
    meta, body = records[-1]
    assert meta.rec_type == "metadata"
    assert meta.rec_headers.get_header("WARC-Record-ID") == meta_id
    assert meta.rec_headers.get_header("WARC-Refers-To") == stored.record_id
    assert meta.rec_headers.get_header("WARC-Refers-To-Target-URI") == exchange().url
    assert meta.rec_headers.get_header("WARC-Refers-To-Date") == stored.warc_date
    # Not the page's URL: a player indexing metadata records would serve it as the page.
    target = meta.rec_headers.get_header("WARC-Target-URI")
    assert target == f"metadata://tdm-crawler.invalid/decision/{exchange().url}"
    assert metadata_subject(target) == exchange().url
    assert meta.rec_headers.get_header("Content-Type") == "application/json"
    assert meta.rec_headers.get_header("WARC-Date") == "2025-03-04T05:06:07.123456Z"
    assert json.loads(body) == payload
    assert warcio_check(writer.files[0]).returncode == 0


def test_metadata_refuses_nan(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer, pytest.raises(ValueError):
        writer.write_metadata("origin", "https://example.org", {"x": float("nan")})


def test_extra_headers(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(exchange(), extra_headers={"WARC-Truncated": "length"})
        with pytest.raises(ValueError, match="must not replace"):
            writer.write_exchange(exchange(), extra_headers={"warc-date": "x"})
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.rec_headers.get_header("WARC-Truncated") == "length"


def test_http2_written_as_http11_with_warc_protocol(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(exchange(protocol="HTTP/2", reason=""))
    records = [r for r, _ in read_records(writer.files[0])][1:]
    response, request = records
    assert response.http_headers.protocol == "HTTP/1.1"
    assert response.http_headers.statusline == "200 OK"
    assert response.rec_headers.get_header("WARC-Protocol") == "h2"
    assert request.http_headers.protocol == "GET"
    assert request.http_headers.statusline == "/page?x=1 HTTP/1.1"


def test_unknown_status_has_empty_reason(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(exchange(status=599))
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.http_headers.get_statuscode() == "599"


def test_fetched_at_converted_to_utc(tmp_path: Path) -> None:
    plus2 = timezone(timedelta(hours=2))
    with make_writer(tmp_path) as writer:
        writer.write_exchange(exchange(fetched_at=datetime(2025, 1, 1, 2, 0, tzinfo=plus2)))
    response = next(r for r, _ in read_records(writer.files[0]) if r.rec_type == "response")
    assert response.rec_headers.get_header("WARC-Date") == "2025-01-01T00:00:00Z"


@pytest.mark.parametrize(
    "overrides",
    [
        {"fetched_at": datetime(2025, 1, 1)},  # naive
        {"url": "ftp://example.org/file"},
        {"status": 42},
    ],
)
def test_exchange_validation(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        exchange(**overrides)


def test_header_injection_refused(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer, pytest.raises(ValueError, match="CR or LF"):
        writer.write_exchange(exchange(response_headers=[("X-Evil", "a\r\nSet-Cookie: b")]))


def test_writer_argument_validation(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="override"):
        make_writer(tmp_path, info={"software": "other"})
    with pytest.raises(ValueError, match="CR or LF"):
        make_writer(tmp_path, info={"x": "a\nb"})
    with pytest.raises(ValueError, match="prefix"):
        WarcWriter(tmp_path, "a/b", crawl_id="c", software="s")


def test_closed_writer_refuses_writes(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    writer.close()
    writer.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        writer.write_exchange(exchange())


def test_no_file_until_first_record(tmp_path: Path) -> None:
    with make_writer(tmp_path / "content") as writer:
        assert writer.current_path is None
    assert not (tmp_path / "content").exists()


def test_each_record_flushed_while_open(tmp_path: Path) -> None:
    writer = make_writer(tmp_path)
    try:
        writer.write_exchange(exchange())
        path = writer.current_path
        assert path is not None
        types = [r.rec_type for r, _ in read_records(path)]
        assert types == ["warcinfo", "response", "request"]
        writer.write_metadata("origin", "https://example.org", {})
        assert len(list(read_records(path))) == 4
    finally:
        writer.close()


def test_fsync_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(os, "fsync", lambda fd: calls.append(fd))
    with make_writer(tmp_path, fsync=True) as writer:
        writer.write_exchange(exchange())
    assert len(calls) >= 3  # warcinfo, response, request (+ close)


def test_rotation_starts_new_file_with_warcinfo(tmp_path: Path) -> None:
    with make_writer(tmp_path, max_file_bytes=1) as writer:
        first = writer.write_exchange(exchange(url="https://example.org/1"))
        writer.write_metadata("decision", "https://example.org/1", {"n": 1}, refers_to=first)
        second = writer.write_exchange(exchange(url="https://example.org/2"))
    assert len(writer.files) == 2
    assert [p.name[-13:] for p in writer.files] == ["00000.warc.gz", "00001.warc.gz"]
    assert first.file_name == writer.files[0].name
    assert second.file_name == writer.files[1].name
    per_file = [[r.rec_type for r, _ in read_records(p)] for p in writer.files]
    assert per_file == [
        ["warcinfo", "response", "request", "metadata"],
        ["warcinfo", "response", "request"],
    ]
    infos = [next(read_records(p))[0] for p in writer.files]
    assert [i.rec_headers.get_header("WARC-Filename") for i in infos] == [
        p.name for p in writer.files
    ]
    for path in writer.files:
        assert warcio_check(path).returncode == 0


def test_no_rotation_below_limit(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        for n in range(5):
            writer.write_exchange(exchange(url=f"https://example.org/{n}"))
    assert len(writer.files) == 1


def test_existing_file_is_never_appended_to(tmp_path: Path) -> None:
    taken = tmp_path / f"content-20250304050607123-{os.getpid()}-00000.warc.gz"
    taken.write_bytes(b"earlier run")
    with make_writer(tmp_path) as writer:
        stored = writer.write_exchange(exchange())
    assert taken.read_bytes() == b"earlier run"
    assert stored.file_name == f"content-20250304050607123-{os.getpid()}-00001.warc.gz"


def test_resumed_writer_leaves_earlier_files_untouched(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        writer.write_exchange(exchange())
    (earlier,) = writer.files
    before = earlier.read_bytes()
    with make_writer(tmp_path) as resumed:
        resumed.write_exchange(exchange(url="https://example.org/after-resume"))
    assert earlier.read_bytes() == before
    assert resumed.files[0] != earlier
    assert sorted(tmp_path.iterdir()) == sorted([earlier, *resumed.files])


def test_output_is_deterministic(tmp_path: Path) -> None:
    """Injected ids and clock make two runs byte-identical (as in warcio's own tests)."""
    outputs = []
    for run in ("a", "b"):
        with make_writer(tmp_path / run) as writer:
            for ex in EXCHANGES.values():
                stored = writer.write_exchange(ex)
            writer.write_metadata("decision", ex.url, {"decision": "allowed"}, refers_to=stored)
        outputs.append(writer.files[0].read_bytes())
    assert outputs[0] == outputs[1]


def test_metadata_about_one_url_cannot_refer_to_another_response(tmp_path: Path) -> None:
    with make_writer(tmp_path) as writer:
        stored = writer.write_exchange(exchange())
        with pytest.raises(ValueError, match="cannot refer"):
            writer.write_metadata("decision", "https://example.org/other", {}, refers_to=stored)
        with pytest.raises(ValueError, match="metadata kind"):
            writer.write_metadata("Decision/x", exchange().url, {})


@pytest.mark.parametrize(
    ("target", "subject"),
    [
        ("metadata://tdm-crawler.invalid/decision/https://e.org/a?b=c", "https://e.org/a?b=c"),
        ("metadata://tdm-crawler.invalid/origin/https://e.org", "https://e.org"),
        # release 0.1.0: the page's or the origin's own URL
        ("https://e.org/a", "https://e.org/a"),
        ("https://e.org", "https://e.org"),
        # another tool's metadata URI is taken as it is
        ("metadata://other.example/crawl/log", "metadata://other.example/crawl/log"),
        (None, None),
    ],
)
def test_metadata_subject(target: str | None, subject: str | None) -> None:
    assert metadata_subject(target) == subject
