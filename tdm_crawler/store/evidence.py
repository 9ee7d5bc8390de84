"""The evidence a decision rests on, as types: what the crawl writes and every reader reads.

Two kinds of JSON carry it:

- the *origin evidence*, one ``metadata`` record in the evidence WARC per load of an
  origin's policy documents (:class:`OriginEvidence`): which robots.txt, tdmrep.json
  and RSL licence responses were read, each as a :class:`DocumentRef` naming its WARC
  records (:class:`RecordRef`) — or, for an origin the address check refused, why;
  and, with ``--sitemaps``, one ``metadata`` record per origin whose sitemaps were read
  (:class:`SitemapEvidence`, ``"kind": "sitemaps"``), naming each sitemap fetched —
  :func:`metadata_evidence` tells the two apart;
- the ``evidence`` field of each decision record (:class:`DecisionEvidence`): which
  decision function decided (``stage``), the redirect hops gated before the URL, the
  origin evidence record of every origin involved, and after a fetch what of the
  response was read (:class:`ResponseEvidence`, never the body) and the TDM policy
  fetched; after a failed fetch, the failure (:class:`FetchFailure`).

Each type has ``to_json`` and ``from_json``; the JSON is the contract (a crawl written by
release 0.1.0 reads unchanged). ``from_json`` raises ValueError, naming the field, on
JSON of another shape. The shape has a format version, :data:`EVIDENCE_FORMAT`: format 1
is the shape without a ``format`` field (0.1.0's and today's, so their bytes are the
same); a later format will write ``"format": N`` at the top of both kinds of JSON, and
this reader refuses a format it does not know rather than misread it. Adding a field
tomorrow is one field here, in ``to_json`` and ``from_json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final

from tdm_crawler.policy.content import ContentFacts
from tdm_crawler.policy.types import Reason

__all__ = [
    "EVIDENCE_FORMAT",
    "STAGES",
    "DecisionEvidence",
    "DocumentRef",
    "FetchFailure",
    "OriginEvidence",
    "RecordRef",
    "ResponseEvidence",
    "SitemapEvidence",
    "metadata_evidence",
    "of_record",
]

#: The evidence format this module reads and writes (see the module docstring).
EVIDENCE_FORMAT: Final = 1

#: Which decision function decided: the address check, before the fetch (origin-level
#: signals), after it (the response), or the fetch failed.
STAGES: Final = ("address", "before", "after", "failed")


_NONE: Final = type(None)


def _object(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{what} must be a JSON object, got {type(data).__name__}")
    return data


def _format(data: Mapping[str, Any], what: str) -> None:
    found = data.get("format", EVIDENCE_FORMAT)
    if found != EVIDENCE_FORMAT:
        raise ValueError(
            f"{what} is in evidence format {found!r}; this tdm-crawler reads format "
            f"{EVIDENCE_FORMAT} (a newer release wrote it?)"
        )


_KIND_NAMES: Final = {str: "a string", int: "a number", list: "a list", dict: "an object"}


def _field(data: Mapping[str, Any], name: str, *kinds: type, what: str) -> Any:
    """``data[name]``, which must be present and of one of ``kinds`` (exactly: a JSON
    ``true`` is no number)."""
    if name not in data:
        raise ValueError(f"{what} lacks {name!r}")
    value = data[name]
    if type(value) not in kinds:
        expected = " or ".join("null" if k is _NONE else _KIND_NAMES[k] for k in kinds)
        raise ValueError(f"{what}: {name!r} must be {expected}, got {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class RecordRef:
    """One response record in the evidence WARC: its ``WARC-Record-ID`` and its
    ``WARC-Payload-Digest`` (equal digests: the same bytes were received)."""

    record_id: str
    digest: str

    def to_json(self) -> dict[str, str]:
        return {"id": self.record_id, "digest": self.digest}

    @classmethod
    def from_json(cls, data: Any) -> RecordRef:
        what = "a record reference"
        data = _object(data, what)
        return cls(_field(data, "id", str, what=what), _field(data, "digest", str, what=what))


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """How a decision points at one fetched policy document: the URL asked for (or the
    last redirect target), the HTTP status or the error, and the evidence WARC records
    of every attempt and redirect hop — the last is the response that was read."""

    url: str
    status: int | None
    error: str | None
    records: tuple[RecordRef, ...] = ()

    @property
    def response(self) -> RecordRef | None:
        """The record whose body the crawl read; None when the fetch got no status."""
        return self.records[-1] if self.status is not None and self.records else None

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "status": self.status,
            "error": self.error,
            "records": [record.to_json() for record in self.records],
        }

    @classmethod
    def from_json(cls, data: Any) -> DocumentRef:
        what = "a document reference"
        data = _object(data, what)
        return cls(
            _field(data, "url", str, what=what),
            _field(data, "status", int, _NONE, what=what),
            _field(data, "error", str, _NONE, what=what),
            tuple(RecordRef.from_json(item) for item in _field(data, "records", list, what=what)),
        )


def _refs(data: Mapping[str, Any], name: str, what: str) -> tuple[DocumentRef, ...]:
    return tuple(DocumentRef.from_json(item) for item in _field(data, name, list, what=what))


@dataclass(frozen=True, slots=True)
class OriginEvidence:
    """One load of an origin's policy documents, as its evidence ``metadata`` record
    says: robots.txt, tdmrep.json and the RSL licences robots.txt named; or, for an
    origin the address check refused before anything was fetched, only ``address``
    (why)."""

    robots: DocumentRef | None = None
    tdmrep: DocumentRef | None = None
    licenses: tuple[DocumentRef, ...] = ()
    address: str | None = None

    @classmethod
    def refused(cls, problem: str) -> OriginEvidence:
        return cls(address=problem)

    def documents(self) -> Iterator[DocumentRef]:
        """Every document read: robots.txt, tdmrep.json, then the licences."""
        for ref in (self.robots, self.tdmrep, *self.licenses):
            if ref is not None:
                yield ref

    def to_json(self) -> dict[str, Any]:
        if self.address is not None:
            return {"address": self.address}
        return {
            "robots": None if self.robots is None else self.robots.to_json(),
            "tdmrep": None if self.tdmrep is None else self.tdmrep.to_json(),
            "licenses": [ref.to_json() for ref in self.licenses],
        }

    @classmethod
    def from_json(cls, data: Any) -> OriginEvidence:
        what = "origin evidence"
        data = _object(data, what)
        _format(data, what)
        if "address" in data:
            return cls.refused(_field(data, "address", str, what=what))
        robots = _field(data, "robots", dict, _NONE, what=what)
        tdmrep = _field(data, "tdmrep", dict, _NONE, what=what)
        return cls(
            None if robots is None else DocumentRef.from_json(robots),
            None if tdmrep is None else DocumentRef.from_json(tdmrep),
            _refs(data, "licenses", what),
        )


@dataclass(frozen=True, slots=True)
class SitemapEvidence:
    """One origin's sitemaps as read (``--sitemaps``): every sitemap and index fetched,
    in reading order, how many URLs they gave the crawl, and what was refused or dropped
    on the way. Not an origin load: no decision rests on it, and readers of origin
    evidence skip it."""

    sitemaps: tuple[DocumentRef, ...]
    urls: int
    problems: tuple[str, ...] = ()

    #: The ``kind`` of its JSON (origin evidence has none).
    KIND: ClassVar[str] = "sitemaps"

    def documents(self) -> Iterator[DocumentRef]:
        yield from self.sitemaps

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.KIND,
            "sitemaps": [ref.to_json() for ref in self.sitemaps],
            "urls": self.urls,
            "problems": list(self.problems),
        }

    @classmethod
    def from_json(cls, data: Any) -> SitemapEvidence:
        what = "sitemap evidence"
        data = _object(data, what)
        _format(data, what)
        problems = _field(data, "problems", list, what=what)
        if any(type(problem) is not str for problem in problems):
            raise ValueError(f"{what}: 'problems' must be strings")
        urls = _field(data, "urls", int, what=what)
        return cls(_refs(data, "sitemaps", what), urls, tuple(problems))


def metadata_evidence(data: Any) -> OriginEvidence | SitemapEvidence:
    """The payload of an evidence ``metadata`` record, as the kind it says it is."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind is None:
        return OriginEvidence.from_json(data)
    if kind == SitemapEvidence.KIND:
        return SitemapEvidence.from_json(data)
    raise ValueError(f"evidence metadata of unknown kind {kind!r}")


@dataclass(frozen=True, slots=True)
class ResponseEvidence:
    """What of a fetched response a decision read: the decision-relevant headers
    (lower-case name and value, repeats and order kept), the in-content facts, and the
    RSL licences the response linked to. Never the body."""

    headers: tuple[tuple[str, str], ...]
    content: ContentFacts
    licenses: tuple[DocumentRef, ...] = ()

    def header_map(self) -> dict[str, list[str]]:
        """The headers as the decision functions take them: name -> values."""
        found: dict[str, list[str]] = {}
        for name, value in self.headers:
            found.setdefault(name, []).append(value)
        return found

    def to_json(self) -> dict[str, Any]:
        return {
            "headers": [[name, value] for name, value in self.headers],
            "content": self.content.to_json(),
            "licenses": [ref.to_json() for ref in self.licenses],
        }

    @classmethod
    def from_json(cls, data: Any) -> ResponseEvidence:
        what = "the response evidence"
        data = _object(data, what)
        headers = []
        for pair in _field(data, "headers", list, what=what):
            if type(pair) is not list or len(pair) != 2:
                raise ValueError(f"{what}: a header must be [name, value], got {pair!r}")
            name, value = pair
            if type(name) is not str or type(value) is not str:
                raise ValueError(f"{what}: a header must be [name, value], got {pair!r}")
            headers.append((name, value))
        try:
            content = ContentFacts.from_json(_field(data, "content", dict, what=what))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{what}: the content facts cannot be read ({exc!r})") from None
        return cls(tuple(headers), content, _refs(data, "licenses", what))


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a fetch failed: the decision reason it was recorded with, and the detail."""

    reason: Reason
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"reason": self.reason.value, "detail": self.detail}

    @classmethod
    def from_json(cls, data: Any) -> FetchFailure:
        what = "the failure"
        data = _object(data, what)
        reason = Reason(_field(data, "reason", str, what=what))
        return cls(reason, _field(data, "detail", str, what=what))


@dataclass(frozen=True, slots=True)
class DecisionEvidence:
    """The ``evidence`` field of a decision record: what an offline replay needs to
    decide the URL again with the same functions (see the module docstring)."""

    stage: str
    url: str
    hops: tuple[str, ...] = ()
    #: Every origin involved (the hops', the URL's) -> its origin evidence record id,
    #: None when nothing was recorded for it.
    origins: Mapping[str, str | None] = field(default_factory=dict)
    response: ResponseEvidence | None = None
    policy: DocumentRef | None = None
    failure: FetchFailure | None = None

    def documents(self) -> Iterator[DocumentRef]:
        """The documents fetched for this URL itself: its TDM policy, then the licences
        its response linked to (the origins' documents are in their origin evidence)."""
        if self.policy is not None:
            yield self.policy
        if self.response is not None:
            yield from self.response.licenses

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stage": self.stage,
            "url": self.url,
            "hops": list(self.hops),
            "origins": dict(self.origins),
        }
        if self.response is not None:
            data["response"] = self.response.to_json()
            data["policy"] = None if self.policy is None else self.policy.to_json()
        if self.failure is not None:
            data["failure"] = self.failure.to_json()
        return data

    @classmethod
    def from_json(cls, data: Any) -> DecisionEvidence:
        what = "the evidence"
        data = _object(data, what)
        _format(data, what)
        stage = _field(data, "stage", str, what=what)
        if stage not in STAGES:
            raise ValueError(f"{what}: unknown stage {stage!r} (one of {', '.join(STAGES)})")
        hops = _field(data, "hops", list, what=what)
        for hop in hops:
            if type(hop) is not str:
                raise ValueError(f"{what}: 'hops' must be URLs, got {hops!r}")
        origins = _field(data, "origins", dict, what=what)
        for record_id in origins.values():
            if record_id is not None and type(record_id) is not str:
                raise ValueError(f"{what}: 'origins' must map origins to record ids or null")
        response, policy, failure = data.get("response"), data.get("policy"), data.get("failure")
        return cls(
            stage,
            _field(data, "url", str, what=what),
            tuple(hops),
            dict(origins),
            None if response is None else ResponseEvidence.from_json(response),
            None if policy is None else DocumentRef.from_json(policy),
            None if failure is None else FetchFailure.from_json(failure),
        )


def of_record(record: Mapping[str, Any]) -> DecisionEvidence | None:
    """The evidence of a decision record; None when it carries none (``null``)."""
    evidence = record.get("evidence")
    return None if evidence is None else DecisionEvidence.from_json(evidence)
