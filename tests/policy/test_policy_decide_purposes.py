"""Deciding for each purpose: every reader's statements, decided for all four purposes.

Each case is one resource as the crawl would see it (robots.txt, tdmrep.json, RSL
licences, response headers and body); it is decided as the gate decides (before the
fetch, then after it) once per purpose. The signals must not depend on the purpose:
only the decision does, which is what lets a replay decide a crawl for another purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fixtures.documents import make_png
from tdm_crawler.policy import (
    ContentFacts,
    Context,
    Decision,
    Finding,
    License,
    OriginFacts,
    Reason,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    Verdict,
    decide_after_fetch,
    decide_before_fetch,
    extract_content,
    load_agents,
    parse_rsl,
)
from tdm_crawler.policy.c2pa import training_mining_finding
from tdm_crawler.policy.purposes import Profile, Purpose

ORIGIN = "https://e.org"
URL = f"{ORIGIN}/a"
FILE_URL = f"{ORIGIN}/.well-known/tdmrep.json"
LICENSE_URL = f"{ORIGIN}/license.xml"
LETTERS = {"T": Purpose.AI_TRAINING, "M": Purpose.TDM, "I": Purpose.AI_INPUT, "S": Purpose.SEARCH}
HTML = "text/html; charset=utf-8"


def rsl(terms: str) -> License:
    """An RSL file whose one <content> covers the whole origin with one <license>."""
    text = (
        '<rsl xmlns="https://rslstandard.org/rsl">'
        f'<content url="/"><license>{terms}</license></content></rsl>'
    )
    return LICENSE_URL, parse_rsl(text.encode(), url=LICENSE_URL)


def c2pa(entry: str, use: str = "notAllowed") -> Finding:
    entries = {f"cawg.{entry}": {"use": use}}
    return training_mining_finding(
        [{"label": "cawg.training-mining", "data": {"entries": entries}}]
    )


def page(meta: str = "") -> bytes:
    return f"<html><head>{meta}</head><body>hi</body></html>".encode()


@dataclass(frozen=True)
class Case:
    """One resource; ``reserved`` the letters of the purposes it is reserved for."""

    reason: Reason
    reserved: str
    robots: str = "User-agent: *\nAllow: /\n"
    tdmrep: bytes | None = None
    origin_licenses: tuple[str, ...] = ()
    headers: dict[str, list[str]] = field(default_factory=dict)
    content_type: str = HTML
    body: bytes = field(default_factory=page)
    linked: tuple[str, ...] = ()
    c2pa: Finding | None = None
    agents: str = ""
    noarchive_reserves: bool = False

    def decide(self, purpose: Purpose) -> Verdict:
        agents = load_agents(self.agents or None)
        ctx = Context("tdm-crawler", agents, Profile(purpose), self.noarchive_reserves)
        tdmrep = (
            TdmRepFile.from_fetch(200, self.tdmrep, None, url=FILE_URL)
            if self.tdmrep is not None
            else TdmRepFile.from_fetch(404, None, None, url=FILE_URL)
        )
        origin = OriginFacts(
            RobotsFile.from_fetch(200, self.robots.encode(), None),
            tdmrep,
            tuple(rsl(terms) for terms in self.origin_licenses),
        )
        before = decide_before_fetch(URL, ctx, origin)
        if before is not None:
            return before
        content = extract_content(self.body, self.content_type, URL)
        if self.c2pa is not None:
            content = ContentFacts(content.kind, content.content_type, c2pa=self.c2pa)
        headers = {"content-type": [self.content_type], **self.headers}
        licenses = tuple(rsl(terms) for terms in self.linked)
        response = ResponseFacts(URL, 200, headers, content, licenses)
        return decide_after_fetch(URL, ctx, origin, response)


PROHIBIT = '<prohibits type="usage">{}</prohibits>'

CASES = {
    # TDMRep and noai reserve every purpose.
    "tdmrep-file": Case(
        Reason.TDMREP_FILE, "TMIS", tdmrep=b'[{"location": "/", "tdm-reservation": 1}]'
    ),
    "tdmrep-header": Case(Reason.TDMREP_HEADER, "TMIS", headers={"tdm-reservation": ["1"]}),
    "tdmrep-meta": Case(
        Reason.TDMREP_META, "TMIS", body=page('<meta name="tdm-reservation" content="1">')
    ),
    "tdmrep-0": Case(Reason.NO_RESERVATION, "", headers={"tdm-reservation": ["0"]}),
    "x-robots-noai": Case(Reason.X_ROBOTS_NOAI, "TMIS", headers={"x-robots-tag": ["noai"]}),
    "meta-noai": Case(
        Reason.META_ROBOTS_NOAI, "TMIS", body=page('<meta name="robots" content="noai">')
    ),
    "noimageai-image": Case(
        Reason.X_ROBOTS_NOAI,
        "TMIS",
        headers={"x-robots-tag": ["noimageai"]},
        content_type="image/png",
        body=make_png(),
    ),
    "noimageai-page": Case(Reason.NO_RESERVATION, "", headers={"x-robots-tag": ["noimageai"]}),
    # Bing's noarchive / nocache: recorded; reserving only with TDM_NOARCHIVE_RESERVES.
    "x-robots-noarchive-off": Case(
        Reason.NO_RESERVATION, "", headers={"x-robots-tag": ["noarchive"]}
    ),
    "x-robots-noarchive-on": Case(
        Reason.X_ROBOTS_NOARCHIVE,
        "TMI",
        headers={"x-robots-tag": ["noarchive"]},
        noarchive_reserves=True,
    ),
    "meta-bingbot-nocache-off": Case(
        Reason.NO_RESERVATION, "", body=page('<meta name="bingbot" content="nocache">')
    ),
    "meta-bingbot-nocache-on": Case(
        Reason.META_ROBOTS_NOARCHIVE,
        "TMI",
        body=page('<meta name="bingbot" content="nocache">'),
        noarchive_reserves=True,
    ),
    "noai-and-noarchive-on": Case(
        Reason.X_ROBOTS_NOAI,
        "TMIS",
        headers={"x-robots-tag": ["noarchive, noai"]},
        noarchive_reserves=True,
    ),
    # aipref Content-Usage, header and robots.txt.
    "usage-train-ai": Case(Reason.CONTENT_USAGE, "T", headers={"content-usage": ["train-ai=n"]}),
    "usage-ai-use": Case(Reason.CONTENT_USAGE, "I", headers={"content-usage": ["ai-use=n"]}),
    "usage-search": Case(Reason.CONTENT_USAGE, "S", headers={"content-usage": ["search=n"]}),
    "usage-bots": Case(Reason.CONTENT_USAGE, "TMIS", headers={"content-usage": ["bots=n"]}),
    "usage-tdm": Case(Reason.CONTENT_USAGE, "TMIS", headers={"content-usage": ["tdm=n"]}),
    "usage-genai": Case(Reason.CONTENT_USAGE, "T", headers={"content-usage": ["genai=n"]}),
    "usage-ai-train-mix-up": Case(
        Reason.CONTENT_USAGE, "T", headers={"content-usage": ["ai-train=n"]}
    ),
    "usage-ai-train-then-train-ai": Case(
        Reason.NO_RESERVATION, "", headers={"content-usage": ["ai-train=n, train-ai=y"]}
    ),
    "usage-train-ai-then-ai-train": Case(
        Reason.CONTENT_USAGE, "T", headers={"content-usage": ["train-ai=y", "ai-train=n"]}
    ),
    "usage-parameters": Case(
        Reason.CONTENT_USAGE, "T", headers={"content-usage": ["train-ai=n;exceptions=cc-cr"]}
    ),
    "usage-robots-explicit-root": Case(
        Reason.NO_RESERVATION,
        "",
        robots="User-agent: *\nContent-Usage: train-ai=n\nContent-Usage: / train-ai=y\n",
    ),
    "usage-robots-no-path": Case(
        Reason.CONTENT_USAGE, "TMIS", robots="User-agent: *\nContent-Usage: bots=n\n"
    ),
    "usage-two": Case(
        Reason.CONTENT_USAGE, "TS", headers={"content-usage": ["train-ai=n, search=n, ai-use=y"]}
    ),
    "usage-robots": Case(
        Reason.CONTENT_USAGE, "T", robots="User-agent: *\nContent-Usage: / train-ai=n\n"
    ),
    "usage-robots-search": Case(
        Reason.CONTENT_USAGE, "S", robots="User-agent: *\nContent-Usage: /a search=n\n"
    ),
    # Cloudflare Content Signals, header and robots.txt.
    "signal-ai-train": Case(
        Reason.CONTENT_SIGNAL, "T", headers={"content-signal": ["search=yes, ai-train=no"]}
    ),
    "signal-ai-input": Case(
        Reason.CONTENT_SIGNAL, "I", headers={"content-signal": ["ai-input=no"]}
    ),
    "signal-search-robots": Case(
        Reason.CONTENT_SIGNAL, "S", robots="User-agent: *\nContent-Signal: search=no\n"
    ),
    "signal-global-robots": Case(
        Reason.CONTENT_SIGNAL, "T", robots="Content-Signal: ai-train=no\nUser-agent: *\nAllow: /\n"
    ),
    "signal-use-reference": Case(
        Reason.CONTENT_SIGNAL, "TMIS", headers={"content-signal": ["search=yes, use=reference"]}
    ),
    "signal-use-immediate-robots": Case(
        Reason.CONTENT_SIGNAL, "TMIS", robots="User-agent: *\nContent-Signal: use=immediate\n"
    ),
    "signal-use-full": Case(
        Reason.NO_RESERVATION, "", headers={"content-signal": ["use=full, ai-train=yes"]}
    ),
    # RSL, named in robots.txt and linked from the response.
    "rsl-ai-train": Case(Reason.RSL, "T", origin_licenses=(PROHIBIT.format("ai-train"),)),
    "rsl-search": Case(Reason.RSL, "S", origin_licenses=(PROHIBIT.format("search"),)),
    "rsl-ai-all": Case(Reason.RSL, "TMI", origin_licenses=(PROHIBIT.format("ai-all"),)),
    "rsl-all": Case(Reason.RSL, "TMIS", origin_licenses=(PROHIBIT.format("all"),)),
    "rsl-train-genai": Case(Reason.RSL, "T", origin_licenses=(PROHIBIT.format("train-genai"),)),
    "rsl-linked-ai-input": Case(Reason.RSL, "I", linked=(PROHIBIT.format("ai-input"),)),
    "rsl-paid": Case(
        Reason.RSL,
        "TMIS",
        linked=('<permits type="usage">search</permits><payment type="purchase"/>',),
    ),
    # CAWG / C2PA training-and-mining entries.
    "c2pa-training": Case(Reason.C2PA, "T", content_type="image/png", c2pa=c2pa("ai_training")),
    "c2pa-mining": Case(
        Reason.C2PA, "TM", content_type="image/png", c2pa=c2pa("data_mining", "constrained")
    ),
    "c2pa-inference": Case(Reason.C2PA, "I", content_type="image/png", c2pa=c2pa("ai_inference")),
    # robots.txt groups naming AI agents: the agent's category.
    "agent-training": Case(Reason.ROBOTS_AI_AGENT, "T", robots="User-agent: GPTBot\nDisallow: /\n"),
    "agent-search": Case(
        Reason.ROBOTS_AI_AGENT, "IS", robots="User-agent: OAI-SearchBot\nDisallow: /\n"
    ),
    "agent-assistant": Case(
        Reason.ROBOTS_AI_AGENT, "I", robots="User-agent: ChatGPT-User\nDisallow: /\n"
    ),
    "agent-dataset": Case(
        Reason.ROBOTS_AI_AGENT, "TMIS", robots="User-agent: CCBot\nDisallow: /\n"
    ),
    "agent-user-added": Case(
        Reason.ROBOTS_AI_AGENT, "TMIS", robots="User-agent: MyBot\nDisallow: /\n", agents="+MyBot"
    ),
    "agents-union": Case(
        Reason.ROBOTS_AI_AGENT,
        "TIS",
        robots="User-agent: GPTBot\nUser-agent: PerplexityBot\nDisallow: /\n",
    ),
    "agent-star-only": Case(Reason.NO_RESERVATION, "", robots="User-agent: *\nAllow: /\n"),
}

CELLS = [
    pytest.param(name, purpose, id=f"{name}:{purpose}") for name in CASES for purpose in Purpose
]


@pytest.mark.parametrize(("name", "purpose"), CELLS)
def test_decided_for_each_purpose(name: str, purpose: Purpose) -> None:
    case = CASES[name]
    verdict = case.decide(purpose)
    reserved = purpose in {LETTERS[letter] for letter in case.reserved}
    if reserved:
        assert (verdict.decision, verdict.reason) == (Decision.RESERVED, case.reason)
    else:
        assert (verdict.decision, verdict.reason) == (Decision.ALLOWED, Reason.NO_RESERVATION)
    assert verdict.purpose is purpose


@pytest.mark.parametrize("name", list(CASES))
def test_signals_do_not_depend_on_the_purpose(name: str) -> None:
    """Equal for every purpose, except that a purpose an origin-level statement reserves
    is decided before the fetch: its signals are the origin's, the others' first part."""
    verdicts = [CASES[name].decide(purpose) for purpose in Purpose]
    longest = max((verdict.signals for verdict in verdicts), key=len)
    for verdict in verdicts:
        assert verdict.signals == longest[: len(verdict.signals)]
        if len(verdict.signals) < len(longest):
            assert verdict.decision is Decision.RESERVED


def test_the_first_reader_that_reserves_for_the_purpose_decides() -> None:
    """train-ai=n (aipref) and search=no (Content-Signal): each purpose gets its reason."""
    case = Case(
        Reason.CONTENT_USAGE,
        "TS",
        headers={"content-usage": ["train-ai=n"], "content-signal": ["search=no"]},
    )
    reasons = {purpose: case.decide(purpose).reason for purpose in Purpose}
    assert reasons == {
        Purpose.AI_TRAINING: Reason.CONTENT_USAGE,
        Purpose.TDM: Reason.NO_RESERVATION,
        Purpose.AI_INPUT: Reason.NO_RESERVATION,
        Purpose.SEARCH: Reason.CONTENT_SIGNAL,
    }


@pytest.mark.parametrize("purpose", list(Purpose))
def test_access_and_failures_do_not_depend_on_the_purpose(purpose: Purpose) -> None:
    """Our own robots.txt group and an unreachable tdmrep.json decide for every purpose."""
    ctx = Context(profile=Profile(purpose))
    absent = TdmRepFile.from_fetch(404, None, None, url=FILE_URL)
    disallowed = OriginFacts(
        RobotsFile.from_fetch(200, b"User-agent: *\nDisallow: /\n", None), absent
    )
    verdict = decide_before_fetch(URL, ctx, disallowed)
    assert verdict is not None
    assert (verdict.decision, verdict.reason, verdict.purpose) == (
        Decision.DISALLOWED,
        Reason.ROBOTS_DISALLOW,
        purpose,
    )
    down = TdmRepFile.from_fetch(503, None, None, url=FILE_URL)
    unknown = decide_before_fetch(
        URL, ctx, OriginFacts(RobotsFile.from_fetch(404, None, None), down)
    )
    assert unknown is not None
    assert (unknown.decision, unknown.reason) == (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE)
