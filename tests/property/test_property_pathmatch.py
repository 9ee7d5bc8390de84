"""Location matching (TDMRep ``location``, robots-style patterns) against a reference.

The reference is deliberately naive: normalise both sides with the crawler's own
:func:`normalise` (the pattern piece by piece, ``*`` being the wildcard and a trailing
``$`` the anchor), then decide by dynamic programming over characters whether the pattern
matches a prefix of the path (the whole path when anchored). No regex, no cleverness:
what it says is the definition, and the fast matchers must agree with it.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy.pathmatch import compile_location, normalise, path_and_query
from tdm_crawler.policy.robots_records import PathRule

STAR = None  # the wildcard token in the reference's token list

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


def reference_match(pattern: str, path: str) -> bool:
    """Does ``pattern`` match ``path``? Prefix match, ``*`` any run, trailing ``$`` end."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    tokens: list[str | None] = []
    for index, piece in enumerate(body.split("*")):
        if index:
            tokens.append(STAR)
        tokens.extend(normalise(piece))
    if not anchored:
        tokens.append(STAR)  # a prefix match: anything may follow
    target = normalise(path)
    # matches[j]: tokens[i:] matches target[j:], computed for i from the end.
    matches = [j == len(target) for j in range(len(target) + 1)]
    for token in reversed(tokens):
        row = [False] * (len(target) + 1)
        for j in range(len(target), -1, -1):
            if token is STAR:
                row[j] = matches[j] or (j < len(target) and row[j + 1])
            else:
                row[j] = j < len(target) and target[j] == token and matches[j + 1]
        matches = row
    return matches[0]


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
