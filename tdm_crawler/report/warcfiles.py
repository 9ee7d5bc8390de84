"""A crawl's WARC files read record by record, located by id, and copied unchanged.

Replay, diff and verify must handle crawls larger than memory, so nothing here keeps
bodies: :func:`scan` streams the records of a file and says where each one's gzip member
lies (:class:`Member`); :func:`read_payload` reads one member back when a decision needs
it; :func:`copy_members` writes members' raw bytes to a new file. A copied member is the
same bytes, so its WARC digests still prove what the server sent.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.exceptions import UnreadableWarc

__all__ = [
    "Member",
    "UnreadableWarc",
    "copy_members",
    "read_payload",
    "scan",
    "skip_body",
    "warc_files",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Member:
    """One record: its WARC headers that link records together, and where its gzip
    member lies in ``path`` (``offset``, ``length``)."""

    path: Path
    offset: int
    length: int
    rec_type: str
    record_id: str
    target_uri: str | None
    #: ``WARC-Refers-To`` (metadata) or ``WARC-Concurrent-To`` (request): the response
    #: this record belongs to.
    refers_to: str | None


def warc_files(directory: Path) -> list[Path]:
    """The ``*.warc.gz`` files of a directory in name order (= writing order)."""
    return sorted(directory.glob("*.warc.gz")) if directory.is_dir() else []


def skip_body(record: Any) -> None:
    """A :func:`scan` reader for callers that only need the headers."""
    return None


def scan(
    path: Path, read: Callable[[Any], T], *, check_digests: bool = False, http: bool = True
) -> Iterator[tuple[Member, T, Any]]:
    """Yield ``(member, read(record), record)`` for every record of a WARC file.

    ``read`` is called while the record's stream is positioned at its payload, so it can
    consume what it needs; the rest is read (and, with ``check_digests``, verified) before
    the record is yielded, so ``record.digest_checker`` is final by then. ``http=False``
    skips parsing HTTP headers (twice as fast when only WARC headers matter). Any failure
    to parse the file is raised as :class:`UnreadableWarc` with the offset reached.
    """
    offset = 0
    last: Member | None = None
    with path.open("rb") as handle:
        iterator = ArchiveIterator(handle, check_digests=check_digests, no_record_parse=not http)
        try:
            for record in iterator:
                value = read(record)
                offset = iterator.get_record_offset()
                length = iterator.get_record_length()
                headers = record.rec_headers
                member = Member(
                    path=path,
                    offset=offset,
                    length=length,
                    rec_type=str(record.rec_type),
                    record_id=str(headers.get_header("WARC-Record-ID") or ""),
                    target_uri=headers.get_header("WARC-Target-URI"),
                    refers_to=headers.get_header("WARC-Refers-To")
                    or headers.get_header("WARC-Concurrent-To"),
                )
                last = member
                yield member, value, record
                offset += length
            _check_end(handle, path, offset, last)
        except UnreadableWarc:
            raise
        except Exception as exc:  # warcio raises many types for a damaged file
            detail = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            raise UnreadableWarc(path, offset, detail) from exc


def _check_end(handle: IO[bytes], path: Path, end: int, last: Member | None) -> None:
    """Raise if the file ends in a cut record: warcio stops quietly at bytes it cannot
    frame, and accepts a last gzip member without its end (a crash mid-write)."""
    size = path.stat().st_size
    if end < size:
        raise UnreadableWarc(path, end, f"the last {size - end} bytes are not a complete record")
    if last is not None:
        inflater = zlib.decompressobj(wbits=31)
        for chunk in _chunks(_member_bytes(handle, last)):
            inflater.decompress(chunk)
        if not inflater.eof:
            raise UnreadableWarc(path, last.offset, "the last record is cut short (truncated file)")


def _chunks(data: bytes, size: int = 1024 * 1024) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _member_bytes(handle: IO[bytes], member: Member) -> bytes:
    handle.seek(member.offset)
    data = handle.read(member.length)
    if len(data) != member.length:
        raise UnreadableWarc(member.path, member.offset, "file shorter than its index")
    return data


def read_payload(member: Member, *, decode: bool = True) -> bytes:
    """The payload of one record; ``decode`` undoes its HTTP ``Content-Encoding``, giving
    the body a reader of the live response saw (Scrapy decompresses before the gate)."""
    with member.path.open("rb") as handle:
        data = _member_bytes(handle, member)
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        stream = record.content_stream() if decode else record.raw_stream
        return bytes(stream.read())
    except Exception as exc:
        raise UnreadableWarc(member.path, member.offset, f"{type(exc).__name__}: {exc}") from exc


def copy_members(members: Iterable[Member], dest: Path) -> int:
    """Write the raw gzip members to a new file ``dest`` (never overwritten), in order;
    return how many were copied."""
    count = 0
    source: IO[bytes] | None = None
    source_path: Path | None = None
    try:
        with dest.open("xb") as out:
            for member in members:
                if member.path != source_path:
                    if source is not None:
                        source.close()
                    source, source_path = member.path.open("rb"), member.path
                assert source is not None
                out.write(_member_bytes(source, member))
                count += 1
    finally:
        if source is not None:
            source.close()
    return count
