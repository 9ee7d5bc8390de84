"""The policy documents a crawl read, turned back into the inputs of the decision functions.

The live crawl parses an origin's robots.txt, tdmrep.json and RSL licences once and
decides all the origin's URLs from that :class:`OriginFacts`. The evidence WARC holds
those documents exactly as fetched, plus one ``metadata`` record per origin load naming
them (``{"robots": ref, "tdmrep": ref, "licenses": [ref, ...]}`` or ``{"address":
problem}``); a decision record points at that metadata record by id. A *ref* is
``{"url", "status", "error", "records": [{"id", "digest"}, ...]}``: the last record is the
response that was read; ``error`` set means no usable response.

:class:`EvidenceIndex` reads the evidence files once (bodies stay on disk).
:class:`EvidenceReader` rebuilds OriginFacts, licences and TDM policies from it with the
crawl's own parsers, at most once per evidence id (bounded LRU caches), so replaying a
crawl costs little more than reading its decision log.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, TypeVar

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
from tdm_crawler.store.warcread import Member, metadata_json, read_payload, scan

__all__ = [
    "EvidenceIndex",
    "EvidenceReader",
    "MissingEvidence",
    "document_fingerprints",
]

K = TypeVar("K")
V = TypeVar("V")

Ref = Mapping[str, Any]
Fetched = tuple[int | None, bytes | None, str | None]


@dataclass
class EvidenceIndex:
    """Where every evidence record is, and every origin metadata record's payload."""

    responses: dict[str, Member] = field(default_factory=dict)
    metadata: dict[str, dict[str, Any]] = field(default_factory=dict)
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
                    index.metadata[member.record_id] = payload
                    if member.target_uri:
                        index.origins.setdefault(member.target_uri, []).append(member.record_id)
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
        self._licenses: _Lru[str, License] = _Lru(cache_size)
        self._policies: _Lru[str, PolicySummary | PolicyProblem | None] = _Lru(cache_size)

    def origin(self, origin: str, evidence_id: str | None) -> OriginFacts:
        """The facts ``origin``'s URLs were decided with, as named by ``evidence_id``."""
        if evidence_id is None:
            raise MissingEvidence(
                "no-evidence",
                f"the crawl recorded no policy documents for {origin} with this decision",
            )
        return self._origins.get(evidence_id, lambda: self._load_origin(origin, evidence_id))

    def _load_origin(self, origin: str, evidence_id: str) -> OriginFacts:
        payload = self.index.metadata.get(evidence_id)
        if payload is None:
            raise MissingEvidence(
                "missing-evidence", f"origin evidence {evidence_id} of {origin} is not in evidence/"
            )
        if "address" in payload:
            raise MissingEvidence(
                "address-check",
                f"{origin} was refused by the address check ({payload['address']}); "
                "DNS is not repeated offline",
            )
        robots, tdmrep = self.document(payload["robots"]), self.document(payload["tdmrep"])
        files = read_policy_files(robots, tdmrep, self.limits)
        return OriginFacts(*files, self.licenses(payload.get("licenses") or ()))

    def licenses(self, refs: Sequence[Ref]) -> tuple[License, ...]:
        """RSL licences as the crawl's fetcher parsed them (a failed fetch is a problem)."""
        licenses = []
        for ref in refs:
            licenses.append(self._licenses.get(_ref_key(ref), partial(self._license, ref)))
        return tuple(licenses)

    def _license(self, ref: Ref) -> License:
        return read_license(self.document(ref), self.limits)

    def policy(self, ref: Ref | None) -> PolicySummary | PolicyProblem | None:
        """The TDM policy behind a reservation; None when it could not be fetched."""
        if ref is None:
            return None
        return self._policies.get(_ref_key(ref), lambda: self._policy(ref))

    def _policy(self, ref: Ref) -> PolicySummary | PolicyProblem | None:
        status, body, _ = self.fetched(ref)
        return policy_from_fetch(
            str(ref["url"]), status, body, max_bytes=self.limits.document_bytes
        )

    def document(self, ref: Ref) -> FetchedDocument:
        """The fetch ``ref`` names, as the crawl's readers got it."""
        return FetchedDocument(str(ref["url"]), *self.fetched(ref))

    def fetched(self, ref: Ref) -> Fetched:
        """``(status, decoded body, error)`` of a fetch, as the crawl's parsers got them."""
        status = ref.get("status")
        error = ref.get("error")
        if status is None:
            return None, None, error
        records = ref.get("records") or []
        member = self.index.responses.get(records[-1]["id"]) if records else None
        if member is None:
            raise MissingEvidence(
                "missing-evidence",
                f"{ref.get('url')}: HTTP {status} recorded but its WARC record is not in evidence/",
            )
        return int(status), read_payload(member).body, error


def _ref_key(ref: Ref) -> str:
    records = ref.get("records") or []
    if ref.get("status") is not None and records:
        return str(records[-1]["id"])
    return json.dumps([ref.get("url"), ref.get("status"), ref.get("error")])


def _document(ref: Ref | None) -> str:
    """``"<status> <payload digest>"``, or ``"error: ..."``: one document as fetched."""
    if ref is None:
        return "not recorded"
    if ref.get("status") is None:
        return f"error: {ref.get('error')}"
    records = ref.get("records") or []
    digest = records[-1].get("digest") if records else None
    return f"{ref['status']} {digest}"


def document_fingerprints(payload: Mapping[str, Any]) -> dict[str, str]:
    """What an origin's policy documents were, compactly: document name -> status and
    WARC payload digest of the response read (equal strings = same bytes received)."""
    if "address" in payload:
        return {"address": str(payload["address"])}
    result = {
        "robots.txt": _document(payload.get("robots")),
        "tdmrep.json": _document(payload.get("tdmrep")),
    }
    for ref in payload.get("licenses") or ():
        result[f"licence {ref.get('url')}"] = _document(ref)
    return result
