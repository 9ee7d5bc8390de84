"""WACZ packages of a crawl: the file web-archive tools open and exchange (``tdm-crawl wacz``).

Archivists and compliance teams look at web archives with pywb and ReplayWeb.page and
pass them on as WACZ 1.1.1 (a ZIP file, specs.webrecorder.net/wacz/1.1.1). A package of a
crawl holds what those tools need and what ``verify`` needs to prove it is the crawl's::

    archive/<file>.warc.gz                every content and evidence WARC file, unchanged
    archive/<worker>~<file>.warc.gz       (distributed crawl) each worker's
    indexes/index.cdx.gz, index.idx       the CDXJ index, written by cdxj-indexer
    pages/pages.jsonl                     every stored response (the crawl's pages)
    pages/extraPages.jsonl                every policy document response of the evidence
    crawl/decisions.jsonl, manifest.json  the crawl's own files, unchanged
    crawl~<worker>/...                    (distributed crawl) each worker's; crawl/ then
                                          holds the crawl's top manifest.json
    datapackage.json                      every file above with its size and SHA-256
    datapackage-digest.json               the SHA-256 of datapackage.json

Names are flat (``<worker>~``, never a deeper folder) because py-wacz's validator names a
file by its last two path components; the mapping between package names and crawl
directory paths is :func:`crawl_files` one way and :func:`unpacked_path` the other, and
nothing else spells it.

The package never holds a byte of content a decision does not allow: the content WARCs are
copied unchanged (their digests, and the manifest's, still prove what the server sent),
so before anything is written every content record is checked to be a response an
``allowed``, stored decision names, or a request or metadata record of one
(:func:`read_pages`); and when the manifest has digests, every file must still have them.

Index: cdxj-indexer, used as a library, as py-wacz does (ZipNum: sorted CDXJ lines in gzip
blocks of 300, and ``index.idx`` locating the blocks). It indexes responses and the
metadata records (under their own ``metadata://`` URI, see :mod:`tdm_crawler.store.warc`),
not requests.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
import uuid
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from cdxj_indexer import CDXJIndexer

from tdm_crawler.exceptions import NotACrawl, NotPackaged, UnreadableWarc
from tdm_crawler.store import CrawlDir, iter_records
from tdm_crawler.store.manifest import SOFTWARE, manifest_time
from tdm_crawler.store.warc import FILE_SUFFIX, METADATA_URI_PREFIX
from tdm_crawler.store.warcread import scan

__all__ = [
    "DATAPACKAGE",
    "DATAPACKAGE_DIGEST",
    "EXTRA_PAGES",
    "INDEX",
    "INDEX_IDX",
    "PAGES",
    "WACZ_VERSION",
    "Package",
    "PackedFile",
    "Page",
    "Pages",
    "Written",
    "build_index",
    "check_derived",
    "crawl_files",
    "page_lines",
    "read_package",
    "read_pages",
    "unpacked_path",
    "write_wacz",
]

WACZ_VERSION: Final = "1.1.1"
DATAPACKAGE: Final = "datapackage.json"
DATAPACKAGE_DIGEST: Final = "datapackage-digest.json"
PAGES: Final = "pages/pages.jsonl"
EXTRA_PAGES: Final = "pages/extraPages.jsonl"
INDEX: Final = "indexes/index.cdx.gz"
INDEX_IDX: Final = "indexes/index.idx"
_ARCHIVE: Final = "archive"
_CRAWL: Final = "crawl"
#: Stands for ``workers/<id>/`` in a flat name; worker ids never hold it.
_WORKER: Final = "~"
#: CDXJ lines per gzip block, as py-wacz and cdxj-indexer write them.
_INDEX_LINES: Final = 300
_PAGES_FORMAT: Final = "json-pages-1.0"
_HASH: Final = "sha256"
_CHUNK: Final = 1024 * 1024

#: What a worker id and a WARC file name may be (crawl/distributed.safe_worker_id, the
#: WARC writer's names): nothing that could climb out of a directory when unpacked.
_WORKER_ID: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")
_WARC_NAME: Final = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*\Z")
#: Resource names, as the Frictionless Data Package profile allows them.
_NOT_IN_NAME: Final = re.compile(r"[^a-z0-9._/-]")


# -- where each file goes --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackedFile:
    """One file of the crawl directory, and its name in the package."""

    name: str
    source: Path
    #: The crawl directory (one crawl, or one worker) whose manifest digests the file.
    part: CrawlDir

    @property
    def is_warc(self) -> bool:
        return self.name.startswith(f"{_ARCHIVE}/")


def _parts(crawl: CrawlDir) -> list[tuple[CrawlDir, str | None]]:
    """(crawl directory, worker id or None) of everything a package of ``crawl`` holds;
    :class:`NotPackaged` for one worker of a distributed crawl on its own (its decisions
    point to evidence the other workers hold)."""
    parts = crawl.parts()
    if crawl.is_distributed:
        return [(part, part.root.name) for part in parts]
    if crawl.evidence_sources() != parts:
        raise NotPackaged(
            f"{crawl.root} is one worker of a distributed crawl, whose evidence the other "
            f"workers share; package the whole crawl: tdm-crawl wacz {crawl.root.parent.parent}"
        )
    return [(crawl, None)]


def crawl_files(crawl: CrawlDir) -> list[PackedFile]:
    """Every file of the crawl directory a package of it holds, under its package name:
    the decision logs, the manifests and the WARC files (of every worker)."""
    files: list[PackedFile] = []
    parts = _parts(crawl)
    if crawl.is_distributed and crawl.manifest.is_file():
        files.append(PackedFile(f"{_CRAWL}/{crawl.manifest.name}", crawl.manifest, crawl))
    for part, worker in parts:
        folder = _CRAWL if worker is None else f"{_CRAWL}{_WORKER}{worker}"
        prefix = "" if worker is None else f"{worker}{_WORKER}"
        if worker is not None and not _WORKER_ID.match(worker):
            raise NotPackaged(f"{part.root}: worker id {worker!r} cannot be named in a package")
        for path in (part.decisions, part.manifest):
            if path.is_file():
                files.append(PackedFile(f"{folder}/{path.name}", path, part))
        for directory, warcs in (
            (part.content, part.content_warcs()),
            (part.evidence, part.evidence_warcs()),
        ):
            for path in warcs:
                if not (path.name.startswith(f"{directory.name}-") and _WARC_NAME.match(path.name)):
                    raise NotPackaged(
                        f"{path}: not a file the crawl wrote (its WARC files are named "
                        f"{directory.name}-*{FILE_SUFFIX}); move it out of {directory.name}/"
                    )
                files.append(PackedFile(f"{_ARCHIVE}/{prefix}{path.name}", path, part))
    return files


def unpacked_path(name: str, root: CrawlDir) -> Path | None:
    """Where the package file ``name`` belongs in the crawl directory ``root`` rebuilt
    from the package; None for a name :func:`crawl_files` never gives (the generated
    files, and anything a package of ours does not hold)."""
    folder, sep, base = name.partition("/")
    if not sep or "/" in base:
        return None
    if folder == _ARCHIVE:
        worker, _, warc = base.rpartition(_WORKER)
        if worker and not _WORKER_ID.match(worker):
            return None
        part = root.worker(worker) if worker else root
        if not (_WARC_NAME.match(warc) and warc.endswith(FILE_SUFFIX)):
            return None
        for directory in (part.content, part.evidence):
            if warc.startswith(f"{directory.name}-"):
                return directory / warc
        return None
    if folder == _CRAWL:
        part = root
    elif folder.startswith(f"{_CRAWL}{_WORKER}") and _WORKER_ID.match(folder[len(_CRAWL) + 1 :]):
        part = root.worker(folder[len(_CRAWL) + 1 :])
    else:
        return None
    return next((path for path in (part.decisions, part.manifest) if path.name == base), None)


# -- the page lists -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One capture a player can open: a page list line (``id`` is its record's UUID)."""

    id: str
    url: str
    ts: str
    status: int | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url, "ts": self.ts, "status": self.status}


@dataclass
class Pages:
    """The two page lists: the stored responses, and the policy document responses."""

    stored: list[Page] = field(default_factory=list)
    policy: list[Page] = field(default_factory=list)


def _capture(record: Any) -> tuple[str, int | None]:
    """A :func:`scan` reader: the record's WARC-Date and, for a response, the status of
    its status line (read alone: parsing every HTTP header block would double the time
    a package takes)."""
    date = str(record.rec_headers.get_header("WARC-Date") or "")
    if record.rec_type != "response":
        return date, None
    fields = record.raw_stream.readline(1024).split(None, 2)
    status = fields[1] if len(fields) > 1 else b""
    return date, int(status) if status.isdigit() else None


def _page(member: Any, capture: tuple[str, int | None]) -> Page:
    record_id = member.record_id.removeprefix("<urn:uuid:").removesuffix(">")
    return Page(record_id, member.target_uri or "", capture[0], capture[1])


def _allowed_responses(part: CrawlDir) -> dict[str, set[str]]:
    """Response record id -> the URLs of the ``allowed``, stored decision naming it."""
    allowed: dict[str, set[str]] = {}
    for record in iter_records(part.decisions, torn=[]):  # a torn line stores nothing
        if record.get("stored") and record.get("decision") == "allowed":
            urls = {record.get("url"), record.get("final_url")}
            allowed[str(record.get("warc_record_id"))] = {u for u in urls if isinstance(u, str)}
    return allowed


def read_pages(crawl: CrawlDir) -> Pages:
    """The page lists of ``crawl`` (every worker of a distributed one), checking on the
    way that its content WARCs hold nothing but allowed content: every response one an
    ``allowed``, stored decision names for its URL, every request and metadata record one
    of such a response. :class:`NotPackaged` names the first record that is not."""
    pages = Pages()
    try:
        for part, _ in _parts(crawl):
            allowed = _allowed_responses(part)
            seen: set[str] = set()
            for path in part.content_warcs():
                for member, capture in scan(path, _capture):
                    kind = member.record_type
                    where = f"{path} @{member.offset} {kind} {member.record_id}"
                    if kind == "response":
                        if member.target_uri not in allowed.get(member.record_id, ()):
                            raise NotPackaged(
                                f"{where}: {member.target_uri} is stored without an allowed "
                                "decision naming it; run tdm-crawl verify, nothing was written"
                            )
                        seen.add(member.record_id)
                        pages.stored.append(_page(member, capture))
                    elif kind in ("request", "metadata"):
                        if member.refers_to not in seen:
                            raise NotPackaged(
                                f"{where}: belongs to no stored allowed response; run "
                                "tdm-crawl verify, nothing was written"
                            )
                    elif kind != "warcinfo":
                        raise NotPackaged(f"{where}: unexpected in content/; run tdm-crawl verify")
            for path in part.evidence_warcs():
                for member, capture in scan(path, _capture):
                    if member.record_type == "response":
                        pages.policy.append(_page(member, capture))
    except (UnreadableWarc, NotACrawl) as exc:
        raise NotPackaged(f"{exc}; run tdm-crawl verify") from None
    return pages


def page_lines(pages: Iterable[Page], list_id: str, title: str) -> bytes:
    """A page list file: its header line, then one JSON line per page."""
    header = {"format": _PAGES_FORMAT, "id": list_id, "title": title}
    lines = [header, *(page.to_json() for page in pages)]
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def _page_files(pages: Pages) -> dict[str, bytes]:
    return {
        PAGES: page_lines(pages.stored, "pages", "Stored pages (allowed content)"),
        EXTRA_PAGES: page_lines(pages.policy, "policy-documents", "Policy documents read"),
    }


# -- the index ------------------------------------------------------------------------


class _Indexer(CDXJIndexer):  # type: ignore[misc]  # cdxj-indexer ships no type hints
    """cdxj-indexer's records (responses, and metadata records that are not
    ``application/warc-fields``), but a metadata record only under our ``metadata://`` URI:
    release 0.1.0 gave its metadata records the page's or the origin's URL, and indexed
    there they would be served in place of the page (its WARC files are packaged
    unchanged all the same)."""

    def filter_record(self, record: Any) -> bool:
        target = str(record.rec_headers.get_header("WARC-Target-URI") or "")
        if record.rec_type == "metadata" and not target.startswith(METADATA_URI_PREFIX):
            return False
        return bool(super().filter_record(record))


def build_index(warcs: Mapping[str, Path], work: Path) -> tuple[Path, Path]:
    """The CDXJ index of the package's WARC files (package name -> file) in ``work``:
    ``index.cdx.gz`` and ``index.idx``, as cdxj-indexer writes them for a WACZ. The files
    are indexed through links named as in the package, which is the file name the index
    records.

    See :class:`_Indexer` for which records."""
    staged = work / _ARCHIVE
    staged.mkdir()
    for name, path in warcs.items():
        (staged / name.removeprefix(f"{_ARCHIVE}/")).symlink_to(path.resolve())
    data_path, idx_path = work / Path(INDEX).name, work / Path(INDEX_IDX).name
    with data_path.open("wb") as data, idx_path.open("w", encoding="utf-8") as idx:
        _Indexer(
            idx,
            sorted(str(link) for link in staged.iterdir()),
            sort=True,
            compress=data,
            data_out_name=data_path.name,
            lines=_INDEX_LINES,
            digest_records=True,
        ).process_all()
    return data_path, idx_path


# -- writing --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Written:
    """What :func:`write_wacz` wrote: the package, and what it holds."""

    path: Path
    warc_files: int
    warc_bytes: int
    pages: int
    policy_documents: int
    size: int


class _Zip:
    """A ZIP file being written, remembering each entry's size and SHA-256."""

    def __init__(self, archive: zipfile.ZipFile, date_time: tuple[int, int, int, int, int, int]):
        self.zip = archive
        self.date_time = date_time
        self.resources: list[dict[str, Any]] = []

    def _info(self, name: str, size: int, *, store: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self.date_time)
        info.compress_type = zipfile.ZIP_STORED if store else zipfile.ZIP_DEFLATED
        info.file_size = size
        info.external_attr = 0o644 << 16
        return info

    def _add(self, name: str, size: int, digest: str) -> None:
        """List an entry as a datapackage resource. ``type: file``: none is a table, and
        Frictionless (which ``wacz validate`` runs) would otherwise read the JSON Lines
        files as tables, guess column types from a sample and fail the decision log on
        its first row of another shape; as files, their size and hash are checked."""
        self.resources.append(
            {
                "name": _NOT_IN_NAME.sub("-", name.lower()),
                "path": name,
                "type": "file",
                "hash": f"{_HASH}:{digest}",
                "bytes": size,
            }
        )

    def copy(self, name: str, source: Path, *, store: bool) -> str:
        """Add the file ``source`` as ``name``; return its SHA-256 (hex)."""
        digest = hashlib.sha256()
        size = 0
        with source.open("rb") as src:
            expected = os.fstat(src.fileno()).st_size
            with self.zip.open(self._info(name, expected, store=store), "w") as dst:
                while size < expected and (chunk := src.read(min(_CHUNK, expected - size))):
                    digest.update(chunk)
                    dst.write(chunk)
                    size += len(chunk)
        if size != expected:
            raise NotPackaged(f"{source} shrank while it was packaged; nothing was written")
        self._add(name, size, digest.hexdigest())
        return digest.hexdigest()

    def write(self, name: str, data: bytes, *, listed: bool = True) -> None:
        self.zip.writestr(self._info(name, len(data), store=False), data)
        if listed:
            self._add(name, len(data), hashlib.sha256(data).hexdigest())


def _recorded_digests(files: Iterable[PackedFile]) -> dict[Path, str | None]:
    """File -> the SHA-256 its crawl's finished manifest records (None: not listed), for
    the files a manifest with digests covers; a crawl that never finished has none."""
    recorded: dict[Path, str | None] = {}
    for part in {file.part for file in files}:
        try:
            digests = (part.load_manifest() or {}).get("digests")
        except NotACrawl as exc:
            raise NotPackaged(f"{exc}; nothing was written") from None
        if digests:
            for path in part.digested_files():
                recorded[path] = digests.get(part.relative(path))
    return recorded


def _check_digest(file: PackedFile, digest: str, recorded: Mapping[Path, str | None]) -> None:
    """A file must still have the digest its crawl's finished manifest records."""
    if file.source in recorded and recorded[file.source] != digest:
        what = "is not in" if recorded[file.source] is None else "differs from"
        raise NotPackaged(
            f"{file.source}: its SHA-256 {what} the manifest's digests (changed after the "
            "crawl?); run tdm-crawl verify, nothing was written"
        )


def _datapackage(
    crawl: CrawlDir, resources: list[dict[str, Any]], pages: Pages, created: str
) -> dict[str, Any]:
    try:
        manifest = crawl.load_manifest() or {}
    except NotACrawl:
        manifest = {}
    crawl_id = manifest.get("crawl_id")
    package: dict[str, Any] = {
        "profile": "data-package",
        "wacz_version": WACZ_VERSION,
        "title": f"tdm-crawler crawl {crawl_id}" if crawl_id else "tdm-crawler crawl",
        "description": (
            "Allowed content only, as received, with the policy documents read and a "
            f"decision for every URL ({_CRAWL}*/decisions.jsonl)."
        ),
        "created": created,
        "modified": created,
        "software": SOFTWARE,
    }
    if crawl_id:
        package["crawl_id"] = crawl_id
    stored = {page.url: page for page in pages.stored}
    main = next((stored[s] for s in manifest.get("seeds") or [] if s in stored), None)
    if main is not None:
        package["mainPageUrl"] = main.url
        package["mainPageDate"] = main.ts
    package["resources"] = resources
    return package


def write_wacz(root: Path, out: Path, *, now: datetime | None = None) -> Written:
    """Package the crawl directory ``root`` as the WACZ file ``out`` (which must not
    exist: :class:`FileExistsError`). Nothing appears at ``out`` unless the package is
    complete: it is written beside it under a temporary name and linked into place."""
    crawl = CrawlDir(root)
    files = crawl_files(crawl)
    recorded = _recorded_digests(files)
    pages = read_pages(crawl)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    created = manifest_time(moment)
    date_time = (max(moment.year, 1980), *moment.timetuple()[1:6])
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with temporary.open("xb") as handle, zipfile.ZipFile(handle, "w") as archive:
            package = _Zip(archive, date_time)
            for file in files:
                digest = package.copy(file.name, file.source, store=file.is_warc)
                _check_digest(file, digest, recorded)
            with tempfile.TemporaryDirectory(prefix="tdm-wacz-") as work:
                warcs = {file.name: file.source for file in files if file.is_warc}
                data, idx = build_index(warcs, Path(work))
                package.copy(INDEX, data, store=True)
                package.copy(INDEX_IDX, idx, store=False)
            for name, lines in _page_files(pages).items():
                package.write(name, lines)
            description = _datapackage(crawl, package.resources, pages, created)
            datapackage = (json.dumps(description, indent=2, ensure_ascii=False) + "\n").encode()
            package.write(DATAPACKAGE, datapackage, listed=False)
            own = {
                "path": DATAPACKAGE,
                "hash": f"{_HASH}:{hashlib.sha256(datapackage).hexdigest()}",
            }
            package.write(DATAPACKAGE_DIGEST, json.dumps(own).encode() + b"\n", listed=False)
        os.link(temporary, out)  # never replaces a file: FileExistsError if out appeared
    finally:
        temporary.unlink(missing_ok=True)
    warc_files = [file for file in files if file.is_warc]
    return Written(
        path=out,
        warc_files=len(warc_files),
        warc_bytes=sum(file.source.stat().st_size for file in warc_files),
        pages=len(pages.stored),
        policy_documents=len(pages.policy),
        size=out.stat().st_size,
    )


# -- reading --------------------------------------------------------------------------


#: The files of a package that are derived from the others, and checked against them.
_DERIVED: Final = (INDEX, INDEX_IDX, PAGES, EXTRA_PAGES)


@dataclass
class Package:
    """What :func:`read_package` found: the problems of the package as a ZIP and a WACZ
    (package name, what is wrong), the crawl directory rebuilt from it, and its derived
    files (index, page lists) unpacked beside it."""

    crawl: CrawlDir
    derived: dict[str, Path] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    #: Crawl directory path (POSIX, relative to ``crawl.root``) -> package name.
    names: dict[str, str] = field(default_factory=dict)

    def name_of(self, where: str) -> str:
        """``where`` (a place verify names in the rebuilt crawl directory) with the crawl
        path it starts with replaced by the package name."""
        head, sep, rest = where.partition(" ")
        path, colon, line = head.partition(":")
        name = self.names.get(path)
        return where if name is None else f"{name}{colon}{line}{sep}{rest}"


def _read_entry(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path | None
) -> tuple[int, str]:
    """(size, SHA-256) of an entry, written on the way to ``dest`` when given (a path
    built here, never the entry's own name)."""
    digest = hashlib.sha256()
    size = 0
    with archive.open(info) as entry, contextlib.ExitStack() as files:
        out = None
        if dest is not None:
            dest.parent.mkdir(parents=True, exist_ok=True)
            out = files.enter_context(dest.open("xb"))
        while chunk := entry.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if out is not None:
                out.write(chunk)
    return size, digest.hexdigest()


def _json_entry(archive: zipfile.ZipFile, name: str, found: Package) -> Any:
    try:
        return json.loads(archive.read(name))
    except KeyError:
        found.problems.append((name, "missing"))
    except ValueError as exc:
        found.problems.append((name, f"not JSON: {exc}"))
    return None


def _check_datapackage(
    archive: zipfile.ZipFile, entries: Mapping[str, zipfile.ZipInfo], found: Package
) -> dict[str, dict[str, Any]]:
    """The datapackage's resources by path, after checking its form and its digest."""
    description = _json_entry(archive, DATAPACKAGE, found)
    if not isinstance(description, dict):
        if description is not None:
            found.problems.append((DATAPACKAGE, "not a JSON object"))
        return {}
    for key, wanted in (("profile", "data-package"), ("wacz_version", WACZ_VERSION)):
        if description.get(key) != wanted:
            got = description.get(key)
            found.problems.append((DATAPACKAGE, f"{key} is {got!r}, not {wanted!r}"))
    if DATAPACKAGE_DIGEST not in entries:
        found.warnings.append((DATAPACKAGE_DIGEST, "missing: datapackage.json is not digested"))
    else:
        digest = _json_entry(archive, DATAPACKAGE_DIGEST, found)
        actual = f"{_HASH}:{hashlib.sha256(archive.read(DATAPACKAGE)).hexdigest()}"
        if not isinstance(digest, dict) or digest.get("path") != DATAPACKAGE:
            found.problems.append((DATAPACKAGE_DIGEST, "does not name datapackage.json"))
        elif digest.get("hash") != actual:
            found.problems.append((DATAPACKAGE_DIGEST, "hash differs from datapackage.json's"))
    resources: dict[str, dict[str, Any]] = {}
    listed = description.get("resources")
    if not isinstance(listed, list):
        found.problems.append((DATAPACKAGE, "has no resources list"))
        return {}
    for resource in listed:
        path = resource.get("path") if isinstance(resource, dict) else None
        if not isinstance(path, str):
            found.problems.append((DATAPACKAGE, f"resource without a path: {resource!r}"))
        elif path in resources:
            found.problems.append((DATAPACKAGE, f"{path} listed twice"))
        else:
            resources[path] = resource
    return resources


def _check_entry(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    resource: Mapping[str, Any] | None,
    dest: Path | None,
    found: Package,
) -> bool:
    """Read an entry (to ``dest`` when given) and check its size, SHA-256 and compression
    against its datapackage ``resource``; False when it cannot be read to its end."""
    name = info.filename
    try:
        size, digest = _read_entry(archive, info, dest)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # zlib.error is an OSError
        found.problems.append((name, f"cannot be read: {exc}"))
        return False
    if resource is None:
        found.problems.append((name, "not listed in datapackage.json"))
    elif resource.get("hash") != f"{_HASH}:{digest}" or resource.get("bytes") != size:
        found.problems.append((name, "size or SHA-256 differs from datapackage.json"))
    stored = name.startswith(f"{_ARCHIVE}/") or name == INDEX
    if stored and info.compress_type != zipfile.ZIP_STORED:
        found.problems.append((name, "compressed in the ZIP (already compressed: must be stored)"))
    return True


def read_package(path: Path, work: Path) -> Package:
    """Check the WACZ file ``path`` as a ZIP and a WACZ — every entry listed in the
    datapackage with its size and SHA-256 and the other way round, the datapackage's own
    digest, the WARCs and the compressed index stored uncompressed — and unpack it into
    the empty directory ``work``: the crawl directory it holds as ``work/crawl`` (for
    ``verify`` to check as any other), the derived files in ``work/derived`` (for
    :func:`check_derived`). Entries are written only to paths built here, never to the
    entry's own name."""
    found = Package(CrawlDir(work / "crawl"))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        found.problems.append((path.name, f"not a ZIP file: {exc}"))
        return found
    with archive:
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            if info.filename in entries:
                found.problems.append((info.filename, "in the ZIP file twice"))
            entries[info.filename] = info
        resources = _check_datapackage(archive, entries, found)
        for name in sorted(set(resources) - set(entries)):
            found.problems.append((name, "listed in datapackage.json but missing"))
        for name, info in entries.items():
            if name in (DATAPACKAGE, DATAPACKAGE_DIGEST) or info.is_dir():
                continue
            derived = name in _DERIVED
            target = (
                work / "derived" / Path(name).name if derived else unpacked_path(name, found.crawl)
            )
            if target is None:
                found.problems.append((name, "not a file of a tdm-crawler package"))
            if not _check_entry(archive, info, resources.get(name), target, found):
                continue
            if derived and target is not None:
                found.derived[name] = target
            elif target is not None:
                found.names[found.crawl.relative(target)] = name
    if not any(name.startswith(f"{_ARCHIVE}/") for name in found.names.values()):
        found.problems.append((f"{_ARCHIVE}/", "holds no WARC file"))
    for name in _DERIVED:
        if name not in found.derived:
            found.problems.append((name, "missing"))
    return found


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def _check_idx(found: Package) -> None:
    """Each line of ``index.idx`` locates a gzip block of ``index.cdx.gz`` starting with
    its key (the lookup a player does before reading the block)."""
    data = found.derived[INDEX].read_bytes()
    for number, line in enumerate(_lines(found.derived[INDEX_IDX]), 1):
        where = f"{INDEX_IDX}:{number}"
        key, _, rest = line.decode("utf-8", "replace").partition(" {")
        if key.startswith("!meta"):
            continue
        try:
            block = json.loads("{" + rest)
            chunk = data[block["offset"] : block["offset"] + block["length"]]
            first = gzip.decompress(chunk).split(b"\n", 1)[0].decode("utf-8")
        except (ValueError, KeyError, TypeError, OSError, EOFError) as exc:
            found.problems.append((where, f"does not locate a block of {INDEX}: {exc}"))
            continue
        if not first.startswith(key):
            found.problems.append((where, f"locates a block of {INDEX} that starts elsewhere"))
        digest = block.get("digest")
        if digest and digest != f"{_HASH}:{hashlib.sha256(chunk).hexdigest()}":
            found.problems.append((where, f"digest differs from its block of {INDEX}"))


def check_derived(found: Package) -> None:
    """The index and the page lists must be those of the WARCs the package holds: built
    again from the rebuilt crawl directory, line for line (the index's lines, uncompressed:
    gzip output may differ between zlib versions). Not run without them (reported)."""
    if any(name not in found.derived for name in _DERIVED):
        return
    try:
        pages = read_pages(found.crawl)
    except NotPackaged as exc:
        found.problems.append((PAGES, f"page lists not checked: {exc}"))
        return
    for name, lines in _page_files(pages).items():
        if _lines(found.derived[name]) != lines.splitlines():
            found.problems.append((name, "differs from the pages the WARC files hold"))
    warcs = {name: found.crawl.root / path for path, name in found.names.items()}
    warcs = {name: path for name, path in warcs.items() if name.startswith(f"{_ARCHIVE}/")}
    with tempfile.TemporaryDirectory(prefix="tdm-wacz-") as work:
        data, _ = build_index(warcs, Path(work))
        try:
            same = gzip.decompress(found.derived[INDEX].read_bytes()) == gzip.decompress(
                data.read_bytes()
            )
        except (OSError, EOFError) as exc:
            found.problems.append((INDEX, f"not gzip data: {exc}"))
            return
    if not same:
        found.problems.append((INDEX, "differs from the index of the WARC files it holds"))
    _check_idx(found)
