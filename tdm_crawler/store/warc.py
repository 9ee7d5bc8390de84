"""Rotating WARC 1.1 writer for HTTP exchanges exactly as they crossed the wire.

The crawl's content store and its evidence store are both written here, so the archive can
later prove what a server sent: each response is stored with its headers as received
(repeated fields and order kept) and its body still content-encoded, and warcio computes
the block and payload digests over those bytes.

Why this module does more than call :class:`warcio.warcwriter.WARCWriter`:

- HTTP header bytes are written as given, not percent-encoded the way warcio does for
  non-ASCII values, so the stored block is what the server sent (see :class:`HttpExchange`
  for how header text maps to bytes).
- A ``Transfer-Encoding`` header is renamed to ``X-Crawler-Transfer-Encoding``: the body we
  get from the transport is already de-chunked, and a reader that saw
  ``Transfer-Encoding: chunked`` would try to de-chunk it again and fail. Heritrix and
  warcprox rename the header for the same reason. ``Content-Encoding`` is kept together
  with the still-encoded body, so the payload digest matches what the server sent.
- Responses received over HTTP/2 or HTTP/3 get an ``HTTP/1.1`` status line (the only form
  WARC readers parse) and a ``WARC-Protocol`` header naming the real protocol, as
  browser-based archivers do.
- Files are opened exclusively and never appended to: a resumed crawl writes new files, so
  a byte offset recorded by an earlier run stays valid.
- Every record is flushed as soon as it is written (each record is its own gzip member), so
  a crash loses at most the record in flight and the file stays readable up to it.
- ``metadata`` records (the decision attached to a stored response, the evidence of an
  origin) are addressed by a ``metadata://`` URI of their own (:func:`metadata_uri`), not
  by the page's URL: web-archive players (pywb, ReplayWeb.page) index metadata records
  under their WARC-Target-URI and would otherwise serve the crawler's JSON in place of
  the page it describes. What the record is about is inside that URI
  (:func:`metadata_subject`) and, for a record about a response, in ``WARC-Refers-To``
  and ``WARC-Refers-To-Target-URI`` (docs/interface.md, "WARC records").

No Scrapy here: replay and verify tools use this module without a crawler.
"""

from __future__ import annotations

import hashlib
import http
import io
import json
import os
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Final, Self
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from tdm_crawler.store.safe_open import make_dir, open_new

__all__ = [
    "FILE_SUFFIX",
    "METADATA_URI_PREFIX",
    "WARC_VERSION",
    "HttpExchange",
    "StoredRecord",
    "WarcWriter",
    "is_writer_file",
    "metadata_subject",
    "metadata_uri",
]

WARC_VERSION: Final = "WARC/1.1"
#: How every WARC file's name ends (one gzip member per record).
FILE_SUFFIX: Final = ".warc.gz"
#: ``<prefix>-<UTC time to the ms, 17 digits>-<pid>-<seq, 5 digits or more>.warc.gz``.
_FILE_NAME: Final = re.compile(r"(?P<prefix>[^/]+)-\d{17}-\d+-\d{5,}" + re.escape(FILE_SUFFIX))
_FORMAT: Final = "WARC File Format 1.1"
_CONFORMS_TO: Final = (
    "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"
)

#: How every metadata record's WARC-Target-URI starts: a scheme players index apart from
#: http(s) pages (wabac.js indexes a metadata record only under a ``metadata://`` URI), and
#: a host under the reserved ``.invalid`` TLD (RFC 2606), so no crawled URL can have its
#: index key. Then the kind of record and the URL it is about (:func:`metadata_uri`).
METADATA_URI_PREFIX: Final = "metadata://tdm-crawler.invalid/"
_METADATA_KIND: Final = re.compile(r"[a-z][a-z-]*\Z")
#: Metadata records stay JSON: players skip ``application/warc-fields`` metadata, but our
#: payloads are nested, and the distinct URI already keeps them out of a page's way.
_JSON: Final = "application/json"

#: Header names (lower-case) that the transport has already acted on, so the body we hold
#: no longer matches them; they are written under a prefixed name instead.
_RENAMED_HEADERS: Final = {"transfer-encoding": "X-Crawler-Transfer-Encoding"}

#: Status-line protocols WARC readers accept; anything else is written as HTTP/1.1 with a
#: WARC-Protocol header (see module docstring).
_HTTP1: Final = frozenset({"HTTP/1.0", "HTTP/1.1"})
_WARC_PROTOCOL_NAMES: Final = {
    "HTTP/2": "h2",
    "HTTP/2.0": "h2",
    "H2": "h2",
    "HTTP/3": "h3",
    "HTTP/3.0": "h3",
    "H3": "h3",
}

#: Builds records (and computes their digests) without a file; records are built before a
#: file is opened so a bad exchange never leaves a half-written pair behind.
_BUILDER: Final[Any] = RecordBuilder(warc_version=WARC_VERSION)


@dataclass(frozen=True, kw_only=True)
class HttpExchange:
    """One request and its response as they crossed the wire.

    Keyword-only: eleven fields are too many to pass by position without mistakes.

    Header names and values are ``str`` holding the wire bytes decoded as ISO-8859-1
    (``bytes.decode("latin-1")``, what Scrapy/Twisted header bytes decode to losslessly);
    the writer encodes them back the same way, so the stored header block is byte-for-byte
    what was received. A value containing characters outside ISO-8859-1 (a caller that
    built real Unicode text) is written as UTF-8 instead of failing.

    ``body`` is the response body as received: de-chunked by the transport but still
    content-encoded (gzip, br, ...), i.e. captured before any decompression middleware.
    ``reason`` may be empty: the writer then uses the standard phrase for ``status``.
    ``fetched_at`` must be timezone-aware; it becomes the records' WARC-Date.
    """

    url: str
    method: str = "GET"
    request_headers: Sequence[tuple[str, str]] = ()
    request_body: bytes = b""
    status: int
    reason: str = ""
    protocol: str = "HTTP/1.1"
    response_headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    ip_address: str | None = None
    fetched_at: datetime

    def __post_init__(self) -> None:
        if self.fetched_at.tzinfo is None or self.fetched_at.utcoffset() is None:
            raise ValueError(
                f"fetched_at must be timezone-aware (got naive {self.fetched_at!r}); "
                "pass datetime.now(UTC)"
            )
        if not 100 <= self.status <= 999:
            raise ValueError(f"status must be a three-digit HTTP status, got {self.status!r}")
        if urlsplit(self.url).scheme.lower() not in ("http", "https"):
            raise ValueError(f"only http(s) exchanges can be archived, got {self.url!r}")


@dataclass(frozen=True, slots=True)
class StoredRecord:
    """Where a response record landed and what it digests to.

    ``offset`` and ``length`` delimit the record's gzip member in ``file_name`` (a name
    inside the writer's directory), which is what CDX indexes and random-access readers
    need. ``payload_sha256`` is the hex SHA-256 of the raw body bytes (the decision record's
    ``content_sha256``); ``payload_digest`` is the ``WARC-Payload-Digest`` as written;
    ``url`` and ``warc_date`` are its ``WARC-Target-URI`` and ``WARC-Date``, which a
    metadata record about it repeats (:meth:`WarcWriter.write_metadata`).
    """

    record_id: str
    file_name: str
    offset: int
    length: int
    payload_sha256: str
    payload_digest: str
    url: str
    warc_date: str


def metadata_uri(kind: str, subject: str) -> str:
    """The WARC-Target-URI of a metadata record of ``kind`` about ``subject`` (a URL):
    ``metadata://tdm-crawler.invalid/<kind>/<subject>``, the subject written as it is."""
    if not _METADATA_KIND.match(kind):
        raise ValueError(f"metadata kind must be lower-case letters and '-', got {kind!r}")
    return f"{METADATA_URI_PREFIX}{kind}/{subject}"


def metadata_subject(target_uri: str | None) -> str | None:
    """The URL a record is about: inside a :func:`metadata_uri`, else the WARC-Target-URI
    itself (a response or request, and the metadata records of release 0.1.0, which
    carried the page's or the origin's URL)."""
    if target_uri is None or not target_uri.startswith(METADATA_URI_PREFIX):
        return target_uri
    kind, sep, subject = target_uri[len(METADATA_URI_PREFIX) :].partition("/")
    return subject if sep and _METADATA_KIND.match(kind) else target_uri


def is_writer_file(name: str, prefix: str) -> bool:
    """Whether ``name`` is how a :class:`WarcWriter` with ``prefix`` names its files."""
    match = _FILE_NAME.fullmatch(name)
    return match is not None and match["prefix"] == prefix


def _new_record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _warc_date(value: datetime) -> str:
    """WARC 1.1 date: UTC, ``Z``, microseconds only when non-zero (as warcio writes)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"WARC dates must be timezone-aware, got naive {value!r}")
    naive_utc = value.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(naive_utc, use_micros=True))


def _check_field(kind: str, text: str) -> None:
    """Refuse CR/LF: one would split a header line and corrupt the record structure."""
    if "\r" in text or "\n" in text:
        raise ValueError(f"{kind} must not contain CR or LF: {text!r}")


def _wire_bytes(text: str) -> bytes:
    """Encode header text back to the bytes it was decoded from (see HttpExchange)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _reason_phrase(status: int, reason: str) -> str:
    if reason:
        return reason
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _warc_protocol(protocol: str) -> str | None:
    """The WARC-Protocol value for a non-HTTP/1 exchange, or None for HTTP/1.x."""
    key = protocol.strip().upper()
    if key in _HTTP1:
        return None
    return _WARC_PROTOCOL_NAMES.get(key, protocol.strip().lower())


class _WireHeaders(StatusAndHeaders):  # type: ignore[misc]  # warcio ships no type hints
    """A warcio header block whose serialised form is fixed bytes we computed.

    warcio recomputes ``headers_buff`` before digesting and before writing and would
    percent-encode non-ASCII values; overriding :meth:`compute_headers_buffer` makes it
    digest and write exactly the bytes received.
    """

    def __init__(self, protocol: str, statusline: str, headers: list[tuple[str, str]]) -> None:
        super().__init__(statusline, headers, protocol=protocol)
        lines = [_wire_bytes(f"{protocol} {statusline}")]
        lines.extend(_wire_bytes(name) + b": " + _wire_bytes(value) for name, value in headers)
        self._wire = b"\r\n".join(lines) + b"\r\n\r\n"
        self.headers_buff = self._wire

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self._wire


def _archived_headers(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers as they go into the record: order and repeats kept, transport ones renamed."""
    out: list[tuple[str, str]] = []
    for name, value in headers:
        _check_field("header name", name)
        _check_field("header value", value)
        out.append((_RENAMED_HEADERS.get(name.lower(), name), value))
    return out


def _request_target(url: str) -> str:
    """Origin-form request target (path and query) for the request line."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


class WarcWriter:
    """Rotating WARC 1.1 (gzip, one member per record) writer for one directory and prefix.

    Files are named ``<prefix>-<UTC timestamp to ms>-<pid>-<seq:05d>.warc.gz``, are created
    on the first write (so an idle writer leaves no empty file), and each starts with a
    ``warcinfo`` record carrying ``software``, ``format``, ``conformsTo``, ``isPartOf``
    (the crawl id) and the ``info`` fields (for example ``http-header-user-agent``).
    A file is never appended to: if the name exists, the sequence number is bumped.

    Rotation: before each :meth:`write_exchange`, a file that has grown past
    ``max_file_bytes`` is closed and the next record starts a new one. The check is not made
    before :meth:`write_metadata`, so a metadata record stays in the file of the response it
    follows.

    ``record_id_factory`` and ``clock`` exist so tests can make output byte-comparable;
    ``clock`` dates warcinfo and metadata records and names files (exchanges carry their own
    ``fetched_at``). ``fsync=True`` also forces each record to disk, surviving power loss
    rather than only a process crash. Not thread-safe: use one writer per thread (Scrapy
    runs everything in the reactor thread).
    """

    def __init__(
        self,
        directory: Path,
        prefix: str,
        *,
        crawl_id: str,
        software: str,
        max_file_bytes: int = 1_000_000_000,
        info: Mapping[str, str] | None = None,
        record_id_factory: Callable[[], str] = _new_record_id,
        clock: Callable[[], datetime] = _utc_now,
        fsync: bool = False,
    ) -> None:
        if not prefix or "/" in prefix or os.sep in prefix:
            raise ValueError(f"prefix must be a non-empty file-name part, got {prefix!r}")
        if max_file_bytes <= 0:
            raise ValueError(f"max_file_bytes must be positive, got {max_file_bytes!r}")
        fields = {
            "software": software,
            "format": _FORMAT,
            "conformsTo": _CONFORMS_TO,
            "isPartOf": crawl_id,
        }
        for name, value in (info or {}).items():
            if name in fields:
                raise ValueError(f"info must not override the warcinfo field {name!r}")
            fields[name] = value
        for name, value in fields.items():
            _check_field("warcinfo field name", name)
            _check_field("warcinfo field value", value)
        self.directory = Path(directory)
        self.prefix = prefix
        self.crawl_id = crawl_id
        self.max_file_bytes = max_file_bytes
        self._info = fields
        self._new_id = record_id_factory
        self._clock = clock
        self._fsync = fsync
        self._seq = 0
        self._file: IO[bytes] | None = None
        self._writer: Any = None
        self._path: Path | None = None
        self._files: list[Path] = []
        self._closed = False

    # -- public API -----------------------------------------------------------------

    @property
    def files(self) -> tuple[Path, ...]:
        """Every file this writer created, oldest first."""
        return tuple(self._files)

    @property
    def current_path(self) -> Path | None:
        """The file being written, or None before the first write and after rotation."""
        return self._path

    def write_exchange(
        self, ex: HttpExchange, *, extra_headers: Mapping[str, str] | None = None
    ) -> StoredRecord:
        """Write the ``response`` record, then its ``request`` record, and return where
        the response landed.

        ``extra_headers`` are added to the response record's WARC headers (for example
        ``WARC-Truncated``); they may not replace a header this method sets. The request
        record carries ``WARC-Concurrent-To`` pointing at the response. Both records get
        ``WARC-Date`` from ``ex.fetched_at`` and ``WARC-IP-Address`` when known.
        """
        self._check_open()
        if self._file is not None and self._file.tell() > self.max_file_bytes:
            self._finish_file()
        date = _warc_date(ex.fetched_at)
        _check_field("URL", ex.url)
        response_id = self._new_id()
        request_id = self._new_id()

        common: list[tuple[str, str]] = []
        if ex.ip_address:
            _check_field("IP address", ex.ip_address)
            common.append(("WARC-IP-Address", ex.ip_address))
        warc_protocol = _warc_protocol(ex.protocol)
        if warc_protocol is not None:
            common.append(("WARC-Protocol", warc_protocol))
        status_protocol = ex.protocol.strip().upper() if warc_protocol is None else "HTTP/1.1"

        response_extra = list(common)
        taken = {"warc-type", "warc-record-id", "warc-date", "warc-target-uri"}
        taken |= {"content-type", "content-length", "warc-block-digest", "warc-payload-digest"}
        taken |= {name.lower() for name, _ in common}
        for name, value in (extra_headers or {}).items():
            _check_field("WARC header name", name)
            _check_field("WARC header value", value)
            if name.lower() in taken:
                raise ValueError(f"extra_headers must not replace the WARC header {name!r}")
            response_extra.append((name, value))

        reason = _reason_phrase(ex.status, ex.reason)
        _check_field("reason phrase", reason)
        response_http = _WireHeaders(
            status_protocol, f"{ex.status} {reason}", _archived_headers(ex.response_headers)
        )
        response = self._record(
            "response", response_id, date, ex.url, response_extra, ex.body, response_http
        )
        _check_field("method", ex.method)
        request_http = _WireHeaders(
            ex.method,
            f"{_request_target(ex.url)} {status_protocol}",
            _archived_headers(ex.request_headers),
        )
        request = self._record(
            "request",
            request_id,
            date,
            ex.url,
            [*common, ("WARC-Concurrent-To", response_id)],
            ex.request_body,
            request_http,
        )
        offset, length = self._write(response)
        self._write(request)
        assert self._path is not None
        return StoredRecord(
            record_id=response_id,
            file_name=self._path.name,
            offset=offset,
            length=length,
            payload_sha256=hashlib.sha256(ex.body).hexdigest(),
            payload_digest=str(response.rec_headers.get_header("WARC-Payload-Digest")),
            url=ex.url,
            warc_date=date,
        )

    def write_metadata(
        self,
        kind: str,
        subject: str,
        payload: Mapping[str, Any],
        *,
        refers_to: StoredRecord | None = None,
        date: datetime | None = None,
    ) -> str:
        """Write a ``metadata`` record (JSON) of ``kind`` about the URL ``subject``; return
        its id.

        Used to attach a decision to a stored response (``refers_to``, the response as
        :meth:`write_exchange` returned it, whose URL ``subject`` must be), and without
        ``refers_to`` to record which policy documents an origin's decisions rest on. The
        record's WARC-Target-URI is :func:`metadata_uri` (see the module docstring);
        ``refers_to`` adds ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI`` and
        ``WARC-Refers-To-Date`` naming the response. ``payload`` is serialised as compact
        UTF-8 JSON with sorted keys (so equal payloads give equal digests); NaN/Infinity
        are refused. ``date`` defaults to the writer's clock.
        """
        self._check_open()
        _check_field("URI", subject)
        target_uri = metadata_uri(kind, subject)
        links: list[tuple[str, str]] = []
        if refers_to is not None:
            if refers_to.url != subject:
                raise ValueError(
                    f"metadata about {subject!r} cannot refer to the response for {refers_to.url!r}"
                )
            _check_field("WARC-Refers-To", refers_to.record_id)
            links = [
                ("WARC-Refers-To", refers_to.record_id),
                ("WARC-Refers-To-Target-URI", refers_to.url),
                ("WARC-Refers-To-Date", refers_to.warc_date),
            ]
        body = json.dumps(
            payload, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")
        ).encode("utf-8")
        record_id = self._new_id()
        when = _warc_date(date if date is not None else self._clock())
        record = self._record(
            "metadata", record_id, when, target_uri, links, body, None, content_type=_JSON
        )
        self._write(record)
        return record_id

    def close(self) -> None:
        """Close the current file. Idempotent; later writes raise ValueError."""
        self._finish_file()
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"WarcWriter for {self.directory / self.prefix} is closed")

    def _record(
        self,
        record_type: str,
        record_id: str,
        date: str,
        uri: str,
        extra: list[tuple[str, str]],
        body: bytes,
        http_headers: _WireHeaders | None,
        *,
        content_type: str = "",
    ) -> Any:
        headers = [
            ("WARC-Type", record_type),
            ("WARC-Record-ID", record_id),
            ("WARC-Date", date),
        ]
        if uri:
            headers.append(("WARC-Target-URI", uri))
        headers.extend(extra)
        warc_headers = StatusAndHeaders("", headers, protocol=WARC_VERSION)
        return _BUILDER.create_warc_record(
            uri,
            record_type,
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers=warc_headers,
            http_headers=http_headers,
        )

    def _write(self, record: Any) -> tuple[int, int]:
        """Write one record to the current file (opening one if needed); flush it."""
        if self._file is None:
            self._open_file()
        assert self._file is not None
        offset = self._file.tell()
        self._writer.write_record(record)  # one gzip member; warcio flushes the file
        if self._fsync:
            os.fsync(self._file.fileno())
        return offset, self._file.tell() - offset

    def _open_file(self) -> None:
        make_dir(self.directory)
        opened_at = self._clock()
        stamp = opened_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
        while True:
            name = f"{self.prefix}-{stamp}-{os.getpid()}-{self._seq:05d}{FILE_SUFFIX}"
            path = self.directory / name
            self._seq += 1
            try:
                handle = open_new(path)
            except FileExistsError:
                continue  # never append: a resumed crawl with a reused pid takes the next seq
            break
        self._file = handle
        self._path = path
        self._files.append(path)
        self._writer = WARCWriter(handle, gzip=True, warc_version=WARC_VERSION)
        self._write_warcinfo(path.name, opened_at)

    def _write_warcinfo(self, file_name: str, opened_at: datetime) -> None:
        body = "".join(f"{name}: {value}\r\n" for name, value in self._info.items() if value)
        record = self._record(
            "warcinfo",
            self._new_id(),
            _warc_date(opened_at),
            "",
            [("WARC-Filename", file_name)],
            body.encode("utf-8"),
            None,
            content_type="application/warc-fields",
        )
        self._write(record)

    def _finish_file(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
                if self._fsync:
                    os.fsync(self._file.fileno())
            finally:
                self._file.close()
                self._file = None
                self._writer = None
                self._path = None
