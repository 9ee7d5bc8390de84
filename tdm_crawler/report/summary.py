"""Streaming aggregation of a crawl directory for the report and the datasheet.

A crawl may hold millions of decision records, so nothing here keeps records: a
:class:`CrawlSummary` is fed one record at a time (:meth:`CrawlSummary.add`) and keeps
counters whose size depends on the number of origins, reasons and time bins, never on
the number of URLs. Sets that could grow with URLs (policy URLs, licences, contacts) are
capped (:class:`BoundedCounter`), and the time histogram widens its bins instead of
growing (:class:`TimeHistogram`).

The per-origin status of robots.txt and tdmrep.json comes from the evidence WARC's
metadata records (the authoritative account of what was fetched, :func:`read_origin_files`);
the signals of the decision records are only the fallback for crawls without evidence.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Set
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from tdm_crawler.exceptions import NotACrawl, UnreadableWarc
from tdm_crawler.store.decisions import iter_records
from tdm_crawler.store.evidence import DecisionEvidence, OriginEvidence, metadata_evidence
from tdm_crawler.store.layout import CrawlDir
from tdm_crawler.store.warcread import Member, metadata_json, read_payload, scan

__all__ = [
    "DECISIONS",
    "EXCLUDED",
    "OPT_OUT",
    "PROTOCOLS",
    "BoundedCounter",
    "CrawlSummary",
    "OriginFiles",
    "OriginStats",
    "SignalFact",
    "TimeHistogram",
    "content_bytes",
    "crawl_records",
    "evidence_ids",
    "origin_of",
    "protocols_in_use",
    "read_origin_files",
    "signal_fact",
    "summarise",
]

#: The decisions of interface.md, in the order the report shows them.
DECISIONS: Final = ("allowed", "reserved", "disallowed", "unknown", "error")
_DECISION_INDEX: Final = {name: index for index, name in enumerate(DECISIONS)}
#: Decisions that keep a URL out of the corpus.
EXCLUDED: Final = frozenset(DECISIONS[1:])
#: Decisions that are a rightsholder's or site's opt-out (not a failure of ours or theirs).
OPT_OUT: Final = frozenset({"reserved", "disallowed"})

#: Opt-out protocols whose use per origin the report counts: (signal protocol, label).
PROTOCOLS: Final = (
    ("robots", "robots.txt"),
    ("robots-ai-agent", "robots.txt AI-agent groups"),
    ("tdmrep", "TDMRep"),
    ("tdm-policy", "TDMRep policy (ODRL)"),
    ("noai", "noai / noimageai"),
    ("bing", "Bing noarchive / nocache"),
    ("content-usage", "Content-Usage (IETF aipref)"),
    ("content-signal", "Content-Signal"),
    ("rsl", "RSL licence"),
    ("c2pa", "C2PA"),
)
_PROTOCOL_NAMES: Final = frozenset(name for name, _ in PROTOCOLS)

_ROBOTS_GROUP = re.compile(r"^(group '|no group for )")
_STATUS_DETAIL = re.compile(r"^\d{3}: ")

logger = logging.getLogger(__name__)


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the port always explicit, as the evidence keys are.

    The same rule as :func:`tdm_crawler.crawl.origin.origin_of`, repeated here so the
    report does not import Scrapy; cached per ``scheme://authority`` because a crawl has
    far fewer origins than URLs and this runs for every record.
    """
    start = url.find("://")
    if start < 0:
        return _origin(url)
    end = url.find("/", start + 3)
    prefix = url if end < 0 else url[:end]
    if "?" in prefix or "#" in prefix:
        prefix = prefix.split("?", 1)[0].split("#", 1)[0]
    return _origin(prefix)


@functools.lru_cache(maxsize=4096)
def _origin(prefix: str) -> str:
    try:
        parts = urlsplit(prefix)
        scheme = parts.scheme.lower()
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        return "(invalid URL)"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


def _said_something(value: Any) -> bool:
    """Whether a signal's value states anything (a dict with only nulls states nothing)."""
    if value is None or value == "" or value == [] or value == {}:
        return False
    if isinstance(value, dict):
        return any(_said_something(v) for v in value.values())
    return True


def protocols_in_use(
    signals: Iterable[Mapping[str, Any]], known: Set[str] = frozenset()
) -> set[str]:
    """The protocols of :data:`PROTOCOLS` that a record's signals show the site using.

    ``robots``: a robots.txt with groups was read (an absent or unreachable one is not
    "used"); ``noai``: a ``noai``/``noimageai`` directive (other robots directives are
    about search); every other protocol: its signal has a non-empty value. Protocols in
    ``known`` are not looked at again (the origin is already known to use them).
    """
    used: set[str] = set()
    for signal in signals:
        value = signal.get("value")
        if not value:  # None, "", [], {}: nothing said
            continue
        protocol = signal.get("protocol")
        if protocol not in _PROTOCOL_NAMES or protocol in used or protocol in known:
            continue
        if protocol == "robots":
            if value == "disallow" or _ROBOTS_GROUP.match(str(signal.get("detail") or "")):
                used.add(protocol)
        elif protocol == "noai":
            words = " ".join(str(v) for v in value).lower().replace(",", " ").split()
            if {"noai", "noimageai"} & set(words):
                used.add(protocol)
        elif _said_something(value):
            used.add(str(protocol))
    return used


#: What one signal tells the summary: ``(protocol it shows in use or None, "tdm-policy" /
#: "rsl" when it carries terms or None, its value)``. None when it tells nothing.
SignalFact = tuple[str | None, str | None, Any]


def signal_fact(signal: Mapping[str, Any]) -> SignalFact | None:
    """The :data:`SignalFact` of one signal. Signals repeat across URLs, so a caller that
    numbers distinct signals computes this once per distinct signal, not per record."""
    used = next(iter(protocols_in_use((signal,))), None)
    protocol, value = signal.get("protocol"), signal.get("value")
    terms = protocol if protocol in ("tdm-policy", "rsl") and isinstance(value, dict) else None
    if used is None and terms is None:
        return None
    return used, terms, value


def evidence_ids(evidence: DecisionEvidence | None) -> list[tuple[str, str]]:
    """Every evidence WARC record id a decision rests on, as ``(what, record id)``.

    The origins' metadata records (which name the robots.txt and tdmrep.json responses),
    the fetched TDM policy and the licences the response linked to.
    """
    if evidence is None:
        return []
    found = [
        (f"policy files of {origin}", record_id)
        for origin, record_id in evidence.origins.items()
        if record_id
    ]
    labelled = [("TDM policy", evidence.policy)] if evidence.policy is not None else []
    if evidence.response is not None:
        labelled += [("licence", ref) for ref in evidence.response.licenses]
    for label, ref in labelled:
        found += [(f"{label} {ref.url}".strip(), read.record_id) for read in ref.records]
    return found


class BoundedCounter:
    """A counter that stops taking new keys past ``limit`` and counts what it dropped.

    For things that usually repeat (policy URLs, licences) but could, on a hostile
    crawl, be different for every URL.
    """

    __slots__ = ("counts", "dropped", "limit")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.counts: Counter[str] = Counter()
        self.dropped = 0

    def add(self, key: str, n: int = 1) -> None:
        if key in self.counts or len(self.counts) < self.limit:
            self.counts[key] += n
        else:
            self.dropped += n

    def most_common(self, n: int | None = None) -> list[tuple[str, int]]:
        return self.counts.most_common(n)

    def __len__(self) -> int:
        return len(self.counts)


class TimeHistogram:
    """Decisions per time bin, in at most ``max_bins`` bins whatever the crawl's length.

    Bins start ``initial_width`` seconds wide; when there are too many, the width doubles
    and neighbours merge (``floor(t / 2w) == floor(floor(t / w) / 2)``), so the counts stay
    exact per bin.
    """

    def __init__(self, *, max_bins: int = 4096, initial_width: float = 0.1) -> None:
        self.max_bins = max_bins
        self.width = initial_width
        self.bins: dict[int, list[int]] = {}

    def add(self, timestamp: float, decision: int) -> None:
        key = math.floor(timestamp / self.width)
        counts = self.bins.get(key)
        if counts is None:
            if len(self.bins) >= self.max_bins:
                self._coarsen()
                self.add(timestamp, decision)
                return
            counts = self.bins[key] = [0] * len(DECISIONS)
        counts[decision] += 1

    def _coarsen(self) -> None:
        merged: dict[int, list[int]] = {}
        for key, counts in self.bins.items():
            into = merged.setdefault(key // 2, [0] * len(DECISIONS))
            for index, n in enumerate(counts):
                into[index] += n
        self.bins = merged
        self.width *= 2

    def series(self, max_bars: int = 60) -> tuple[float, float, list[list[int]]]:
        """``(start, bar width in seconds, counts per bar per decision)``, gaps included."""
        if not self.bins:
            return 0.0, self.width, []
        low, high = min(self.bins), max(self.bins)
        per_bar = max(1, math.ceil((high - low + 1) / max_bars))
        bars = [[0] * len(DECISIONS) for _ in range((high - low) // per_bar + 1)]
        for key, counts in self.bins.items():
            bar = bars[(key - low) // per_bar]
            for index, n in enumerate(counts):
                bar[index] += n
        return low * self.width, self.width * per_bar, bars


@dataclass(slots=True)
class OriginFiles:
    """What the evidence WARC says an origin's policy files were (the latest fetch)."""

    robots_status: int | None = None
    robots_error: str | None = None
    robots_url: str | None = None
    robots_state: str = ""
    tdmrep_status: int | None = None
    tdmrep_error: str | None = None
    tdmrep_url: str | None = None
    tdmrep_state: str = ""
    tdmrep_detail: str = ""
    tdmrep_rules: int | None = None
    tdmrep_last_id: str | None = None  # the response whose body the crawl read
    licenses: tuple[str, ...] = ()
    fetches: int = 0
    record_ids: list[str] = field(default_factory=list)

    @property
    def robots_text(self) -> str:
        url = self.robots_url or ""
        where = f" (redirected to {url})" if url and not url.endswith("/robots.txt") else ""
        return f"{_status_text(self.robots_status, self.robots_error)} · {self.robots_state}{where}"

    @property
    def tdmrep_text(self) -> str:
        url = self.tdmrep_url or ""
        where = "" if not url or url.endswith("/.well-known/tdmrep.json") else f" ({url})"
        return f"{_status_text(self.tdmrep_status, self.tdmrep_error)} · {self.tdmrep_state}{where}"


def _status_text(status: int | None, error: str | None) -> str:
    if status is None:
        return error or "network error"
    return str(status)


def _robots_state(status: int | None) -> str:
    """RFC 9309 §2.3.1 as the crawler applies it (tdm_crawler.policy.robots)."""
    if status is not None and 200 <= status <= 299:
        return "present"
    if status is not None and 400 <= status <= 499 and status != 429:
        return "absent: all allowed"
    return "unreachable: all disallowed"


@dataclass(slots=True)
class OriginStats:
    """Per-origin counters; their size does not grow with the origin's URL count."""

    origin: str
    index: int
    urls: int = 0
    stored: int = 0
    decisions: list[int] = field(default_factory=lambda: [0] * len(DECISIONS))
    reasons: Counter[str] = field(default_factory=Counter)
    protocols: set[str] = field(default_factory=set)
    contacts: BoundedCounter = field(default_factory=lambda: BoundedCounter(5))
    licenses: BoundedCounter = field(default_factory=lambda: BoundedCounter(10))
    robots_signal: str = ""
    tdmrep_signal: str = ""
    fallback_tries: int = 10  # records whose signals may still tell the files' status
    files: OriginFiles | None = None

    @property
    def excluded(self) -> int:
        return self.urls - self.decisions[0]

    @property
    def robots_text(self) -> str:
        return self.files.robots_text if self.files else self.robots_signal

    @property
    def tdmrep_text(self) -> str:
        if self.files:
            return self.files.tdmrep_text
        return self.tdmrep_signal

    @property
    def rules(self) -> int | None:
        return self.files.tdmrep_rules if self.files else None

    def uses(self, protocol: str) -> bool:
        if protocol == "robots" and self.files and self.files.robots_state == "present":
            return True
        if protocol == "tdmrep" and self.files and self.files.tdmrep_state.startswith("rules"):
            return True
        if protocol == "rsl" and self.files and self.files.licenses:
            return True
        return protocol in self.protocols


def _assigner(value: Any) -> str | None:
    """The policy's assigner as ``Name <email>`` (or what it gives), from a signal value."""
    if not isinstance(value, Mapping):
        return None
    assigner = value.get("assigner")
    if not isinstance(assigner, Mapping):
        return None
    name, email = assigner.get("name"), assigner.get("email")
    if name and email:
        return f"{name} <{email}>"
    found = name or email or assigner.get("url") or assigner.get("phone") or assigner.get("uid")
    return str(found) if found else None


def _timestamp(text: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(text)).timestamp()
    except ValueError:
        return None


class CrawlSummary:
    """Everything the report and datasheet show, accumulated one record at a time."""

    def __init__(self) -> None:
        self.records = 0
        self.stored = 0
        self.decisions: Counter[str] = Counter()
        self.reasons: Counter[tuple[str, str]] = Counter()
        self.origins: dict[str, OriginStats] = {}
        self.timeline = TimeHistogram()
        self.first_fetch: str | None = None
        self.last_fetch: str | None = None
        self.crawl_ids: BoundedCounter = BoundedCounter(20)
        self.policies: BoundedCounter = BoundedCounter(500)  # "policy URL\tassigner"
        self.licenses: BoundedCounter = BoundedCounter(500)  # RSL licence URLs
        self.stored_bytes: int | None = None
        self.stored_disk_bytes: int | None = None
        self._last_crawl_id: Any = None

    def origin(self, origin: str) -> OriginStats:
        stats = self.origins.get(origin)
        if stats is None:
            stats = self.origins[origin] = OriginStats(origin, len(self.origins))
        return stats

    def add(
        self, record: Mapping[str, Any], facts: Iterable[SignalFact] | None = None
    ) -> OriginStats:
        """Count one decision record; returns its origin's stats (for the row writer).

        ``facts``: the record's non-None :func:`signal_fact` values, when the caller has
        them already (the report computes them once per distinct signal).
        """
        get = record.get
        decision, reason = str(get("decision")), str(get("reason"))
        index = _DECISION_INDEX.get(decision, len(DECISIONS) - 1)
        stats = self.origin(origin_of(str(get("url") or "")))
        self.records += 1
        self.decisions[decision] += 1
        self.reasons[(decision, reason)] += 1
        stats.urls += 1
        stats.decisions[index] += 1
        stats.reasons[reason] += 1
        if get("stored"):
            self.stored += 1
            stats.stored += 1
        fetched = get("fetched_at")
        if type(fetched) is str:
            moment = _timestamp(fetched)
            if moment is not None:
                self.timeline.add(moment, index)
                if self.first_fetch is None or fetched < self.first_fetch:
                    self.first_fetch = fetched
                if self.last_fetch is None or fetched > self.last_fetch:
                    self.last_fetch = fetched
        crawl_id = get("crawl_id")
        if crawl_id and crawl_id != self._last_crawl_id:
            self._last_crawl_id = crawl_id
            self.crawl_ids.add(str(crawl_id))
        signals = get("signals") or ()
        if facts is None:
            facts = [f for f in map(signal_fact, signals) if f is not None]
        for used, terms, value in facts:
            if used is not None:
                stats.protocols.add(used)
            if terms is not None:
                self._read_terms(stats, terms, value)
        if stats.fallback_tries and not (stats.robots_signal and stats.tdmrep_signal):
            stats.fallback_tries -= 1
            self._policy_files_from_signals(stats, signals)
        return stats

    def _policy_files_from_signals(
        self, stats: OriginStats, signals: Iterable[Mapping[str, Any]]
    ) -> None:
        """The origin's robots.txt / tdmrep.json status as its first signals tell it: the
        fallback for a crawl whose evidence WARCs are missing."""
        for signal in signals:
            protocol = signal.get("protocol")
            if protocol == "robots" and not stats.robots_signal:
                value, detail = signal.get("value"), str(signal.get("detail") or "")
                if _STATUS_DETAIL.match(detail) or value == "unreachable":
                    stats.robots_signal = detail
                elif _ROBOTS_GROUP.match(detail) or value == "disallow":
                    stats.robots_signal = "present"
            elif (
                protocol == "tdmrep" and not stats.tdmrep_signal and signal.get("source") == "file"
            ):
                detail = str(signal.get("detail") or "")
                rules = detail.startswith(("rule ", "no rule"))
                stats.tdmrep_signal = "rules" if rules else detail

    def _read_terms(self, stats: OriginStats, protocol: str, value: Any) -> None:
        if not isinstance(value, dict):
            return
        if protocol == "tdm-policy":
            contact = _assigner(value)
            if contact:
                stats.contacts.add(contact)
            self.policies.add(f"{value.get('url') or ''}\t{contact or ''}")
        elif value.get("license_url"):
            stats.licenses.add(str(value["license_url"]))
            self.licenses.add(str(value["license_url"]))

    # --- read once everything is added ---------------------------------------------

    @property
    def excluded(self) -> int:
        return sum(n for d, n in self.decisions.items() if d in EXCLUDED)

    @property
    def opted_out(self) -> int:
        return sum(n for d, n in self.decisions.items() if d in OPT_OUT)

    def protocol_share(self) -> list[tuple[str, str, int]]:
        """``(protocol, label, origins using it)`` for every protocol of :data:`PROTOCOLS`."""
        return [
            (name, label, sum(1 for s in self.origins.values() if s.uses(name)))
            for name, label in PROTOCOLS
        ]

    def top_origins(self, n: int) -> list[OriginStats]:
        return sorted(self.origins.values(), key=lambda s: (-s.urls, s.origin))[:n]

    def reasons_by_count(self) -> list[tuple[str, str, int]]:
        """``(decision, reason, count)``, decisions in :data:`DECISIONS` order."""
        order = {d: i for i, d in enumerate(DECISIONS)}
        return [
            (d, r, n)
            for (d, r), n in sorted(
                self.reasons.items(), key=lambda kv: (order.get(kv[0][0], 9), -kv[1], kv[0][1])
            )
        ]

    def attach_files(self, files: Mapping[str, OriginFiles]) -> None:
        for origin, found in files.items():
            if origin in self.origins:
                self.origins[origin].files = found
                for url in found.licenses:
                    self.licenses.add(url, 0)


def read_origin_files(crawl: CrawlDir) -> dict[str, OriginFiles]:
    """Each origin's robots.txt / tdmrep.json status from the crawl's evidence WARCs.

    An origin evidence record (target = the origin) names the responses of each policy
    file; the tdmrep.json body is read back from its last response only to count its
    rules (with the crawler's own parser, so the count is what the crawl obeyed). The
    latest evidence record of an origin wins (a re-fetch after the cache TTL).
    Memory: one entry per origin plus one offset per evidence response.
    """
    from tdm_crawler.policy.tdmrep import TdmRepFile

    found: dict[str, OriginFiles] = {}
    responses: dict[str, Member] = {}
    for path in crawl.evidence_warcs():
        try:
            for member, payload in scan(path, metadata_json):
                if member.record_type == "response":
                    responses[member.record_id] = member
                elif member.record_type == "metadata":
                    try:
                        evidence = metadata_evidence(payload)
                    except ValueError as exc:
                        logger.warning("%s: skipped: %s", member.record_id, exc)
                        continue
                    if not isinstance(evidence, OriginEvidence):
                        continue  # the sitemaps read: not an origin's policy files
                    origin = member.subject or ""
                    previous = found.get(origin)
                    entry = _origin_files(evidence)
                    entry.fetches = (previous.fetches if previous else 0) + 1
                    entry.record_ids = [
                        *(previous.record_ids if previous else []),
                        member.record_id,
                    ]
                    found[origin] = entry
        except UnreadableWarc as exc:
            logger.warning("%s; the report uses what was read before it", exc)
    for entry in found.values():
        if entry.tdmrep_url is None:
            continue
        last = responses.get(entry.tdmrep_last_id or "")
        body = None
        if last is not None:
            try:
                body = read_payload(last).body
            except UnreadableWarc as exc:
                logger.warning("%s", exc)
        parsed = TdmRepFile.from_fetch(
            entry.tdmrep_status, body, entry.tdmrep_error, url=entry.tdmrep_url or ""
        )
        entry.tdmrep_state = {
            "rules": f"{len(parsed.rules)} rule{'' if len(parsed.rules) == 1 else 's'}",
            "absent": "absent",
            "unreachable": "unreachable: URLs not fetched",
        }.get(parsed.state, parsed.detail)
        entry.tdmrep_detail = parsed.detail
        entry.tdmrep_rules = len(parsed.rules) if parsed.state == "rules" else None
    return found


def _origin_files(evidence: OriginEvidence) -> OriginFiles:
    robots, tdmrep = evidence.robots, evidence.tdmrep
    read = tdmrep.records[-1] if tdmrep is not None and tdmrep.records else None
    return OriginFiles(
        robots_status=robots.status if robots else None,
        robots_error=robots.error if robots else None,
        robots_url=robots.url if robots else None,
        robots_state=_robots_state(robots.status) if robots else "",
        tdmrep_status=tdmrep.status if tdmrep else None,
        tdmrep_error=tdmrep.error if tdmrep else None,
        tdmrep_url=tdmrep.url if tdmrep else None,
        tdmrep_last_id=read.record_id if read else None,
        licenses=tuple(ref.url for ref in evidence.licenses if ref.url),
    )


def content_bytes(crawl: CrawlDir) -> tuple[int, int]:
    """``(payload bytes of stored responses as received, size of the content WARCs)``.

    Reads the content WARCs once, a chunk at a time, without decoding the payloads.
    """

    def payload_size(record: Any) -> int:
        if record.rec_type != "response":
            return 0
        size = 0
        while chunk := record.raw_stream.read(1024 * 1024):
            size += len(chunk)
        return size

    files = crawl.content_warcs()
    payload = 0
    for path in files:
        try:
            payload += sum(size for _, size in scan(path, payload_size, http=True))
        except UnreadableWarc as exc:
            logger.warning("%s; stored bytes count only what was read before it", exc)
    return payload, sum(path.stat().st_size for path in files)


def summarise(out: Path, records: Iterable[Mapping[str, Any]] | None = None) -> CrawlSummary:
    """Aggregate a crawl directory: every decision record, then evidence and content."""
    summary = CrawlSummary()
    for record in records if records is not None else crawl_records(Path(out)):
        summary.add(record)
    finish(summary, out)
    return summary


def _parts(out: Path) -> list[CrawlDir]:
    """``out``, or the workers' directories of a distributed crawl."""
    crawl = CrawlDir(out)
    try:
        return crawl.parts()
    except NotACrawl:
        return [crawl]


def crawl_records(out: Path) -> Iterator[dict[str, Any]]:
    """The records of the crawl's decision log, or of every worker's of a distributed
    crawl."""
    for part in _parts(out):
        yield from iter_records(part.decisions)


def finish(summary: CrawlSummary, out: Path) -> None:
    """Add what the WARC files say (per-origin policy files, stored bytes), over every
    worker's files for a distributed crawl."""
    files: dict[str, OriginFiles] = {}
    stored = disk = 0
    for part in _parts(out):
        files.update(read_origin_files(part))
        payload, size = content_bytes(part)
        stored, disk = stored + payload, disk + size
    summary.attach_files(files)
    summary.stored_bytes, summary.stored_disk_bytes = stored, disk
