"""Location matching (TDMRep ``location``, robots-style patterns) against the reference
matcher of :mod:`tests.property.reference`: the fast matchers must agree with it."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy.pathmatch import compile_location, normalise, path_and_query
from tdm_crawler.policy.robots_records import PathRule
from tests.property.reference import reference_match

# Characters that exercise every branch of normalise: unreserved and reserved ASCII,
# escapes of both kinds (valid, invalid, lower-case hex), '$' and '*', space, non-ASCII,
# and reserved characters next to their escapes (';' and '%3B', '=' and '%3D', '?'...).
_PIECES = st.sampled_from(
    [
        "a",
        "b",
        "/",
        "%",
        "%7E",
        "%7e",
        "~",
        "%2F",
        "%2f",
        "%24",
        "$",
        "*",
        "?",
        "=",
        "&",
        "%41",
        "A",
        "é",
        " ",
        "%zz",
        "%4",
        ".",
        "-",
        "%25",
        "+",
        "\udc80",
        ";",
        "%3B",
        "%3b",
        ":",
        "%3A",
        "@",
        ",",
        "%2C",
        "%3D",
        "%26",
        "%3F",
    ]
)
_TEXT = st.lists(_PIECES, max_size=14).map("".join)
PATTERNS = _TEXT.map(lambda text: "/" + text)
PATHS = _TEXT.map(lambda text: "/" + text)


@given(PATTERNS, PATHS)
@example("/a*b$", "/aXb")
@example("/a%7e", "/a~")
@example("/a%2F", "/a/")
@example("/%24", "/$")
@example("/*$", "/")
@example("/a$", "/a$")
def test_compile_location_agrees_with_reference(pattern: str, path: str) -> None:
    assert compile_location(pattern).matches(path) is reference_match(pattern, path)


@given(PATTERNS, PATHS)
def test_robots_path_rule_agrees_with_reference(pattern: str, path: str) -> None:
    """robots_records.PathRule (Content-Usage, AI-agent groups) matches the same way."""
    assert PathRule(pattern, None).matches(normalise(path)) is reference_match(pattern, path)


@given(_TEXT)
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once.isascii()


@given(PATHS, PATHS)
def test_a_path_matches_itself_and_its_prefixes(prefix: str, rest: str) -> None:
    """Every path matches itself as a location; anchored, only itself (in meaning)."""
    path = prefix + rest.lstrip("/")
    literal = prefix.replace("*", "%2A").replace("$", "%24")
    assert compile_location(literal).matches(path) is normalise(path).startswith(normalise(literal))
    exact = path.replace("*", "%2A").replace("$", "%24")
    assert compile_location(exact + "$").matches(path)


@given(st.text(max_size=40))
def test_path_and_query_of_a_path_url(text: str) -> None:
    """Never raises on an http URL built from any text; always starts with '/'."""
    url = "http://e.org/" + text.replace("#", "%23").replace("[", "").replace("]", "")
    assert path_and_query(url).startswith("/")
