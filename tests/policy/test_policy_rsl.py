"""Really Simple Licensing 1.0: parsing licence files and applying them to one URL."""

from __future__ import annotations

import random

import pytest

from tdm_crawler.policy.purposes import DEFAULT_PROFILE, EVERY_PURPOSE, Operator, Profile, Purpose
from tdm_crawler.policy.rsl import (
    RslDocument,
    RslPayment,
    RslProblem,
    parse_rsl,
    rsl_finding,
)
from tdm_crawler.policy.types import Finding, Reason

LICENSE_URL = "https://e.org/license.xml"
NS = 'xmlns="https://rslstandard.org/rsl"'

# In the form of the RSL 1.0 guide's "RSL and AI Preferences" example: training is
# permitted, on a subscription negotiated through a contact form.
GUIDE_AI_PREFERENCES = f"""
<rsl {NS}>
  <content url="/">
    <license>
      <permits type="usage">train-ai</permits>
      <payment type="subscription">
        <custom>https://your-website.com/contact-form.html</custom>
      </payment>
    </license>
  </content>
</rsl>
"""

# A site-wide file in the spec's shape: search and AI answers free, training prohibited,
# a paid section behind a licence server, and an open section given away.
SITE = f"""<?xml version="1.0" encoding="UTF-8"?>
<rsl {NS}>
  <content url="/">
    <license>
      <permits type="usage">search ai-input</permits>
      <prohibits type="usage">ai-train</prohibits>
      <payment type="free"/>
    </license>
  </content>
  <content url="/premium/" server="https://license.e.org/api">
    <license>
      <permits type="usage">ai-all</permits>
      <payment type="purchase">
        <standard>https://e.org/rates.html</standard>
        <amount currency="USD">0.25</amount>
      </payment>
    </license>
  </content>
  <content url="https://e.org/open/*">
    <license>
      <permits type="usage">all</permits>
      <payment type="attribution"/>
    </license>
  </content>
</rsl>
"""

# A publisher's file that only describes who owns what and permits search, with user
# and legal terms that do not bear on TDM.
PUBLISHER = f"""<?xml version="1.0" encoding="utf-8"?>
<rsl {NS}>
  <content url="/news/*" lastmod="2026-03-27T15:00:00Z">
    <schema>https://publisher.example.com/schema/news.jsonld</schema>
    <terms>https://publisher.example.com/licensing-terms</terms>
    <copyright type="organization" contactEmail="licensing@publisher.example.com">
      Example Publishing Group
    </copyright>
    <license>
      <permits type="usage">search</permits>
      <permits type="user">commercial non-commercial education</permits>
      <prohibits type="geo">XX</prohibits>
      <legal type="warranty">ownership authority</legal>
    </license>
  </content>
</rsl>
"""


TRAIN, MINE, INPUT, SEARCH = Purpose.AI_TRAINING, Purpose.TDM, Purpose.AI_INPUT, Purpose.SEARCH
IN_DE = Profile(region="DE")


def doc(xml: str) -> RslDocument:
    parsed = parse_rsl(xml.encode(), url=LICENSE_URL)
    assert isinstance(parsed, RslDocument), parsed
    return parsed


def finding(xml: str, url: str = "https://e.org/a/page") -> Finding:
    return rsl_finding(doc(xml), url, source="robots.txt", profile=DEFAULT_PROFILE)


def one_licence(inner: str, *, content_attrs: str = 'url="/"') -> str:
    return f"<rsl {NS}><content {content_attrs}><license>{inner}</license></content></rsl>"


# --- examples --------------------------------------------------------------------------


def test_guide_example_paid_training_is_licence_needed() -> None:
    result = finding(GUIDE_AI_PREFERENCES)
    assert result.reserves is Reason.RSL
    (signal,) = result.signals
    assert (signal.protocol, signal.source) == ("rsl", "robots.txt")
    assert signal.value == {
        "license_url": LICENSE_URL,
        "content_url": "/",
        "permits": ["train-ai"],
        "prohibits": [],
        "payment": [
            {
                "type": "subscription",
                "amount": None,
                "url": "https://your-website.com/contact-form.html",
            }
        ],
        "server": None,
    }
    assert signal.detail == (
        f"content '/' of {LICENSE_URL}: licence needed (payment subscription); "
        "reserved for every purpose"
    )


SITE_CASES = [
    pytest.param(
        "https://e.org/article",
        "/",
        Reason.RSL,
        f"content '/' of {LICENSE_URL}: prohibits ai-train (ai-training); permits only "
        "search, ai-input: not ai-train (ai-training), not all (tdm); reserved for "
        "ai-training, tdm",
        id="training-prohibited",
    ),
    pytest.param(
        "https://e.org/premium/report",
        "/premium/",
        Reason.RSL,
        f"content '/premium/' of {LICENSE_URL}: licence needed (payment purchase (0.25 USD), "
        "licence server https://license.e.org/api); reserved for every purpose",
        id="paid-with-server",
    ),
    pytest.param(
        "https://e.org/open/data.csv",
        "https://e.org/open/*",
        None,
        f"content 'https://e.org/open/*' of {LICENSE_URL}: permits all; no payment or licence "
        "server required, no reservation",
        id="attribution-only-is-free",
    ),
    pytest.param(
        "https://mirror.example/open/data.csv",
        "/",
        Reason.RSL,
        f"content '/' of {LICENSE_URL}: prohibits ai-train (ai-training); permits only "
        "search, ai-input: not ai-train (ai-training), not all (tdm); reserved for "
        "ai-training, tdm",
        id="absolute-pattern-other-origin-falls-back-to-path",
    ),
]


@pytest.mark.parametrize(("url", "content_url", "reserves", "detail"), SITE_CASES)
def test_site_example(url: str, content_url: str, reserves: Reason | None, detail: str) -> None:
    result = finding(SITE, url)
    assert result.reserves is reserves
    assert result.signals[0].value["content_url"] == content_url
    assert result.signals[0].detail == detail


def test_site_example_payment_details_recorded() -> None:
    value = finding(SITE, "https://e.org/premium/x").signals[0].value
    assert value["payment"] == [
        {"type": "purchase", "amount": "0.25 USD", "url": "https://e.org/rates.html"}
    ]
    assert value["server"] == "https://license.e.org/api"
    assert value["permits"] == ["ai-all"]


def test_publisher_example_permits_search_only() -> None:
    """Exhaustive (errata): only a search crawl may use it; the commercial operator is
    among the permitted users; the geo prohibition excludes XX, which an unset region
    may be, so nothing is granted without a region."""
    url = "https://e.org/news/2026/story"
    result = finding(PUBLISHER, url)
    assert (result.reserves, result.reserved_for) == (Reason.RSL, EVERY_PURPOSE)
    assert result.signals[0].detail.endswith(
        "geo terms prohibit XX: an unset region (it may be one of them); reserved for every purpose"
    )
    in_germany = rsl_finding(doc(PUBLISHER), url, source="link", profile=Profile(region="DE"))
    assert in_germany.reserved_for == {TRAIN, MINE, INPUT}
    value = in_germany.signals[0].value
    assert (value["permits"], value["prohibits"], value["payment"]) == (["search"], [], [])
    assert value["user"] == {
        "permits": ["commercial", "non-commercial", "education"],
        "prohibits": [],
    }
    assert value["geo"] == {"permits": [], "prohibits": ["XX"]}


def test_no_matching_content_gives_an_empty_signal() -> None:
    result = finding(PUBLISHER, "https://e.org/sport/x?y=1")
    assert result.reserves is None
    (signal,) = result.signals
    assert signal.value is None
    assert signal.detail == f"no <content> of {LICENSE_URL} covers '/sport/x?y=1'"


def test_problem_document_is_recorded_not_obeyed() -> None:
    problem = parse_rsl(b"<html><body>Not found</body></html>", url=LICENSE_URL)
    assert isinstance(problem, RslProblem)
    result = rsl_finding(problem, "https://e.org/x", source="link-header", profile=DEFAULT_PROFILE)
    assert result.reserves is None
    (signal,) = result.signals
    assert (signal.source, signal.value) == ("link-header", None)
    assert signal.detail == f"{LICENSE_URL}: not an RSL file: root element is <html>, not <rsl>"


# --- usages and payments --------------------------------------------------------------


# (prohibited usages, the purposes they reserve)
PROHIBIT_CASES = [
    pytest.param("ai-train", {TRAIN}, id="ai-train"),
    pytest.param("train-ai", {TRAIN}, id="older-train-ai"),
    pytest.param("train-genai", {TRAIN}, id="older-train-genai"),
    pytest.param("ai-all", {TRAIN, MINE, INPUT}, id="ai-all"),
    pytest.param("all", EVERY_PURPOSE, id="all"),
    pytest.param("AI-Train", {TRAIN}, id="case-insensitive"),
    pytest.param("search,ai-train", {SEARCH, TRAIN}, id="comma-separated"),
    pytest.param(" search ,\n\tai-input, ai-train ", {SEARCH, INPUT, TRAIN}, id="mixed-separators"),
    pytest.param("ai-input", {INPUT}, id="ai-input-only"),
    pytest.param("ai-use ai-summarize", {INPUT}, id="older-input-values"),
    pytest.param("ai-index search", {INPUT, SEARCH}, id="ai-index-and-search"),
    pytest.param("", set(), id="empty"),
    pytest.param("ai-training", set(), id="near-miss-token"),
]


@pytest.mark.parametrize(("values", "purposes"), PROHIBIT_CASES)
def test_prohibitions(values: str, purposes: set[Purpose]) -> None:
    xml = one_licence(f'<prohibits type="usage">{values}</prohibits>')
    result = finding(xml)
    assert (result.reserves, result.reserved_for) == (Reason.RSL if purposes else None, purposes)


def test_licence_needed_reserves_every_purpose() -> None:
    result = finding(GUIDE_AI_PREFERENCES)
    assert (result.reserves, result.reserved_for) == (Reason.RSL, EVERY_PURPOSE)


def test_prohibits_without_type_counts_as_usage() -> None:
    assert finding(one_licence("<prohibits>ai-train</prohibits>")).reserves is Reason.RSL


@pytest.mark.parametrize("kind", ["user", "geo", "USER"])
def test_user_and_geo_values_are_not_usages(kind: str) -> None:
    xml = one_licence(f'<prohibits type="{kind}">all ai-train</prohibits>')
    value = rsl_finding(doc(xml), "https://e.org/a", source="link", profile=IN_DE).signals[0].value
    assert value["prohibits"] == []


@pytest.mark.parametrize("kind", ["fee", "USAGE-X"])
def test_other_term_types_are_not_read(kind: str) -> None:
    result = finding(one_licence(f'<prohibits type="{kind}">all</prohibits>'))
    assert result.reserves is None


PAYMENT_CASES = [
    pytest.param('<payment type="free"/>', None, id="free"),
    pytest.param('<payment type="attribution"/>', None, id="attribution"),
    pytest.param("<payment/>", None, id="no-type-defaults-to-free"),
    pytest.param('<payment type=" FREE "/>', None, id="free-any-case"),
    pytest.param("", None, id="no-payment-element"),
    pytest.param('<payment type="purchase"/>', Reason.RSL, id="purchase"),
    pytest.param('<payment type="subscription"/>', Reason.RSL, id="subscription"),
    pytest.param('<payment type="training"/>', Reason.RSL, id="training"),
    pytest.param('<payment type="crawl"/>', Reason.RSL, id="crawl"),
    pytest.param('<payment type="use"/>', Reason.RSL, id="use"),
    pytest.param('<payment type="inference"/>', Reason.RSL, id="inference"),
    pytest.param('<payment type="donation"/>', Reason.RSL, id="unknown-type-is-paid"),
    pytest.param('<payment type="free"/><payment type="crawl"/>', Reason.RSL, id="free-and-paid"),
]


@pytest.mark.parametrize(("payment", "reserves"), PAYMENT_CASES)
def test_payments(payment: str, reserves: Reason | None) -> None:
    xml = one_licence(f'<permits type="usage">all</permits>{payment}')
    result = finding(xml)
    assert result.reserves is reserves
    if reserves is not None:
        assert "licence needed (payment " in result.signals[0].detail


SERVER_CASES = [
    pytest.param('url="/" server="https://ls.e.org"', "", id="content-attribute"),
    pytest.param('url="/"', "<server>https://ls.e.org</server>", id="content-element"),
]


@pytest.mark.parametrize(("attrs", "extra"), SERVER_CASES)
def test_licence_server_means_licence_needed_even_if_free(attrs: str, extra: str) -> None:
    xml = (
        f"<rsl {NS}><content {attrs}>{extra}<license><permits type='usage'>all</permits>"
        "<payment type='free'/></license></content></rsl>"
    )
    result = finding(xml)
    assert result.reserves is Reason.RSL
    assert result.signals[0].value["server"] == "https://ls.e.org"
    assert result.signals[0].detail.endswith(
        "licence needed (licence server https://ls.e.org); reserved for every purpose"
    )


def test_licence_server_named_on_the_license_counts_too() -> None:
    xml = one_licence("<permits type='usage'>all</permits>").replace(
        "<license>", '<license server="https://ls.e.org">'
    )
    assert finding(xml).reserves is Reason.RSL


def test_several_licences_combine_most_restrictively() -> None:
    xml = (
        f"<rsl {NS}><content url='/'>"
        "<license><permits type='usage'>all</permits><payment type='free'/></license>"
        "<license><prohibits type='usage'>ai-train</prohibits></license>"
        "</content></rsl>"
    )
    result = finding(xml)
    assert result.reserves is Reason.RSL
    assert result.signals[0].value["permits"] == ["all"]
    assert result.signals[0].value["prohibits"] == ["ai-train"]


def test_content_without_license_does_not_reserve() -> None:
    result = finding(f"<rsl {NS}><content url='/'/></rsl>")
    assert result.reserves is None
    assert "no <license>" in result.signals[0].detail


def test_payment_details() -> None:
    xml = one_licence(
        '<payment type="crawl"><custom>https://e.org/c</custom>'
        '<amount currency="EUR"> 0.001 </amount></payment>'
    )
    parsed = doc(xml)
    assert parsed.contents[0].licenses[0].payments == (
        RslPayment("crawl", "0.001 EUR", "https://e.org/c"),
    )


# --- namespaces ------------------------------------------------------------------------

NAMESPACE_CASES = [
    pytest.param(NS, "", id="default-namespace"),
    pytest.param("", "", id="no-namespace"),
    pytest.param('xmlns="http://rslstandard.org/rsl"', "", id="http-namespace"),
    pytest.param('xmlns:r="https://rslstandard.org/rsl"', "r:", id="prefixed"),
]


@pytest.mark.parametrize(("declaration", "prefix"), NAMESPACE_CASES)
def test_namespaces(declaration: str, prefix: str) -> None:
    p = prefix
    xml = (
        f"<{p}rsl {declaration}><{p}content url='/'><{p}license>"
        f"<{p}prohibits type='usage'>ai-train</{p}prohibits>"
        f"</{p}license></{p}content></{p}rsl>"
    )
    assert finding(xml).reserves is Reason.RSL


def test_elements_of_other_namespaces_are_ignored() -> None:
    xml = (
        f"<rsl {NS} xmlns:x='https://x.example/'><content url='/'><license>"
        "<x:prohibits type='usage'>ai-train</x:prohibits><x:payment type='crawl'/>"
        "</license></content></rsl>"
    )
    assert finding(xml).reserves is None


# --- which <content> applies -----------------------------------------------------------

MATCH_CASES = [
    pytest.param(["/"], "https://e.org/", "/", id="root"),
    pytest.param(["/a/"], "https://e.org/a", None, id="prefix-needs-the-slash"),
    pytest.param(["/a"], "https://e.org/a-b/c", "/a", id="plain-prefix"),
    pytest.param(["/*.pdf$"], "https://e.org/x/y.pdf", "/*.pdf$", id="wildcard-and-anchor"),
    pytest.param(["/*.pdf$"], "https://e.org/x/y.pdf?z", None, id="anchor-with-query"),
    pytest.param(["/a?b=1"], "https://e.org/a?b=1&c", "/a?b=1", id="query-in-pattern"),
    pytest.param(["/%7Euser/"], "https://e.org/~user/x", "/%7Euser/", id="percent-unreserved"),
    pytest.param(["*"], "https://e.org/anything", "*", id="star-alone"),
    pytest.param(
        ["/", "/news/", "/news/2026/"],
        "https://e.org/news/2026/x",
        "/news/2026/",
        id="longest-wins",
    ),
    pytest.param(
        ["/news/2026/", "/news/", "/"],
        "https://e.org/news/x",
        "/news/",
        id="longest-wins-any-order",
    ),
    pytest.param(["/*/x", "/a/*"], "https://e.org/a/x", "/*/x", id="tie-first-in-file"),
    pytest.param(
        ["/a/", "https://e.org/a/"],
        "https://e.org/a/b",
        "https://e.org/a/",
        id="tie-absolute-beats-path",
    ),
    pytest.param(["https://e.org"], "https://e.org/x", "https://e.org", id="origin-only"),
    pytest.param(
        ["https://E.ORG:443/x"],
        "https://e.org/x",
        "https://E.ORG:443/x",
        id="host-case-and-default-port",
    ),
    pytest.param(["http://e.org/x"], "https://e.org/x", None, id="scheme-differs"),
    pytest.param(["https://e.org:8443/x"], "https://e.org/x", None, id="port-differs"),
    pytest.param(
        ["https://e.org/x#frag"], "https://e.org/x/y", "https://e.org/x#frag", id="fragment-dropped"
    ),
    pytest.param(
        ["https://e.org?q"], "https://e.org/?q=1", "https://e.org?q", id="query-without-path"
    ),
]


@pytest.mark.parametrize(("patterns", "url", "chosen"), MATCH_CASES)
def test_content_matching(patterns: list[str], url: str, chosen: str | None) -> None:
    blocks = "".join(f'<content url="{p}"><license/></content>' for p in patterns)
    parsed = doc(f"<rsl {NS}>{blocks}</rsl>")
    content = parsed.match(url)
    assert (content.url if content else None) == chosen


SKIPPED_CONTENT = [
    pytest.param("<content/>", "content 1 skipped: no url", id="no-url"),
    pytest.param('<content url="  "/>', "content 1 skipped: no url", id="blank-url"),
    pytest.param(
        '<content url="news/"/>',
        "content 1 skipped: url 'news/' is neither a path nor http(s)",
        id="relative-path",
    ),
    pytest.param(
        '<content url="ftp://e.org/x"/>',
        "content 1 skipped: url 'ftp://e.org/x' is neither a path nor http(s)",
        id="ftp",
    ),
    pytest.param(
        '<content url="https://e.org:99999/"/>',
        "content 1 skipped: url 'https://e.org:99999/' is neither a path nor http(s)",
        id="bad-port",
    ),
    pytest.param(
        '<content url="https:///x"/>',
        "content 1 skipped: url 'https:///x' is neither a path nor http(s)",
        id="no-host",
    ),
]


@pytest.mark.parametrize(("block", "problem"), SKIPPED_CONTENT)
def test_unusable_content_skipped(block: str, problem: str) -> None:
    parsed = doc(f"<rsl {NS}>{block}<content url='/ok'/></rsl>")
    assert parsed.problems == (problem,)
    assert [c.url for c in parsed.contents] == ["/ok"]


# --- unreadable files ------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rsl [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<rsl xmlns="https://rslstandard.org/rsl"><content url="/">&lol9;</content></rsl>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rsl [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>
<prohibits type="usage">&x;</prohibits></license></content></rsl>"""

PROBLEM_CASES = [
    pytest.param(b"", "empty XML document", id="empty"),
    pytest.param(b"License: none", "malformed XML", id="text"),
    pytest.param(b"<rsl><content url='/'>", "malformed XML", id="truncated"),
    pytest.param(BILLION_LAUGHS, "XML declares entities: refused", id="billion-laughs"),
    pytest.param(XXE, "XML declares entities: refused", id="external-entity"),
    pytest.param(b"<rss version='2.0'/>", "root element is <rss>, not <rsl>", id="rss-root"),
    pytest.param(
        b"<rsl xmlns='https://other.example/rsl'/>",
        "root element is <{https://other.example/rsl}rsl>, not <rsl>",
        id="foreign-namespace",
    ),
    pytest.param(b"<" * 100_000, "malformed XML", id="angle-brackets"),
    pytest.param(b"<a>" * 10_000, "malformed XML", id="deep-nesting"),
]


@pytest.mark.parametrize(("body", "fragment"), PROBLEM_CASES)
def test_unreadable_files(body: bytes, fragment: str) -> None:
    result = parse_rsl(body, url=LICENSE_URL)
    assert isinstance(result, RslProblem)
    assert result.url == LICENSE_URL
    assert fragment in result.detail


def test_too_large_is_refused() -> None:
    body = SITE.encode()
    result = parse_rsl(body, url=LICENSE_URL, max_bytes=len(body) - 1)
    assert isinstance(result, RslProblem)
    assert "larger than" in result.detail
    assert isinstance(parse_rsl(body, url=LICENSE_URL, max_bytes=len(body)), RslDocument)


def test_empty_rsl_is_a_document_with_a_problem() -> None:
    parsed = doc(f"<rsl {NS}/>")
    assert parsed.contents == ()
    assert parsed.problems == ("no <content> element",)
    assert finding(f"<rsl {NS}/>").signals[0].value is None


def test_comments_and_processing_instructions_are_skipped() -> None:
    xml = (
        f"<rsl {NS}><!-- c --><?pi x?><content url='/'><?pi?><license><!-- -->"
        "<prohibits type='usage'>ai-<!-- split -->train</prohibits></license></content></rsl>"
    )
    assert finding(xml).reserves is Reason.RSL


def test_many_contents_stay_cheap() -> None:
    blocks = "".join(f"<content url='/p{i}/*/x*$'><license/></content>" for i in range(5_000))
    parsed = doc(
        f"<rsl {NS}>{blocks}<content url='/'><license><prohibits>all</prohibits>"
        "</license></content></rsl>"
    )
    assert len(parsed.contents) == 5_001
    result = rsl_finding(
        parsed, "https://e.org/p4999/a/x" + "y" * 5_000, source="html-link", profile=DEFAULT_PROFILE
    )
    assert result.signals[0].value["content_url"] == "/p4999/*/x*$"
    assert result.reserves is None


@pytest.mark.parametrize("seed", range(30))
def test_mangled_files_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    data = bytearray(SITE.encode())
    for _ in range(rng.randrange(1, 8)):
        position = rng.randrange(len(data))
        action = rng.randrange(3)
        if action == 0:
            del data[position : position + rng.randrange(1, 20)]
        elif action == 1:
            data[position:position] = rng.choice(
                [b"<", b">", b"&", b"'", b'"', b"<content>", b"</license>", b"\xff", b"\x00"]
            )
        else:
            data[position] = rng.randrange(256)
    result = parse_rsl(bytes(data), url=LICENSE_URL)
    assert isinstance(result, (RslDocument, RslProblem))
    finding_ = rsl_finding(
        result, "https://e.org/premium/x", source="robots.txt", profile=DEFAULT_PROFILE
    )
    assert finding_.reserves in (None, Reason.RSL)


# --- the errata's rules, per purpose, operator and region ----------------------------

LETTER = {TRAIN: "T", MINE: "M", INPUT: "I", SEARCH: "S"}

#: (licence terms, operator, region, the purposes it reserves as letters "TMIS")
RULE_CASES = [
    # An exhaustive usage list: what it does not grant is reserved for who needs it.
    ("<permits type='usage'>search</permits>", "commercial", None, "TMI"),
    ("<permits type='usage'>ai-train</permits>", "commercial", None, "MIS"),
    ("<permits type='usage'>ai-input</permits>", "commercial", None, "TMS"),
    ("<permits type='usage'>ai-all</permits>", "commercial", None, "MS"),
    ("<permits type='usage'>ai-all search</permits>", "commercial", None, "M"),
    ("<permits type='usage'>all</permits>", "commercial", None, ""),
    ("<permits type='usage'>ai-index</permits>", "commercial", None, "TMIS"),
    ("<permits type='usage'></permits>", "commercial", None, "TMIS"),
    ("<permits type='usage'>x-unknown</permits>", "commercial", None, "TMIS"),
    # Pre-1.0 values: train-ai and ai-use grant their purpose; train-genai and
    # ai-summarize are narrower than the purposes, so they grant nothing.
    ("<permits type='usage'>train-ai</permits>", "commercial", None, "MIS"),
    ("<permits type='usage'>ai-use</permits>", "commercial", None, "TMS"),
    ("<permits type='usage'>train-genai</permits>", "commercial", None, "TMIS"),
    ("<permits type='usage'>ai-summarize search</permits>", "commercial", None, "TMI"),
    ("<prohibits type='usage'>train-genai</prohibits>", "commercial", None, "T"),
    ("<prohibits type='usage'>ai-summarize</prohibits>", "commercial", None, "I"),
    # Prohibitions on top of permits.
    ("<permits type='usage'>all</permits><prohibits>search</prohibits>", "personal", None, "S"),
    # user terms against the operator.
    ("<permits type='user'>non-commercial education</permits>", "commercial", None, "TMIS"),
    ("<permits type='user'>non-commercial education</permits>", "education", None, ""),
    ("<permits type='user'>non-commercial education</permits>", "non-commercial", None, ""),
    ("<permits type='user'>personal</permits>", "government", None, "TMIS"),
    ("<prohibits type='user'>commercial</prohibits>", "commercial", None, "TMIS"),
    ("<prohibits type='user'>commercial</prohibits>", "government", None, ""),
    ("<permits type='user'>Education</permits>", "education", None, ""),
    (
        "<permits type='usage'>search</permits><permits type='user'>education</permits>",
        "education",
        None,
        "TMI",
    ),
    # geo terms against the region; an unset region matches no geo-restricted licence.
    ("<permits type='geo'>de at</permits>", "commercial", "DE", ""),
    ("<permits type='geo'>DE AT</permits>", "commercial", "FR", "TMIS"),
    ("<permits type='geo'>DE</permits>", "commercial", None, "TMIS"),
    ("<prohibits type='geo'>US</prohibits>", "commercial", "DE", ""),
    ("<prohibits type='geo'>US</prohibits>", "commercial", "US", "TMIS"),
    ("<prohibits type='geo'>US</prohibits>", "commercial", None, "TMIS"),
    (
        "<permits type='geo'>DE</permits><permits type='usage'>search</permits>",
        "personal",
        "DE",
        "TMI",
    ),
    # Licence needed: never granted, whatever the usages, operator or region.
    ("<permits type='usage'>all</permits><payment type='purchase'/>", "education", "DE", "TMIS"),
    ("<permits type='usage'>search</permits><payment type='free'/>", "commercial", None, "TMI"),
]


def _letters(purposes: frozenset[Purpose]) -> str:
    return "".join(LETTER[p] for p in Purpose if p in purposes)


@pytest.mark.parametrize(("terms", "operator", "region", "reserved"), RULE_CASES)
@pytest.mark.parametrize("purpose", list(Purpose))
def test_rules_per_purpose_operator_and_region(
    terms: str, operator: str, region: str | None, reserved: str, purpose: Purpose
) -> None:
    profile = Profile.parse(purpose.value, operator, region)
    result = rsl_finding(doc(one_licence(terms)), "https://e.org/a", source="link", profile=profile)
    assert _letters(result.reserved_for) == reserved
    assert (result.reserves_for(purpose) is Reason.RSL) == (LETTER[purpose] in reserved)
    if reserved:
        assert result.signals[0].detail.endswith(f"reserved for {_described(reserved)}")


def _described(letters: str) -> str:
    names = [p.value for p in Purpose if LETTER[p] in letters]
    return "every purpose" if len(names) == len(Purpose) else ", ".join(names)


ALTERNATIVES = (
    f"<rsl {NS}><content url='/'>"
    "<license><permits type='usage'>search</permits><payment type='free'/></license>"
    "<license><permits type='usage'>ai-train</permits><payment type='training'/></license>"
    "<license><permits type='usage'>all</permits><permits type='user'>education</permits>"
    "</license>"
    "</content></rsl>"
)

#: (operator, reserved letters) for the block above: a free search licence, a paid
#: training licence and a free licence of every usage for education.
ALTERNATIVE_CASES = [("commercial", "TMI"), ("education", ""), ("personal", "TMI")]


@pytest.mark.parametrize(("operator", "reserved"), ALTERNATIVE_CASES)
def test_several_licences_are_alternatives(operator: str, reserved: str) -> None:
    profile = Profile(operator=Operator(operator))
    result = rsl_finding(doc(ALTERNATIVES), "https://e.org/x", source="link", profile=profile)
    assert _letters(result.reserved_for) == reserved
    if reserved:
        detail = result.signals[0].detail
        assert "licence 2: licence needed (payment training)" in detail
        assert f"licence 3: user terms permit education, not {operator}" in detail


def test_block_server_applies_to_each_licence() -> None:
    xml = (
        f"<rsl {NS}><content url='/' server='https://ls.e.org'>"
        "<license><permits type='usage'>search</permits></license>"
        "<license><permits type='usage'>all</permits></license></content></rsl>"
    )
    result = finding(xml)
    assert result.reserved_for == EVERY_PURPOSE
    assert result.signals[0].value["server"] == "https://ls.e.org"
