"""Combining the signals into a Verdict (decide.py), branch by branch and across protocols.

Every case builds what the crawl would hand the decision: an :class:`OriginFacts` from a
robots.txt, a tdmrep.json and the RSL licences robots.txt names, and a
:class:`ResponseFacts` whose :class:`ContentFacts` come from ``extract_content`` over a
real body (HTML, PDF, EPUB, PNG), so the in-content layers are read as in a live crawl.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

from fixtures.documents import make_epub, make_pdf, make_png, xmp_packet
from tdm_crawler.policy import (
    ContentFacts,
    Context,
    Decision,
    Finding,
    OriginFacts,
    PolicyProblem,
    PolicySummary,
    Reason,
    ResponseFacts,
    RobotsFile,
    RslDocument,
    RslProblem,
    TdmRepFile,
    Verdict,
    decide_after_fetch,
    decide_before_fetch,
    decide_failed_fetch,
    extract_content,
    load_agents,
    parse_policy,
    parse_rsl,
    with_policy,
)
from tdm_crawler.policy.c2pa import training_mining_finding
from tdm_crawler.policy.decide import DECISION_HEADERS

AGENT = "tdm-crawler"
CTX = Context(agent=AGENT, ai_agents=load_agents())
ORIGIN = "https://e.org"
FILE_URL = f"{ORIGIN}/.well-known/tdmrep.json"
LICENSE_URL = f"{ORIGIN}/license.xml"
P1 = "https://e.org/p1.json"
P2 = "https://e.org/p2.json"

# --- origin-level inputs ---------------------------------------------------------------

_PRIVATE = "User-agent: *\nDisallow: /private/\n"
ROBOTS_TEXT: dict[str, str] = {
    "ok": _PRIVATE,
    # §1: groups naming AI crawlers; CCBot's group allows everything it says nothing of.
    "ai": (
        f"{_PRIVATE}\nUser-agent: GPTBot\nDisallow: /ai/\nAllow: /ai/public/\n\n"
        "User-agent: CCBot\nDisallow: /cc/\n\nUser-agent: SomeSearchBot\nDisallow: /\n"
    ),
    # §1: our own group allows, the `*` fallback disallows: no AI group, no reservation.
    "star-only": f"User-agent: {AGENT}\nAllow: /\n\nUser-agent: *\nDisallow: /\n",
    # §4: aipref Content-Usage in our (`*`) group; a longer path says y.
    "usage": f"{_PRIVATE}Content-Usage: train-ai=n\nContent-Usage: /open/ train-ai=y\n",
    # §4: Content-Usage in a group that is not ours does not apply to us.
    "usage-other-group": f"{_PRIVATE}\nUser-agent: GPTBot\nContent-Usage: train-ai=n\n",
    # §4: Cloudflare's Content-Signal.
    "signal": f"{_PRIVATE}Content-Signal: search=yes, ai-train=no\n",
    "signal-yes": f"{_PRIVATE}Content-Signal: search=yes, ai-train=yes\n",
    # §5: an RSL licence named by a global License line.
    "license": f"License: {LICENSE_URL}\n{_PRIVATE}",
}
ROBOTS: dict[str, RobotsFile] = {
    **{name: RobotsFile.from_fetch(200, text.encode(), None) for name, text in ROBOTS_TEXT.items()},
    "404": RobotsFile.from_fetch(404, None, None),
    "503": RobotsFile.from_fetch(503, None, None),
    "down": RobotsFile.from_fetch(None, None, "connection refused"),
}
FILES = {
    "absent": TdmRepFile.from_fetch(404, None, None, url=FILE_URL),
    "rules": TdmRepFile.from_fetch(
        200,
        json.dumps(
            [
                {"location": "/premium/", "tdm-reservation": 1, "tdm-policy": P1},
                {"location": "/open/", "tdm-reservation": 0},
                {"location": "/odd/", "tdm-reservation": 2},
            ]
        ).encode(),
        None,
        url=FILE_URL,
    ),
    "invalid": TdmRepFile.from_fetch(200, b"<html>oops</html>", None, url=FILE_URL),
    "503": TdmRepFile.from_fetch(503, None, None, url=FILE_URL),
}


def rsl(terms: str, *, url: str = "/", server: str = "") -> RslDocument | RslProblem:
    """An RSL 1.0 file with one <content> block carrying one <license>."""
    attrs = f' server="{server}"' if server else ""
    text = (
        '<rsl xmlns="https://rslstandard.org/rsl">'
        f'<content url="{url}"{attrs}><license>{terms}</license></content></rsl>'
    )
    return parse_rsl(text.encode(), url=LICENSE_URL)


LICENSES: dict[str, RslDocument | RslProblem] = {
    "prohibits-train": rsl('<prohibits type="usage">ai-train</prohibits>'),
    "prohibits-all": rsl('<permits type="usage">search</permits><prohibits>all</prohibits>'),
    "payment": rsl(
        '<permits type="usage">ai-all</permits>'
        '<payment type="purchase"><amount currency="USD">0.25</amount></payment>'
    ),
    "server": rsl('<permits type="usage">ai-all</permits>', server="https://license.e.org/"),
    "permits": rsl('<permits type="usage">all</permits><payment type="free"/>'),
    "elsewhere": rsl('<prohibits type="usage">ai-train</prohibits>', url="/elsewhere/"),
    "unreadable": parse_rsl(b"<html><body>not RSL</body></html>", url=LICENSE_URL),
}

# --- response-level inputs -------------------------------------------------------------

HTML = {"content-type": ["text/html; charset=utf-8"]}
PDF_TYPE = {"content-type": ["application/pdf"]}
EPUB_TYPE = {"content-type": ["application/epub+zip"]}
PNG_TYPE = {"content-type": ["image/png"]}
RES_1 = {"tdm-reservation": ["1"]}
RES_0 = {"tdm-reservation": ["0"]}


def page(*metas: str, rsl_link: str | None = None) -> bytes:
    """An HTML page whose head holds ``name=content`` metas and optionally an RSL link."""
    tags = "".join(
        f'<meta name="{name}" content="{value}">'
        for name, value in (m.split("=", 1) for m in metas)
    )
    if rsl_link is not None:
        tags += f'<link rel="license" type="application/rsl+xml" href="{rsl_link}">'
    return f"<!DOCTYPE html><html><head>{tags}</head><body>hi</body></html>".encode()


EMPTY_PAGE = b"<html><head></head></html>"
META_1 = page("tdm-reservation=1")
PDF = {
    "1": make_pdf(xmp_packet("1")),
    "0": make_pdf(xmp_packet("0")),
    "1-P2": make_pdf(xmp_packet("1", P2)),
    "none": make_pdf(None),
}
EPUB = {
    "3-1": make_epub(3, "1"),
    "3-0": make_epub(3, "0"),
    "2-1": make_epub(2, "1"),
    "none": make_epub(3),
}
PNG = make_png()


def c2pa(**uses: str) -> Finding:
    """The finding of a manifest whose c2pa.training-mining entries have these uses."""
    entries = {f"c2pa.{name}": {"use": use} for name, use in uses.items()}
    return training_mining_finding(
        [{"label": "c2pa.training-mining", "data": {"entries": entries}}]
    )


PREMIUM = "/premium/a"


@dataclass(frozen=True)
class Scenario:
    """One resource of one origin, as the crawl would see it."""

    robots: str = "ok"
    file: str = "absent"
    origin_licenses: tuple[str, ...] = ()  # RSL licences named in robots.txt, by name
    path: str = "/a"
    status: int = 200
    headers: Mapping[str, Sequence[str]] = field(default_factory=lambda: HTML)
    body: bytes = EMPTY_PAGE
    linked: tuple[str, ...] = ()  # RSL licences the response links to, by name
    c2pa: Finding | None = None  # overrides what the body's manifest says

    @property
    def url(self) -> str:
        return ORIGIN + self.path

    def origin(self) -> OriginFacts:
        licenses = tuple((LICENSE_URL, LICENSES[name]) for name in self.origin_licenses)
        return OriginFacts(ROBOTS[self.robots], FILES[self.file], licenses)

    def content(self) -> ContentFacts:
        content_type = self.headers.get("content-type", [None])[0]
        content = extract_content(self.body, content_type, self.url)
        if self.c2pa is not None:
            content = dataclasses.replace(content, c2pa=self.c2pa)
        return content

    def response(self) -> ResponseFacts:
        licenses = tuple((LICENSE_URL, LICENSES[name]) for name in self.linked)
        return ResponseFacts(self.url, self.status, self.headers, self.content(), licenses)


Outcome = tuple[Decision, Reason, int | None, str | None]
ALLOWED: Outcome = (Decision.ALLOWED, Reason.NO_RESERVATION, None, None)
ALLOWED_0: Outcome = (Decision.ALLOWED, Reason.NO_RESERVATION, 0, None)
ROBOTS_UNREACHABLE: Outcome = (Decision.DISALLOWED, Reason.ROBOTS_UNREACHABLE, None, None)
ROBOTS_DISALLOW: Outcome = (Decision.DISALLOWED, Reason.ROBOTS_DISALLOW, None, None)
FILE_UNAVAILABLE: Outcome = (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE, None, None)
HTTP_ERROR: Outcome = (Decision.ERROR, Reason.HTTP_STATUS, None, None)


def reserved(reason: Reason, policy: str | None = None) -> Outcome:
    """Reserved by a TDMRep layer: the TDMRep outcome is 1."""
    return (Decision.RESERVED, reason, 1, policy)


def reserved_by(reason: Reason, tdm: int | None = None, policy: str | None = None) -> Outcome:
    """Reserved by another protocol; ``tdm`` is whatever TDMRep said meanwhile."""
    return (Decision.RESERVED, reason, tdm, policy)


def case(case_id: str, expected: Outcome, **scenario: object) -> pytest.ParameterSet:
    return pytest.param(Scenario(**scenario), expected, id=case_id)  # type: ignore[arg-type]


def outcome(verdict: Verdict) -> Outcome:
    return (verdict.decision, verdict.reason, verdict.tdm_reservation, verdict.tdm_policy)


def sources(verdict: Verdict) -> list[tuple[str, str]]:
    return [(s.protocol, s.source) for s in verdict.signals]


def origin_sources(licenses: int) -> list[tuple[str, str]]:
    """What is looked at before fetching, once robots.txt lets us fetch."""
    return [
        ("robots", "robots.txt"),
        ("robots-ai-agent", "robots.txt"),
        ("content-usage", "robots.txt"),
        ("content-signal", "robots.txt"),
        *[("rsl", "robots.txt")] * licenses,
        ("tdmrep", "file"),
    ]


def expected_sources(scenario: Scenario, verdict: Verdict) -> list[tuple[str, str]]:
    """Every (protocol, source) the verdict must list, in the documented order."""
    if verdict.decision is Decision.DISALLOWED:
        return [("robots", "robots.txt"), ("tdmrep", "file")]
    before = origin_sources(len(scenario.origin_licenses))
    if decide_before_fetch(scenario.url, CTX, scenario.origin()) is not None:
        return before
    if not 200 <= scenario.status <= 299:
        return [*before, ("http", "status"), ("tdmrep", "header")]
    content = scenario.content()
    html = content.kind == "html"
    return [
        *before,
        ("http", "status"),
        ("tdmrep", "header"),
        *([("tdmrep", "meta")] if html else []),
        *([("tdmrep", content.embedded.format)] if content.embedded else []),
        ("noai", "header"),
        *([("noai", "meta")] if html else []),
        ("content-usage", "header"),
        ("content-signal", "header"),
        *[("rsl", "link")] * len(scenario.linked),
        *([("c2pa", "c2pa-manifest")] if content.c2pa else []),
        *([("iptc", "xmp")] if content.iptc else []),
    ]


# --- decide_after_fetch: the table ------------------------------------------------------

PORTED_CASES = [
    # robots.txt and an unreachable file decide before anything else
    case("robots-503", ROBOTS_UNREACHABLE, robots="503", file="rules"),
    case("robots-network-error", ROBOTS_UNREACHABLE, robots="down"),
    case("robots-unreachable-beats-file-unreachable", ROBOTS_UNREACHABLE, robots="503", file="503"),
    case("robots-disallow", ROBOTS_DISALLOW, path="/private/x"),
    case("robots-disallow-beats-file-unreachable", ROBOTS_DISALLOW, file="503", path="/private/x"),
    case("file-unreachable", FILE_UNAVAILABLE, file="503"),
    # the resource's own status
    case("http-404", HTTP_ERROR, status=404, headers=RES_1),
    case("http-500", HTTP_ERROR, file="rules", path=PREMIUM, status=500),
    case("http-301-not-followed", HTTP_ERROR, status=301, headers={}),
    # TDMRep file, header, meta and their precedence
    case("nothing-anywhere", ALLOWED, robots="404"),
    case("invalid-file-contributes-nothing", ALLOWED, file="invalid", path=PREMIUM),
    case("file-1", reserved(Reason.TDMREP_FILE, P1), file="rules", path=PREMIUM),
    case("file-0", ALLOWED_0, file="rules", path="/open/a"),
    case("file-invalid-value-unset", ALLOWED, file="rules", path="/odd/a"),
    case("file-1-header-0", ALLOWED_0, file="rules", path=PREMIUM, headers={**HTML, **RES_0}),
    case(
        "file-1-header-0-meta-1",
        reserved(Reason.TDMREP_META, P1),
        file="rules",
        path=PREMIUM,
        headers={**HTML, **RES_0},
        body=META_1,
    ),
    case(
        "file-1-P1-header-policy-P2",
        reserved(Reason.TDMREP_FILE, P2),
        file="rules",
        path=PREMIUM,
        headers={**HTML, "tdm-policy": [P2]},
    ),
    case(
        "file-0-header-1",
        reserved(Reason.TDMREP_HEADER, P2),
        file="rules",
        path="/open/a",
        headers={**RES_1, "tdm-policy": [P2]},
        body=b"{}",
    ),
    case("header-1-pdf", reserved(Reason.TDMREP_HEADER), headers=RES_1, body=b"%PDF-1.7"),
    case(
        "header-conflict-leaves-file",
        reserved(Reason.TDMREP_FILE, P1),
        file="rules",
        path=PREMIUM,
        headers={"tdm-reservation": ["0", "1"]},
    ),
    case("header-0-meta-1", reserved(Reason.TDMREP_META), headers={**HTML, **RES_0}, body=META_1),
    case("header-1-meta-0", ALLOWED_0, headers={**HTML, **RES_1}, body=page("tdm-reservation=0")),
    case(
        "meta-1-policy",
        reserved(Reason.TDMREP_META, P1),
        body=page("tdm-reservation=1", f"tdm-policy={P1}"),
    ),
    case("meta-invalid-value", ALLOWED, body=page("tdm-reservation=yes")),
    case("meta-in-body-ignored", ALLOWED, body=b"<head></head><body>" + META_1),
    # meta tags are read in HTML only
    case(
        "meta-xhtml",
        reserved(Reason.TDMREP_META),
        headers={"content-type": ["application/xhtml+xml"]},
        body=META_1,
    ),
    case(
        "meta-content-type-case",
        reserved(Reason.TDMREP_META),
        headers={"content-type": ["Text/HTML ; charset=UTF-8"]},
        body=META_1,
    ),
    case(
        "meta-not-read-in-json",
        ALLOWED,
        headers={"content-type": ["application/json"]},
        body=META_1,
    ),
    case(
        "meta-not-read-in-text-plain",
        ALLOWED,
        headers={"content-type": ["text/plain"]},
        body=META_1,
    ),
    case(
        "meta-sniffed-without-content-type", reserved(Reason.TDMREP_META), headers={}, body=META_1
    ),
    case(
        "meta-not-sniffed-in-non-html",
        ALLOWED,
        headers={},
        body=b'{"html": "<meta name=tdm-reservation content=1>"}',
    ),
]

AI_AGENT = reserved_by(Reason.ROBOTS_AI_AGENT)
NOAI_HEADER = reserved_by(Reason.X_ROBOTS_NOAI)
NOAI_META = reserved_by(Reason.META_ROBOTS_NOAI)

COMBINED_CASES = [
    # §1 AI-agent groups: decided from robots.txt alone, before any fetch
    case("ai-agent-gptbot-disallow", AI_AGENT, robots="ai", path="/ai/x"),
    case("ai-agent-ccbot-disallow", AI_AGENT, robots="ai", path="/cc/x"),
    case("ai-agent-allow-inside-group", ALLOWED, robots="ai", path="/ai/public/x"),
    case("ai-agent-path-not-covered", ALLOWED, robots="ai", path="/a"),
    case("ai-agent-unlisted-bot-does-not-count", ALLOWED, robots="ai", path="/search/x"),
    case("ai-agent-star-fallback-does-not-count", ALLOWED, robots="star-only"),
    case("ai-agent-beats-file-0", AI_AGENT, robots="ai", file="rules", path="/ai/x"),
    case("ai-agent-beats-header-0", AI_AGENT, robots="ai", path="/ai/x", headers={**HTML, **RES_0}),
    case("ai-agent-before-http-error", AI_AGENT, robots="ai", path="/ai/x", status=500),
    case("ai-agent-robots-disallow-first", ROBOTS_DISALLOW, robots="ai", path="/private/x"),
    case("ai-agent-beats-file-unreachable", AI_AGENT, robots="ai", file="503", path="/ai/x"),
    case("file-unreachable-ai-path-not-covered", FILE_UNAVAILABLE, robots="ai", file="503"),
    # §3 noai / noimageai, header and meta
    case("x-robots-noai", NOAI_HEADER, headers={**HTML, "x-robots-tag": ["noai"]}),
    case("x-robots-noai-in-list", NOAI_HEADER, headers={**HTML, "x-robots-tag": ["noindex, NoAI"]}),
    case("x-robots-noai-own-agent", NOAI_HEADER, headers={"x-robots-tag": [f"{AGENT}: noai"]}),
    case("x-robots-noai-other-agent", ALLOWED, headers={**HTML, "x-robots-tag": ["GPTBot: noai"]}),
    case(
        "x-robots-scope-runs-to-end-of-value",
        ALLOWED,
        headers={**HTML, "x-robots-tag": ["GPTBot: noindex, noai"]},
    ),
    case(
        "x-robots-scope-resets-per-field",
        NOAI_HEADER,
        headers={**HTML, "x-robots-tag": ["GPTBot: noindex", "noai"]},
    ),
    case(
        "x-robots-noindex-alone", ALLOWED, headers={**HTML, "x-robots-tag": ["noindex, nofollow"]}
    ),
    case("x-robots-noimageai-html", ALLOWED, headers={**HTML, "x-robots-tag": ["noimageai"]}),
    case(
        "x-robots-noimageai-image",
        NOAI_HEADER,
        headers={**PNG_TYPE, "x-robots-tag": ["noimageai"]},
        body=PNG,
    ),
    case(
        "x-robots-noai-image", NOAI_HEADER, headers={**PNG_TYPE, "x-robots-tag": ["noai"]}, body=PNG
    ),
    case(
        "x-robots-noimageai-pdf",
        ALLOWED,
        headers={**PDF_TYPE, "x-robots-tag": ["noimageai"]},
        body=PDF["none"],
    ),
    case("meta-robots-noai", NOAI_META, body=page("robots=noai")),
    case("meta-robots-noai-case", NOAI_META, body=page("ROBOTS=NoIndex, NoAI")),
    case("meta-own-agent-noai", NOAI_META, body=page(f"{AGENT}=noai")),
    case("meta-other-agent-noai", ALLOWED, body=page("GPTBot=noai")),
    case("meta-robots-noindex-alone", ALLOWED, body=page("robots=noindex, nofollow")),
    case("meta-robots-noimageai-html", ALLOWED, body=page("robots=noimageai")),
    case(
        "meta-robots-not-read-in-json",
        ALLOWED,
        headers={"content-type": ["application/json"]},
        body=page("robots=noai"),
    ),
    # any reservation wins: a TDMRep 0 does not lift noai
    case(
        "header-0-x-robots-noai",
        reserved_by(Reason.X_ROBOTS_NOAI, tdm=0),
        headers={**HTML, **RES_0, "x-robots-tag": ["noai"]},
    ),
    case(
        "meta-0-meta-robots-noai",
        reserved_by(Reason.META_ROBOTS_NOAI, tdm=0),
        body=page("tdm-reservation=0", "robots=noai"),
    ),
    case(
        "file-1-header-0-meta-robots-noai",
        reserved_by(Reason.META_ROBOTS_NOAI, tdm=0),
        file="rules",
        path=PREMIUM,
        headers={**HTML, **RES_0},
        body=page("robots=noai"),
    ),
    case(
        "file-0-x-robots-noai",
        reserved_by(Reason.X_ROBOTS_NOAI, tdm=0),
        file="rules",
        path="/open/a",
        headers={**HTML, "x-robots-tag": ["noai"]},
    ),
    case(
        "tdmrep-1-and-noai-names-tdmrep",
        reserved(Reason.TDMREP_HEADER),
        headers={**HTML, **RES_1, "x-robots-tag": ["noai"]},
    ),
    # §4 aipref Content-Usage and Content-Signal headers
    case(
        "content-usage-header-n",
        reserved_by(Reason.CONTENT_USAGE),
        headers={**HTML, "content-usage": ["train-ai=n"]},
    ),
    case(
        "content-usage-header-legacy-tdm-n",
        reserved_by(Reason.CONTENT_USAGE),
        headers={**HTML, "content-usage": ["search=y, tdm=n"]},
    ),
    case("content-usage-header-y", ALLOWED, headers={**HTML, "content-usage": ["train-ai=y"]}),
    case("content-usage-header-search-n", ALLOWED, headers={**HTML, "content-usage": ["search=n"]}),
    case(
        "content-usage-header-unparsable",
        ALLOWED,
        headers={**HTML, "content-usage": ["Train-AI=n"]},
    ),
    case(
        "content-usage-header-n-beats-header-0",
        reserved_by(Reason.CONTENT_USAGE, tdm=0),
        headers={**HTML, **RES_0, "content-usage": ["train-ai=n"]},
    ),
    case(
        "content-usage-header-n-beats-file-1-header-0",
        reserved_by(Reason.CONTENT_USAGE, tdm=0),
        file="rules",
        path=PREMIUM,
        headers={**HTML, **RES_0, "content-usage": ["train-ai=n"]},
    ),
    case(
        "content-signal-header-no",
        reserved_by(Reason.CONTENT_SIGNAL),
        headers={**HTML, "content-signal": ["search=yes, ai-train=no"]},
    ),
    case(
        "content-signal-header-yes",
        ALLOWED,
        headers={**HTML, "content-signal": ["search=no, ai-train=yes"]},
    ),
    case(
        "content-signal-header-no-beats-meta-0",
        reserved_by(Reason.CONTENT_SIGNAL, tdm=0),
        headers={**HTML, "content-signal": ["ai-train=no"]},
        body=page("tdm-reservation=0"),
    ),
    # §4 Content-Usage / Content-Signal in robots.txt: decided before any fetch
    case("content-usage-robots-n", reserved_by(Reason.CONTENT_USAGE), robots="usage"),
    case("content-usage-robots-longer-path-y", ALLOWED, robots="usage", path="/open/a"),
    case(
        "content-usage-robots-n-beats-header-0",
        reserved_by(Reason.CONTENT_USAGE),
        robots="usage",
        headers={**HTML, **RES_0},
    ),
    case("content-usage-robots-disallow-first", ROBOTS_DISALLOW, robots="usage", path="/private/x"),
    case("content-usage-robots-other-group", ALLOWED, robots="usage-other-group"),
    case("content-signal-robots-no", reserved_by(Reason.CONTENT_SIGNAL), robots="signal"),
    case("content-signal-robots-yes", ALLOWED, robots="signal-yes"),
    case(
        "content-signal-robots-beats-file-unreachable",
        reserved_by(Reason.CONTENT_SIGNAL),
        robots="signal",
        file="503",
    ),
    # §5 RSL named by robots.txt License: decided before any fetch
    *(
        case(
            f"rsl-robots-{name}",
            reserved_by(Reason.RSL),
            robots="license",
            origin_licenses=(name,),
        )
        for name in ("prohibits-train", "prohibits-all", "payment", "server")
    ),
    case("rsl-robots-permits-only", ALLOWED, robots="license", origin_licenses=("permits",)),
    case("rsl-robots-other-path", ALLOWED, robots="license", origin_licenses=("elsewhere",)),
    case("rsl-robots-unreadable", ALLOWED, robots="license", origin_licenses=("unreadable",)),
    case(
        "rsl-robots-one-of-two-prohibits",
        reserved_by(Reason.RSL),
        robots="license",
        origin_licenses=("permits", "prohibits-train"),
    ),
    case(
        "rsl-robots-beats-file-0",
        reserved_by(Reason.RSL),
        robots="license",
        file="rules",
        path="/open/a",
        origin_licenses=("prohibits-train",),
    ),
    case(
        "rsl-robots-beats-file-unreachable",
        reserved_by(Reason.RSL),
        robots="license",
        file="503",
        origin_licenses=("prohibits-train",),
    ),
    case(
        "rsl-robots-robots-disallow-first",
        ROBOTS_DISALLOW,
        robots="license",
        path="/private/x",
        origin_licenses=("prohibits-train",),
    ),
    case(
        "rsl-robots-unreadable-file-unreachable",
        FILE_UNAVAILABLE,
        robots="license",
        file="503",
        origin_licenses=("unreadable",),
    ),
    # §5 RSL linked from the response (Link header or HTML <link>): after the fetch
    *(
        case(
            f"rsl-link-{name}",
            reserved_by(Reason.RSL),
            body=page(rsl_link="/license.xml"),
            linked=(name,),
        )
        for name in ("prohibits-train", "prohibits-all", "payment", "server")
    ),
    case("rsl-link-permits-only", ALLOWED, body=page(rsl_link="/license.xml"), linked=("permits",)),
    case("rsl-link-other-path", ALLOWED, linked=("elsewhere",)),
    case("rsl-link-unreadable", ALLOWED, linked=("unreadable",)),
    case(
        "rsl-link-beats-header-0",
        reserved_by(Reason.RSL, tdm=0),
        headers={**HTML, **RES_0},
        linked=("prohibits-train",),
    ),
    case(
        "rsl-link-beats-file-1-header-0",
        reserved_by(Reason.RSL, tdm=0),
        file="rules",
        path=PREMIUM,
        headers={**HTML, **RES_0},
        linked=("payment",),
    ),
    case(
        "rsl-link-on-pdf",
        reserved_by(Reason.RSL),
        headers=PDF_TYPE,
        body=PDF["none"],
        linked=("prohibits-train",),
    ),
    # §2.4 PDF and EPUB metadata: the last TDMRep layer
    case("pdf-1", reserved(Reason.TDMREP_PDF), headers=PDF_TYPE, body=PDF["1"]),
    case("pdf-1-policy", reserved(Reason.TDMREP_PDF, P2), headers=PDF_TYPE, body=PDF["1-P2"]),
    case("pdf-0", ALLOWED_0, headers=PDF_TYPE, body=PDF["0"]),
    case("pdf-no-xmp", ALLOWED, headers=PDF_TYPE, body=PDF["none"]),
    case("pdf-1-untyped-sniffed", reserved(Reason.TDMREP_PDF), headers={}, body=PDF["1"]),
    case(
        "pdf-1-octet-stream-sniffed",
        reserved(Reason.TDMREP_PDF),
        headers={"content-type": ["application/octet-stream"]},
        body=PDF["1"],
    ),
    case("file-1-pdf-0", ALLOWED_0, file="rules", path=PREMIUM, headers=PDF_TYPE, body=PDF["0"]),
    case(
        "file-1-pdf-silent",
        reserved(Reason.TDMREP_FILE, P1),
        file="rules",
        path=PREMIUM,
        headers=PDF_TYPE,
        body=PDF["none"],
    ),
    case(
        "header-0-pdf-1",
        reserved(Reason.TDMREP_PDF),
        headers={**PDF_TYPE, **RES_0},
        body=PDF["1"],
    ),
    case(
        "file-0-header-1-pdf-0",
        ALLOWED_0,
        file="rules",
        path="/open/a",
        headers={**PDF_TYPE, **RES_1},
        body=PDF["0"],
    ),
    case(
        "file-1-P1-pdf-1-P2",
        reserved(Reason.TDMREP_PDF, P2),
        file="rules",
        path=PREMIUM,
        headers=PDF_TYPE,
        body=PDF["1-P2"],
    ),
    case(
        "pdf-0-x-robots-noai",
        reserved_by(Reason.X_ROBOTS_NOAI, tdm=0),
        headers={**PDF_TYPE, "x-robots-tag": ["noai"]},
        body=PDF["0"],
    ),
    case(
        "pdf-0-content-usage-n",
        reserved_by(Reason.CONTENT_USAGE, tdm=0),
        headers={**PDF_TYPE, "content-usage": ["train-ai=n"]},
        body=PDF["0"],
    ),
    case("epub3-1", reserved(Reason.TDMREP_EPUB), headers=EPUB_TYPE, body=EPUB["3-1"]),
    case("epub2-1", reserved(Reason.TDMREP_EPUB), headers=EPUB_TYPE, body=EPUB["2-1"]),
    case("epub3-0", ALLOWED_0, headers=EPUB_TYPE, body=EPUB["3-0"]),
    case("epub-no-tdm-meta", ALLOWED, headers=EPUB_TYPE, body=EPUB["none"]),
    case("epub-1-untyped-sniffed", reserved(Reason.TDMREP_EPUB), headers={}, body=EPUB["3-1"]),
    case(
        "file-1-epub-0", ALLOWED_0, file="rules", path=PREMIUM, headers=EPUB_TYPE, body=EPUB["3-0"]
    ),
    case(
        "header-0-epub-1",
        reserved(Reason.TDMREP_EPUB),
        headers={**EPUB_TYPE, **RES_0},
        body=EPUB["3-1"],
    ),
    case(
        "epub-0-rsl-link",
        reserved_by(Reason.RSL, tdm=0),
        headers=EPUB_TYPE,
        body=EPUB["3-0"],
        linked=("prohibits-all",),
    ),
    # §6 C2PA training-mining assertions in media
    case("png-without-manifest", ALLOWED, headers=PNG_TYPE, body=PNG),
    case(
        "c2pa-training-notAllowed",
        reserved_by(Reason.C2PA),
        headers=PNG_TYPE,
        body=PNG,
        c2pa=c2pa(ai_training="notAllowed"),
    ),
    case(
        "c2pa-mining-constrained",
        reserved_by(Reason.C2PA),
        headers=PNG_TYPE,
        body=PNG,
        c2pa=c2pa(data_mining="constrained"),
    ),
    case(
        "c2pa-allowed",
        ALLOWED,
        headers=PNG_TYPE,
        body=PNG,
        c2pa=c2pa(ai_training="allowed", data_mining="allowed"),
    ),
    case(
        "c2pa-inference-only",
        ALLOWED,
        headers=PNG_TYPE,
        body=PNG,
        c2pa=c2pa(ai_inference="notAllowed"),
    ),
    case(
        "c2pa-notAllowed-beats-header-0",
        reserved_by(Reason.C2PA, tdm=0),
        headers={**PNG_TYPE, **RES_0},
        body=PNG,
        c2pa=c2pa(ai_generative_training="notAllowed"),
    ),
    case(
        "c2pa-allowed-does-not-lift-header-1",
        reserved(Reason.TDMREP_HEADER),
        headers={**PNG_TYPE, **RES_1},
        body=PNG,
        c2pa=c2pa(ai_training="allowed"),
    ),
    case(
        "c2pa-allowed-does-not-lift-noimageai",
        NOAI_HEADER,
        headers={**PNG_TYPE, "x-robots-tag": ["noimageai"]},
        body=PNG,
        c2pa=c2pa(ai_training="allowed"),
    ),
    # robots.txt beats every protocol of the response
    case(
        "robots-disallow-beats-everything",
        ROBOTS_DISALLOW,
        robots="license",
        path="/private/x",
        origin_licenses=("permits",),
        headers={**HTML, **RES_0, "x-robots-tag": ["noai"]},
        body=page("robots=noai"),
        linked=("prohibits-train",),
    ),
    case(
        "robots-unreachable-beats-everything",
        ROBOTS_UNREACHABLE,
        robots="503",
        file="rules",
        path=PREMIUM,
        headers={**PNG_TYPE, "content-usage": ["train-ai=n"]},
        body=PNG,
        c2pa=c2pa(ai_training="notAllowed"),
    ),
    case(
        "file-unreachable-beats-response-signals",
        FILE_UNAVAILABLE,
        file="503",
        headers={**HTML, "x-robots-tag": ["noai"]},
        linked=("prohibits-train",),
    ),
    # headers no reader looks at change nothing
    case(
        "other-headers-ignored",
        ALLOWED,
        headers={
            **HTML,
            "server": ["nginx"],
            "x-robots": ["noai"],
            "x-tdm-reservation": ["1"],
            "content-usage-policy": ["train-ai=n"],
        },
    ),
    # every protocol present at once, none reserving
    case(
        "all-protocols-none-reserving",
        ALLOWED_0,
        robots="license",
        file="rules",
        path="/open/a",
        origin_licenses=("permits",),
        headers={
            **HTML,
            **RES_0,
            "x-robots-tag": ["noindex"],
            "content-usage": ["train-ai=y"],
            "content-signal": ["ai-train=yes"],
        },
        body=page("tdm-reservation=0", "robots=noimageai", rsl_link="/license.xml"),
        linked=("permits",),
    ),
]


@pytest.mark.parametrize(("scenario", "expected"), PORTED_CASES + COMBINED_CASES)
def test_decide_after_fetch(scenario: Scenario, expected: Outcome) -> None:
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    assert outcome(verdict) == expected
    assert sources(verdict) == expected_sources(scenario, verdict)
    if ("http", "status") in sources(verdict):
        status = next(s for s in verdict.signals if (s.protocol, s.source) == ("http", "status"))
        assert status.value == scenario.status


@pytest.mark.parametrize(("scenario", "expected"), PORTED_CASES + COMBINED_CASES)
def test_verdict_known_before_fetch_is_final(scenario: Scenario, expected: Outcome) -> None:
    """Whatever decide_before_fetch settles, decide_after_fetch and decide_failed_fetch
    settle identically; a URL it leaves open is never disallowed or unknown afterwards."""
    origin = scenario.origin()
    before = decide_before_fetch(scenario.url, CTX, origin)
    after = decide_after_fetch(scenario.url, CTX, origin, scenario.response())
    failed = decide_failed_fetch(scenario.url, CTX, origin, Reason.FETCH_FAILED, "boom")
    if before is not None:
        assert after == before == failed
    else:
        assert after.decision not in (Decision.DISALLOWED, Decision.UNKNOWN)
        assert failed.decision is Decision.ERROR


# --- decide_before_fetch -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        case("robots-unreachable", ROBOTS_UNREACHABLE, robots="503"),
        case("robots-disallow", ROBOTS_DISALLOW, path="/private/a"),
        case("file-unreachable", FILE_UNAVAILABLE, file="503"),
        case("robots-disallow-beats-ai-agent", ROBOTS_DISALLOW, robots="ai", path="/private/a"),
        case("ai-agent", AI_AGENT, robots="ai", path="/ai/a"),
        case("ai-agent-beats-file-unreachable", AI_AGENT, robots="ai", file="503", path="/cc/a"),
        case("content-usage-robots", reserved_by(Reason.CONTENT_USAGE), robots="usage"),
        case("content-signal-robots", reserved_by(Reason.CONTENT_SIGNAL), robots="signal"),
        case(
            "rsl-robots-license",
            reserved_by(Reason.RSL),
            robots="license",
            origin_licenses=("prohibits-train",),
        ),
        case(
            "rsl-robots-licence-needed",
            reserved_by(Reason.RSL),
            robots="license",
            origin_licenses=("server",),
        ),
        case(
            "rsl-robots-reservation-beats-file-unreachable",
            reserved_by(Reason.RSL),
            robots="license",
            file="503",
            origin_licenses=("payment",),
        ),
    ],
)
def test_decide_before_fetch_settles(scenario: Scenario, expected: Outcome) -> None:
    verdict = decide_before_fetch(scenario.url, CTX, scenario.origin())
    assert verdict is not None
    assert outcome(verdict) == expected
    if verdict.decision is Decision.DISALLOWED:
        assert sources(verdict) == [("robots", "robots.txt"), ("tdmrep", "file")]
    else:
        assert sources(verdict) == origin_sources(len(scenario.origin_licenses))


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(Scenario(file="rules", path=PREMIUM), id="file-reserved-still-fetched"),
        pytest.param(Scenario(robots="404"), id="nothing-known"),
        pytest.param(Scenario(file="invalid"), id="invalid-file"),
        pytest.param(Scenario(robots="ai", path="/ai/public/a"), id="ai-group-allows"),
        pytest.param(Scenario(robots="star-only"), id="star-fallback-not-ai"),
        pytest.param(Scenario(robots="usage", path="/open/a"), id="content-usage-y"),
        pytest.param(Scenario(robots="usage-other-group"), id="content-usage-other-group"),
        pytest.param(Scenario(robots="signal-yes"), id="content-signal-yes"),
        pytest.param(
            Scenario(robots="license", origin_licenses=("permits",)), id="rsl-permits-only"
        ),
        pytest.param(
            Scenario(robots="license", origin_licenses=("unreadable",)), id="rsl-unreadable"
        ),
        pytest.param(
            Scenario(robots="license", origin_licenses=("elsewhere",)), id="rsl-other-path"
        ),
    ],
)
def test_decide_before_fetch_fetches(scenario: Scenario) -> None:
    assert decide_before_fetch(scenario.url, CTX, scenario.origin()) is None


def test_robots_license_lines_are_offered_for_fetching() -> None:
    robots_url = "https://e.org/robots.txt"
    assert Scenario(robots="license").origin().license_urls(robots_url) == (LICENSE_URL,)
    assert Scenario(robots="ok").origin().license_urls(robots_url) == ()


def test_ai_agent_list_comes_from_the_context() -> None:
    """An operator may widen or narrow the list of AI crawlers whose groups count."""
    origin = Scenario(robots="ai").origin()
    search_url = f"{ORIGIN}/search/x"
    assert decide_before_fetch(search_url, CTX, origin) is None
    widened = Context(agent=AGENT, ai_agents=load_agents("+SomeSearchBot"))
    verdict = decide_before_fetch(search_url, widened, origin)
    assert verdict is not None
    assert outcome(verdict) == AI_AGENT
    assert verdict.signals[1].value == ["SomeSearchBot"]
    narrowed = Context(agent=AGENT, ai_agents=load_agents("CCBot"))
    assert decide_before_fetch(f"{ORIGIN}/ai/x", narrowed, origin) is None


# --- decide_failed_fetch -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "reason", "expected"),
    [
        pytest.param(
            Scenario(),
            Reason.FETCH_FAILED,
            (Decision.ERROR, Reason.FETCH_FAILED),
            id="fetch-failed",
        ),
        pytest.param(
            Scenario(file="rules", path=PREMIUM),
            Reason.TOO_LARGE,
            (Decision.ERROR, Reason.TOO_LARGE),
            id="too-large",
        ),
        pytest.param(
            Scenario(robots="404"),
            Reason.NOT_PUBLIC_ADDRESS,
            (Decision.ERROR, Reason.NOT_PUBLIC_ADDRESS),
            id="not-public",
        ),
        pytest.param(
            Scenario(path="/private/a"),
            Reason.FETCH_FAILED,
            (Decision.DISALLOWED, Reason.ROBOTS_DISALLOW),
            id="robots-first",
        ),
        pytest.param(
            Scenario(file="503"),
            Reason.FETCH_FAILED,
            (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE),
            id="file-first",
        ),
        pytest.param(
            Scenario(robots="ai", path="/ai/a"),
            Reason.FETCH_FAILED,
            (Decision.RESERVED, Reason.ROBOTS_AI_AGENT),
            id="ai-agent-first",
        ),
        pytest.param(
            Scenario(robots="license", file="503", origin_licenses=("prohibits-train",)),
            Reason.TOO_LARGE,
            (Decision.RESERVED, Reason.RSL),
            id="rsl-robots-first",
        ),
        pytest.param(
            Scenario(robots="license", origin_licenses=("unreadable",)),
            Reason.FETCH_FAILED,
            (Decision.ERROR, Reason.FETCH_FAILED),
            id="unreadable-rsl-not-obeyed",
        ),
    ],
)
def test_decide_failed_fetch(
    scenario: Scenario, reason: Reason, expected: tuple[Decision, Reason]
) -> None:
    verdict = decide_failed_fetch(scenario.url, CTX, scenario.origin(), reason, "boom")
    assert (verdict.decision, verdict.reason) == expected
    assert verdict.tdm_reservation is None
    assert verdict.tdm_policy is None
    if expected[0] is Decision.DISALLOWED:
        assert sources(verdict) == [("robots", "robots.txt"), ("tdmrep", "file")]
        return
    origin = origin_sources(len(scenario.origin_licenses))
    if expected[0] is Decision.ERROR:
        assert sources(verdict) == [*origin, ("http", "fetch")]
        assert verdict.signals[-1].to_json() == {
            "protocol": "http",
            "source": "fetch",
            "value": reason.value,
            "detail": "boom",
        }
    else:
        assert sources(verdict) == origin


# --- the protocols looked at, stage by stage --------------------------------------------

ORIGIN_PROTOCOLS = {"robots", "robots-ai-agent", "content-usage", "content-signal", "tdmrep"}
RESPONSE_PROTOCOLS = {*ORIGIN_PROTOCOLS, "http", "noai"}


@pytest.mark.parametrize(
    ("scenario", "stage", "protocols"),
    [
        pytest.param(
            Scenario(path="/private/a"), "after", {"robots", "tdmrep"}, id="robots-disallow"
        ),
        pytest.param(Scenario(robots="503"), "before", {"robots", "tdmrep"}, id="robots-down"),
        pytest.param(Scenario(file="503"), "before", ORIGIN_PROTOCOLS, id="file-unreachable"),
        pytest.param(
            Scenario(robots="license", origin_licenses=("prohibits-train",)),
            "before",
            {*ORIGIN_PROTOCOLS, "rsl"},
            id="origin-rsl",
        ),
        pytest.param(Scenario(), "failed", {*ORIGIN_PROTOCOLS, "http"}, id="fetch-failed"),
        pytest.param(Scenario(status=503), "after", {*ORIGIN_PROTOCOLS, "http"}, id="http-error"),
        pytest.param(Scenario(), "after", RESPONSE_PROTOCOLS, id="html"),
        pytest.param(
            Scenario(headers=PDF_TYPE, body=PDF["1"]),
            "after",
            {*RESPONSE_PROTOCOLS, "iptc"},
            id="pdf",
        ),
        pytest.param(
            Scenario(headers=EPUB_TYPE, body=EPUB["3-1"]), "after", RESPONSE_PROTOCOLS, id="epub"
        ),
        pytest.param(
            Scenario(headers=PNG_TYPE, body=PNG),
            "after",
            {*RESPONSE_PROTOCOLS, "c2pa", "iptc"},
            id="media",
        ),
        pytest.param(
            Scenario(linked=("unreadable",)), "after", {*RESPONSE_PROTOCOLS, "rsl"}, id="rsl-link"
        ),
    ],
)
def test_protocols_looked_at(scenario: Scenario, stage: str, protocols: set[str]) -> None:
    origin = scenario.origin()
    if stage == "before":
        verdict = decide_before_fetch(scenario.url, CTX, origin)
        assert verdict is not None
    elif stage == "failed":
        verdict = decide_failed_fetch(scenario.url, CTX, origin, Reason.FETCH_FAILED, "boom")
    else:
        verdict = decide_after_fetch(scenario.url, CTX, origin, scenario.response())
    assert {s.protocol for s in verdict.signals} == protocols


# --- the record tells the whole story ---------------------------------------------------


def by_source(verdict: Verdict) -> dict[tuple[str, str], dict[str, object]]:
    found = {(s.protocol, s.source): s.to_json() for s in verdict.signals}
    assert len(found) == len(verdict.signals)  # one signal per (protocol, source) here
    return found


def test_signals_tell_the_whole_story() -> None:
    scenario = Scenario(
        file="rules",
        path=PREMIUM,
        headers={**HTML, "tdm-reservation": ["0", "1"]},
        body=page("tdm-reservation=0", "tdm-reservation=1"),
    )
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    signals = by_source(verdict)
    assert signals["robots", "robots.txt"] == {
        "protocol": "robots",
        "source": "robots.txt",
        "value": "allow",
        "detail": "group '*': no rule matches, allowed",
    }
    assert signals["tdmrep", "file"]["value"] == {"tdm-reservation": 1, "tdm-policy": P1}
    assert signals["tdmrep", "file"]["detail"] == "rule 1 (location '/premium/') matched"
    assert signals["http", "status"] == {
        "protocol": "http",
        "source": "status",
        "value": 200,
        "detail": "HTTP 200",
    }
    header, meta = signals["tdmrep", "header"], signals["tdmrep", "meta"]
    assert header["value"] is None
    assert "conflicting values '0', '1'" in str(header["detail"])
    assert meta["value"] == {"tdm-reservation": 0, "tdm-policy": None}
    assert str(meta["detail"]).startswith("tdm-reservation: 0; ")
    assert "conflicts with the earlier '0'" in str(meta["detail"])
    assert outcome(verdict) == ALLOWED_0


def test_every_protocol_explains_itself() -> None:
    """One resource where every protocol reserves: the verdict names the TDMRep layer
    (it decides first), and every other reservation is still in the record."""
    scenario = Scenario(
        robots="ok",
        headers={
            **HTML,
            **RES_1,
            "x-robots-tag": ["noai"],
            "content-usage": ["train-ai=n"],
            "content-signal": ["ai-train=no"],
        },
        body=page("robots=noai", rsl_link="/license.xml"),
        linked=("prohibits-train",),
    )
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    assert outcome(verdict) == reserved(Reason.TDMREP_HEADER)
    signals = by_source(verdict)
    assert signals["noai", "header"]["value"] == ["noai"]
    assert signals["noai", "meta"]["value"] == ["noai"]
    assert "reserved by train-ai=n" in str(signals["content-usage", "header"]["detail"])
    assert "reserved by ai-train=no" in str(signals["content-signal", "header"]["detail"])
    rsl_value = signals["rsl", "link"]["value"]
    assert isinstance(rsl_value, dict)
    assert rsl_value["prohibits"] == ["ai-train"]
    assert rsl_value["license_url"] == LICENSE_URL


def test_unreadable_rsl_is_recorded_not_obeyed() -> None:
    scenario = Scenario(robots="license", origin_licenses=("unreadable",), linked=("unreadable",))
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    assert outcome(verdict) == ALLOWED
    rsl_signals = [s for s in verdict.signals if s.protocol == "rsl"]
    assert [s.source for s in rsl_signals] == ["robots.txt", "link"]
    for signal in rsl_signals:
        assert signal.value is None
        assert signal.detail.startswith(f"{LICENSE_URL}: not an RSL file")


def test_ai_agent_signal_names_the_groups() -> None:
    origin = Scenario(robots="ai").origin()
    verdict = decide_before_fetch(f"{ORIGIN}/ai/x", CTX, origin)
    assert verdict is not None
    ai = by_source(verdict)["robots-ai-agent", "robots.txt"]
    assert ai["value"] == ["GPTBot"]
    assert "GPTBot: Disallow /ai/" in str(ai["detail"])
    assert "CCBot: allowed, no rule matches" in str(ai["detail"])


def test_layers_not_read_are_not_listed() -> None:
    """The header layer is always read; meta only in HTML, XMP only in PDF, OPF only in
    EPUB, C2PA only in media; what is not looked at is not listed."""
    scenario = Scenario(headers=PNG_TYPE, body=PNG)
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    signals = by_source(verdict)
    header = signals["tdmrep", "header"]
    assert (header["value"], header["detail"]) == (None, "no valid tdm-reservation or tdm-policy")
    assert ("tdmrep", "meta") not in signals
    assert ("noai", "meta") not in signals
    assert signals["c2pa", "c2pa-manifest"]["detail"] == "no C2PA manifest"
    pdf = Scenario(headers=PDF_TYPE, body=PDF["1"])
    pdf_signals = by_source(decide_after_fetch(pdf.url, CTX, pdf.origin(), pdf.response()))
    assert pdf_signals["tdmrep", "pdf"] == {
        "protocol": "tdmrep",
        "source": "pdf",
        "value": {"tdm-reservation": 1, "tdm-policy": None},
        "detail": "XMP metadata read; tdm-reservation: 1",
    }
    assert ("c2pa", "c2pa-manifest") not in pdf_signals


def test_http_error_reads_no_layer() -> None:
    scenario = Scenario(status=404, headers={**HTML, **RES_1, "x-robots-tag": ["noai"]})
    verdict = decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())
    assert outcome(verdict) == HTTP_ERROR
    assert verdict.signals[-1].to_json() == {
        "protocol": "tdmrep",
        "source": "header",
        "value": None,
        "detail": "not read: HTTP 404",
    }


# --- with_policy (§2.6) ------------------------------------------------------------------

POLICY_BODY = json.dumps(
    {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": P1,
        "assigner": {"vcard:fn": "Provider", "vcard:hasEmail": "mailto:tdm@e.org"},
        "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
    }
).encode()
POLICY = parse_policy(POLICY_BODY, url=P1)
POLICY_PROBLEM = parse_policy(b"not json", url=P1)


def test_policy_fixtures_parse_as_intended() -> None:
    assert isinstance(POLICY, PolicySummary)
    assert isinstance(POLICY_PROBLEM, PolicyProblem)


def _decided(scenario: Scenario) -> Verdict:
    return decide_after_fetch(scenario.url, CTX, scenario.origin(), scenario.response())


FILE_RESERVED = Scenario(file="rules", path=PREMIUM)
NOAI_OVER_TDM_0 = Scenario(file="rules", path=PREMIUM, headers={**RES_0, "x-robots-tag": ["noai"]})


@pytest.mark.parametrize(
    ("scenario", "policy", "expected_signal"),
    [
        pytest.param(
            FILE_RESERVED,
            POLICY,
            ("tdm-policy", "policy", True, None),
            id="summary-added",
        ),
        pytest.param(
            FILE_RESERVED,
            POLICY_PROBLEM,
            ("tdm-policy", "policy", False, f"{P1}: "),
            id="problem-keeps-reservation",
        ),
        pytest.param(
            FILE_RESERVED,
            None,
            ("tdm-policy", "policy", False, f"{P1} could not be fetched"),
            id="unfetchable-keeps-reservation",
        ),
        pytest.param(
            Scenario(headers={**HTML, **RES_1, "tdm-policy": [P1]}),
            POLICY,
            ("tdm-policy", "policy", True, None),
            id="header-policy",
        ),
        pytest.param(
            Scenario(headers={"tdm-policy": [P1], "x-robots-tag": ["noai"]}),
            None,
            ("tdm-policy", "policy", False, f"{P1} could not be fetched"),
            id="policy-without-reservation-noai",
        ),
        pytest.param(NOAI_OVER_TDM_0, POLICY, None, id="tdm-0-no-policy-nothing-added"),
        pytest.param(Scenario(), POLICY, None, id="allowed-no-policy-nothing-added"),
        pytest.param(Scenario(robots="ai", path="/ai/x"), POLICY, None, id="before-fetch-verdict"),
    ],
)
def test_with_policy(
    scenario: Scenario,
    policy: PolicySummary | PolicyProblem | None,
    expected_signal: tuple[str, str, bool, str | None] | None,
) -> None:
    verdict = _decided(scenario)
    enriched = with_policy(verdict, policy)
    # the policy never changes the decision, only adds what it says
    assert dataclasses.replace(enriched, signals=verdict.signals) == verdict
    assert enriched.signals[: len(verdict.signals)] == verdict.signals
    if expected_signal is None:
        assert enriched == verdict
        return
    added = enriched.signals[len(verdict.signals) :]
    assert len(added) == 1
    protocol, source, has_value, detail = expected_signal
    assert (added[0].protocol, added[0].source) == (protocol, source)
    if has_value:
        assert isinstance(policy, PolicySummary)
        assert added[0].value == policy.to_json()
        assert added[0].detail == policy.summary
    else:
        assert added[0].value is None
        assert detail is not None
        assert added[0].detail.startswith(detail)


def test_with_policy_is_deterministic_and_idempotent_on_decision() -> None:
    verdict = _decided(FILE_RESERVED)
    assert with_policy(verdict, POLICY) == with_policy(verdict, POLICY)
    twice = with_policy(with_policy(verdict, POLICY_PROBLEM), POLICY)
    assert outcome(twice) == outcome(verdict) == reserved(Reason.TDMREP_FILE, P1)


# --- determinism --------------------------------------------------------------------------

SAME_INPUT_CASES = [
    pytest.param(Scenario(file="rules", path=PREMIUM, body=META_1), id="html-tdmrep"),
    pytest.param(Scenario(robots="ai", path="/ai/x"), id="ai-agent"),
    pytest.param(Scenario(robots="usage"), id="content-usage-robots"),
    pytest.param(
        Scenario(robots="license", origin_licenses=("payment", "unreadable")), id="rsl-robots"
    ),
    pytest.param(Scenario(linked=("server", "permits")), id="rsl-link"),
    pytest.param(Scenario(headers={**PDF_TYPE, **RES_0}, body=PDF["1"]), id="pdf"),
    pytest.param(Scenario(headers=EPUB_TYPE, body=EPUB["3-1"]), id="epub"),
    pytest.param(
        Scenario(headers=PNG_TYPE, body=PNG, c2pa=c2pa(ai_training="notAllowed")), id="c2pa"
    ),
    pytest.param(Scenario(file="503"), id="file-unreachable"),
]


@pytest.mark.parametrize("scenario", SAME_INPUT_CASES)
def test_same_inputs_same_verdict(scenario: Scenario) -> None:
    def run() -> tuple[Verdict | None, Verdict, Verdict]:
        # everything rebuilt from the raw inputs, as a replay would
        fresh = Scenario(
            **{f.name: getattr(scenario, f.name) for f in dataclasses.fields(Scenario)}
        )
        origin = fresh.origin()
        return (
            decide_before_fetch(fresh.url, Context(agent=AGENT), origin),
            decide_after_fetch(fresh.url, Context(agent=AGENT), origin, fresh.response()),
            decide_failed_fetch(fresh.url, Context(agent=AGENT), origin, Reason.TOO_LARGE, "x"),
        )

    assert run() == run()


@pytest.mark.parametrize(("scenario", "expected"), PORTED_CASES + COMBINED_CASES)
def test_replay_from_recorded_content_facts(scenario: Scenario, expected: Outcome) -> None:
    """A replay decides from the recorded ContentFacts (JSON), never from the body, and
    from the headers a record keeps (DECISION_HEADERS) only."""
    response = scenario.response()
    recorded = ContentFacts.from_json(json.loads(json.dumps(response.content.to_json())))
    kept = {name: values for name, values in response.headers.items() if name in DECISION_HEADERS}
    replayed = dataclasses.replace(response, headers=kept, content=recorded)
    origin = scenario.origin()
    live = decide_after_fetch(scenario.url, CTX, origin, response)
    assert outcome(live) == expected
    assert decide_after_fetch(scenario.url, CTX, origin, replayed) == live
    # and the verdict's signals are JSON as they stand
    assert json.loads(json.dumps([s.to_json() for s in live.signals])) == [
        s.to_json() for s in live.signals
    ]
