"""The robots.txt record scanner and the AI-agent reservation (protocols §1)."""

from __future__ import annotations

import json
import random
import time

import pytest

from tdm_crawler.policy.ai_agents import AiAgent, load_agents, packaged_agents
from tdm_crawler.policy.pathmatch import compile_location, normalise
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.robots_records import (
    PathRule,
    PathRules,
    RobotsGroup,
    RobotsRecords,
    ai_agent_finding,
    license_urls,
)
from tdm_crawler.policy.types import Reason

AGENT = "tdm-crawler"
AGENTS = packaged_agents()

# ---------------------------------------------------------------------------- grouping

# (robots.txt text, expected groups as (agents, records), expected global records)
STRUCTURE_CASES = [
    pytest.param(
        "User-agent: a\nUser-agent: B\nDisallow: /x\nAllow: /y\n",
        [(("a", "b"), (("disallow", "/x"), ("allow", "/y")))],
        [],
        id="consecutive-agents-share-a-group",
    ),
    pytest.param(
        "User-agent: a\nDisallow: /x\nUser-agent: b\nDisallow: /y\n",
        [(("a",), (("disallow", "/x"),)), (("b",), (("disallow", "/y"),))],
        [],
        id="agent-after-rules-starts-group",
    ),
    pytest.param(
        "# head\nUser-agent: a # me\nDisallow: /x#frag\n  # indented comment\n",
        [(("a",), (("disallow", "/x"),))],
        [],
        id="comments",
    ),
    pytest.param(
        "User-agent: a\rDisallow: /cr\r\nAllow: /crlf\nDisallow: /lf",
        [(("a",), (("disallow", "/cr"), ("allow", "/crlf"), ("disallow", "/lf")))],
        [],
        id="cr-lf-crlf",
    ),
    pytest.param(
        "\ufeffUser-agent: a\nDisallow: /",
        [(("a",), (("disallow", "/"),))],
        [],
        id="bom",
    ),
    pytest.param(
        "USER-AGENT: A\nDISALLOW: /X\nContent-USAGE: train-ai=n\n",
        [(("a",), (("disallow", "/X"), ("content-usage", "train-ai=n")))],
        [],
        id="field-names-case-insensitive-values-kept",
    ),
    pytest.param(
        "User agent: a\nUseragent: b\nDissallow: /x\nDisallow /y\nuser-agent c\n",
        [(("a", "b"), (("disallow", "/x"), ("disallow", "/y"))), (("c",), ())],
        [],
        id="protego-aliases-and-colonless-known-fields",
    ),
    pytest.param(
        "Disallow: /orphan\nContent-Usage: train-ai=n\nUser-agent: a\nDisallow: /x\n",
        [(("a",), (("disallow", "/x"),))],
        [],
        id="records-before-first-agent-dropped",
    ),
    pytest.param(
        "Content-Signal: ai-train=no\nCONTENT-SIGNAL: /x/ use=reference\nContent-Signal:\n"
        "User-agent: a\nDisallow: /x\nContent-Signal: search=no\n",
        [(("a",), (("disallow", "/x"), ("content-signal", "search=no")))],
        [("content-signal", "ai-train=no"), ("content-signal", "/x/ use=reference")],
        id="content-signal-before-first-agent-global",
    ),
    pytest.param(
        "User-agent:\nContent-Signal: ai-train=no\nUser-agent: a\nAllow: /\n",
        [(("a",), (("allow", "/"),))],
        [],
        id="content-signal-after-an-empty-agent-line-not-global",
    ),
    pytest.param(
        "User-agent: a\nSitemap: https://e.org/s.xml\nUser-agent: b\nDisallow: /\n",
        [(("a", "b"), (("disallow", "/"),))],
        [("sitemap", "https://e.org/s.xml")],
        id="sitemap-global-does-not-end-group",
    ),
    pytest.param(
        "User-agent: a\nLicense: https://e.org/l.xml\nUser-agent: b\nDisallow: /\n",
        [(("a", "b"), (("disallow", "/"),))],
        [("license", "https://e.org/l.xml")],
        id="license-global-does-not-end-group",
    ),
    pytest.param(
        "User-agent: a\nCrawl-delay: 2\nContent-Signal: ai-train=no\nfoo: bar\n"
        "User-agent: b\nDisallow: /\n",
        [
            (
                ("a", "b"),
                (
                    ("crawl-delay", "2"),
                    ("content-signal", "ai-train=no"),
                    ("foo", "bar"),
                    ("disallow", "/"),
                ),
            )
        ],
        [],
        id="other-records-do-not-end-group",
    ),
    pytest.param(
        "User-agent: a\nContent-Usage: train-ai=n\nUser-agent: b\nDisallow: /\n",
        [(("a", "b"), (("content-usage", "train-ai=n"), ("disallow", "/")))],
        [],
        id="content-usage-does-not-end-group",
    ),
    pytest.param(
        "User-agent: a\nDisallow: /x\nCrawl-delay: 2\nUser-agent: b\nAllow: /\n",
        [(("a",), (("disallow", "/x"), ("crawl-delay", "2"))), (("b",), (("allow", "/"),))],
        [],
        id="agent-after-rule-and-other-record-starts-group",
    ),
    pytest.param(
        "User-agent: a\nDisallow:\nUser-agent: b\nAllow: /\n",
        [(("a",), (("disallow", ""),)), (("b",), (("allow", "/"),))],
        [],
        id="empty-disallow-is-a-rule-line",
    ),
    pytest.param(
        "User-agent: a\nDisallow: /x\nUser-agent:\nDisallow: /lost\nUser-agent: b\nAllow: /\n",
        [(("a",), (("disallow", "/x"),)), (("b",), (("allow", "/"),))],
        [],
        id="empty-agent-line-ends-group",
    ),
    pytest.param(
        "User-agent: GPT*Bot\nDisallow: /\n",
        [(("gpt*bot", "gptbot"), (("disallow", "/"),))],
        [],
        id="wildcard-agent-also-without-star",
    ),
    pytest.param(
        "User-agent: a\nDisallow:\nAllow:   \n",
        [(("a",), (("disallow", ""), ("allow", "")))],
        [],
        id="empty-values-kept",
    ),
    pytest.param(
        "User-agent: a\nthis is garbage\n\x00\x01:\xff\nDisallow: /x\n:::\nfoo:bar\n",
        [(("a",), (("\x00\x01", "\xff"), ("disallow", "/x"), ("", "::"), ("foo", "bar")))],
        [],
        id="garbage-tolerated",
    ),
    pytest.param("", [], [], id="empty"),
]


@pytest.mark.parametrize(("text", "groups", "global_records"), STRUCTURE_CASES)
def test_structure(
    text: str,
    groups: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]],
    global_records: list[tuple[str, str]],
) -> None:
    records = RobotsRecords.parse(text)
    assert records.groups == tuple(RobotsGroup(a, r) for a, r in groups)
    assert list(records.global_records) == global_records


def test_groups_naming_merges_and_has_no_fallback() -> None:
    records = RobotsRecords.parse(
        "User-agent: a\nDisallow: /1\nUser-agent: *\nDisallow: /s\nUser-agent: A\nDisallow: /2\n"
    )
    assert [g.records for g in records.groups_naming("A")] == [
        (("disallow", "/1"),),
        (("disallow", "/2"),),
    ]
    assert records.groups_naming("b") == ()
    assert records.values("a", "Disallow") == ("/1", "/2")
    assert (records.group_key("A "), records.group_key("b")) == ("a", "*")
    assert RobotsRecords.parse("User-agent: a\n").group_key("b") is None


# ------------------------------------------------------------------- longest match


# (rules of the group, path, expected deciding rule) - RFC 9309 §2.2.2 and Google's
# documented examples of precedence.
ACCESS_CASES = [
    pytest.param("Allow: /p\nDisallow: /", "/page", ("allow", "/p"), id="longer-allow"),
    pytest.param(
        "Allow: /folder\nDisallow: /folder", "/folder/page", ("allow", "/folder"), id="tie-allow"
    ),
    pytest.param(
        "Allow: /page\nDisallow: /*.htm", "/page.htm", ("disallow", "/*.htm"), id="wildcard-longer"
    ),
    pytest.param("Allow: /$\nDisallow: /", "/", ("allow", "/$"), id="anchor-root"),
    pytest.param("Allow: /$\nDisallow: /", "/page.htm", ("disallow", "/"), id="anchor-miss"),
    pytest.param("Disallow: /*.pdf$", "/a/b.pdf", ("disallow", "/*.pdf$"), id="ext-anchored"),
    pytest.param("Disallow: /*.pdf$", "/a/b.pdf?x=1", None, id="ext-anchored-query"),
    pytest.param("Disallow: /a?b", "/a?b=1", ("disallow", "/a?b"), id="query-matched"),
    pytest.param("Disallow: /%7Euser", "/~user/x", ("disallow", "/%7Euser"), id="pct-unreserved"),
    pytest.param("Disallow: /a%2Fb", "/a/b", None, id="pct-reserved-kept"),
    pytest.param("Disallow: /caf\u00e9", "/caf%C3%A9", ("disallow", "/caf\u00e9"), id="utf8"),
    pytest.param("Disallow:\nAllow:", "/x", None, id="empty-values-no-rule"),
    pytest.param("Disallow: /Private", "/private", None, id="case-sensitive-paths"),
]


@pytest.mark.parametrize(("rules", "path", "expected"), ACCESS_CASES)
def test_access_rule(rules: str, path: str, expected: tuple[str, str] | None) -> None:
    records = RobotsRecords.parse(f"User-agent: a\n{rules}\n")
    assert records.access_rule("a", f"https://e.org{path}") == expected


PATTERNS = ["/", "/a", "/a*", "/a$", "/*a", "*a", "/a*b", "/a*b$", "/a**b*$", "/*/c*",
            "/a*a*a", "/%2A", "/$*", "/x?y=*", "/p*.pdf$", "$", "*", "/a*$", "/ab*b$"]  # fmt: skip
PATHS = ["/", "/a", "/ab", "/ba", "/a/b", "/aab", "/aXbYb", "/b/c/d", "/aaa", "/*", "/%2A",
         "/$", "/x?y=1", "/p/q.pdf", "/p.pdf?", "/abb", "/a%2Fb", ""]  # fmt: skip


@pytest.mark.parametrize("pattern", PATTERNS)
def test_path_rule_matches_like_compile_location(pattern: str) -> None:
    """Plain string search gives exactly compile_location's answers."""
    rule = PathRule(pattern, None)
    location = compile_location(pattern)
    for path in PATHS:
        normalised = normalise(path)
        assert rule.matches(normalised) == location.matches_normalised(normalised), path


def test_path_rules_longest_returns_all_ties_in_file_order() -> None:
    rules = PathRules([("/a", 0), ("/ab*", 1), ("/a*c", 2), ("/", 3)])
    assert [r.payload for r in rules.longest("/abc")] == [1, 2]
    assert [r.payload for r in rules.longest("/a")] == [0]
    assert [r.payload for r in rules.longest("/z")] == [3]
    assert PathRules([]).longest("/") == ()


# Cross-check against what robots.py obeys: same group, same decision.
CROSS_TEXTS = [
    "User-agent: *\nDisallow: /private/\nAllow: /private/open\n",
    "User-agent: tdm-crawler\nUser-agent: GPTBot\nDisallow: /\nAllow: /$\n"
    "User-agent: *\nDisallow: /x\n",
    "User-agent: a\nLicense: https://l\nUser-agent: tdm-crawler\nDisallow: /lic\n",
    "User-agent: a\nSitemap: https://s\nUser-agent: tdm-crawler\nDisallow: /site\n",
    "user agent: tdm-crawler\ndissallow: /typo\nDisallow /nocolon\n",
    "User-agent: tdm-crawler\nDisallow: /a*b$\nAllow: /a*\nUser-agent: tdm-crawler\n"
    "Disallow: /merged\n",
    "Disallow: /before\nUser-agent: tdm-crawler\nAllow: /x\nUser-agent:\nDisallow: /lost\n",
    "User-agent: TDM-Crawler # comment\nDisallow: /%7Ehome\nDisallow: /q?x\n",
]
CROSS_PATHS = ["/", "/private/a", "/private/open/b", "/x", "/lic", "/site", "/typo",
               "/nocolon", "/ab", "/a/zb", "/aXb", "/merged/1", "/before", "/lost",
               "/~home", "/q?x=1", "/robots"]  # fmt: skip


@pytest.mark.parametrize("text", CROSS_TEXTS)
@pytest.mark.parametrize("agent", ["tdm-crawler", "GPTBot", "other"])
def test_same_decision_as_robots_py(text: str, agent: str) -> None:
    robots = RobotsFile.from_fetch(200, text.encode(), None)
    records = RobotsRecords.parse(robots.text)
    key = records.group_key(agent)
    for path in CROSS_PATHS:
        url = f"https://e.org{path}"
        rule = None if key is None else records.access_rule(key, url)
        ours = "disallow" if rule is not None and rule[0] == "disallow" else "allow"
        assert ours == robots.check(url, agent).value, (agent, path)


# --------------------------------------------------------------- AI-agent findings

# (robots.txt, path, reserving tokens, words expected in the detail)
AI_CASES = [
    pytest.param(
        "User-agent: GPTBot\nDisallow: /\n", "/a", ["GPTBot"], ["GPTBot: Disallow /"], id="gptbot"
    ),
    pytest.param(
        "User-agent: gptbot\nUser-agent: CCBOT\nDisallow: /news/\n",
        "/news/1",
        ["CCBot", "GPTBot"],  # in the list's order
        ["GPTBot: Disallow /news/", "CCBot: Disallow /news/"],
        id="shared-group-case-insensitive",
    ),
    pytest.param(
        "User-agent: GPTBot\nDisallow: /news/\n",
        "/blog/1",
        [],
        ["GPTBot: allowed, no rule matches"],
        id="other-path",
    ),
    pytest.param(
        "User-agent: GPTBot\nDisallow: /\nAllow: /open/\n",
        "/open/x",
        [],
        ["GPTBot: allowed by Allow /open/"],
        id="longer-allow",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /\n",
        "/a",
        [],
        ["no robots.txt group names any of the"],
        id="star-fallback-is-no-reservation",
    ),
    pytest.param(
        "User-agent: GPTBot\nDisallow:\nUser-agent: *\nDisallow: /\n",
        "/a",
        [],
        ["GPTBot: allowed, no rule matches"],
        id="named-and-allowed-beats-star",
    ),
    pytest.param(
        "User-agent: Google-Extended\nDisallow: /\nUser-agent: Googlebot\nAllow: /\n",
        "/a",
        ["Google-Extended"],
        ["Google-Extended: Disallow /"],
        id="google-extended-only",
    ),
    pytest.param(
        "User-agent: GPTBot/1.0\nDisallow: /\n",
        "/a",
        [],
        ["no robots.txt group names"],
        id="version-suffix-is-another-token",
    ),
    pytest.param(
        "User-agent: ClaudeBot\nDisallow: /*.pdf$\n",
        "/doc/a.pdf",
        ["ClaudeBot"],
        ["ClaudeBot: Disallow /*.pdf$"],
        id="wildcards",
    ),
    pytest.param("", "/a", [], ["no robots.txt group names"], id="empty-robots"),
    # User-agent values that are no product token, as the community list and its
    # robots.txt write them: matched as the whole value.
    pytest.param(
        "User-agent: ChatGPT Agent\nDisallow: /\n",
        "/a",
        ["ChatGPT Agent"],
        ["ChatGPT Agent: Disallow / (ai-assistant)"],
        id="spaced-token",
    ),
    pytest.param(
        "User-agent: chatgpt \t  AGENT\nDisallow: /\n",
        "/a",
        ["ChatGPT Agent"],
        ["ChatGPT Agent: Disallow /"],
        id="spaced-token-white-space-runs",
    ),
    pytest.param(
        "User-agent: ChatGPT Agent # OpenAI's browsing agent\nDisallow: /\n",
        "/a",
        ["ChatGPT Agent"],
        [],
        id="spaced-token-then-comment",
    ),
    pytest.param(
        "User agent ChatGPT Agent\nDisallow /\n",
        "/a",
        ["ChatGPT Agent"],
        [],
        id="spaced-token-colon-less",
    ),
    pytest.param(
        "User-agent: ChatGPT\nDisallow: /\n",
        "/a",
        [],
        ["no robots.txt group names"],
        id="first-word-of-spaced-token-is-another",
    ),
    pytest.param(
        "User-agent: iaskspider/2.0\nDisallow: /\n",
        "/a",
        ["iaskspider/2.0"],
        ["iaskspider/2.0: Disallow / (ai-assistant)"],
        id="token-with-version",
    ),
    pytest.param(
        "User-agent: iaskspider\nDisallow: /\n",
        "/a",
        ["iaskspider"],
        ["iaskspider: Disallow / (unknown)"],
        id="token-without-its-version-is-its-own-entry",
    ),
    pytest.param(
        "User-agent: bigsur.ai\nUser-agent: Brightbot 1.0\nDisallow: /x\n",
        "/x/1",
        ["bigsur.ai", "Brightbot 1.0"],
        ["bigsur.ai: Disallow /x", "Brightbot 1.0: Disallow /x"],
        id="dotted-tokens",
    ),
]


@pytest.mark.parametrize(("text", "path", "reserving", "words"), AI_CASES)
def test_ai_agent_finding(text: str, path: str, reserving: list[str], words: list[str]) -> None:
    finding = ai_agent_finding(RobotsRecords.parse(text), f"https://e.org{path}", AGENTS, AGENT)
    (signal,) = finding.signals
    assert (signal.protocol, signal.source, signal.value) == (
        "robots-ai-agent",
        "robots.txt",
        reserving,
    )
    assert finding.reserves == (Reason.ROBOTS_AI_AGENT if reserving else None)
    for word in words:
        assert word in signal.detail
    json.dumps(signal.to_json())


def test_our_own_token_in_the_list_changes_nothing() -> None:
    text = "User-agent: GPTBot\nDisallow: /\nUser-agent: *\nAllow: /\n"
    finding = ai_agent_finding(RobotsRecords.parse(text), "https://e.org/a", AGENTS, "GPTBot")
    assert finding.reserves is Reason.ROBOTS_AI_AGENT
    assert "our own token 'GPTBot' is in the AI-agent list" in finding.signals[0].detail


def test_a_user_agent_value_is_kept_whole_with_white_space_runs_as_one() -> None:
    records = RobotsRecords.parse(
        "User-agent: ChatGPT \t Agent\nUser-agent: iaskspider/2.0\nDisallow: /\n"
    )
    assert records.groups[0].agents == ("chatgpt agent", "iaskspider/2.0")
    assert records.names("CHATGPT  AGENT") and not records.names("chatgpt")
    assert records.access_rule("ChatGPT   Agent", "https://e.org/a") == ("disallow", "/")


def test_each_list_gets_its_own_answer_from_one_robots_txt() -> None:
    """The named agents are worked out once per file and list, never shared between lists."""
    records = RobotsRecords.parse("User-agent: GPTBot\nUser-agent: MyBot\nDisallow: /\n")
    url = "https://e.org/a"
    for _ in range(2):
        assert ai_agent_finding(records, url, load_agents("GPTBot"), AGENT).signals[0].value == [
            "GPTBot"
        ]
        assert ai_agent_finding(records, url, load_agents("MyBot"), AGENT).signals[0].value == [
            "MyBot"
        ]
    both = load_agents("+MyBot")
    (listed,) = ai_agent_finding(records, url, both, "mybot").signals
    assert listed.value == ["GPTBot", "MyBot"] and "our own token 'mybot'" in listed.detail
    assert "our own token" not in ai_agent_finding(records, url, both, AGENT).signals[0].detail


def test_user_list_decides_which_groups_count() -> None:
    records = RobotsRecords.parse("User-agent: MyBot\nDisallow: /\n")
    url = "https://e.org/a"
    assert ai_agent_finding(records, url, AGENTS, AGENT).reserves is None
    assert ai_agent_finding(records, url, load_agents("+MyBot"), AGENT).reserves is not None
    custom = (AiAgent("mybot", "x", "dataset", "s"),)
    assert ai_agent_finding(records, url, custom, AGENT).signals[0].value == ["mybot"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("License: https://e.org/l.xml\n", ("https://e.org/l.xml",), id="global"),
        pytest.param(
            "User-agent: a\nLICENSE: https://a\nDisallow: /\nLicense: https://b\n"
            "license: https://a\nLicense:\n",
            ("https://a", "https://b"),
            id="anywhere-deduplicated-in-order",
        ),
        pytest.param("User-agent: *\nDisallow: /\n", (), id="none"),
        pytest.param(
            "License: /license.xml\nLicense: rsl/l.xml\nLicense: //cdn.e.org/l.xml\n",
            ("https://e.org/license.xml", "https://e.org/rsl/l.xml", "https://cdn.e.org/l.xml"),
            id="relative-resolved-against-robots-txt",
        ),
        pytest.param(
            "License: /l.xml\nLicense: https://e.org/l.xml\n",
            ("https://e.org/l.xml",),
            id="deduplicated-once-resolved",
        ),
        pytest.param(
            "License: http://[::1/l.xml\nLicense: http://e.org:99999/l.xml\n",
            ("http://[::1/l.xml", "http://e.org:99999/l.xml"),
            id="unresolvable-kept-as-written",
        ),
        pytest.param(
            "License: file:///etc/passwd\n", ("file:///etc/passwd",), id="other-scheme-kept"
        ),
    ],
)
def test_license_urls(text: str, expected: tuple[str, ...]) -> None:
    assert license_urls(RobotsRecords.parse(text), "https://e.org/robots.txt") == expected


# --------------------------------------------------------------------- adversarial


def test_ten_megabytes_of_rules_stay_fast() -> None:
    lines = "".join(f"Disallow: /x{i}/*a*b*c$\nAllow: /y{i}\n" for i in range(240_000))
    text = "User-agent: GPTBot\n" + lines + "User-agent: *\nDisallow: /z\n"
    assert len(text) > 10_000_000
    start = time.perf_counter()
    records = RobotsRecords.parse(text)
    first = ai_agent_finding(records, "https://e.org/x7/zzabc", AGENTS, AGENT)
    for number in range(200):
        ai_agent_finding(records, f"https://e.org/q/{number}", AGENTS, AGENT)
    assert time.perf_counter() - start < 30  # a few seconds on a slow machine
    assert first.signals[0].value == ["GPTBot"]


def test_thousands_of_groups() -> None:
    text = "".join(f"User-agent: bot{i}\nDisallow: /b{i}/\n" for i in range(50_000))
    text += "User-agent: CCBot\nDisallow: /cc/\n"
    start = time.perf_counter()
    records = RobotsRecords.parse(text)
    for number in range(1000):
        finding = ai_agent_finding(records, f"https://e.org/cc/{number}", AGENTS, AGENT)
        assert finding.signals[0].value == ["CCBot"]
    assert time.perf_counter() - start < 20
    assert len(records.groups) == 50_001


def test_many_wildcard_rules_sharing_a_prefix() -> None:
    text = "User-agent: GPTBot\n" + "".join(f"Disallow: /*x{i}*a$\n" for i in range(20_000))
    records = RobotsRecords.parse(text)
    start = time.perf_counter()
    finding = ai_agent_finding(records, "https://e.org/" + "x" * 5000, AGENTS, AGENT)
    assert time.perf_counter() - start < 10
    assert finding.reserves is None


def test_garbage_never_raises() -> None:
    rng = random.Random(9309)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(2000)))
        text = raw.decode("utf-8", errors="replace") + "\nUser-agent: GPTBot\nDisallow: /g\n"
        records = RobotsRecords.parse(text)
        ai_agent_finding(records, "https://e.org/g?\x00%zz", AGENTS, AGENT)
        license_urls(records, "https://e.org/robots.txt")


def test_long_lines_and_huge_url() -> None:
    text = "User-agent: GPTBot\nDisallow: /" + "a*" * 50_000 + "\n" + "x" * 1_000_000
    records = RobotsRecords.parse(text)
    start = time.perf_counter()
    finding = ai_agent_finding(records, "https://e.org/" + "a" * 100_000, AGENTS, AGENT)
    assert finding.reserves is Reason.ROBOTS_AI_AGENT
    assert time.perf_counter() - start < 5
    assert len(finding.signals[0].detail) < 500
