"""The one reader of a crawl's WARC files: records located, read back, and copied unchanged.

Every record our writer makes is its own gzip member (:mod:`.warc`), so a member is the
unit here: :func:`scan` inflates each member once, parses its record with warcio as it
streams, and says where the member lies (:class:`Member`) — nothing is kept in memory
but the record being read, whatever the file's size. Because members are framed here
rather than by warcio, a member is known to be whole before it is reported: a file cut
by a crash (a torn tail) either ends the scan quietly (``stop_at_torn=True``, what
repair and resume want) or raises :class:`~tdm_crawler.exceptions.UnreadableWarc` with
the offset reached (what verify, replay and the report want, after every sound record
before it).

Reading one record back (:func:`read_payload`) seeks to its member; copying
(:class:`ExchangeCopier`) writes the raw member bytes, so a copied record is the same
bytes and its WARC digests still prove what the server sent.
"""

from __future__ import annotations

import io
import json
import zlib
from collections.abc import Callable, Container, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Final, TypeVar, overload

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.recordloader import ArcWarcRecordLoader

from tdm_crawler.exceptions import UnreadableWarc
from tdm_crawler.store.safe_open import make_dir, open_new
from tdm_crawler.store.warc import metadata_subject

__all__ = [
    "ExchangeCopier",
    "Member",
    "Payload",
    "metadata_json",
    "read_member",
    "read_payload",
    "scan",
    "skip_body",
    "sound_members",
]

T = TypeVar("T")

_CHUNK: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Member:
    """One whole record of a WARC file: where its gzip member lies in ``path``
    (``offset``, ``length``) and the WARC headers that link records together."""

    path: Path
    offset: int
    length: int
    record_type: str
    record_id: str
    target_uri: str | None
    #: ``WARC-Concurrent-To`` (request) or ``WARC-Refers-To`` (metadata): the record this
    #: one belongs to; None when it stands alone.
    refers_to: str | None
    #: The failed block or payload digest checks (only when scanned with
    #: ``check_digests``).
    digest_problems: tuple[str, ...] = ()

    @property
    def subject(self) -> str | None:
        """The URL the record is about: its target, or for a metadata record the page or
        origin it describes (whichever form wrote it, see :func:`.warc.metadata_subject`)."""
        return metadata_subject(self.target_uri)

    @property
    def end(self) -> int:
        """The offset just after the member: where the next one starts."""
        return self.offset + self.length


def skip_body(record: Any) -> None:
    """A :func:`scan` reader for callers that only need where records are."""
    return None


def metadata_json(record: Any) -> Any:
    """A :func:`scan` reader: the JSON payload of a ``metadata`` record (None for other
    records, or when the payload is not JSON)."""
    if record.rec_type != "metadata":
        return None
    try:
        return json.loads(record.content_stream().read())
    except ValueError:
        return None


class _MemberStream:
    """The decoded bytes of the gzip member that starts at ``pending`` (compressed bytes
    already read) followed by the rest of ``handle``, inflated on demand, a bounded
    amount at a time. Knows how many compressed bytes the member took and whether it
    ended properly."""

    def __init__(self, handle: IO[bytes], pending: bytes) -> None:
        self._handle = handle
        self._decoder = zlib.decompressobj(wbits=31)
        self._input = pending
        self._fed = 0
        self.cut_short = False

    def read(self, size: int = -1) -> bytes:
        limit = size if size > 0 else _CHUNK
        while not self._decoder.eof:
            if not self._input:
                self._input = self._handle.read(_CHUNK)
                if not self._input:
                    self.cut_short = True
                    return b""
            data, self._input = self._input, b""
            self._fed += len(data)
            out = self._decoder.decompress(data, limit)
            tail = self._decoder.unconsumed_tail
            if tail:  # not fed after all: keep it for the next read
                self._fed -= len(tail)
                self._input = tail
            if out:
                return out
        return b""

    def close(self) -> None:
        """Part of the file-object protocol warcio expects; the file stays open."""

    def finish(self) -> tuple[int, bytes]:
        """After the member's last decoded byte was read: (its compressed length, the
        bytes read past it, which start the next member)."""
        rest = self._decoder.unused_data + self._input
        return self._fed - len(self._decoder.unused_data), rest


def _detail(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".strip().rstrip(":")


@overload
def scan(
    path: Path, *, stop_at_torn: bool = ..., check_digests: bool = ..., http: bool = ...
) -> Iterator[tuple[Member, None]]: ...


@overload
def scan(
    path: Path,
    read: Callable[[Any], T],
    *,
    stop_at_torn: bool = ...,
    check_digests: bool = ...,
    http: bool = ...,
) -> Iterator[tuple[Member, T]]: ...


def scan(
    path: Path,
    read: Callable[[Any], Any] = skip_body,
    *,
    stop_at_torn: bool = False,
    check_digests: bool = False,
    http: bool = False,
) -> Iterator[tuple[Member, Any]]:
    """Yield ``(member, read(record))`` for every whole record of a WARC file, in order.

    ``read`` gets the warcio record positioned at its payload (after the HTTP headers
    when ``http``, which costs a little more) and may consume what it needs; the rest is
    read, and with ``check_digests`` its digests checked, before the member is yielded.
    At the first record that is not whole — a cut file, bytes that are not a gzip member,
    a member that is not one WARC record — the scan stops when ``stop_at_torn``, and
    otherwise raises :class:`UnreadableWarc` with the offset where that record starts.
    """
    loader = ArcWarcRecordLoader()
    offset = 0
    with path.open("rb") as handle:
        pending = handle.read(_CHUNK)
        while pending:
            stream = _MemberStream(handle, pending)
            problem = None
            try:
                member, value = _parse(path, offset, stream, loader, read, check_digests, http)
            except Exception as exc:  # warcio and zlib raise many types for damage
                problem = f"not a complete record ({_detail(exc)})"
            if stream.cut_short:  # whatever parsing made of it: the file ends inside it
                problem = "the last record is cut short (truncated file)"
            if problem is not None:
                if stop_at_torn:
                    return
                raise UnreadableWarc(path, offset, problem)
            length, pending = stream.finish()
            yield replace(member, length=length), value
            offset += length
            if not pending:
                pending = handle.read(_CHUNK)


def _parse(
    path: Path,
    offset: int,
    stream: _MemberStream,
    loader: ArcWarcRecordLoader,
    read: Callable[[Any], Any],
    check_digests: bool,
    http: bool,
) -> tuple[Member, Any]:
    """Parse the record a member starts with, give it to ``read``, and read the member to
    its end. Bytes past the record's Content-Length are skipped, not taken for a record:
    the gzip member, not the length, frames records here, so a record whose length lies
    (its digests then fail) costs no other record."""
    reader = BufferedReader(stream, block_size=64 * 1024)
    record = loader.parse_record_stream(
        reader, known_format="warc", no_record_parse=not http, check_digests=check_digests
    )
    value = read(record)
    while record.raw_stream.read(_CHUNK):
        pass
    while reader.read(_CHUNK):
        pass
    headers = record.rec_headers
    checker = record.digest_checker
    problems = tuple(str(p) for p in checker.problems) if checker.passed is False else ()
    member = Member(
        path=path,
        offset=offset,
        length=0,  # known once the member is read to its end
        record_type=str(record.rec_type),
        record_id=str(headers.get_header("WARC-Record-ID") or ""),
        target_uri=headers.get_header("WARC-Target-URI"),
        refers_to=headers.get_header("WARC-Concurrent-To") or headers.get_header("WARC-Refers-To"),
        digest_problems=problems,
    )
    return member, value


def sound_members(path: Path) -> list[Member]:
    """Every whole record of ``path`` up to the first that is not (a torn tail)."""
    return [member for member, _ in scan(path, stop_at_torn=True)]


def read_member(member: Member) -> bytes:
    """The raw bytes of one record's gzip member, as stored."""
    with member.path.open("rb") as handle:
        handle.seek(member.offset)
        data = handle.read(member.length)
    if len(data) != member.length:
        raise UnreadableWarc(member.path, member.offset, "the file is shorter than its index")
    return data


@dataclass(frozen=True, slots=True)
class Payload:
    """One record's payload, with the HTTP headers of a response (empty otherwise)."""

    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The first value of the HTTP header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def read_payload(member: Member, *, decode: bool = True) -> Payload:
    """The payload of one record; ``decode`` undoes its HTTP ``Content-Encoding``, giving
    the body a reader of the live response saw (Scrapy decompresses before the gate)."""
    data = read_member(member)
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
        stream = record.content_stream() if decode else record.raw_stream
        headers = record.http_headers.headers if record.http_headers else []
        return Payload(tuple((str(k), str(v)) for k, v in headers), bytes(stream.read()))
    except Exception as exc:
        raise UnreadableWarc(member.path, member.offset, _detail(exc)) from exc


@dataclass(slots=True)
class _Exchange:
    path: Path
    #: (offset, length) of the response's member, then of each record referring to it.
    spans: list[tuple[int, int]] = field(default_factory=list)


class ExchangeCopier:
    """Copies stored exchanges from ``sources`` (WARC files) into ``dest``, byte for byte.

    An exchange is a record that refers to no other — a response, or a record standing
    alone such as an origin evidence record — with the records that refer to it (a
    response's request and metadata records). Each goes to ``dest/<its source's file
    name>``, a new file (never overwritten) that starts with its source's ``warcinfo``, so
    the copy is a WARC file a reader takes for the original. ``wanted`` limits the index
    to those record ids (memory grows with what is indexed); ``stop_at_torn`` indexes a
    damaged source up to the damage instead of raising :class:`UnreadableWarc`. Call
    :meth:`close` (or use :func:`contextlib.closing`) when done.
    """

    def __init__(
        self,
        sources: Iterable[Path],
        dest: Path,
        *,
        wanted: Container[str] | None = None,
        stop_at_torn: bool = False,
    ) -> None:
        self.dest = dest
        self._exchanges: dict[str, _Exchange] = {}
        self._warcinfo: dict[Path, tuple[int, int]] = {}
        self._open: dict[Path, IO[bytes]] = {}
        #: The files created in ``dest``, in order.
        self.written: list[Path] = []
        for path in sources:
            for member, _ in scan(path, stop_at_torn=stop_at_torn):
                span = (member.offset, member.length)
                if member.record_type == "warcinfo":
                    self._warcinfo.setdefault(path, span)
                elif member.refers_to is None:
                    if wanted is None or member.record_id in wanted:
                        exchange = self._exchanges.setdefault(member.record_id, _Exchange(path))
                        exchange.spans.insert(0, span)
                elif member.refers_to in self._exchanges:
                    self._exchanges[member.refers_to].spans.append(span)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._exchanges

    def copy(self, record_id: str) -> bool:
        """Append the exchange of record ``record_id``; False if it is not indexed."""
        exchange = self._exchanges.get(record_id)
        if exchange is None:
            return False
        out = self._open.get(exchange.path)
        spans = exchange.spans
        if out is None:
            target = make_dir(self.dest) / exchange.path.name
            out = self._open[exchange.path] = open_new(target)
            self.written.append(target)
            if exchange.path in self._warcinfo:
                spans = [self._warcinfo[exchange.path], *spans]
        with exchange.path.open("rb") as source:
            for offset, length in spans:
                source.seek(offset)
                data = source.read(length)
                if len(data) != length:
                    raise UnreadableWarc(exchange.path, offset, "the file changed while copied")
                out.write(data)
        out.flush()
        return True

    def copy_all(self) -> int:
        """Copy every indexed exchange, in source order; return how many."""
        for record_id in self._exchanges:
            self.copy(record_id)
        return len(self._exchanges)

    def close(self) -> None:
        """Close the files written. Idempotent."""
        for handle in self._open.values():
            handle.close()
        self._open.clear()
