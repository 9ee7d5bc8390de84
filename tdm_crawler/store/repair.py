"""Making an interrupted crawl's WARC files whole again before it resumes.

Every WARC record is its own gzip member, flushed as soon as written, and a content
record is always written before the decision line that refers to it. So a crash (even
SIGKILL) can leave, at the tail of the last file of each writer, at most: a torn gzip
member, and content records whose decision line never made it to ``decisions.jsonl``.
Both are cut off here: the torn member because it is unreadable, the orphans because
their URL will be decided (and stored) again, and must not then be stored twice.
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["Member", "RepairResult", "repair_warc", "scan_members"]

logger = logging.getLogger(__name__)

_CHUNK = 1024 * 1024
_HEAD = 64 * 1024  # WARC headers of a record are read from the first bytes only


@dataclass(frozen=True, slots=True)
class Member:
    """One complete gzip member of a WARC file: where it is and which record it holds."""

    offset: int
    length: int
    record_type: str
    record_id: str
    refers_to: str  # WARC-Concurrent-To or WARC-Refers-To, "" when absent


@dataclass(frozen=True, slots=True)
class RepairResult:
    path: Path
    kept_bytes: int
    cut_bytes: int
    orphans: int  # complete records cut because no decision refers to them
    torn: bool  # the file ended inside a gzip member


def _headers(head: bytes) -> dict[str, str]:
    block = head.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    fields = {}
    for line in block.split("\r\n")[1:]:
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip().lower()] = value.strip()
    return fields


def _read_member(stream: BinaryIO, pending: bytes) -> tuple[int, bytes, bytes, bool]:
    """Consume one gzip member: (bytes consumed, its first decoded bytes, the input left
    over, whether the member was complete). Decoded output is bounded per step and
    discarded past the head, so a huge record costs no memory."""
    decoder = zlib.decompressobj(wbits=31)
    head = bytearray()
    consumed = 0
    while not decoder.eof:
        if not pending:
            pending = stream.read(_CHUNK)
            if not pending:
                return consumed, bytes(head), b"", False
        data = pending
        while data and not decoder.eof:
            out = decoder.decompress(data, _CHUNK)
            if len(head) < _HEAD:
                head += out[: _HEAD - len(head)]
            data = decoder.unconsumed_tail
        if decoder.eof:
            rest = decoder.unused_data
            consumed += len(pending) - len(rest)
            pending = rest
        else:
            consumed += len(pending)
            pending = b""
    return consumed, bytes(head), pending, True


def scan_members(path: Path) -> tuple[list[Member], bool]:
    """Every complete member of ``path`` in order, and whether the file ends torn.

    Streams the file (bounded memory whatever its size) and stops at the first member
    that is not a complete gzip stream.
    """
    members: list[Member] = []
    offset = 0
    with path.open("rb") as stream:
        pending = stream.read(_CHUNK)
        while pending:
            try:
                consumed, head, pending, complete = _read_member(stream, pending)
            except zlib.error:
                return members, True
            if not complete:
                return members, True
            fields = _headers(head)
            members.append(
                Member(
                    offset,
                    consumed,
                    fields.get("warc-type", ""),
                    fields.get("warc-record-id", ""),
                    fields.get("warc-concurrent-to") or fields.get("warc-refers-to", ""),
                )
            )
            offset += consumed
            if not pending:
                pending = stream.read(_CHUNK)
    return members, False


def _cut_point(members: list[Member], keep_ids: Container[str] | None) -> tuple[int, int]:
    """Offset after the last member to keep, and how many complete records are cut."""
    if keep_ids is None:
        end = members[-1].offset + members[-1].length if members else 0
        return end, 0
    for index, member in enumerate(members):
        if member.record_type == "response" and member.record_id not in keep_ids:
            return member.offset, len(members) - index
    end = members[-1].offset + members[-1].length if members else 0
    return end, 0


def repair_warc(path: Path, keep_ids: Container[str] | None = None) -> RepairResult:
    """Truncate ``path`` after its last sound record.

    With ``keep_ids`` (the record ids that decision records refer to), the file is also
    cut at the first response record not among them: records are written in order, so
    everything from there on belongs to URLs whose decision was lost and that will be
    decided again.
    """
    members, torn = scan_members(path)
    size = path.stat().st_size
    end, orphans = _cut_point(members, keep_ids)
    if end < size:
        with path.open("r+b") as stream:
            stream.truncate(end)
            stream.flush()
            os.fsync(stream.fileno())
        logger.warning(
            "%s: cut %d bytes after the last sound record (%d orphan records, torn: %s)",
            path,
            size - end,
            orphans,
            torn,
        )
    return RepairResult(path, end, size - end, orphans, torn)
