"""The opt-out catalogue: every example it publishes keeps the crawl away when decided by
the crawl's own decision functions, for every purpose; every reserving reason has a
protocol that explains it."""

from __future__ import annotations

import json

import pytest

from tdm_crawler.policy import (
    ContentFacts,
    Context,
    Decision,
    OriginFacts,
    Reason,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_after_fetch,
    decide_before_fetch,
    extract_content,
    load_agents,
    parse_rsl,
)
from tdm_crawler.policy.c2pa import training_mining_finding
from tdm_crawler.policy.iptc import read_data_mining
from tdm_crawler.policy.links import rsl_links_from_headers
from tdm_crawler.policy.opt_outs import (
    EXAMPLE_LICENSE_URL,
    HONOURED,
    Example,
    OptOut,
    examples,
    statements,
)
from tdm_crawler.policy.purposes import Profile, Purpose

URL = "https://example.org/a"
TOKEN = "examplebot"
#: Reasons that are no site owner's opt-out: a failure, or nothing reserved.
NOT_OPT_OUTS = {
    # Bing's directives reserve only when the operator opts in (TDM_NOARCHIVE_RESERVES),
    # so the public page lists them under what is not relied on; a purge answers a
    # complaint, it is no protocol a site uses.
    Reason.X_ROBOTS_NOARCHIVE,
    Reason.META_ROBOTS_NOARCHIVE,
    Reason.PURGED,
    # Access control and the operator's own exclusion lists: honoured, but no TDM opt-out.
    Reason.PAYWALLED,
    Reason.EXCLUDED_SOURCE,
    Reason.NO_RESERVATION,
    Reason.TDMREP_FILE_UNAVAILABLE,
    Reason.HTTP_STATUS,
    Reason.FETCH_FAILED,
    Reason.NOT_PUBLIC_ADDRESS,
    Reason.TOO_LARGE,
}


def decide(example: Example, purpose: Purpose) -> tuple[str, str]:
    """The decision a crawl for ``purpose`` makes on :data:`URL` where ``example`` is the
    only statement the site makes."""
    ctx = Context(TOKEN, load_agents(), Profile(purpose))
    robots = example.text if example.place == "robots.txt" else "User-agent: *\nAllow: /\n"
    tdmrep = example.text.encode() if example.place == "tdmrep.json" else None
    licence = None
    if example.place == "rsl":  # named by robots.txt, as the robots.txt example says
        robots = f"License: {EXAMPLE_LICENSE_URL}\n"
        licence = (EXAMPLE_LICENSE_URL, parse_rsl(example.text.encode(), url=EXAMPLE_LICENSE_URL))
    origin = OriginFacts(
        RobotsFile.from_fetch(200, robots.encode(), None),
        TdmRepFile.from_fetch(200 if tdmrep else 404, tdmrep, None, url=URL),
        (licence,) if licence else (),
    )
    verdict = decide_before_fetch(URL, ctx, origin)
    if verdict is None:
        headers = {"content-type": ["text/html"]}
        if example.place == "header":
            name, _, value = example.text.partition(":")
            headers[name.strip().lower()] = [value.strip()]
        head = example.text if example.place == "html" else ""
        body = f"<html><head>{head}</head><body>hi</body></html>".encode()
        content = extract_content(body, "text/html", URL)
        if example.place == "xmp":
            content = ContentFacts(
                "media", "image/jpeg", iptc=read_data_mining(example.text.encode())
            )
            headers["content-type"] = ["image/jpeg"]
        if example.place == "c2pa":
            finding = training_mining_finding([json.loads(example.text)])
            content = ContentFacts("media", "image/png", c2pa=finding)
            headers["content-type"] = ["image/png"]
        verdict = decide_after_fetch(URL, ctx, origin, ResponseFacts(URL, 200, headers, content))
    return verdict.decision.value, verdict.reason.value


def licence_named(example: Example) -> list[str]:
    """The RSL licence URLs a robots.txt or header example makes the crawl fetch."""
    if example.place == "robots.txt":
        robots = RobotsFile.from_fetch(200, example.text.encode(), None)
        origin = OriginFacts(robots, TdmRepFile.from_fetch(404, None, None, url=URL))
        return list(origin.license_urls("https://example.org/robots.txt"))
    name, _, value = example.text.partition(":")
    return rsl_links_from_headers({name.strip().lower(): [value.strip()]}, URL)


CELLS = [
    pytest.param(opt_out, purpose, id=f"{opt_out.key}:{purpose}")
    for opt_out in HONOURED
    for purpose in Purpose
]


@pytest.mark.parametrize(("opt_out", "purpose"), CELLS)
def test_every_published_example_keeps_the_crawl_away(opt_out: OptOut, purpose: Purpose) -> None:
    shown = examples(opt_out, token=TOKEN, purpose=purpose, agents=load_agents())
    assert bool(shown) == bool(statements(opt_out, purpose))
    for example in shown:
        if opt_out.key == "rsl" and example.place != "rsl":
            # Where the licence is named: it must be found there (then decided as below).
            assert licence_named(example) == [EXAMPLE_LICENSE_URL], example
            continue
        decision, reason = decide(example, purpose)
        assert decision in (Decision.RESERVED, Decision.DISALLOWED), (example, decision, reason)
        assert reason in opt_out.reasons, (example, reason)


def test_a_statement_for_another_purpose_is_not_offered() -> None:
    by_key = {opt_out.key: opt_out for opt_out in HONOURED}
    assert statements(by_key["content-usage"], Purpose.SEARCH) == (
        "search=n",
        "bots=n",
        "all=n",
        "tdm=n",
    )
    # Content Signals have no key for mining that trains no model; use= is not read.
    assert statements(by_key["content-signal"], Purpose.TDM) == ()
    assert examples(by_key["content-signal"], token=TOKEN, purpose=Purpose.TDM, agents=()) == ()
    # Without an AI agent of a reserving category there is nothing to show.
    assert (
        examples(by_key["robots-ai-agents"], token=TOKEN, purpose=Purpose.SEARCH, agents=()) == ()
    )
    # The crawler's own group is obeyed whatever the crawl is for.
    for purpose in Purpose:
        (own,) = examples(by_key["robots-txt"], token="FooBot", purpose=purpose, agents=())
        assert own.text == "User-agent: FooBot\nDisallow: /"


def test_every_reserving_reason_belongs_to_exactly_one_protocol() -> None:
    claimed = [reason for opt_out in HONOURED for reason in opt_out.reasons]
    assert len(claimed) == len(set(claimed))
    assert set(claimed) == set(Reason) - NOT_OPT_OUTS


def test_each_protocol_names_its_specification_version() -> None:
    for opt_out in HONOURED:
        assert any(ch.isdigit() for ch in opt_out.specification), opt_out
