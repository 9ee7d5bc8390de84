"""robots.txt (RFC 9309) readers: never raise, and agree with a reference implementation.

Two readers decide Allow/Disallow from the same text: :class:`RobotsFile` (protego, for
our own group) and :class:`RobotsRecords` (our scanner, for AI-agent groups and
Content-Usage). Both must give RFC 9309's answer, computed here the plain way: the groups
naming our token exactly (case-insensitively) merged, else the ``*`` groups; among the
non-empty rules matching the path, the longest pattern in octets wins, Allow on a tie.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy import RobotsFile
from tdm_crawler.policy.robots_records import RobotsRecords
from tests.property.test_property_pathmatch import reference_match

AGENT = "tdm-crawler"
TOKENS = st.sampled_from(["tdm-crawler", "TDM-Crawler", "*", "otherbot", "tdm", "gptbot"])
_SIMPLE = st.lists(st.sampled_from(["a", "b", "/", "ab"]), max_size=6).map("".join)
PATTERNS = st.builds(
    lambda text, star, anchor: "/" + text + star + anchor,
    _SIMPLE,
    st.sampled_from(["", "*", "*b"]),
    st.sampled_from(["", "$"]),
) | st.just("")
RULES = st.lists(st.tuples(st.sampled_from(["Allow", "Disallow"]), PATTERNS), max_size=5)
GROUPS = st.lists(st.tuples(st.lists(TOKENS, min_size=1, max_size=2), RULES), max_size=4)
PATHS = _SIMPLE.map(lambda text: "/" + text)

Group = tuple[list[str], list[tuple[str, str]]]


def render(groups: list[Group], newline: str = "\n") -> str:
    lines: list[str] = []
    for agents, rules in groups:
        lines += [f"User-agent: {agent}" for agent in agents]
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
        (len(pattern), field == "Allow")
        for rules in chosen
        for field, pattern in rules
        if pattern and reference_match(pattern, path)
    ]
    if not matching:
        return "allow"
    longest = max(length for length, _ in matching)
    return "allow" if any(allow for length, allow in matching if length == longest) else "disallow"


@given(GROUPS, PATHS, st.sampled_from(["\n", "\r\n", "\r"]))
@example([(["*"], [("Disallow", "/a"), ("Allow", "/a")])], "/a", "\n")
@example([(["*"], [("Disallow", "/a*"), ("Allow", "/a")])], "/ab", "\n")
@example([(["tdm"], [("Disallow", "/")])], "/a", "\n")
@example([(["tdm-crawler"], []), (["*"], [("Disallow", "/")])], "/a", "\n")
def test_robots_file_agrees_with_reference(groups: list[Group], path: str, newline: str) -> None:
    text = render(groups, newline)
    robots = RobotsFile.from_fetch(200, text.encode(), None)
    assert robots.check(f"http://e.org{path}", AGENT).value == reference_decision(groups, path)


@given(GROUPS, PATHS)
def test_robots_records_agree_with_reference(groups: list[Group], path: str) -> None:
    records = RobotsRecords.parse(render(groups))
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
