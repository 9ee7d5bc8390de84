"""The parts of the EU's public summary of training content that crawls can answer.

Art. 53(1)(d) of the AI Act asks providers of general-purpose AI models to publish a
summary of the content used for training, on the Commission's template (Explanatory
Notice and Template for the Public Summary of Training Content, July 2025). For data
crawled from the web (its section 2.3) the template asks for the crawlers used, their
purposes and behaviour, the period of collection, the types of content, and the most
relevant domain names: the top 10 % of all domain names by size of content, or for SMEs
the top 5 % or at most 1,000; and section 3.1 for the measures taken to respect
reservations of rights. Everything here is computed from crawl directories, so the
summary can be regenerated and checked against them.

:func:`gather` streams one or more crawl directories (decision logs, manifests, the
content WARCs' response headers) into :class:`CollectionFacts`, whose size grows with
the number of domains and media types, never with the number of URLs;
:func:`render_summary` writes the Markdown, every value from a site escaped for it
(:mod:`tdm_crawler.report.escape`). The Markdown says which parts of the template it
leaves to the provider.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from tdm_crawler import __version__
from tdm_crawler.exceptions import UnreadableWarc
from tdm_crawler.policy.c2pa import reader_available
from tdm_crawler.policy.opt_outs import HONOURED
from tdm_crawler.policy.purposes import MEANINGS, Operator, Profile, Purpose
from tdm_crawler.policy.types import Reason
from tdm_crawler.report.domains import psl_snapshot, registrable_domain
from tdm_crawler.report.escape import markdown_code, markdown_table_cell, markdown_text
from tdm_crawler.store.decisions import iter_records
from tdm_crawler.store.layout import CrawlDir
from tdm_crawler.store.warcread import scan

__all__ = [
    "CollectionFacts",
    "CrawlerUse",
    "gather",
    "modality",
    "most_relevant",
    "relevant_count",
    "render_summary",
]

logger = logging.getLogger(__name__)

#: Share of all domain names the template asks for, and the SME variant's share and cap.
SHARE: Final = 0.10
SME_SHARE: Final = 0.05
SME_CAP: Final = 1000

#: Media types (without parameters) by the template's modalities; the rest by prefix.
_TEXT_TYPES: Final = frozenset(
    {
        "application/xhtml+xml",
        "application/xml",
        "application/json",
        "application/ld+json",
        "application/pdf",
        "application/epub+zip",
        "application/rss+xml",
        "application/atom+xml",
        "application/msword",
        "application/rtf",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
)
_MODALITIES: Final = ("text", "image", "audio", "video", "other")
_NO_TYPE: Final = "(none given)"
_MEDIA_ROWS: Final = 25

#: What each reason that is no protocol's says was done (the protocols' own reasons are
#: named after their protocol, :data:`~tdm_crawler.policy.opt_outs.HONOURED`).
_MEASURES: Final = {
    "excluded-source": "source on an exclusion list given to the crawl: never requested",
    "paywalled": "content marked as not freely accessible: not stored",
    "tdmrep-file-unavailable": "tdmrep.json could not be fetched: the origin was not crawled",
    "http-status": "the server answered with an error (no other credentials were tried)",
    "fetch-failed": "could not be fetched (network error, name that does not resolve)",
    "not-public-address": "a non-public address: not requested",
    "too-large": "larger than the download cap: not stored",
    "no-reservation": "no reservation applied: stored",
}


def modality(media_type: str) -> str:
    """The template's modality of a stored response: text, image, audio, video, other."""
    major = media_type.partition("/")[0]
    if major in ("image", "audio", "video"):
        return major
    if major == "text" or media_type in _TEXT_TYPES:
        return "text"
    return "other"


@dataclass(frozen=True, slots=True)
class CrawlerUse:
    """One crawler identity a crawl used, as its manifest recorded it."""

    token: str
    user_agent: str
    purpose: Purpose
    operator: Operator
    contact: str
    tool_version: str


@dataclass(slots=True)
class CollectionFacts:
    """What the crawl directories say, summed."""

    dirs: list[str] = field(default_factory=list)
    crawlers: Counter[CrawlerUse] = field(default_factory=Counter)
    started: str | None = None
    finished: str | None = None
    unfinished: list[str] = field(default_factory=list)
    first_fetch: str | None = None
    last_fetch: str | None = None
    records: int = 0
    stored: int = 0
    reasons: Counter[tuple[str, str]] = field(default_factory=Counter)
    origins: set[str] = field(default_factory=set)
    domain_bytes: Counter[str] = field(default_factory=Counter)
    domain_records: Counter[str] = field(default_factory=Counter)
    media_bytes: Counter[str] = field(default_factory=Counter)
    media_records: Counter[str] = field(default_factory=Counter)
    responses: int = 0
    unreadable: list[str] = field(default_factory=list)
    exclusion_lists: list[str] = field(default_factory=list)
    private_networks: bool = False

    @property
    def stored_bytes(self) -> int:
        return sum(self.domain_bytes.values())

    def add_record(self, record: Mapping[str, Any]) -> None:
        self.records += 1
        self.stored += bool(record.get("stored"))
        self.reasons[(str(record.get("decision")), str(record.get("reason")))] += 1
        fetched = record.get("fetched_at")
        if isinstance(fetched, str):
            self.first_fetch = min(self.first_fetch or fetched, fetched)
            self.last_fetch = max(self.last_fetch or fetched, fetched)
        url = str(record.get("url") or "")
        try:
            parts = urlsplit(url)
            self.origins.add(f"{parts.scheme}://{parts.netloc}".lower())
        except ValueError:
            pass

    def add_response(self, url: str, content_type: str | None, size: int) -> None:
        """One stored response: its domain and media type, with its payload bytes."""
        try:
            host = urlsplit(url).hostname or ""
        except ValueError:
            host = ""
        domain = registrable_domain(host) if host else "(no host)"
        media = (content_type or "").partition(";")[0].strip().lower() or _NO_TYPE
        self.responses += 1
        self.domain_bytes[domain] += size
        self.domain_records[domain] += 1
        self.media_bytes[media] += size
        self.media_records[media] += 1


def gather(dirs: Sequence[Path]) -> CollectionFacts:
    """Stream every crawl directory of ``dirs`` (a distributed crawl: all its workers)."""
    facts = CollectionFacts()
    for path in dirs:
        crawl = CrawlDir(path)
        parts = crawl.parts()  # NotACrawl for a directory that holds none
        facts.dirs.append(str(path))
        top = crawl.load_manifest()
        own = [part.load_manifest() for part in parts if part.root != crawl.root]
        _period(facts, str(path), top or next((m for m in own if m), None))
        used = {use for manifest in (top, *own) if (use := _identity(facts, manifest))}
        facts.crawlers.update(used)  # each crawler once per directory given
        for part in parts:
            for record in iter_records(part.decisions):
                facts.add_record(record)
            _content(facts, part)
    return facts


def _period(facts: CollectionFacts, where: str, manifest: Mapping[str, Any] | None) -> None:
    if manifest is None:
        facts.unfinished.append(f"{where}: no manifest")
        return
    started, finished = manifest.get("started_at"), manifest.get("finished_at")
    if isinstance(started, str):
        facts.started = min(facts.started or started, started)
    if isinstance(finished, str):
        facts.finished = max(facts.finished or finished, finished)
    status = manifest.get("status")
    if status != "finished" or not finished:
        facts.unfinished.append(f"{where}: {status or 'no status'}")


def _identity(facts: CollectionFacts, manifest: Mapping[str, Any] | None) -> CrawlerUse | None:
    """The crawler a manifest names (a distributed crawl's top manifest names none: its
    workers' do), noting the exclusion lists it was given."""
    if manifest is None or manifest.get("workers_dir"):
        return None
    settings = manifest.get("settings") or {}
    facts.private_networks |= bool(settings.get("TDM_ALLOW_PRIVATE_NETWORKS"))
    for name in _exclusion_lists(settings.get("TDM_EXCLUDED_SOURCES")):
        if name not in facts.exclusion_lists:
            facts.exclusion_lists.append(name)
    token = manifest.get("agent") or settings.get("TDM_AGENT")
    user_agent = manifest.get("user_agent") or settings.get("USER_AGENT")
    if not token or not user_agent:
        return None
    try:
        profile = Profile.from_json(manifest.get("profile"))
    except ValueError:
        profile = Profile()
    tool = manifest.get("tool") or {}
    return CrawlerUse(
        token=str(token),
        user_agent=str(user_agent),
        purpose=profile.purpose,
        operator=profile.operator,
        contact=str(settings.get("TDM_CONTACT") or ""),
        tool_version=str(tool.get("version") or "?"),
    )


def _exclusion_lists(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _content(facts: CollectionFacts, part: CrawlDir) -> None:
    """Each stored response's URL, Content-Type and payload size, from the content WARCs
    (the decision records carry neither type nor size)."""

    def read(record: Any) -> tuple[str | None, int] | None:
        if record.rec_type != "response":
            return None
        content_type = (
            record.http_headers.get_header("Content-Type") if record.http_headers else None
        )
        size = 0
        while chunk := record.raw_stream.read(1024 * 1024):
            size += len(chunk)
        return content_type, size

    for path in part.content_warcs():
        try:
            for member, found in scan(path, read, http=True):
                if found is not None:
                    facts.add_response(member.target_uri or "", found[0], found[1])
        except UnreadableWarc as exc:
            logger.warning("%s; the summary counts what was read before it", exc)
            facts.unreadable.append(str(exc))


def relevant_count(domains: int, *, sme: bool) -> int:
    """How many domain names the template asks for, out of ``domains``: 10 %, or for an
    SME 5 % but at most 1,000, rounded up (a share of a name is a whole name listed, so
    a crawl of one site lists it)."""
    if domains <= 0:
        return 0
    if sme:
        return min(math.ceil(domains * SME_SHARE), SME_CAP)
    return math.ceil(domains * SHARE)


def most_relevant(facts: CollectionFacts, *, sme: bool) -> list[tuple[str, int, int]]:
    """``(domain, bytes, responses)`` of the most relevant domains: by bytes stored,
    largest first, ties by name."""
    ranked = sorted(facts.domain_bytes.items(), key=lambda item: (-item[1], item[0]))
    chosen = ranked[: relevant_count(len(ranked), sme=sme)]
    return [(domain, size, facts.domain_records[domain]) for domain, size in chosen]


# --- rendering -------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], right: int = 0) -> str:
    """A pipe table of Markdown cells (site values escaped already); the last ``right``
    columns right-aligned."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(markdown_table_cell(str(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def render_summary(facts: CollectionFacts, *, sme: bool, generated: datetime | None = None) -> str:
    """The summary as Markdown."""
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    dirs = ", ".join(markdown_code(d) for d in facts.dirs)
    sections = [
        "# Public summary of training content: data crawled from online sources",
        f"*Written by tdm-crawler {__version__} on {when} from "
        f"{len(facts.dirs)} crawl director{'y' if len(facts.dirs) == 1 else 'ies'}: {dirs}.*",
        "This file fills the parts of the Commission's *Template for the Public Summary of "
        "Training Content for general-purpose AI models* (July 2025; AI Act Art. 53(1)(d)) "
        "that these crawls can answer: section 2.3, data crawled and scraped from online "
        "sources, and the crawls' part of section 3.1, respect of reservations of rights. "
        "It describes what the crawls collected and stored; which of it went into training "
        "is the provider's to say.",
        "## Not filled here",
        _not_filled(),
        "## 2.3 Data crawled and scraped from online sources",
        "### Crawlers used",
        _crawlers(facts),
        "### Purposes of the crawlers",
        _purposes(facts),
        "### General description of the crawlers' behaviour",
        _behaviour(facts),
        "### Period of data collection",
        _period_text(facts),
        "### Types of content and sources",
        _content_types(facts),
        "### Most relevant domain names",
        _domains(facts, sme=sme),
        "## 3.1 Respect of reservations of rights: measures taken during collection",
        _measures(facts),
    ]
    return "\n\n".join(sections) + "\n"


def _not_filled() -> str:
    items = (
        "Section 1, general information: the provider, the model and its versions, the "
        "modalities and overall size of the training data, its languages and the latest "
        "date of data acquisition for training. These are model-level facts.",
        "Sections 2.1, 2.2, 2.4, 2.5 and 2.6: publicly available datasets, private "
        "datasets obtained from third parties, user data, synthetic data and other "
        "sources. Only the crawls given here are described.",
        "Section 2.3 for other crawlers: crawls not given to this command, and data bought "
        "or licensed from crawl operators, are not included.",
        "Section 3.1 beyond these crawls: the provider's copyright policy, whether it signed "
        "the GPAI Code of Practice, reservations received other than by machine-readable "
        "protocols, and removals after collection (tdm-crawl purge).",
        "Section 3.2, removal of illegal content, and section 3.3, other information.",
    )
    return "\n".join(f"- {item}" for item in items)


def _crawlers(facts: CollectionFacts) -> str:
    if not facts.crawlers:
        return "The crawl directories record no crawler identity (no manifest)."
    rows = [
        (
            markdown_code(use.token),
            markdown_code(use.user_agent),
            markdown_code(use.purpose),
            use.operator.value,
            markdown_code(f"tdm-crawler {use.tool_version}"),
            count,
        )
        for use, count in sorted(facts.crawlers.items(), key=lambda item: item[0].token)
    ]
    header = ("name (robots.txt token)", "User-Agent", "purpose", "operator", "software")
    return _table((*header, "crawl directories"), rows, right=1)


def _purposes(facts: CollectionFacts) -> str:
    purposes = dict.fromkeys(use.purpose for use in facts.crawlers)
    if not purposes:
        return "Not recorded."
    lines = [f"- {markdown_code(p)}: {MEANINGS[p]}." for p in purposes]
    return (
        "\n".join(lines)
        + "\n\nEach reservation was applied for the purpose the crawl declared: a statement "
        "reserving that purpose kept the content out."
    )


def _behaviour(facts: CollectionFacts) -> str:
    honoured = [p for p in HONOURED if p.key != "c2pa" or reader_available()]
    protocols = "\n".join(f"  - {p.name}: {p.specification}" for p in honoured)
    versions = sorted({use.tool_version for use in facts.crawlers})
    tool_note = ""
    if versions and versions != [__version__]:
        tool_note = (
            f" The crawls were made with tdm-crawler {', '.join(map(markdown_code, versions))}; "
            f"the protocol versions are those of {__version__}, which wrote this file."
        )
    contacts = sorted({use.contact for use in facts.crawlers if use.contact})
    contact = (
        "Contact sent in the User-Agent: " + ", ".join(markdown_code(c) for c in contacts) + "."
        if contacts
        else "No contact was sent in the User-Agent."
    )
    lines = [
        "- robots.txt (RFC 9309) was read for every origin before any other request to it, "
        "and obeyed: a path disallowed to the crawler's token was never requested, a "
        "robots.txt that answered 5xx or 429 or could not be reached disallowed the whole "
        "origin.",
        "- These machine-readable opt-out protocols were read, and any reservation for the "
        "crawl's purpose kept the resource out of the stored content:" + tool_note,
        protocols,
        "- " + _exclusions(facts),
        "- " + _paywalls(facts),
        "- " + _addresses(facts),
        "- Only links from allowed pages were followed, on the host of the seed they came "
        "from; robots.txt Crawl-delay and Retry-After were honoured.",
        f"- {contact}",
    ]
    return "\n".join(lines)


def _count(facts: CollectionFacts, reason: str) -> int:
    return sum(n for (_, r), n in facts.reasons.items() if r == reason)


def _exclusions(facts: CollectionFacts) -> str:
    excluded = _count(facts, "excluded-source")
    if facts.exclusion_lists:
        lists = ", ".join(markdown_code(name) for name in facts.exclusion_lists)
        return (
            f"Sources on exclusion lists ({lists}) were never requested: "
            f"{excluded:,} URLs excluded."
        )
    if excluded:
        return f"{excluded:,} URLs were on an exclusion list and never requested."
    return "No list of sources to exclude was given to the crawls."


def _paywalls(facts: CollectionFacts) -> str:
    paywalled = _count(facts, "paywalled")
    denied = _count(facts, "http-status")
    known = "paywalled" in {reason.value for reason in Reason}
    text = (
        "No login, subscription or other access control was circumvented: the crawler "
        "sends no credentials of its own and solves no CAPTCHA, and a response with an "
        "error status (401, 402, 403, 451 and others) was recorded as an error, not "
        f"retried with other credentials ({denied:,} URLs answered with an error status)."
    )
    if known or paywalled:
        text += (
            " Content marked as not freely accessible (schema.org isAccessibleForFree "
            f"false) was not stored ({paywalled:,} URLs)."
        )
    return text


def _period_text(facts: CollectionFacts) -> str:
    start = facts.started or facts.first_fetch
    end = facts.finished or facts.last_fetch
    text = (
        f"From {markdown_code(start or '?')} to {markdown_code(end or '?')} (the earliest "
        "start and latest end the crawls' manifests record)."
    )
    if facts.first_fetch:
        text += (
            f" First decision {markdown_code(facts.first_fetch)}, last "
            f"{markdown_code(facts.last_fetch)}."
        )
    if facts.unfinished:
        listed = "; ".join(markdown_text(item) for item in facts.unfinished)
        text += f" Not every crawl finished: {listed}."
    return text


def _content_types(facts: CollectionFacts) -> str:
    total = facts.stored_bytes
    by_modality: Counter[str] = Counter()
    count_modality: Counter[str] = Counter()
    for media, size in facts.media_bytes.items():
        by_modality[modality(media)] += size
        count_modality[modality(media)] += facts.media_records[media]
    modalities = [
        (m, count_modality[m], _size(by_modality[m]), _pct(by_modality[m], total))
        for m in _MODALITIES
        if count_modality[m]
    ]
    ranked = sorted(facts.media_bytes.items(), key=lambda item: (-item[1], item[0]))
    media_rows = [
        (
            markdown_code(media),
            modality(media),
            facts.media_records[media],
            _size(size),
            _pct(size, total),
        )
        for media, size in ranked[:_MEDIA_ROWS]
    ]
    more = len(ranked) - len(media_rows)
    parts = [
        f"Web content from {len(facts.origins):,} origins ({_names(len(facts.domain_bytes))} "
        f"with stored content): {facts.records:,} URLs decided, "
        f"{facts.stored:,} stored, {_size(total)} of content stored (response bodies as "
        "received). Types are the Content-Type each server sent.",
    ]
    if facts.responses != facts.stored:
        parts.append(
            f"The content files hold {facts.responses:,} responses where the decision logs "
            f"record {facts.stored:,} stored: run tdm-crawl verify on each directory."
        )
    if facts.unreadable:
        parts.append(
            "Some content files could not be read to the end; counts cover what was read: "
            + "; ".join(markdown_text(item) for item in facts.unreadable)
        )
    if modalities:
        parts.append(
            _table(("modality", "responses", "size", "share of size"), modalities, right=3)
        )
        parts.append(
            _table(
                ("media type", "modality", "responses", "size", "share of size"),
                media_rows,
                right=3,
            )
        )
        if more > 0:
            parts.append(f"…and {more:,} more media types.")
    else:
        parts.append("No content was stored.")
    return "\n\n".join(parts)


def _domains(facts: CollectionFacts, *, sme: bool) -> str:
    total = len(facts.domain_bytes)
    chosen = most_relevant(facts, sme=sme)
    rule = (
        "the top 5 % of all domain names by size of content stored, at most 1,000 (the "
        "template's rule for SMEs)"
        if sme
        else "the top 10 % of all domain names by size of content stored"
    )
    intro = (
        f"{len(chosen):,} of {_names(total)}: {rule}, rounded up, ties in size in "
        "name order. A domain name is the registrable domain of the host (one label under "
        f"its public suffix, per {psl_snapshot()}; an address or a name "
        "without a public suffix is listed as it is)."
    )
    if not chosen:
        return intro + "\n\nNo content was stored."
    stored = facts.stored_bytes
    rows = [
        (rank, markdown_code(domain), _size(size), _pct(size, stored), responses)
        for rank, (domain, size, responses) in enumerate(chosen, start=1)
    ]
    table = _table(("rank", "domain name", "size", "share of size", "responses"), rows, right=3)
    return f"{intro}\n\n{table}"


def _names(n: int) -> str:
    return f"{n:,} domain name{'' if n == 1 else 's'}"


def _addresses(facts: CollectionFacts) -> str:
    if facts.private_networks:
        return (
            "Requests went to public addresses, and, for the crawls given "
            "`--allow-private-networks` (tests, an intranet), to private ones too."
        )
    return "Requests went to public addresses only (no loopback, private or link-local)."


_PROTOCOL_OF: Final = {reason.value: p.name for p in HONOURED for reason in p.reasons}


def _measure(decision: str, reason: str) -> str:
    """What the record of ``reason`` says was done, in words (our own text)."""
    if reason in _PROTOCOL_OF:
        name = _PROTOCOL_OF[reason]
        if decision == "unknown":
            return f"{name}: status could not be established, not stored"
        return f"{name}: reservation honoured"
    return _MEASURES.get(reason) or markdown_code(reason)


def _measures(facts: CollectionFacts) -> str:
    rows = [
        (
            _measure(decision, reason),
            markdown_code(decision),
            markdown_code(reason),
            n,
            _pct(n, facts.records),
        )
        for (decision, reason), n in sorted(
            facts.reasons.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    opted_out = sum(n for (d, _), n in facts.reasons.items() if d in ("reserved", "disallowed"))
    unknown = sum(n for (d, _), n in facts.reasons.items() if d == "unknown")
    text = (
        "Before anything was stored, each URL was decided against every protocol listed in "
        "2.3, and only content no reservation applied to was kept; each decision, with every "
        "signal read and the policy documents as fetched, is recorded in the crawl "
        f"directory. Of {facts.records:,} URLs, {opted_out:,} were kept out by a "
        f"rightsholder's or site's reservation and {unknown:,} because their status could "
        "not be established (not stored either)."
    )
    if not rows:
        return text
    header = ("measure", "decision", "reason", "URLs", "share")
    return f"{text}\n\n{_table(header, rows, right=2)}"
