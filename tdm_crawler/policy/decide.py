"""The one place where signals become a :class:`Verdict`.

The live crawl, ``check`` and an offline replay all call these functions with the same
inputs, so they reach the same decision. Every verdict carries every signal seen, in a
fixed order: the origin's signals (robots.txt, its AI-agent groups, Content-Usage and
Content-Signal lines, RSL licences named there, the tdmrep.json file), then, after a
fetch, the HTTP status, the TDMRep header / meta / PDF / EPUB layers, noai, the response's
Content-Usage and Content-Signal headers, linked RSL licences, the RSL licences the body
carries (inline scripts, feeds), C2PA, IPTC Data Mining and schema.org's
``isAccessibleForFree`` (a paywall). A signal that found nothing is still listed, so a
reader sees what was looked at, not only what decided; the exceptions are Bing's
``noarchive`` (a ``bing`` signal after the noai signal of its source, only when read),
whose absence the noai signal already shows, and the paywall's signals, only when the
page says ``isAccessibleForFree`` (so that earlier crawls replay unchanged).

Within TDMRep, precedence is file -> header -> meta -> PDF/EPUB, property by property.
Across protocols any reservation for the crawl's purpose wins: a TDMRep ``0`` does not
lift a ``noai``. Each reader's finding says which purposes it reserves (the purpose
table, :mod:`tdm_crawler.policy.purposes`); a finding that reserves only for other
purposes is recorded and does not decide. The signals do not depend on the purpose, so
one crawl's evidence can be decided again for another purpose offline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from tdm_crawler.policy.ai_agents import AgentList, load_agents
from tdm_crawler.policy.aipref import (
    content_signal_finding,
    content_signal_header_finding,
    content_usage_header_finding,
    content_usage_robots_finding,
)
from tdm_crawler.policy.content import ContentFacts
from tdm_crawler.policy.excluded import ExcludedSources
from tdm_crawler.policy.noai import meta_robots_finding, x_robots_finding
from tdm_crawler.policy.odrl import PolicyProblem, PolicySummary
from tdm_crawler.policy.purposes import DEFAULT_PROFILE, Profile, Purpose, reserved_purposes
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.robots_records import RobotsRecords, ai_agent_finding, license_urls
from tdm_crawler.policy.rsl import RslDocument, RslProblem, parse_rsl, rsl_finding
from tdm_crawler.policy.tdmrep import TdmRepFile, merge_layers, read_headers, read_meta_pairs
from tdm_crawler.policy.types import Decision, Finding, Reason, Signal, TdmProps, Verdict

#: An RSL licence as fetched: its URL and what it parsed to.
License = tuple[str, RslDocument | RslProblem]

#: The response headers any reader looks at; a decision record keeps exactly these, so
#: a replay sees what the live decision saw.
DECISION_HEADERS = (
    "content-type",
    "tdm-reservation",
    "tdm-policy",
    "x-robots-tag",
    "content-usage",
    "content-signal",
    "link",
)


@dataclass(frozen=True, slots=True)
class Context:
    """Who is deciding, and for what: our product token, the AI crawlers whose robots.txt
    groups count as reservations, the crawl's profile (purpose, operator, region),
    whether Bing's ``noarchive``/``nocache`` reserve (``TDM_NOARCHIVE_RESERVES``), and the
    sources it must not crawl (the operator's exclusion lists)."""

    agent: str = "tdm-crawler"
    ai_agents: AgentList = field(default_factory=load_agents)
    profile: Profile = DEFAULT_PROFILE
    noarchive_reserves: bool = False
    excluded: ExcludedSources = field(default_factory=ExcludedSources)


@dataclass(frozen=True, slots=True)
class OriginFacts:
    """What an origin says for all its resources, read before any of them is fetched."""

    robots: RobotsFile
    tdmrep: TdmRepFile
    licenses: tuple[License, ...] = ()
    records: RobotsRecords = field(init=False)

    def __post_init__(self) -> None:
        # The groups robots.txt was parsed into, for the readers beyond our own group
        # (AI groups' rules, Content-Usage, License).
        object.__setattr__(self, "records", self.robots.records)

    def license_urls(self, robots_url: str) -> tuple[str, ...]:
        """The RSL licences robots.txt (read from ``robots_url``) names in ``License:``
        lines, to fetch."""
        return license_urls(self.records, robots_url)


@dataclass(frozen=True, slots=True)
class ResponseFacts:
    """What the decision needs from a fetched response, free of any HTTP library."""

    url: str  # the URL whose response this is (after redirects)
    status: int
    headers: Mapping[str, Sequence[str]]  # names lower-case, values decoded latin-1
    content: ContentFacts
    licenses: tuple[License, ...] = ()  # RSL licences the response links to, as fetched


@dataclass(frozen=True, slots=True)
class OriginHalf:
    """The origin half of one URL's decision: computed before the fetch, kept for after.

    Running the origin-level readers again after the download would cost about a third
    of an allowed page's decision time, and could read a different robots.txt if the
    origin's cache entry expired in between; the crawl keeps this value instead.
    """

    url: str
    origin: OriginFacts
    signals: tuple[Signal, ...]  # the origin's signals, in the verdict's order
    verdict: Verdict | None  # settled before fetching, or None ("fetch it")


def decide_excluded(url: str, ctx: Context) -> Verdict | None:
    """``disallowed`` (``excluded-source``) when an exclusion list names ``url``, else None.

    The first decision of every URL, before any of its origin's documents exists: an
    excluded source is sent no request at all, not even for robots.txt, whatever the
    purpose (it is access, as our robots.txt group is)."""
    found = ctx.excluded.match(url)
    if found is None:
        return None
    return Verdict(
        Decision.DISALLOWED,
        Reason.EXCLUDED_SOURCE,
        signals=(found.signal(),),
        purpose=ctx.profile.purpose,
    )


def decide_origin(url: str, ctx: Context, origin: OriginFacts) -> OriginHalf:
    """The origin-level signals of ``url`` and the verdict they settle on their own."""
    signals, verdict = _before(url, ctx, origin)
    return OriginHalf(url, origin, signals, verdict)


def decide_before_fetch(url: str, ctx: Context, origin: OriginFacts) -> Verdict | None:
    """Return the verdict if it is known without fetching ``url``, else None ("fetch it").

    A TDMRep file reservation is not final: a header or meta tag of the resource can lift
    it (§2.5), so such a URL is still fetched (and its body kept only if allowed). An
    origin-level reservation of another protocol is final: nothing can lift it.
    """
    return decide_origin(url, ctx, origin).verdict


def decide_after_fetch(
    url: str, ctx: Context, origin: OriginFacts, response: ResponseFacts
) -> Verdict:
    """Decide a fetched resource: status, TDMRep layers, then every other protocol."""
    return finish_after_fetch(decide_origin(url, ctx, origin), ctx, response)


def finish_after_fetch(half: OriginHalf, ctx: Context, response: ResponseFacts) -> Verdict:
    """:func:`decide_after_fetch` from the origin half computed before the fetch."""
    url, signals = half.url, half.signals
    if half.verdict is not None:
        return half.verdict
    purpose = ctx.profile.purpose
    status = Signal("http", "status", response.status, f"HTTP {response.status}")
    if not 200 <= response.status <= 299:
        skipped = f"not read: HTTP {response.status}"
        return Verdict(
            Decision.ERROR,
            Reason.HTTP_STATUS,
            signals=(*signals, status, Signal("tdmrep", "header", None, skipped)),
            purpose=purpose,
        )
    content = response.content
    tdm_signals, merged, tdm_reason = _tdmrep_layers(url, half.origin.tdmrep, response)
    noarchive = ctx.noarchive_reserves
    findings = [
        x_robots_finding(
            response.headers, ctx.agent, is_image=content.is_image, noarchive_reserves=noarchive
        ),
        content_usage_header_finding(response.headers),
        content_signal_header_finding(response.headers),
        *(
            rsl_finding(doc, url, source="link", profile=ctx.profile)
            for _, doc in response.licenses
        ),
        *(
            rsl_finding(parse_rsl(text.encode(), url=url), url, source=source, profile=ctx.profile)
            for source, text in content.rsl_documents
        ),
    ]
    if content.kind == "html":
        metas = meta_robots_finding(
            content.metas, ctx.agent, is_image=False, noarchive_reserves=noarchive
        )
        findings.insert(1, metas)
    if content.c2pa is not None:
        findings.append(content.c2pa)
    if content.iptc is not None:
        findings.append(content.iptc)
    paywall = content.paywall
    all_signals = (
        *signals,
        status,
        *tdm_signals,
        *(signal for finding in findings for signal in finding.signals),
        *(paywall.signals if paywall is not None else ()),
    )
    if paywall is not None and paywall.reserves is not None:
        # Access control, as our robots.txt group is: not stored whatever the purpose,
        # and before any reservation (which would say less: the page is not even ours
        # to read).
        return Verdict(
            Decision.DISALLOWED,
            Reason.PAYWALLED,
            merged.reservation,
            merged.policy,
            all_signals,
            purpose,
        )
    if tdm_reason is not None and purpose in _tdmrep_reserves(merged):
        return Verdict(Decision.RESERVED, tdm_reason, 1, merged.policy, all_signals, purpose)
    reserving = _reserving(findings, ctx)
    if reserving is not None:
        return Verdict(
            Decision.RESERVED, reserving, merged.reservation, merged.policy, all_signals, purpose
        )
    embedded = content.embedded
    if embedded is not None and not embedded.complete:
        # A document whose metadata could not be read may carry a reservation we did
        # not see: its status is not established, so nothing of it is stored (ours).
        reason = Reason.TDMREP_PDF if embedded.format == "pdf" else Reason.TDMREP_EPUB
        return Verdict(Decision.UNKNOWN, reason, merged.reservation, None, all_signals, purpose)
    return Verdict(
        Decision.ALLOWED,
        Reason.NO_RESERVATION,
        merged.reservation,
        merged.policy,
        all_signals,
        purpose,
    )


def decide_failed_fetch(
    url: str, ctx: Context, origin: OriginFacts, reason: Reason, detail: str
) -> Verdict:
    """Decide a resource whose fetch failed (FETCH_FAILED, TOO_LARGE, ...).

    A verdict known before fetching still wins, so the outcome does not depend on whether
    the caller checked first.
    """
    return finish_failed_fetch(decide_origin(url, ctx, origin), ctx, reason, detail)


def finish_failed_fetch(half: OriginHalf, ctx: Context, reason: Reason, detail: str) -> Verdict:
    """:func:`decide_failed_fetch` from the origin half computed before the fetch."""
    if half.verdict is not None:
        return half.verdict
    failure = Signal("http", "fetch", reason.value, detail)
    return Verdict(
        Decision.ERROR, reason, signals=(*half.signals, failure), purpose=ctx.profile.purpose
    )


def with_policy(verdict: Verdict, policy: PolicySummary | PolicyProblem | None) -> Verdict:
    """Add what the TDM policy says (who to ask, on which terms) to a verdict.

    The policy never changes the decision: a policy that cannot be fetched or parsed
    leaves the reservation in place (§2.6). ``None`` means it could not be fetched.
    """
    url = verdict.tdm_policy
    if url is None:
        return verdict
    if policy is None:
        signal = Signal("tdm-policy", "policy", None, f"{url} could not be fetched")
    elif isinstance(policy, PolicyProblem):
        signal = Signal("tdm-policy", "policy", None, f"{url}: {policy.detail}")
    else:
        signal = Signal("tdm-policy", "policy", policy.to_json(), policy.summary)
    return replace(verdict, signals=(*verdict.signals, signal))


def _before(
    url: str, ctx: Context, origin: OriginFacts
) -> tuple[tuple[Signal, ...], Verdict | None]:
    """The origin-level signals, and the verdict they settle on their own, if any."""
    purpose = ctx.profile.purpose
    robots_signal = origin.robots.check(url, ctx.agent)
    signals: tuple[Signal, ...]
    if robots_signal.value in ("unreachable", "disallow"):
        # Our own group is obeyed whatever the purpose: it is access, not a reservation.
        signals = (robots_signal, origin.tdmrep.signal(url))
        reason = (
            Reason.ROBOTS_UNREACHABLE
            if robots_signal.value == "unreachable"
            else Reason.ROBOTS_DISALLOW
        )
        return signals, Verdict(Decision.DISALLOWED, reason, signals=signals, purpose=purpose)
    findings = _origin_findings(url, ctx, origin)
    signals = (
        robots_signal,
        *(signal for finding in findings for signal in finding.signals),
        origin.tdmrep.signal(url),
    )
    reserving = _reserving(findings, ctx)
    if reserving is not None:
        return signals, Verdict(Decision.RESERVED, reserving, signals=signals, purpose=purpose)
    if origin.tdmrep.state == "unreachable":
        verdict = Verdict(
            Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE, signals=signals, purpose=purpose
        )
        return signals, verdict
    return signals, None


def _reserving(findings: Sequence[Finding], ctx: Context) -> Reason | None:
    """The reason of the first finding that reserves for the crawl's purpose, if any."""
    purpose = ctx.profile.purpose
    return next((r for f in findings if (r := f.reserves_for(purpose)) is not None), None)


def _tdmrep_reserves(merged: TdmProps) -> frozenset[Purpose]:
    """What the merged TDMRep properties reserve, by the purpose table."""
    if merged.reservation is None:
        return frozenset()
    return reserved_purposes("tdmrep", str(merged.reservation))


def _origin_findings(url: str, ctx: Context, origin: OriginFacts) -> list[Finding]:
    """Reservations an origin makes in robots.txt, beyond what our own group obeys."""
    records = origin.records
    return [
        ai_agent_finding(records, url, ctx.ai_agents, ctx.agent),
        content_usage_robots_finding(records, url, ctx.agent),
        content_signal_finding(records, url, ctx.agent),
        *(
            rsl_finding(doc, url, source="robots.txt", profile=ctx.profile)
            for _, doc in origin.licenses
        ),
    ]


def _tdmrep_layers(
    url: str, tdmrep: TdmRepFile, response: ResponseFacts
) -> tuple[tuple[Signal, ...], TdmProps, Reason | None]:
    """TDMRep's header, meta and embedded layers over the file, property by property."""
    rule = tdmrep.match(url)
    header_props, header_problems = read_headers(response.headers)
    layers = [
        (Reason.TDMREP_FILE, rule.props if rule is not None else TdmProps()),
        (Reason.TDMREP_HEADER, header_props),
    ]
    signals = [_layer_signal("header", header_props, _describe(header_props, header_problems))]
    content = response.content
    if content.kind == "html":
        meta_props, meta_problems = read_meta_pairs(content.metas)
        layers.append((Reason.TDMREP_META, meta_props))
        signals.append(_layer_signal("meta", meta_props, _describe(meta_props, meta_problems)))
    if content.embedded is not None:
        embedded = content.embedded
        reason = Reason.TDMREP_PDF if embedded.format == "pdf" else Reason.TDMREP_EPUB
        layers.append((reason, embedded.props))
        detail = "; ".join((embedded.detail, _describe(embedded.props, embedded.problems)))
        signals.append(_layer_signal(embedded.format, embedded.props, detail))
    merged, reason_set = merge_layers(layers)
    return tuple(signals), merged, reason_set


def _layer_signal(source: str, props: TdmProps | None, detail: str) -> Signal:
    value = None if props is None or props.is_empty else props.to_json()
    return Signal("tdmrep", source, value, detail)


def _describe(props: TdmProps, problems: tuple[str, ...]) -> str:
    """Say what a layer carried, then what was wrong with it."""
    said = [f"{name}: {value}" for name, value in props.to_json().items() if value is not None]
    summary = ", ".join(said) if said else "no valid tdm-reservation or tdm-policy"
    return "; ".join((summary, *problems))
