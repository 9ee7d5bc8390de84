"""``tdm-crawl verify``: prove that a crawl directory is what the crawl wrote, and that it
holds nothing but allowed content.

Checks, each failure listed with its file and line or record:

1. manifest digests: every file the manifest lists has that SHA-256, and no WARC file or
   decision log was added since. A manifest without digests (an interrupted crawl, or one
   made before digests were recorded) is a warning; with ``strict`` a violation.
2. WARC validity: every file parses to the end, and every record's block and payload
   digests match (warcio's checks, as ``warcio check`` runs them).
3. decisions.jsonl: every line a valid decision record (a torn last line is a
   violation), every URL decided once.
4. content: every response belongs to a decision with ``decision: allowed`` and
   ``stored: true`` that names its record id, for the same URL, with a matching
   ``content_sha256`` (SHA-256 of the raw payload); its request and metadata records
   belong to such a response (a metadata record about its URL); every ``stored: true``
   decision's response is present.
   A response for a URL whose decision is not allowed is reported as such.
5. evidence: every origin evidence record and policy document a decision names is present;
   evidence responses no decision, origin or sitemap record refers to are a warning (an
   interrupted fetch), with ``strict`` a violation.

A WACZ package (``tdm-crawl wacz``) is checked as a ZIP and a WACZ first — every file
listed in its datapackage with its size and SHA-256, the datapackage's own digest, no
file a package of ours does not hold — then the crawl directory it holds is rebuilt in a
temporary directory (as much disk as the package) and checked as above, and its index and
page lists must be those of its WARC files (:func:`verify_wacz`).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tdm_crawler.exceptions import NotACrawl, UnreadableWarc
from tdm_crawler.store import CrawlDir, decision_lines, file_digests, validate_record
from tdm_crawler.store.evidence import DecisionEvidence, metadata_evidence, of_record
from tdm_crawler.store.warcread import Member, metadata_json, scan

__all__ = ["VerifyResult", "Violation", "format_result", "verify_crawl", "verify_wacz"]

_CHUNK = 1024 * 1024
#: Violations listed per kind; beyond that they are counted (a damaged file can cause
#: one per decision, and a list of millions helps nobody).
MAX_LISTED = 20


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem: where (file relative to the crawl directory, and line or record)
    and what is wrong."""

    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class VerifyResult:
    violations: list[Violation] = field(default_factory=list)
    warnings: list[Violation] = field(default_factory=list)
    #: kind -> violations (or warnings) of that kind not listed, beyond MAX_LISTED.
    unlisted: dict[str, int] = field(default_factory=dict)
    decisions: int = 0
    stored: int = 0
    warc_files: int = 0
    warc_records: int = 0
    digests_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class _Stored:
    line: int
    url: str
    final_url: str | None
    sha256: str | None


@dataclass
class _Decisions:
    """What the content and evidence checks need from the decision log."""

    stored: dict[str, _Stored] = field(default_factory=dict)
    by_url: dict[str, tuple[str, str]] = field(default_factory=dict)
    origin_ids: dict[str, str] = field(default_factory=dict)  # evidence id -> where named
    document_ids: dict[str, str] = field(default_factory=dict)  # record id -> where named


def _hash_payload(record: Any) -> Any:
    """For responses, SHA-256 of the raw payload (as received, still content-encoded);
    for metadata records, their JSON payload."""
    if record.rec_type == "response":
        digest = hashlib.sha256()
        while chunk := record.raw_stream.read(_CHUNK):
            digest.update(chunk)
        return digest.hexdigest()
    return metadata_json(record)


def _note_evidence(found: _Decisions, evidence: DecisionEvidence, where: str) -> None:
    """Remember which origin evidence and policy document records a decision names."""
    for evidence_id in evidence.origins.values():
        if evidence_id:
            found.origin_ids.setdefault(evidence_id, where)
    for ref in evidence.documents():
        for read in ref.records:
            found.document_ids.setdefault(read.record_id, where)


class _Verifier:
    def __init__(self, crawl: CrawlDir, strict: bool) -> None:
        self.crawl = crawl
        #: The decision log and the manifest as named in messages.
        self.decisions_name = crawl.relative(crawl.decisions)
        self.manifest_name = crawl.relative(crawl.manifest)
        #: Distributed crawl: where this worker's directory is, prefixed to every place
        #: named (``workers/<id>/``), and the evidence of the other workers, which this
        #: worker's decisions may point to (one fetches an origin's files for all).
        self.prefix = ""
        self.peer_metadata: set[str] = set()
        self.peer_responses: set[str] = set()
        #: Evidence records the other workers' decisions refer to.
        self.peer_referenced: set[str] = set()
        self.first_line: dict[str, int] = {}
        self.strict = strict
        self.result = VerifyResult()
        self._listed: dict[str, int] = {}
        self.unreadable_evidence = False

    def fail(
        self, where: str, what: str, kind: str | None = None, *, warning: bool = False
    ) -> None:
        """Record a violation (or a warning, a violation under ``strict``); past
        MAX_LISTED of one ``kind`` they are only counted."""
        target = self.result.warnings if warning and not self.strict else self.result.violations
        where = self.prefix + where
        if kind is not None:
            self._listed[kind] = self._listed.get(kind, 0) + 1
            if self._listed[kind] > MAX_LISTED:
                self.result.unlisted[kind] = self.result.unlisted.get(kind, 0) + 1
                return
        target.append(Violation(where, what))

    def warn(self, where: str, what: str, kind: str | None = None) -> None:
        self.fail(where, what, kind, warning=True)

    # -- 1. manifest ----------------------------------------------------------------

    def check_manifest(self) -> None:
        try:
            manifest = self.crawl.load_manifest()
        except NotACrawl as exc:
            self.fail(self.manifest_name, str(exc))
            return
        if manifest is None:
            self.fail(
                self.manifest_name, "missing: the crawl's settings and file digests are unknown"
            )
            return
        recorded = manifest.get("digests")
        if not recorded:
            self.warn(
                self.manifest_name,
                f"has no file digests (crawl status {manifest.get('status')!r}; digests are "
                "written when a crawl finishes), so changed files cannot be detected",
            )
            return
        actual = file_digests(self.crawl)
        self.result.digests_checked = len(recorded)
        for name in sorted(set(recorded) | set(actual)):
            if name not in actual:
                self.fail(name, "listed in the manifest's digests but missing")
            elif name not in recorded:
                self.fail(name, "not in the manifest's digests (added after the crawl?)")
            elif actual[name] != recorded[name]:
                self.fail(name, "SHA-256 differs from the manifest (changed after the crawl)")

    # -- 3. decisions ---------------------------------------------------------------

    def check_decisions(self) -> _Decisions:
        found = _Decisions()
        first_line = self.first_line
        path = self.crawl.decisions
        if not path.is_file():
            self.fail(self.decisions_name, "missing")
            return found
        for line in decision_lines(path):
            where = f"{self.decisions_name}:{line.number}"
            if line.record is None:
                what = line.problem or "unreadable"
                if line.torn:
                    what = f"torn last line (an interrupted write): {what}"
                self.fail(where, what)
                continue
            record = line.record
            self.result.decisions += 1
            try:
                validate_record(record)
            except ValueError as exc:
                self.fail(where, f"invalid decision record: {exc}")
                continue
            url = str(record["url"])
            if url in first_line:
                self.fail(where, f"{url} decided again (first at line {first_line[url]})")
                continue
            first_line[url] = line.number
            decided = (str(record["decision"]), str(record["reason"]))
            found.by_url[url] = decided
            final = record.get("final_url")
            if isinstance(final, str):
                found.by_url.setdefault(final, decided)
            if record["stored"] and record["decision"] == "allowed":
                self.result.stored += 1
                found.stored[str(record["warc_record_id"])] = _Stored(
                    line.number, url, final, record.get("content_sha256")
                )
            try:
                evidence = of_record(record)
            except ValueError as exc:
                self.fail(where, f"{url}: evidence cannot be read: {exc}")
                continue
            if evidence is not None:
                _note_evidence(found, evidence, f"{where} {url}")
        return found

    # -- 2. and 4. content ----------------------------------------------------------

    def _records(self, path: Path) -> Iterable[tuple[Member, Any]]:
        """Each record of a WARC file with :func:`_hash_payload`'s value; digest failures
        and unreadable files are reported on the way."""
        self.result.warc_files += 1
        try:
            records = scan(path, _hash_payload, check_digests=True, http=True)
            for member, value in records:
                self.result.warc_records += 1
                if member.digest_problems:
                    problems = "; ".join(member.digest_problems)
                    self.fail(
                        self._where(member), f"WARC digest check failed: {problems}", "digest"
                    )
                yield member, value
        except UnreadableWarc as exc:
            where = self.crawl.relative(path)
            self.fail(where, f"not a valid WARC from byte {exc.offset}: {exc.detail}")
            if path.parent == self.crawl.evidence:
                self.unreadable_evidence = True

    def _where(self, member: Member) -> str:
        uri = f" {member.target_uri}" if member.target_uri else ""
        where = f"{self.crawl.relative(member.path)} @{member.offset}"
        return f"{where} {member.record_type} {member.record_id}{uri}"

    def check_content(self, decisions: _Decisions) -> None:
        seen: set[str] = set()
        for path in self.crawl.content_warcs():
            for member, value in self._records(path):
                self._check_content_record(decisions, member, value, seen)
        for record_id, stored in decisions.stored.items():
            if record_id not in seen:
                self.fail(
                    f"{self.decisions_name}:{stored.line}",
                    f"{stored.url}: stored response {record_id} is missing from content/",
                    "missing-content",
                )

    def _check_content_record(
        self, decisions: _Decisions, member: Member, value: Any, seen: set[str]
    ) -> None:
        where = self._where(member)
        uri = member.subject or ""
        if member.record_type == "warcinfo":
            return
        if member.record_type == "response":
            stored = decisions.stored.get(member.record_id)
            if stored is None:
                self.fail(where, self._unexpected_response(decisions, uri), "unexpected-content")
                return
            seen.add(member.record_id)
            if uri not in (stored.final_url, stored.url):
                self.fail(where, f"stored for {uri} but its decision is for {stored.final_url}")
            if value != stored.sha256:
                self.fail(
                    where,
                    f"payload SHA-256 {value} differs from the decision's content_sha256 "
                    f"{stored.sha256} ({self.decisions_name}:{stored.line})",
                )
            return
        if member.record_type in ("request", "metadata"):
            if member.refers_to not in decisions.stored:
                decided = decisions.by_url.get(uri)
                what = f", whose decision is {decided[0]} ({decided[1]})," if decided else ""
                self.fail(
                    where,
                    f"{member.record_type} record for {uri}{what} belongs to no stored allowed "
                    "response",
                    "unexpected-content",
                )
            elif member.record_type == "metadata":
                stored = decisions.stored[member.refers_to]
                if not isinstance(value, Mapping) or value.get("decision") != "allowed":
                    self.fail(where, f"metadata record does not say decision allowed: {value!r}")
                if uri not in (stored.final_url, stored.url):
                    self.fail(
                        where,
                        f"metadata record for {uri} refers to the response for {stored.final_url}",
                    )
            return
        self.fail(where, f"unexpected {member.record_type} record in content/")

    @staticmethod
    def _unexpected_response(decisions: _Decisions, uri: str) -> str:
        decided = decisions.by_url.get(uri)
        if decided is None:
            return f"content response for {uri}, which has no decision record"
        if decided[0] != "allowed":
            return (
                f"content response for {uri}, whose decision is {decided[0]} ({decided[1]}): "
                "non-allowed content is stored"
            )
        return f"content response for {uri} is not the stored response its decision names"

    # -- 2. and 5. evidence ---------------------------------------------------------

    def check_evidence(self, decisions: _Decisions) -> None:
        responses: dict[str, Member] = {}
        metadata: set[str] = set()
        referenced: dict[str, str] = dict(decisions.document_ids)
        for path in self.crawl.evidence_warcs():
            for member, value in self._records(path):
                if member.record_type == "response":
                    responses[member.record_id] = member
                elif member.record_type == "metadata":
                    metadata.add(member.record_id)
                    try:
                        named = metadata_evidence(value)
                    except ValueError as exc:
                        where = self._where(member)
                        self.fail(where, f"origin evidence cannot be read: {exc}")
                        continue
                    for ref in named.documents():
                        for read in ref.records:
                            referenced.setdefault(read.record_id, self._where(member))
        for evidence_id, where in decisions.origin_ids.items():
            if evidence_id not in metadata and evidence_id not in self.peer_metadata:
                what = f"names origin evidence {evidence_id}, missing from evidence/"
                self.fail(where, what, "missing-evidence")
        for record_id, where in referenced.items():
            if record_id not in responses and record_id not in self.peer_responses:
                what = f"names policy document record {record_id}, missing from evidence/"
                self.fail(where, what, "missing-evidence")
        if self.unreadable_evidence:
            return  # what refers to the unread rest is unknown: "unreferenced" is noise
        for record_id, member in responses.items():
            if record_id not in referenced and record_id not in self.peer_referenced:
                self.warn(
                    self._where(member),
                    "evidence response referred to by no decision or origin record "
                    "(an interrupted fetch?)",
                    "unreferenced",
                )


def _evidence_ids(crawls: Iterable[CrawlDir]) -> tuple[set[str], set[str]]:
    """(metadata record ids, response record ids) of the evidence WARCs of ``crawls``;
    a damaged file counts what was read before the damage."""
    metadata: set[str] = set()
    responses: set[str] = set()
    for crawl in crawls:
        for path in crawl.evidence_warcs():
            try:
                for member, _ in scan(path):
                    if member.record_type == "metadata":
                        metadata.add(member.record_id)
                    elif member.record_type == "response":
                        responses.add(member.record_id)
            except UnreadableWarc:
                continue  # reported by the worker's own verification
    return metadata, responses


def _verify_workers(top: CrawlDir, strict: bool) -> VerifyResult:
    """A distributed crawl: every worker's directory checked as a crawl of its own, with
    the other workers' evidence counted as present, and every URL decided once across
    all workers."""
    workers = top.parts()
    metadata, responses = _evidence_ids(workers)
    verifiers = []
    decided_by: dict[str, str] = {}
    for worker in workers:
        verifier = _Verifier(worker, strict)
        verifier.prefix = f"{top.relative(worker.root)}/"
        verifier.peer_metadata, verifier.peer_responses = metadata, responses
        verifier.check_manifest()
        found = verifier.check_decisions()
        for url, line in verifier.first_line.items():
            where = f"{verifier.decisions_name}:{line}"
            if url in decided_by:
                verifier.fail(where, f"{url} also decided at {decided_by[url]}", "decided-twice")
            else:
                decided_by[url] = verifier.prefix + where
        verifiers.append((verifier, found))
    referenced = {record_id for _, found in verifiers for record_id in found.document_ids} | {
        evidence_id for _, found in verifiers for evidence_id in found.origin_ids
    }
    result = VerifyResult()
    for verifier, found in verifiers:
        verifier.peer_referenced = referenced
        verifier.check_content(found)
        verifier.check_evidence(found)
        part = verifier.result
        result.violations += part.violations
        result.warnings += part.warnings
        for kind, count in part.unlisted.items():
            result.unlisted[kind] = result.unlisted.get(kind, 0) + count
        result.decisions += part.decisions
        result.stored += part.stored
        result.warc_files += part.warc_files
        result.warc_records += part.warc_records
        result.digests_checked += part.digests_checked
    return result


def verify_crawl(root: Path, *, strict: bool = False) -> VerifyResult:
    """Run every check on the crawl directory ``root`` (only read): one crawl, or every
    worker of a distributed crawl."""
    crawl = CrawlDir(root)
    if not crawl.holds_crawl and crawl.workers.is_dir():
        return _verify_workers(crawl, strict)
    verifier = _Verifier(crawl, strict)
    try:
        peers = [part for part in crawl.evidence_sources() if part != crawl]
    except NotACrawl:
        peers = []
    if peers:  # one worker of a distributed crawl, checked alone
        verifier.peer_metadata, verifier.peer_responses = _evidence_ids(peers)
    verifier.check_manifest()
    decisions = verifier.check_decisions()
    verifier.check_content(decisions)
    verifier.check_evidence(decisions)
    return verifier.result


def verify_wacz(path: Path, *, strict: bool = False) -> VerifyResult:
    """Check the WACZ file ``path`` (see the module docstring); places are named by the
    package's file names (``archive/...``, ``crawl/decisions.jsonl:12``)."""
    from tdm_crawler.offline.wacz import check_derived, read_package

    with tempfile.TemporaryDirectory(prefix="tdm-verify-") as work:
        package = read_package(path, Path(work))
        result = VerifyResult()
        if package.names:
            result = verify_crawl(package.crawl.root, strict=strict)
            result.violations = [
                Violation(package.name_of(v.where), v.what) for v in result.violations
            ]
            result.warnings = [Violation(package.name_of(w.where), w.what) for w in result.warnings]
            check_derived(package)
        target = result.warnings if not strict else result.violations
        result.violations[:0] = [Violation(where, what) for where, what in package.problems]
        target.extend(Violation(where, what) for where, what in package.warnings)
    return result


def format_result(result: VerifyResult, root: Path) -> str:
    """The verdict, then each violation and warning on its own line."""
    counts = (
        f"{result.decisions} decisions, {result.stored} stored responses, "
        f"{result.warc_records} records in {result.warc_files} WARC files, "
        f"{result.digests_checked} file digests"
    )
    lines = []
    if result.ok:
        lines.append(f"OK: {root} verified ({counts})")
    else:
        lines.append(f"FAILED: {root}: {len(result.violations)} violations ({counts})")
        lines += [f"  {violation}" for violation in result.violations]
    if result.warnings:
        lines.append(f"{len(result.warnings)} warnings (violations with --strict):")
        lines += [f"  {warning}" for warning in result.warnings]
    for kind, count in sorted(result.unlisted.items()):
        lines.append(f"  ... and {count} more of the kind {kind!r} (first {MAX_LISTED} listed)")
    return "\n".join(lines)
