"""The decision log: ``decisions.jsonl``, one record per URL the crawl meant to fetch.

This file is the crawl's public account of itself (interface.md), so the writer refuses
records that would break its promises rather than writing them: every field present, and
``stored`` true only for ``allowed`` content that has a digest and a WARC record.

Durability: each record is one ``write`` of the JSON text plus its newline, flushed at
once (and ``fsync``-ed on request), so a crash can tear at most the last line. The one
reader (:func:`decision_lines`, and :func:`iter_records` over it) tells such a torn
final line apart from corruption; :class:`DecisionLog` removes it before appending when
a crawl resumes, so the file is valid JSON Lines again.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Self

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.policy.purposes import DEFAULT_PROFILE, Purpose
from tdm_crawler.policy.types import Decision, Verdict
from tdm_crawler.store.evidence import DecisionEvidence
from tdm_crawler.store.safe_open import open_append

__all__ = [
    "ADDED_FIELDS",
    "RECORD_FIELDS",
    "DecisionLine",
    "DecisionLog",
    "TornLineWarning",
    "decision_lines",
    "decision_record",
    "format_timestamp",
    "iter_records",
    "recent_records",
    "validate_record",
]

#: The fields of a decision record, in the order of interface.md's table.
RECORD_FIELDS: Final[tuple[str, ...]] = (
    "url",
    "final_url",
    "status",
    "decision",
    "reason",
    "purpose",
    "tdm_reservation",
    "tdm_policy",
    "signals",
    "stored",
    "content_sha256",
    "warc_record_id",
    "fetched_at",
    "crawl_id",
    "evidence",
)

#: Fields added after the first release: a record written before one existed lacks it
#: and reads as this value (``purpose``: the default profile's).
ADDED_FIELDS: Final = {"purpose": DEFAULT_PROFILE.purpose.value}

_DECISIONS: Final = frozenset(d.value for d in Decision)
_PURPOSES: Final = frozenset(p.value for p in Purpose)

_loads: Callable[[bytes], Any]
try:  # optional: the report reads every line of a crawl's decision log
    from orjson import loads as _loads  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the installation
    _loads = json.loads

#: Every digit to ``0``, every other byte to a space: a line holding 19 zeros once so
#: translated holds a number orjson would turn into a float (it reads integers of at
#: most 64 bits); such a line is read with :mod:`json`, which keeps it exact.
_DIGITS: Final = bytes(48 if 48 <= byte <= 57 else 32 for byte in range(256))
_LONG_NUMBER: Final = b"0" * 19


class TornLineWarning(UserWarning):
    """A final line without a newline that is not a complete JSON record was skipped.

    Carries ``path``, the byte ``offset`` where the torn line starts, and its raw ``data``
    so a caller can log or salvage it. Filter or record it with :mod:`warnings` as usual.
    """

    def __init__(self, path: Path, offset: int, data: bytes) -> None:
        self.path = path
        self.offset = offset
        self.data = data
        super().__init__(
            f"{path}: skipped a torn final line at byte {offset} ({len(data)} bytes, no "
            "newline); the crawl was interrupted while writing it and its URL will be "
            "decided again on --resume"
        )


def format_timestamp(value: datetime) -> str:
    """RFC 3339 UTC with ``Z`` and fixed microseconds, so timestamps sort as strings."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"timestamps must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise ValueError unless ``record`` keeps the decision record's promises."""
    missing = [name for name in RECORD_FIELDS if name not in record and name not in ADDED_FIELDS]
    if missing:
        raise ValueError(f"decision record lacks field(s) {', '.join(missing)}: {record!r}")
    decision = record["decision"]
    if decision not in _DECISIONS:
        raise ValueError(
            f"decision must be one of {', '.join(sorted(_DECISIONS))}, got {decision!r}"
        )
    purpose = record.get("purpose", ADDED_FIELDS["purpose"])
    if purpose not in _PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(sorted(_PURPOSES))}, got {purpose!r}")
    stored = record["stored"]
    if not isinstance(stored, bool):
        raise ValueError(f"stored must be true or false, got {stored!r}")
    if stored and decision != Decision.ALLOWED:
        raise ValueError(
            f"refusing stored=true for a {decision!r} decision on {record['url']!r}: "
            "only allowed content may be stored"
        )
    if stored and not (record["content_sha256"] and record["warc_record_id"]):
        raise ValueError(
            f"stored=true for {record['url']!r} needs content_sha256 and warc_record_id"
        )


def decision_record(
    *,
    url: str,
    final_url: str | None,
    status: int | None,
    verdict: Verdict,
    stored: bool,
    content_sha256: str | None,
    warc_record_id: str | None,
    fetched_at: datetime,
    crawl_id: str,
    evidence: DecisionEvidence | None = None,
) -> dict[str, Any]:
    """Build the interface.md decision record, fields in table order, validated.

    ``purpose`` (our addition) is the crawl purpose the verdict was decided for.

    ``tdm_policy`` is written as null when ``tdm_reservation`` is 0, as interface.md
    defines; the policy URL that was seen stays in ``signals``. ``evidence`` (our addition
    to interface.md) holds what an offline replay needs to decide the URL again: the
    policy documents it depended on by WARC record id and digest, the decision-relevant
    response headers and the in-content signals — never the body.
    """
    policy = None if verdict.tdm_reservation == 0 else verdict.tdm_policy
    record: dict[str, Any] = {
        "url": url,
        "final_url": final_url,
        "status": status,
        "decision": verdict.decision.value,
        "reason": verdict.reason.value,
        "purpose": verdict.purpose.value,
        "tdm_reservation": verdict.tdm_reservation,
        "tdm_policy": policy,
        "signals": [signal.to_json() for signal in verdict.signals],
        "stored": stored,
        "content_sha256": content_sha256,
        "warc_record_id": warc_record_id,
        "fetched_at": format_timestamp(fetched_at),
        "crawl_id": crawl_id,
        "evidence": evidence.to_json() if evidence is not None else None,
    }
    validate_record(record)
    return record


def _encode(record: Mapping[str, Any]) -> bytes:
    text = json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.encode("utf-8") + b"\n"


def _is_complete(data: bytes) -> bool:
    """Whether a newline-less tail is nevertheless a whole JSON object."""
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False


class DecisionLog:
    """Append-only writer of ``decisions.jsonl``.

    Opened in append mode so ``--resume`` continues the file (never through a symbolic
    link: :func:`~tdm_crawler.store.safe_open.open_append`). If the previous run died
    mid-line, the torn tail is cut off first (kept in :attr:`discarded_tail` for the caller
    to log); a newline-less tail that is a whole record just gets its newline.
    Not thread-safe; Scrapy calls it from the reactor thread only.
    """

    def __init__(self, path: Path, *, fsync: bool = False) -> None:
        self.path = Path(path)
        self._fsync = fsync
        self.discarded_tail = b""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = open_append(self.path)
        try:
            self._repair_tail()
        except BaseException:
            self._file.close()
            raise

    def _repair_tail(self) -> None:
        assert self._file is not None
        size = self._file.seek(0, os.SEEK_END)
        if size == 0:
            return
        with self.path.open("rb") as reader:
            reader.seek(size - 1)
            if reader.read(1) == b"\n":
                return
            start = _last_line_start(reader, size)
            reader.seek(start)
            tail = reader.read()
        if _is_complete(tail):
            self._append(b"\n")
        else:
            self._file.truncate(start)
            self.discarded_tail = tail

    def write(self, record: Mapping[str, Any]) -> None:
        """Validate (see :func:`validate_record`), then append one line and flush it."""
        if self._file is None:
            raise ValueError(f"DecisionLog for {self.path} is closed")
        validate_record(record)
        self._append(_encode(record))

    def _append(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)
        self._file.flush()
        if self._fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Close the file. Idempotent."""
        if self._file is not None:
            try:
                self._file.flush()
                if self._fsync:
                    os.fsync(self._file.fileno())
            finally:
                self._file.close()
                self._file = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _last_line_start(reader: IO[bytes], size: int, chunk: int = 64 * 1024) -> int:
    """Byte offset just after the last newline before ``size`` (0 if none); bounded reads."""
    end = size
    while end > 0:
        start = max(0, end - chunk)
        reader.seek(start)
        block = reader.read(end - start)
        index = block.rfind(b"\n")
        if index >= 0:
            return start + index + 1
        end = start
    return 0


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """One non-blank line of a decision log: its record, or what is wrong with it."""

    number: int
    offset: int  # of the line's first byte
    record: dict[str, Any] | None
    problem: str | None = None
    #: The last line, without a newline and not a whole record: an interrupted write.
    torn: bool = False
    #: The line's bytes, kept only when it is torn (for :class:`TornLineWarning`).
    data: bytes = b""


def decision_lines(path: Path) -> Iterator[DecisionLine]:
    """Every non-blank line of a decision log, parsed, one at a time (streamed).

    The reader every command uses, so each reads the log by the same rules: a final
    line without a newline is a record when it is a whole JSON object, and otherwise
    ``torn``; any other line that is not a JSON object has a ``problem``. Parsed with
    ``orjson`` when it is installed (about 2.5 times faster than :mod:`json`: the report
    reads millions of lines).
    """
    path = Path(path)
    with path.open("rb") as handle:
        offset = 0
        for number, line in enumerate(handle, start=1):
            start, offset = offset, offset + len(line)
            if line[:1] != b"{" and not line.strip():
                continue
            try:
                record = _parse(line)
            except ValueError as exc:
                yield _bad_line(number, start, line, f"not a JSON record ({exc})")
                continue
            if type(record) is dict:
                yield DecisionLine(number, start, record)
            else:
                yield _bad_line(number, start, line, f"expected a JSON object, got {line!r}")


def _parse(line: bytes) -> Any:
    """The JSON value of a line, exactly as :func:`json.loads` reads it, faster."""
    if _loads is json.loads or _LONG_NUMBER in line.translate(_DIGITS):
        return json.loads(line)
    try:
        return _loads(line)
    except ValueError:  # orjson is stricter (NaN, lone surrogates): the json verdict counts
        return json.loads(line)


def _bad_line(number: int, offset: int, line: bytes, problem: str) -> DecisionLine:
    """A line that is no record: torn when it is the last one and has no newline."""
    if line.endswith(b"\n"):
        return DecisionLine(number, offset, None, problem)
    return DecisionLine(number, offset, None, problem, torn=True, data=line)


def recent_records(
    path: Path, max_bytes: int, *, containing: bytes = b""
) -> Iterator[dict[str, Any]]:
    """The records within the last ``max_bytes`` of a decision log, newest first: a look
    at what a process wrote last without reading the whole log. A line cut by the
    window or torn by a crash is no record; ``containing`` skips, unparsed, the lines
    without those bytes."""
    with Path(path).open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        handle.seek(max(0, size - max_bytes))
        lines = handle.read().split(b"\n")
    if size > max_bytes:
        lines = lines[1:]  # starts inside a line
    for line in reversed(lines):
        if containing not in line or not line.strip():
            continue
        try:
            record = _parse(line)
        except ValueError:
            continue  # torn: not written
        if type(record) is dict:
            yield record


def iter_records(path: Path, *, torn: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Yield each record of a decision log, reading one line at a time.

    A torn last line (the trace of an interrupted write) is skipped: its line number is
    appended to ``torn`` when a list is given, else a :class:`TornLineWarning` says so.
    Any other line that is not a JSON object raises :class:`NotACrawl` (a ValueError)
    naming the line: that is corruption, not an interruption, and must not pass silently.
    """
    for line in decision_lines(path):
        if line.record is not None:
            yield line.record
        elif line.torn:
            if torn is not None:
                torn.append(line.number)
            else:
                warnings.warn(TornLineWarning(Path(path), line.offset, line.data), stacklevel=2)
        else:
            raise NotACrawl(f"{path}:{line.number}: {line.problem}")
