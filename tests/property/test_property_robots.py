"""robots.txt (RFC 9309) reader: never raises, and agrees with a reference implementation.

One parser (:class:`RobotsRecords`) forms the groups; :class:`RobotsFile` decides our
own group on them and the AI-agent and Content-Usage readers ask the same groups. Both
ways in must give RFC 9309's answer, computed here the plain way: the groups naming our
token exactly (case-insensitively) merged, else the ``*`` groups; among the non-empty
rules matching the path, the longest pattern in octets (percent-encoded) wins, Allow on
a tie. Records that are no rule, between user-agent lines, change nothing (§2.2.4).
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy import RobotsFile
from tdm_crawler.policy.pathmatch import normalise
from tdm_crawler.policy.robots_records import RobotsRecords
from tests.property.reference import reference_match

AGENT = "tdm-crawler"
TOKENS = st.sampled_from(["tdm-crawler", "TDM-Crawler", "*", "otherbot", "tdm", "gptbot"])
# Path text: plain characters, '$' and '*' (wildcard and anchor in a pattern, literal in
# a path), reserved characters and percent-escapes of both kinds, lower and upper hex,
# so that two spellings of one octet ('/a;b', '/a%3Bb') meet in the same example.
_PIECES = ["a", "b", "/", "ab", "$", "*", ";", "=", "&", ":", "@", "+", ",", "~", "?",
           "%3B", "%3b", "%2F", "%2f", "%7E", "%7e", "%3D", "%24", "%2A", "%41"]  # fmt: skip
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=6).map("".join)
PATTERNS = st.builds(
    lambda text, star, anchor: "/" + text + star + anchor,
    _TEXT,
    st.sampled_from(["", "*", "*b"]),
    st.sampled_from(["", "$"]),
) | st.just("")
RULES = st.lists(st.tuples(st.sampled_from(["Allow", "Disallow"]), PATTERNS), max_size=5)
GROUPS = st.lists(st.tuples(st.lists(TOKENS, min_size=1, max_size=2), RULES), max_size=4)
PATHS = _TEXT.map(lambda text: "/" + text)
# Records that are no rule (RFC 9309 §2.2.4): between user-agent lines they must not
# split a group, so the reference below never sees them.
NOISE = st.lists(
    st.sampled_from(
        [
            "Crawl-delay: 1",
            "Sitemap: https://e.org/s.xml",
            "License: https://e.org/l.xml",
            "Content-Signal: ai-train=no",
            "Unknown: x",
            "no record at all",
        ]
    ),
    max_size=2,
)

Group = tuple[list[str], list[tuple[str, str]]]


def render(groups: list[Group], newline: str = "\n", noise: Sequence[str] = ()) -> str:
    """The groups as robots.txt text, ``noise`` after each group's first user-agent line."""
    lines: list[str] = []
    for agents, rules in groups:
        lines += [f"User-agent: {agent}" for agent in agents[:1]]
        lines += noise
        lines += [f"User-agent: {agent}" for agent in agents[1:]]
        lines += [f"{field}: {pattern}" for field, pattern in rules]
        lines.append("")
    return newline.join(lines)


def as_read(groups: list[Group]) -> list[Group]:
    """The groups RFC 9309 reads from :func:`render`: blank lines mean nothing, so
    user-agent lines without rules join the next group's user-agent lines."""
    read: list[Group] = []
    pending: list[str] = []
    for agents, rules in groups:
        pending += agents
        if rules:
            read.append((pending, rules))
            pending = []
    if pending:
        read.append((pending, []))
    return read


def reference_decision(groups: list[Group], path: str, agent: str = AGENT) -> str:
    """RFC 9309 §2.2: the agent's own groups (merged), else ``*``; longest match wins."""
    groups = as_read(groups)
    own = [rules for agents, rules in groups if agent.lower() in {a.lower() for a in agents}]
    chosen = own or [rules for agents, rules in groups if "*" in agents]
    matching = [
        (octets(pattern), field == "Allow")
        for rules in chosen
        for field, pattern in rules
        if pattern and reference_match(pattern, path)
    ]
    if not matching:
        return "allow"
    longest = max(length for length, _ in matching)
    return "allow" if any(allow for length, allow in matching if length == longest) else "disallow"


def octets(pattern: str) -> int:
    """A pattern's length in octets once percent-encoded, ``*`` and ``$`` one each."""
    anchored = pattern.endswith("$")
    pieces = (pattern[:-1] if anchored else pattern).split("*")
    return sum(len(normalise(piece)) for piece in pieces) + len(pieces) - 1 + anchored


@given(GROUPS, PATHS, st.sampled_from(["\n", "\r\n", "\r"]), NOISE)
@example([(["*"], [("Disallow", "/a"), ("Allow", "/a")])], "/a", "\n", [])
@example([(["*"], [("Disallow", "/a*"), ("Allow", "/a")])], "/ab", "\n", [])
@example([(["tdm"], [("Disallow", "/")])], "/a", "\n", [])
@example([(["tdm-crawler"], []), (["*"], [("Disallow", "/")])], "/a", "\n", [])
@example([(["tdm-crawler", "*"], [("Disallow", "/")])], "/a", "\n", ["Crawl-delay: 1"])
@example([(["*"], [("Disallow", "/a;b")])], "/a%3Bb", "\n", [])
@example([(["*"], [("Disallow", "/x/"), ("Allow", "/x/index.html")])], "/x/", "\n", [])
@example([(["*"], [("Disallow", "/x$")])], "/x$", "\n", [])
def test_robots_file_agrees_with_reference(
    groups: list[Group], path: str, newline: str, noise: list[str]
) -> None:
    text = render(groups, newline, noise)
    robots = RobotsFile.from_fetch(200, text.encode(), None)
    assert robots.check(f"http://e.org{path}", AGENT).value == reference_decision(groups, path)


@given(GROUPS, PATHS, NOISE)
def test_robots_records_agree_with_reference(
    groups: list[Group], path: str, noise: list[str]
) -> None:
    records = RobotsRecords.parse(render(groups, noise=noise))
    key = records.group_key(AGENT)
    rule = records.access_rule(key, f"http://e.org{path}") if key is not None else None
    got = "allow" if rule is None or rule[0] == "allow" else "disallow"
    assert got == reference_decision(groups, path)


@given(st.binary(max_size=2048), st.text(max_size=30), st.text(max_size=20))
def test_any_bytes_never_raise(body: bytes, path: str, agent: str) -> None:
    robots = RobotsFile.from_fetch(200, body, None, max_bytes=1024)
    url = "http://e.org/" + path.replace("#", "").replace("[", "").replace("]", "")
    assert robots.check(url, agent).value in ("allow", "disallow")
    robots.crawl_delay(agent)
    records = RobotsRecords.parse(robots.text)
    key = records.group_key(agent or "x")
    if key is not None:
        records.access_rule(key, url)


@given(st.none() | st.integers(min_value=100, max_value=599), st.binary(max_size=64))
def test_status_decides_before_the_body(status: int | None, body: bytes) -> None:
    """2xx parses; 4xx but 429 allows all; 3xx (unfinished), 429, 5xx, none: disallow all."""
    robots = RobotsFile.from_fetch(status, body, None if status else "network error")
    value = robots.check("http://e.org/x", AGENT).value
    if status is not None and 200 <= status <= 299:
        assert robots.state == "parsed"
    elif status is not None and 400 <= status <= 499 and status != 429:
        assert (robots.state, value) == ("unavailable", "allow")
    else:
        assert (robots.state, value) == ("unreachable", "unreachable")
    assert robots.check("http://e.org/robots.txt", AGENT).value == "allow"


# Where protego departs from RFC 9309 (found by the reference above once its alphabet
# included these spellings): our reader must not.


def test_index_html_allow_does_not_open_the_directory() -> None:
    """Protego turns ``Allow: /x/index.html`` into an extra ``Allow: /x/$`` (a Google
    extension, not RFC 9309), which would open ``/x/`` that ``Disallow: /x/`` covers."""
    groups: list[Group] = [(["*"], [("Disallow", "/x/"), ("Allow", "/x/index.html")])]
    robots = RobotsFile.from_fetch(200, render(groups).encode(), None)
    assert reference_decision(groups, "/x/") == "disallow"
    assert robots.check("http://e.org/x/", AGENT).value == "disallow"


def test_end_anchor_does_not_match_a_literal_dollar() -> None:
    """Protego adds a literal-dollar twin of every ``$`` rule, so ``Disallow: /x$`` also
    disallows the URL ``/x$``, which the end-anchored pattern does not match."""
    groups: list[Group] = [(["*"], [("Disallow", "/x$")])]
    robots = RobotsFile.from_fetch(200, render(groups).encode(), None)
    assert reference_decision(groups, "/x$") == "allow"
    assert robots.check("http://e.org/x$", AGENT).value == "allow"
