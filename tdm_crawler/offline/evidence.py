"""The policy documents a crawl read, turned back into the inputs of the decision functions.

The live crawl parses an origin's robots.txt, tdmrep.json and RSL licences once and
decides all the origin's URLs from that :class:`OriginFacts`. The evidence WARC holds
those documents exactly as fetched, plus one ``metadata`` record per origin load naming
them (:class:`~tdm_crawler.store.evidence.OriginEvidence`); a decision record points at
that metadata record by id, and at the documents fetched for the URL itself by
:class:`~tdm_crawler.store.evidence.DocumentRef`.

:class:`EvidenceIndex` reads the evidence files once (bodies stay on disk).
:class:`EvidenceReader` rebuilds OriginFacts, licences and TDM policies from it with the
crawl's own parsers, at most once per evidence id (bounded LRU caches), so replaying a
crawl costs little more than reading its decision log.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from tdm_crawler.exceptions import MissingEvidence
from tdm_crawler.policy import (
    FetchedDocument,
    License,
    Limits,
    OriginFacts,
    PolicyProblem,
    PolicySummary,
    policy_from_fetch,
    read_license,
    read_policy_files,
)
from tdm_crawler.store import CrawlDir
from tdm_crawler.store.evidence import (
    DocumentRef,
    OriginEvidence,
    SitemapEvidence,
    metadata_evidence,
)
from tdm_crawler.store.warcread import Member, metadata_json, read_payload, scan

__all__ = [
    "EvidenceIndex",
    "EvidenceReader",
    "MissingEvidence",
    "document_fingerprints",
]

K = TypeVar("K")
V = TypeVar("V")

Fetched = tuple[int | None, bytes | None, str | None]


@dataclass
class EvidenceIndex:
    """Where every evidence response record is, and every origin evidence record."""

    responses: dict[str, Member] = field(default_factory=dict)
    metadata: dict[str, OriginEvidence] = field(default_factory=dict)
    #: Origin evidence records of another shape: record id -> what is wrong.
    unreadable: dict[str, str] = field(default_factory=dict)
    #: origin -> its metadata record ids in the order written (one per load of the origin).
    origins: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(cls, sources: Iterable[CrawlDir]) -> EvidenceIndex:
        """Read the evidence WARC files of ``sources`` (a crawl, or every worker of a
        distributed crawl) once; raises UnreadableWarc if one is damaged."""
        index = cls()
        for path in [file for source in sources for file in source.evidence_warcs()]:
            for member, payload in scan(path, metadata_json):
                if member.record_type == "response":
                    index.responses[member.record_id] = member
                elif member.record_type == "metadata" and isinstance(payload, dict):
                    try:
                        evidence = metadata_evidence(payload)
                    except ValueError as exc:
                        index.unreadable[member.record_id] = str(exc)
                    else:
                        if isinstance(evidence, SitemapEvidence):
                            continue  # no decision rests on the sitemaps read
                        index.metadata[member.record_id] = evidence
                    if member.subject:
                        index.origins.setdefault(member.subject, []).append(member.record_id)
        return index


class _Lru(Generic[K, V]):
    """A dict bounded to ``size`` entries, least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[K, V] = OrderedDict()

    def get(self, key: K, make: Callable[[], V]) -> V:
        if key in self._data:
            self._data.move_to_end(key)
            return self._data[key]
        value = make()
        self._data[key] = value
        if len(self._data) > self.size:
            self._data.popitem(last=False)
        return value


class EvidenceReader:
    """Rebuilds what the crawl's parsers made of each policy document, from the evidence."""

    def __init__(self, index: EvidenceIndex, limits: Limits, *, cache_size: int = 4096):
        self.index = index
        self.limits = limits
        self._origins: _Lru[str, OriginFacts] = _Lru(cache_size)
        self._licenses: _Lru[DocumentRef, License] = _Lru(cache_size)
        self._policies: _Lru[DocumentRef, PolicySummary | PolicyProblem | None] = _Lru(cache_size)

    def origin(self, origin: str, evidence_id: str | None) -> OriginFacts:
        """The facts ``origin``'s URLs were decided with, as named by ``evidence_id``."""
        if evidence_id is None:
            raise MissingEvidence(
                "no-evidence",
                f"the crawl recorded no policy documents for {origin} with this decision",
            )
        return self._origins.get(evidence_id, lambda: self._load_origin(origin, evidence_id))

    def _load_origin(self, origin: str, evidence_id: str) -> OriginFacts:
        evidence = self.index.metadata.get(evidence_id)
        if evidence is None:
            problem = self.index.unreadable.get(evidence_id)
            if problem is not None:
                raise MissingEvidence("bad-evidence", f"origin evidence {evidence_id}: {problem}")
            raise MissingEvidence(
                "missing-evidence", f"origin evidence {evidence_id} of {origin} is not in evidence/"
            )
        if evidence.address is not None:
            raise MissingEvidence(
                "address-check",
                f"{origin} was refused by the address check ({evidence.address}); "
                "DNS is not repeated offline",
            )
        if evidence.robots is None or evidence.tdmrep is None:
            raise MissingEvidence(
                "missing-evidence", f"origin evidence {evidence_id} of {origin} names no files"
            )
        robots, tdmrep = self.document(evidence.robots), self.document(evidence.tdmrep)
        files = read_policy_files(robots, tdmrep, self.limits)
        return OriginFacts(*files, self.licenses(evidence.licenses))

    def licenses(self, refs: Sequence[DocumentRef]) -> tuple[License, ...]:
        """RSL licences as the crawl's fetcher parsed them (a failed fetch is a problem)."""
        return tuple(self._licenses.get(ref, partial(self._license, ref)) for ref in refs)

    def _license(self, ref: DocumentRef) -> License:
        return read_license(self.document(ref), self.limits)

    def policy(self, ref: DocumentRef | None) -> PolicySummary | PolicyProblem | None:
        """The TDM policy behind a reservation; None when it could not be fetched."""
        if ref is None:
            return None
        return self._policies.get(ref, lambda: self._policy(ref))

    def _policy(self, ref: DocumentRef) -> PolicySummary | PolicyProblem | None:
        status, body, _ = self.fetched(ref)
        return policy_from_fetch(ref.url, status, body, max_bytes=self.limits.document_bytes)

    def document(self, ref: DocumentRef) -> FetchedDocument:
        """The fetch ``ref`` names, as the crawl's readers got it."""
        return FetchedDocument(ref.url, *self.fetched(ref))

    def fetched(self, ref: DocumentRef) -> Fetched:
        """``(status, decoded body, error)`` of a fetch, as the crawl's parsers got them."""
        if ref.status is None:
            return None, None, ref.error
        read = ref.response
        member = self.index.responses.get(read.record_id) if read is not None else None
        if member is None:
            raise MissingEvidence(
                "missing-evidence",
                f"{ref.url}: HTTP {ref.status} recorded but its WARC record is not in evidence/",
            )
        return ref.status, read_payload(member).body, ref.error


def _document(ref: DocumentRef | None) -> str:
    """``"<status> <payload digest>"``, or ``"error: ..."``: one document as fetched."""
    if ref is None:
        return "not recorded"
    if ref.status is None:
        return f"error: {ref.error}"
    read = ref.response
    return f"{ref.status} {read.digest if read is not None else None}"


def document_fingerprints(evidence: OriginEvidence) -> dict[str, str]:
    """What an origin's policy documents were, compactly: document name -> status and
    WARC payload digest of the response read (equal strings = same bytes received)."""
    if evidence.address is not None:
        return {"address": evidence.address}
    result = {"robots.txt": _document(evidence.robots), "tdmrep.json": _document(evidence.tdmrep)}
    for ref in evidence.licenses:
        result[f"licence {ref.url}"] = _document(ref)
    return result
