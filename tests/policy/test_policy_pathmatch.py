"""Robots-style path patterns: TDMRep ``location`` and robots.txt rules (docs/protocols.md
§1 and §2.1), and the one normalisation both sides of a comparison go through."""

from __future__ import annotations

import time

import pytest

from tdm_crawler.policy import compile_location, path_and_query
from tdm_crawler.policy.pathmatch import normalise

# (pattern, path and query, expected match)
LOCATION_CASES = [
    pytest.param("/", "/", True, id="root-matches-root"),
    pytest.param("/", "/anything/deep?q=1", True, id="root-matches-everything"),
    pytest.param("/premium", "/premium", True, id="prefix-exact"),
    pytest.param("/premium", "/premium-news/x", True, id="prefix-premium-news"),
    pytest.param("/premium", "/premium/a.html", True, id="prefix-child"),
    pytest.param("/premium/", "/premium", False, id="trailing-slash-not-parent"),
    pytest.param("/premium/", "/premium/x", True, id="trailing-slash-child"),
    pytest.param("/premium", "/news/premium", False, id="prefix-only-at-start"),
    pytest.param("/Premium", "/premium", False, id="case-sensitive-path"),
    pytest.param("/premium", "/PREMIUM", False, id="case-sensitive-pattern"),
    pytest.param("*", "/x/y", True, id="star-alone"),
    pytest.param("/*", "/", True, id="star-matches-empty"),
    pytest.param("/a/*/c", "/a/b/x/c", True, id="star-crosses-slash"),
    pytest.param("/a/*/c", "/a/c", False, id="star-needs-both-slashes"),
    pytest.param("/*.pdf", "/docs/a.pdf?download=1", True, id="star-suffix-unanchored"),
    pytest.param("/*.pdf$", "/docs/a.pdf", True, id="dollar-anchor-match"),
    pytest.param("/*.pdf$", "/docs/a.pdf?download=1", False, id="dollar-anchor-query"),
    pytest.param("/*.pdf$", "/docs/a.pdfx", False, id="dollar-anchor-longer"),
    pytest.param("/a$", "/a", True, id="anchor-no-star-exact"),
    pytest.param("/a$", "/ab", False, id="anchor-no-star-longer"),
    pytest.param("/a$b", "/a$b", True, id="inner-dollar-literal"),
    pytest.param("/a$b", "/ab", False, id="inner-dollar-not-anchor"),
    pytest.param("/a%24", "/a$", True, id="pct24-matches-literal-dollar"),
    pytest.param("/a%24$", "/a$", True, id="pct24-then-anchor"),
    pytest.param("/a$$", "/a$", True, id="literal-dollar-then-anchor"),
    pytest.param("/%7Euser", "/~user", True, id="pct7E-pattern-matches-tilde"),
    pytest.param("/~user", "/%7Euser", True, id="tilde-pattern-matches-pct7E"),
    pytest.param("/~user", "/%7euser", True, id="tilde-matches-lowercase-escape"),
    pytest.param("/%41bc", "/Abc", True, id="pct41-is-A"),
    pytest.param("/%61bc", "/Abc", False, id="pct61-is-a-case-sensitive"),
    pytest.param("/a%2Fb", "/a/b", False, id="pct2F-is-not-slash"),
    pytest.param("/a/b", "/a%2Fb", False, id="slash-is-not-pct2F"),
    pytest.param("/a%2fb", "/a%2Fb", True, id="escape-hex-case-insensitive"),
    pytest.param("/café", "/caf%C3%A9", True, id="non-ascii-pattern-utf8"),
    pytest.param("/caf%c3%a9", "/café", True, id="non-ascii-path-utf8"),
    pytest.param("/a b", "/a%20b", True, id="space-encoded"),
    pytest.param("/a%2A", "/a*", True, id="pct2A-matches-literal-star"),
    pytest.param("/a%2A", "/ab", False, id="pct2A-is-not-wildcard"),
    pytest.param("/search?q=", "/search?q=tdm", True, id="query-prefix"),
    pytest.param("/search?q=", "/search", False, id="query-required"),
    pytest.param("/*?print=1", "/a/b?print=1", True, id="query-after-star"),
    pytest.param("/a?*lang=fr$", "/a?x=1&lang=fr", True, id="query-anchor"),
    pytest.param("/100%", "/100%25", True, id="lone-percent-is-pct25"),
    pytest.param("/a**b", "/axb", True, id="double-star"),
    pytest.param("/a;b", "/a%3Bb", True, id="semicolon-is-pct3B"),
    pytest.param("/a%3Bb", "/a;b", True, id="pct3B-is-semicolon"),
    pytest.param("/a;b", "/a:b", False, id="reserved-characters-stay-apart"),
    pytest.param("/q?a=1", "/q?a%3D1", True, id="equals-is-pct3D"),
    pytest.param("/q?a=1&b", "/q?a=1%26b", True, id="ampersand-is-pct26"),
    pytest.param("/a?b", "/a%3Fb", False, id="query-mark-is-not-pct3F"),
    pytest.param("/u@h:1,2+3", "/u%40h%3A1%2C2%2B3", True, id="sub-delims-encoded"),
]


@pytest.mark.parametrize(("pattern", "path", "expected"), LOCATION_CASES)
def test_location_matching(pattern: str, path: str, expected: bool) -> None:
    assert compile_location(pattern).matches(path) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("https://e.org", "/", id="empty-path"),
        pytest.param("https://e.org/a/b", "/a/b", id="path"),
        pytest.param("https://e.org/a?x=1&y=2", "/a?x=1&y=2", id="query"),
        pytest.param("https://e.org/a?x=1#frag", "/a?x=1", id="fragment-dropped"),
        pytest.param("https://e.org/a#frag?x", "/a", id="query-in-fragment"),
        pytest.param("https://e.org/a?", "/a", id="empty-query"),
        pytest.param("https://e.org:8443/a%2Fb", "/a%2Fb", id="escapes-kept"),
        pytest.param("https://e.org?q=1", "/?q=1", id="query-without-path"),
    ],
)
def test_path_and_query(url: str, expected: str) -> None:
    assert path_and_query(url) == expected


# RFC 9309 §2.2.2's table ("/foo/bar?baz=quz", U+30C4, "%E3%83%84", "%62%61%7A") and the
# rule of pathmatch's docstring: unreserved escapes decoded, every other octet but '/'
# and '?' percent-encoded with upper-case hex.
NORMALISE_CASES = [
    pytest.param("/foo/bar", "/foo/bar", id="plain"),
    pytest.param("/foo/bar?baz=quz", "/foo/bar?baz%3Dquz", id="rfc-query"),
    pytest.param("/foo/bar/\u30c4", "/foo/bar/%E3%83%84", id="rfc-non-ascii"),
    pytest.param("/foo/bar/%E3%83%84", "/foo/bar/%E3%83%84", id="rfc-encoded"),
    pytest.param("/foo/bar/%62%61%7A", "/foo/bar/baz", id="rfc-unreserved-decoded"),
    pytest.param("/%7e%7E~", "/~~~", id="tilde"),
    pytest.param("/a;b", "/a%3Bb", id="semicolon"),
    pytest.param("/a%3bb", "/a%3Bb", id="escape-upper-case"),
    pytest.param("/a%2fb/c", "/a%2Fb/c", id="slash-escape-kept"),
    pytest.param("/a%3Fb?c", "/a%3Fb?c", id="query-mark-escape-kept"),
    pytest.param("/$*", "/%24%2A", id="dollar-star"),
    pytest.param("/100%", "/100%25", id="lone-percent"),
    pytest.param("/%zz%4", "/%25zz%254", id="broken-escapes"),
    pytest.param("/a b", "/a%20b", id="space"),
    pytest.param(":@!&'()+,;=[]", "%3A%40%21%26%27%28%29%2B%2C%3B%3D%5B%5D", id="reserved"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALISE_CASES)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected
    assert normalise(expected) == expected


def test_pattern_keeps_source_text_and_compares_by_it() -> None:
    location = compile_location("/a%7e")
    assert location.pattern == "/a%7e"
    assert location == compile_location("/a%7e")


def test_many_stars_on_long_path_stay_fast() -> None:
    # A hostile pattern must not make matching backtrack exponentially.
    hostile = compile_location("/" + "*a" * 40 + "b")
    anchored = compile_location("/" + "*a" * 40 + "b$")
    path = "/" + "a" * 200_000
    start = time.perf_counter()
    assert not hostile.matches(path)
    assert not anchored.matches(path)
    assert time.perf_counter() - start < 2
