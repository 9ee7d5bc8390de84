"""``tdm-crawl replay``: decide every URL of a crawl again, offline, from its evidence.

Why: months later, a compliance team must show why a URL was included or excluded, and
researchers must re-filter a corpus when the AI-agent list or the rules change, without
crawling again. A decision record's ``evidence`` says which decision function decided
(``stage``), the redirect hops gated before the URL, which origin evidence record holds
the policy documents read, and, after a fetch, the decision-relevant headers and the
in-content facts (never the body). Replay feeds exactly that to the same pure functions
the crawl used (:mod:`tdm_crawler.policy.decide`): there is no second implementation of
the rules to drift from the first.

The purpose profile is part of that context: the manifest records the profile the crawl
decided for (a manifest without one: the default profile), and ``--purpose`` (or
``TDM_PURPOSE``, ``TDM_OPERATOR``, ``TDM_REGION``) replaces it, so one crawl can be
decided for another purpose without crawling again. The signals do not depend on the
purpose, only the decisions do. With the crawl's own profile and settings every decision
must be reproduced; with another profile the changed decisions are the differences
between the two purposes. A record's ``purpose`` says which purpose it was decided for
and is not one of the compared fields: it is the context of the comparison, not its
outcome.

What cannot be decided offline is *not replayable*: it keeps its recorded verdict and is
counted by why: the
address check (DNS), records without evidence, evidence missing from the directory, and a
URL that new settings would no longer stop before fetching (the crawl never fetched it).
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

from tdm_crawler.corpus.work import read_work
from tdm_crawler.crawl.config import setting_flag, tdm_defaults
from tdm_crawler.exceptions import MissingEvidence, UnreadableWarc
from tdm_crawler.offline.evidence import EvidenceIndex, EvidenceReader
from tdm_crawler.policy import (
    Context,
    Decision,
    ExcludedSources,
    Limits,
    OriginFacts,
    Reason,
    ResponseFacts,
    Verdict,
    decide_after_fetch,
    decide_before_fetch,
    decide_excluded,
    decide_failed_fetch,
    load_agents,
    load_exclude_lists,
    origin_of,
    with_policy,
)
from tdm_crawler.policy.ai_agents import AgentList, agents_from_manifest
from tdm_crawler.policy.purposes import Profile
from tdm_crawler.store import CrawlDir, decision_record, iter_records
from tdm_crawler.store.content import StoredPayloads
from tdm_crawler.store.decisions import ADDED_FIELDS
from tdm_crawler.store.evidence import DecisionEvidence, of_record
from tdm_crawler.store.work import WorkFacts

__all__ = [
    "COMPARED_FIELDS",
    "DECISION_FIELDS",
    "NOT_REPLAYABLE",
    "REPLAYABLE_SETTINGS",
    "WORK_FIELDS",
    "Outcome",
    "ReplayConfig",
    "ReplayResult",
    "replay_config",
    "replay_crawl",
    "replay_record",
]

logger = logging.getLogger(__name__)

#: The settings a replay can apply: who decides and how the documents are parsed. Every
#: other setting acts while fetching, and replay fetches nothing.
REPLAYABLE_SETTINGS: Final = (
    "TDM_AGENT",
    "TDM_AI_AGENTS",
    "TDM_PURPOSE",
    "TDM_OPERATOR",
    "TDM_REGION",
    "TDM_NOARCHIVE_RESERVES",
    "TDM_EXCLUDED_SOURCES",
    "TDM_ROBOTS_MAX_BYTES",
    "TDM_TDMREP_MAX_BYTES",
    "TDM_DOCUMENT_MAX_BYTES",
)
_INT_SETTINGS: Final = frozenset(
    ("TDM_ROBOTS_MAX_BYTES", "TDM_TDMREP_MAX_BYTES", "TDM_DOCUMENT_MAX_BYTES")
)
_FLAG_SETTINGS: Final = frozenset(("TDM_NOARCHIVE_RESERVES",))
#: The settings of the purpose profile, in :class:`Profile` field order.
_PROFILE_SETTINGS: Final = ("TDM_PURPOSE", "TDM_OPERATOR", "TDM_REGION")

#: ``Outcome.result`` of a URL that cannot be decided offline.
NOT_REPLAYABLE: Final = "not-replayable"

#: The fields of a decision record that say what was decided.
DECISION_FIELDS: Final = ("decision", "reason", "tdm_reservation", "tdm_policy", "signals")
#: The fields that say what a stored work is: read again from the stored payload.
WORK_FIELDS: Final = ("license", "size")
#: The fields of a decision record a replay must reproduce (a work field the record
#: leaves null or lacks, written before it existed, is not compared).
COMPARED_FIELDS: Final = (*DECISION_FIELDS, *WORK_FIELDS)


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    """Who decides, for which profile, with which parse limits, and what differs from
    the crawl."""

    context: Context
    limits: Limits
    #: Effective value of each replayable setting.
    settings: dict[str, Any]
    #: name -> {"from": crawl's value, "to": replay's value}, only settings that changed.
    changed: dict[str, dict[str, Any]]
    #: Where the AI-agent list comes from, for the summary.
    agents_source: str
    #: The profile the crawl decided for (``context.profile`` is the replay's).
    crawl_profile: Profile = field(default_factory=Profile)

    @property
    def profile_changed(self) -> bool:
        return self.context.profile != self.crawl_profile


def _agent_tokens(agents: AgentList) -> list[str]:
    return [agent.token for agent in agents]


def _version(agents: AgentList) -> str:
    """`` (version v1.50, 2026-08-22)`` for a summary line; empty when the list has none."""
    if agents.version is None:
        return ""
    return f" (version {agents.version}{f', {agents.date}' if agents.date else ''})"


def replay_config(manifest: Mapping[str, Any], overrides: Mapping[str, Any]) -> ReplayConfig:
    """The crawl's own settings (from its manifest), with ``overrides`` applied.

    Without an override the AI-agent list is the one the manifest recorded, so a replay
    reproduces the crawl even after the packaged list changed; an override is read like
    the crawl reads ``TDM_AI_AGENTS`` (``+Token`` = today's packaged list plus Token).
    Likewise the profile is the manifest's (``profile``; none recorded: the default
    profile), each of ``TDM_PURPOSE``, ``TDM_OPERATOR`` and ``TDM_REGION`` replacing its
    field. The exclusion lists are the manifest's copies (``excluded_sources``; none
    recorded: none), or those ``TDM_EXCLUDED_SOURCES`` names, read now. Raises
    ValueError, saying what to do, on a setting replay cannot apply.
    """
    unusable = sorted(set(overrides) - set(REPLAYABLE_SETTINGS))
    if unusable:
        raise ValueError(
            f"replay cannot apply {', '.join(unusable)}: it acts while fetching and replay "
            f"fetches nothing; replay can change {', '.join(REPLAYABLE_SETTINGS)}"
        )
    crawl = {**tdm_defaults(), **(manifest.get("settings") or {})}
    for name in _FLAG_SETTINGS:  # as the crawl read it, whatever spelling it was given in
        crawl[name] = setting_flag(name, crawl.get(name))
    recorded = agents_from_manifest(manifest)
    if recorded is not None:
        crawl_agents = recorded
        crawl_source = "as recorded in the manifest"
    else:
        crawl_agents = load_agents(str(crawl["TDM_AI_AGENTS"] or "") or None)
        crawl_source = "today's reading of the crawl's TDM_AI_AGENTS (no list in the manifest)"
    crawl_profile = Profile.from_json(manifest.get("profile"))
    recorded_profile = dict(zip(_PROFILE_SETTINGS, crawl_profile.to_json().values(), strict=True))
    effective: dict[str, Any] = {name: crawl.get(name) for name in REPLAYABLE_SETTINGS}
    effective.update(recorded_profile)
    changed: dict[str, dict[str, Any]] = {}
    agents, agents_source = crawl_agents, crawl_source
    crawl_excluded = ExcludedSources.from_json(manifest.get("excluded_sources"))
    excluded = crawl_excluded
    profile_overrides = {name: overrides[name] for name in _PROFILE_SETTINGS if name in overrides}
    profile = Profile.from_settings({**recorded_profile, **profile_overrides})
    for name, value in zip(_PROFILE_SETTINGS, profile.to_json().values(), strict=True):
        effective[name] = value
        if value != recorded_profile[name]:
            changed[name] = {"from": recorded_profile[name], "to": value}
    for name, value in overrides.items():
        if name in _PROFILE_SETTINGS:
            continue
        if name == "TDM_AI_AGENTS":
            spec = "" if value is None else str(value)
            agents = load_agents(spec or None)
            agents_source = f"TDM_AI_AGENTS={spec!r}"
            effective[name] = spec
            if _agent_tokens(agents) != _agent_tokens(crawl_agents):
                changed[name] = {"from": crawl.get(name), "to": spec}
            continue
        if name in _FLAG_SETTINGS:
            flag = setting_flag(name, value)
            effective[name] = flag
            if flag != crawl.get(name):
                changed[name] = {"from": crawl.get(name), "to": flag}
            continue
        if name == "TDM_EXCLUDED_SOURCES":
            paths = [value] if isinstance(value, str) else list(value or ())
            excluded = load_exclude_lists(str(path) for path in paths)
            effective[name] = paths
            if excluded.digests != crawl_excluded.digests:
                changed[name] = {"from": crawl.get(name), "to": paths}
            continue
        if name in _INT_SETTINGS:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive number of bytes, got {value!r}")
        elif not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must be a product token such as tdm-crawler")
        effective[name] = value
        if value != crawl.get(name):
            changed[name] = {"from": crawl.get(name), "to": value}
    # Read from the recorded settings as the crawl read its own (Limits.from_settings).
    limits = Limits.from_settings({**crawl, **effective})
    agent = str(effective["TDM_AGENT"] or manifest.get("agent") or "tdm-crawler")
    effective["TDM_AGENT"] = agent
    return ReplayConfig(
        Context(agent, agents, profile, bool(effective["TDM_NOARCHIVE_RESERVES"]), excluded),
        limits,
        effective,
        changed,
        f"{len(agents)} agents{_version(agents)}, {agents_source}",
        crawl_profile,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One URL replayed: ``unchanged``, ``changed`` or ``not-replayable`` (recorded verdict kept
    because it cannot be decided offline; ``category`` and ``detail`` say why)."""

    old: dict[str, Any]
    new: dict[str, Any]
    result: str
    fields: tuple[str, ...] = ()
    category: str | None = None
    detail: str | None = None

    @property
    def newly_excluded(self) -> bool:
        """An allowed URL that the replay excludes: the corpus must lose it."""
        return bool(self.old["decision"] == "allowed" and self.new["decision"] != "allowed")

    def report_line(self) -> dict[str, Any]:
        """The outcome as a line of the replay report (see ``tdm-crawl replay --help``)."""
        line: dict[str, Any] = {"url": self.old["url"], "result": self.result}
        if self.result == NOT_REPLAYABLE:
            line.update(why=self.category, detail=self.detail, old=_brief(self.old))
        else:
            line.update(fields=list(self.fields), old=_brief(self.old), new=_brief(self.new))
        return line


def _brief(record: Mapping[str, Any]) -> dict[str, Any]:
    names = ("decision", "reason", "tdm_reservation", "tdm_policy", "final_url", "status")
    brief = {name: record.get(name) for name in names}
    brief["purpose"] = record.get("purpose", ADDED_FIELDS["purpose"])
    return brief


def _kept(record: dict[str, Any], category: str, detail: str) -> Outcome:
    return Outcome(record, record, NOT_REPLAYABLE, category=category, detail=detail)


@dataclass(frozen=True, slots=True)
class Decided:
    """A verdict as the crawl would have recorded it, with the final URL and HTTP status,
    and, decided after a fetch, what the decision read (for the work's licence)."""

    verdict: Verdict
    final_url: str
    status: int | None
    response: ResponseFacts | None = None
    origin: OriginFacts | None = None


def _decide(
    record: Mapping[str, Any], evidence: DecisionEvidence, reader: EvidenceReader, ctx: Context
) -> Decided | None:
    """Call the decision functions as the gate middleware did; None when the URL would
    now be fetched although the crawl stopped it before fetching."""
    url = evidence.url

    def facts(target: str) -> OriginFacts:
        origin = origin_of(target)
        return reader.origin(origin, evidence.origins.get(origin))

    # Every hop of a redirect chain, and the URL itself, passed the exclusion lists and
    # the gate before fetching.
    gated = [*evidence.hops, url] if evidence.stage in ("before", "after") else evidence.hops
    for target in gated:
        verdict = decide_excluded(target, ctx) or decide_before_fetch(target, ctx, facts(target))
        if verdict is not None:
            return Decided(verdict, target, None)
    if evidence.stage == "before":
        return None
    if evidence.stage == "after":
        response = evidence.response
        if response is None:
            raise MissingEvidence("bad-evidence", "after-fetch evidence without the response")
        status = int(record["status"])
        licenses = reader.licenses(response.licenses)
        read = ResponseFacts(url, status, response.header_map(), response.content, licenses)
        origin = facts(url)
        verdict = decide_after_fetch(url, ctx, origin, read)
        if verdict.tdm_policy is not None and evidence.policy is not None:
            verdict = with_policy(verdict, reader.policy(evidence.policy))
        return Decided(verdict, url, status, read, origin)
    failure = evidence.failure
    if failure is None:
        raise MissingEvidence("bad-evidence", f"{evidence.stage} evidence without the failure")
    verdict = decide_failed_fetch(url, ctx, facts(url), failure.reason, failure.detail)
    return Decided(verdict, url, None)


def _work(
    record: Mapping[str, Any], decided: Decided, payloads: StoredPayloads | None, limits: Limits
) -> WorkFacts | None:
    """The licence and size of the work the crawl stored for ``record``, read again from
    its payload as the gate read the response; None when it stored none, when the replay
    has no content to read (``payloads`` None), or the payload is not in ``content/`` or
    cannot be read (the comparison then shows the difference; verify names the damage)."""
    if payloads is None or decided.response is None or decided.origin is None:
        return None
    if not (record.get("stored") and 200 <= (decided.status or 0) <= 299):
        return None
    try:
        payload = payloads.payload(str(record.get("warc_record_id")))
    except UnreadableWarc as exc:
        logger.warning("%s: %s", record.get("url"), exc)
        return None
    if payload is None:
        return None
    return read_work(decided.response, decided.origin, payload.body, limits)


def _rebuilt(
    record: Mapping[str, Any],
    evidence: DecisionEvidence,
    decided: Decided,
    work: WorkFacts | None,
) -> dict[str, Any]:
    """The decision record the crawl would have written for this verdict: a stored
    work with its licence and size; a work the replay no longer keeps with its reading
    in the evidence, as the crawl records a reserved response's."""
    verdict = decided.verdict
    keep = verdict.allowed and bool(record.get("stored"))
    response = evidence.response
    reserved = verdict.decision in (Decision.RESERVED, Decision.UNKNOWN)
    if reserved and work is not None and response is not None:
        evidence = replace(evidence, response=replace(response, license=work.license))
    new = decision_record(
        url=record["url"],
        final_url=decided.final_url,
        status=decided.status,
        verdict=verdict,
        stored=keep,
        content_sha256=record.get("content_sha256") if keep else None,
        warc_record_id=record.get("warc_record_id") if keep else None,
        fetched_at=datetime.now(UTC),
        crawl_id=record.get("crawl_id", ""),
        evidence=evidence,
        work=work if keep else None,
    )
    new["fetched_at"] = record.get("fetched_at")  # when it was fetched, not replayed
    return new


def _differs(old: Mapping[str, Any], new: Mapping[str, Any], name: str) -> bool:
    if name in WORK_FIELDS and old.get(name) is None:
        return False  # not recorded (a crawl before the field, or a copy of one)
    if name in ("signals", *WORK_FIELDS):  # compare what is written (tuples and lists)
        return json.dumps(old.get(name)) != json.dumps(new.get(name))
    return bool(old.get(name) != new.get(name))


def replay_record(
    record: dict[str, Any],
    reader: EvidenceReader,
    ctx: Context,
    payloads: StoredPayloads | None = None,
) -> Outcome:
    """Decide one recorded URL again; never raises for bad or missing evidence.

    ``payloads``: the crawl's stored content, to read each stored work's licence and
    size again; without it they are not compared."""
    if record.get("reason") == Reason.PURGED:
        # The evidence says why it had been allowed; a rightsholder's request since
        # removed it, and no protocol document records that request.
        return _kept(record, "purged", "purged at a rightsholder's request (complaints.jsonl)")
    try:
        evidence = of_record(record)
    except ValueError as exc:
        return _kept(record, "bad-evidence", f"evidence cannot be read: {exc}")
    if evidence is None:
        return _kept(record, "no-evidence", "the decision record carries no evidence")
    if evidence.stage == "address":
        return _kept(
            record, "address-check", "decided by the address check; DNS is not repeated offline"
        )
    try:
        decided = _decide(record, evidence, reader, ctx)
    except MissingEvidence as exc:
        return _kept(record, exc.category, exc.detail)
    except (KeyError, TypeError, ValueError) as exc:
        return _kept(record, "bad-evidence", f"evidence cannot be read: {type(exc).__name__} {exc}")
    if decided is None:
        return _kept(
            record,
            "needs-fetch",
            "no longer stopped before fetching, and the crawl never fetched it: "
            "only a new crawl can decide it",
        )
    new = _rebuilt(record, evidence, decided, _work(record, decided, payloads, reader.limits))
    compared = COMPARED_FIELDS if payloads is not None else DECISION_FIELDS
    fields = tuple(name for name in compared if _differs(record, new, name))
    if not fields and record.get("purpose", ADDED_FIELDS["purpose"]) == new["purpose"]:
        # Reproduced, for the purpose it was decided for: keep the record as written.
        return Outcome(record, record, "unchanged")
    return Outcome(record, new, "changed" if fields else "unchanged", fields)


@dataclass
class ReplayResult:
    """Counts of a replay, and the first re-decided outcomes for the summary."""

    crawl_id: str | None = None
    records: int = 0
    unchanged: int = 0
    #: Every URL whose record differs in a compared field (decision, reason, ...).
    changed: int = 0
    #: Of those, URLs whose decision or reason changed.
    redecided: int = 0
    kept: int = 0
    newly_excluded: int = 0
    newly_allowed: int = 0
    #: (old decision, old reason, new decision, new reason) -> URLs, over re-decided ones.
    transitions: Counter[tuple[str, str, str, str]] = field(default_factory=Counter)
    #: field -> URLs where it alone changed (same decision and reason).
    details: Counter[str] = field(default_factory=Counter)
    kept_by: Counter[str] = field(default_factory=Counter)
    examples: list[Outcome] = field(default_factory=list)
    torn_lines: list[int] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, outcome: Outcome, keep_examples: int) -> None:
        self.records += 1
        if outcome.result == "unchanged":
            self.unchanged += 1
            return
        if outcome.result == NOT_REPLAYABLE:
            self.kept += 1
            self.kept_by[outcome.category or "?"] += 1
            return
        self.changed += 1
        old, new = outcome.old, outcome.new
        if "decision" not in outcome.fields and "reason" not in outcome.fields:
            self.details.update(outcome.fields)
            return
        self.redecided += 1
        self.newly_excluded += outcome.newly_excluded
        self.newly_allowed += old["decision"] != "allowed" and new["decision"] == "allowed"
        self.transitions[(old["decision"], old["reason"], new["decision"], new["reason"])] += 1
        if len(self.examples) < keep_examples:
            self.examples.append(outcome)


def replay_crawl(
    crawl_dir: Path,
    config: ReplayConfig,
    *,
    report: IO[str] | None = None,
    sink: Callable[[dict[str, Any]], None] | None = None,
    keep_examples: int = 50,
) -> ReplayResult:
    """Replay every record of the crawl's decision log (streamed), or of every worker's
    when ``crawl_dir`` is a distributed crawl's directory.

    Changed and not replayable URLs are written to ``report`` (one JSON object per line);
    every replayed record (not replayable ones as recorded) goes to ``sink`` in log order.
    Raises NotACrawl on an unreadable log and UnreadableWarc on a damaged evidence file.
    """
    started = time.perf_counter()
    # A distributed crawl: every worker's decisions, and every worker's evidence (one
    # worker fetched an origin's policy files for all).
    crawl = CrawlDir(crawl_dir)
    index = EvidenceIndex.build(crawl.evidence_sources())
    result = ReplayResult()
    reader = EvidenceReader(index, config.limits)
    for part in crawl.parts():
        payloads = StoredPayloads(part.content_warcs())
        for record in iter_records(part.decisions, torn=result.torn_lines):
            if result.crawl_id is None:
                result.crawl_id = record.get("crawl_id")
            outcome = replay_record(record, reader, config.context, payloads)
            result.add(outcome, keep_examples)
            if report is not None and outcome.result != "unchanged":
                report.write(json.dumps(outcome.report_line(), ensure_ascii=False) + "\n")
            if sink is not None:
                sink(outcome.new)
    result.elapsed = time.perf_counter() - started
    return result


def _said(decision: str, reason: str) -> str:
    return f"{decision} ({reason})"


def _profile(profile: Profile) -> str:
    region = profile.region or "no region"
    return f"purpose {profile.purpose}, operator {profile.operator}, {region}"


def format_summary(result: ReplayResult, config: ReplayConfig, crawl_dir: Path) -> str:
    """What a person reads after a replay: counts, transitions, the first re-decided URLs."""
    rate = result.records / result.elapsed if result.elapsed > 0 else 0.0
    lines = [
        f"Replayed {result.records} decisions of crawl {result.crawl_id} from {crawl_dir} "
        f"in {result.elapsed:.2f} s ({rate:.0f} URLs/s), offline from the recorded evidence",
        f"AI-agent list: {config.agents_source}",
        f"Profile: {_profile(config.context.profile)}"
        + (
            f" (the crawl decided for {_profile(config.crawl_profile)}: the changes below "
            "are the differences between the two)"
            if config.profile_changed
            else " (the crawl's own)"
        ),
    ]
    if config.changed:
        for name, change in sorted(config.changed.items()):
            lines.append(f"setting {name}: {change['from']!r} -> {change['to']!r}")
    else:
        lines.append("settings: the crawl's own, so every decision must be reproduced")
    width = 64
    lines += [
        "",
        f"{'unchanged':<{width}} {result.unchanged:>7}",
        f"{'decision or reason changed':<{width}} {result.redecided:>7}",
    ]
    for (old_d, old_r, new_d, new_r), count in sorted(
        result.transitions.items(), key=lambda item: (-item[1], item[0])
    ):
        move = f"  {_said(old_d, old_r)} -> {_said(new_d, new_r)}"
        lines.append(f"{move:<{width}} {count:>7}")
    details = result.changed - result.redecided
    lines.append(f"{'same decision and reason, other fields changed':<{width}} {details:>7}")
    for name, count in sorted(result.details.items()):
        lines.append(f"{'  ' + name:<{width}} {count:>7}")
    label = "not replayable (recorded verdict kept)"
    lines.append(f"{label:<{width}} {result.kept:>7}")
    for category, count in sorted(result.kept_by.items()):
        lines.append(f"{'  ' + category:<{width}} {count:>7}")
    if result.torn_lines:
        lines.append(f"skipped the torn last line {result.torn_lines[0]} of decisions.jsonl")
    if result.examples:
        shown = len(result.examples)
        more = f" (first {shown}; all in the report)" if result.redecided > shown else ""
        lines += ["", f"Re-decided URLs{more}:"]
        for outcome in result.examples:
            old, new = outcome.old, outcome.new
            lines.append(
                f"  {_said(old['decision'], old['reason'])} -> "
                f"{_said(new['decision'], new['reason'])}  {old['url']}"
            )
    if result.changed and not config.changed:
        lines.append(
            f"\nWARNING: {result.changed} decisions were not reproduced with the crawl's own "
            "settings: the evidence or the tool version differs from the crawl's"
        )
    if result.newly_allowed:
        lines.append(
            f"\n{result.newly_allowed} URLs are now allowed, but the crawl holds no content "
            "for them: a new crawl must fetch them"
        )
    if result.newly_excluded:
        lines.append(
            f"\n{result.newly_excluded} allowed URLs would now be excluded (exit status 1)"
        )
    return "\n".join(lines)
