"""robots.txt per RFC 9309 (docs/protocols.md §1, "robots.txt")."""

from __future__ import annotations

import pytest
from protego import Protego

from tdm_crawler.policy import RobotsFile

AGENT = "tdm-crawler"


def parsed(text: str | bytes) -> RobotsFile:
    body = text.encode() if isinstance(text, str) else text
    return RobotsFile.from_fetch(200, body, None)


# (status, body, error, state, value for /private/x)
STATUS_CASES = [
    pytest.param(
        200, b"User-agent: *\nDisallow: /private/", None, "parsed", "disallow", id="200-parsed"
    ),
    pytest.param(200, None, None, "parsed", "allow", id="200-empty"),
    pytest.param(
        404, b"User-agent: *\nDisallow: /", None, "unavailable", "allow", id="404-allow-all"
    ),
    pytest.param(410, None, None, "unavailable", "allow", id="410-allow-all"),
    pytest.param(401, None, None, "unavailable", "allow", id="401-allow-all"),
    pytest.param(403, None, None, "unavailable", "allow", id="403-allow-all"),
    pytest.param(429, None, None, "unreachable", "unreachable", id="429-disallow-all"),
    pytest.param(
        500,
        b"User-agent: *\nAllow: /",
        None,
        "unreachable",
        "unreachable",
        id="500-error-page-not-parsed",
    ),
    pytest.param(503, None, None, "unreachable", "unreachable", id="503-disallow-all"),
    pytest.param(302, None, None, "unreachable", "unreachable", id="3xx-chain-not-completed"),
    pytest.param(None, None, "timeout", "unreachable", "unreachable", id="network-error"),
]


@pytest.mark.parametrize(("status", "body", "error", "state", "value"), STATUS_CASES)
def test_status_semantics(
    status: int | None, body: bytes | None, error: str | None, state: str, value: str
) -> None:
    robots = RobotsFile.from_fetch(status, body, error)
    assert (robots.status, robots.state) == (status, state)
    assert robots.check("https://e.org/private/x", AGENT).value == value


@pytest.mark.parametrize(
    ("robots", "detail"),
    [
        pytest.param(
            RobotsFile.from_fetch(404, None, None),
            "404: no robots.txt, everything allowed",
            id="404",
        ),
        pytest.param(
            RobotsFile.from_fetch(503, None, None),
            "503: robots.txt unreachable, everything disallowed",
            id="503",
        ),
        pytest.param(
            RobotsFile.from_fetch(None, None, "connection refused"),
            "connection refused: robots.txt unreachable, everything disallowed",
            id="network",
        ),
        pytest.param(
            parsed("User-agent: tdm-crawler\nDisallow: /private/"),
            "group 'tdm-crawler': Disallow /private/",
            id="deciding-rule",
        ),
        pytest.param(
            parsed("User-agent: *\nDisallow: /x"),
            "group '*': no rule matches, allowed",
            id="no-rule",
        ),
        pytest.param(
            parsed("User-agent: other\nDisallow: /"),
            "no group for 'tdm-crawler' and no '*' group: allowed",
            id="no-group",
        ),
    ],
)
def test_check_detail(robots: RobotsFile, detail: str) -> None:
    signal = robots.check("https://e.org/private/x", AGENT)
    assert (signal.protocol, signal.source) == ("robots", "robots.txt")
    assert signal.detail == detail


GROUPS = """\
User-agent: *
Disallow: /star/

User-agent: tdm
Disallow: /tdm-only/

User-agent: TDM-Crawler
Disallow: /ours/
"""

# (robots.txt, agent, path, expected value)
GROUP_CASES = [
    pytest.param(GROUPS, AGENT, "/ours/x", "disallow", id="own-group"),
    pytest.param(GROUPS, AGENT, "/star/x", "allow", id="own-group-replaces-star"),
    pytest.param(GROUPS, AGENT, "/tdm-only/x", "allow", id="shorter-token-not-applied"),
    pytest.param(GROUPS, "TDM-CRAWLER", "/ours/x", "disallow", id="agent-case-insensitive"),
    pytest.param(
        "User-agent: *\nDisallow: /star/\n\nUser-agent: tdm\nDisallow: /tdm-only/\n",
        AGENT,
        "/tdm-only/x",
        "allow",
        id="tdm-trap-falls-to-star",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /star/\n\nUser-agent: tdm\nDisallow: /tdm-only/\n",
        AGENT,
        "/star/x",
        "disallow",
        id="tdm-trap-star-applies",
    ),
    pytest.param(
        "User-agent: tdm\nDisallow: /\n", AGENT, "/x", "allow", id="tdm-trap-without-star"
    ),
    pytest.param(
        "User-agent: tdm-crawler-beta\nDisallow: /\n",
        AGENT,
        "/x",
        "allow",
        id="longer-token-not-applied",
    ),
    pytest.param(
        "User-agent: crawler\nDisallow: /\n", AGENT, "/x", "allow", id="suffix-token-not-applied"
    ),
    pytest.param(
        "User-agent: other\nDisallow: /\n", AGENT, "/x", "allow", id="no-star-group-allowed"
    ),
    pytest.param("User-agent: *\nDisallow: /\n", AGENT, "/x", "disallow", id="star-fallback"),
    pytest.param(
        "User-agent: tdm-crawler\nDisallow: /a/\n\nUser-agent: other\nDisallow: /x\n\n"
        "User-agent: tdm-crawler\nDisallow: /b/\n",
        AGENT,
        "/b/1",
        "disallow",
        id="merged-groups-second",
    ),
    pytest.param(
        "User-agent: tdm-crawler\nDisallow: /a/\n\nUser-agent: tdm-crawler\nDisallow: /b/\n",
        AGENT,
        "/a/1",
        "disallow",
        id="merged-groups-first",
    ),
    pytest.param(
        "User-agent: other\nUser-agent: tdm-crawler\nDisallow: /shared/\n",
        AGENT,
        "/shared/1",
        "disallow",
        id="several-agents-one-group",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /\nAllow: /public/\n",
        AGENT,
        "/public/x",
        "allow",
        id="longest-allow-wins",
    ),
    pytest.param(
        "User-agent: *\nAllow: /p\nDisallow: /p/private/\n",
        AGENT,
        "/p/private/x",
        "disallow",
        id="longest-disallow-wins",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /page\nAllow: /page\n", AGENT, "/page", "allow", id="tie-allow"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /*.pdf$\n", AGENT, "/docs/a.pdf", "disallow", id="wildcard-anchor"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /*.pdf$\n",
        AGENT,
        "/docs/a.pdf?x",
        "allow",
        id="wildcard-anchor-query",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /\n",
        AGENT,
        "/robots.txt",
        "allow",
        id="robots-txt-always-allowed",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /Private\n", AGENT, "/private", "allow", id="paths-case-sensitive"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /x/\nAllow: /x/index.html\n",
        AGENT,
        "/x/",
        "disallow",
        id="index-html-allow-does-not-open-directory",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /x$\n", AGENT, "/x$", "allow", id="anchor-is-not-literal-dollar"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /x%24\n", AGENT, "/x$", "disallow", id="pct24-is-literal-dollar"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /a;b\n", AGENT, "/a%3Bb", "disallow", id="reserved-raw-rule"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /a%3bb\n", AGENT, "/a;b", "disallow", id="reserved-pct-rule"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /\nAllow: /a;b\n", AGENT, "/a%3Bb/c", "allow", id="reserved-allow"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /q?a=1\n", AGENT, "/q?a%3D1&b", "disallow", id="pct3D-is-equals"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /%7Ehome\n",
        AGENT,
        "/~home/x",
        "disallow",
        id="unreserved-decoded",
    ),
    pytest.param("User-agent: *\nDisallow: /a%2Fb\n", AGENT, "/a/b", "allow", id="pct2F-not-slash"),
    pytest.param("User-agent: *\nDisallow: /a?b\n", AGENT, "/a%3Fb", "allow", id="pct3F-not-query"),
    pytest.param(
        "User-agent: *\nDisallow: /caf\u00e9\n", AGENT, "/caf%C3%A9", "disallow", id="utf8-encoded"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /a*c=1$\n", AGENT, "/a/b?c=1", "disallow", id="star-and-anchor"
    ),
    pytest.param(
        "User-agent: *\nDisallow: /*.pdf\nAllow: /pub/*.pdf\n",
        AGENT,
        "/pub/a.pdf",
        "allow",
        id="longer-wildcard-allow-wins",
    ),
]

# RFC 9309 §2.2.4: records other than the rules (user-agent, allow, disallow, and the
# aipref draft's content-usage) between two user-agent lines do not end the group, so our
# token shares the '*' group's rules.
OTHER_RECORDS = [
    "Crawl-delay: 5",
    "Content-Usage: train-ai=n",
    "License: https://e.org/license.xml",
    "Content-Signal: ai-train=no",
    "Sitemap: https://e.org/sitemap.xml",
    "Host: e.org",
    "Request-rate: 1/5",
    "Unknown-field: value",
    "this line is no record",
]


@pytest.mark.parametrize("record", OTHER_RECORDS)
def test_other_records_do_not_split_a_group(record: str) -> None:
    robots = parsed(f"User-agent: {AGENT}\n{record}\nUser-agent: *\nDisallow: /\n")
    signal = robots.check("https://e.org/page", AGENT)
    assert (signal.value, signal.detail) == ("disallow", f"group '{AGENT}': Disallow /")


def test_content_usage_belongs_to_its_group_without_splitting_it() -> None:
    # RFC 9309 §2.2.4: only Allow/Disallow end a run of user-agent lines; the aipref
    # attachment draft attaches Content-Usage to the group it stands in.
    text = f"User-agent: *\nContent-Usage: train-ai=n\n\nUser-agent: {AGENT}\nAllow: /\n"
    robots = parsed(text)
    assert robots.records.values(AGENT, "content-usage") == ("train-ai=n",)
    assert robots.records.values("*", "content-usage") == ("train-ai=n",)
    text = f"User-agent: {AGENT}\nContent-Usage: train-ai=n\nUser-agent: *\nDisallow: /\n"
    assert parsed(text).check("https://e.org/page", AGENT).detail == (
        f"group '{AGENT}': Disallow /"
    )


@pytest.mark.parametrize("record", OTHER_RECORDS)
def test_a_rule_line_still_ends_the_group(record: str) -> None:
    text = f"User-agent: {AGENT}\nAllow: /a\n{record}\nUser-agent: *\nDisallow: /\n"
    assert parsed(text).check("https://e.org/page", AGENT).value == "allow"
    assert parsed(text).check("https://e.org/page", "otherbot").value == "disallow"


@pytest.mark.parametrize(("text", "agent", "path", "expected"), GROUP_CASES)
def test_group_selection_and_rules(text: str, agent: str, path: str, expected: str) -> None:
    assert parsed(text).check(f"https://e.org{path}", agent).value == expected


@pytest.mark.parametrize(
    "robots",
    [
        pytest.param(RobotsFile.from_fetch(503, None, None), id="unreachable"),
        pytest.param(RobotsFile.from_fetch(None, None, "timeout"), id="network-error"),
    ],
)
def test_robots_txt_allowed_even_when_unreachable(robots: RobotsFile) -> None:
    assert robots.check("https://e.org/robots.txt", AGENT).value == "allow"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("User-agent: tdm-crawler\nCrawl-delay: 2.5\n", 2.5, id="own-group"),
        pytest.param("User-agent: *\nCrawl-delay: 3\n", 3.0, id="star-group"),
        pytest.param("User-agent: tdm\nCrawl-delay: 9\n", None, id="tdm-trap"),
        pytest.param(
            "User-agent: *\nCrawl-delay: 9\nDisallow: /y\n\nUser-agent: tdm-crawler\n"
            "Disallow: /x\n",
            None,
            id="own-group-no-delay",
        ),
        # RFC 9309 §2.2.4: Crawl-delay is no rule, so it does not end the run of
        # user-agent lines: '*' and tdm-crawler form one group, with the delay.
        pytest.param(
            "User-agent: *\nCrawl-delay: 9\n\nUser-agent: tdm-crawler\nDisallow: /x\n",
            9.0,
            id="delay-between-agents-is-the-shared-group",
        ),
        pytest.param(
            "User-agent: tdm-crawler\nCrawl-delay: 1\nUser-agent: tdm-crawler\nCrawl-delay: x\n"
            "Crawl-delay: 4\nCrawl-delay: -1\n",
            4.0,
            id="last-valid-wins",
        ),
        pytest.param("User-agent: tdm-crawler\nCrawl-delay: soon\n", None, id="invalid"),
    ],
)
def test_crawl_delay(text: str, expected: float | None) -> None:
    assert parsed(text).crawl_delay(AGENT) == expected


def test_crawl_delay_without_a_parsed_file() -> None:
    assert RobotsFile.from_fetch(404, None, None).crawl_delay(AGENT) is None


def test_truncated_at_max_bytes() -> None:
    head = b"User-agent: *\nDisallow: /early/\n"
    body = head + b"#" * 100 + b"\nDisallow: /late/\n"
    robots = RobotsFile.from_fetch(200, body, None, max_bytes=len(head) + 50)
    assert robots.check("https://e.org/early/x", AGENT).value == "disallow"
    assert robots.check("https://e.org/late/x", AGENT).value == "allow"
    assert "truncated" in robots.detail
    assert "late" not in robots.text


@pytest.mark.parametrize(
    ("body", "value"),
    [
        pytest.param(b"\xef\xbb\xbfUser-agent: *\nDisallow: /x", "disallow", id="bom"),
        pytest.param(b"\xef\xbbUser-agent: *\nDisallow: /x", "disallow", id="partial-bom-2"),
        pytest.param(b"\xefUser-agent: *\nDisallow: /x", "disallow", id="partial-bom-1"),
        pytest.param(b"\xbb\xbfUser-agent: *\nDisallow: /x", "allow", id="bom-tail-is-no-bom"),
        pytest.param(b"User-agent: *\r\nDisallow: /x\r\n", "disallow", id="crlf"),
        pytest.param(b"User-agent: *\rDisallow: /x\r", "disallow", id="cr-only"),
        pytest.param(
            b"User-agent: *\nDisallow: /x \xff\xfe\n", "allow", id="invalid-utf8-in-other-rule"
        ),
        pytest.param(bytes(range(256)) * 20, "allow", id="binary-garbage"),
        pytest.param(b"<html><body>Welcome</body></html>", "allow", id="html-served-as-robots"),
        pytest.param(
            b"User-agent: *\nContent-Usage: train-ai=n\n"
            b"License: https://e.org/l.xml\nDisallow: /x\n",
            "disallow",
            id="unknown-records-do-not-break",
        ),
    ],
)
def test_odd_bodies(body: bytes, value: str) -> None:
    robots = RobotsFile.from_fetch(200, body, None)
    assert robots.state == "parsed"
    assert robots.check("https://e.org/x", AGENT).value == value


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b"\xef\xbb", b"\xef"], ids=["3", "2", "1"])
def test_text_kept_for_unknown_records(bom: bytes) -> None:
    robots = parsed(bom + b"User-agent: *\nContent-Usage: train-ai=n\n")
    assert robots.text == "User-agent: *\nContent-Usage: train-ai=n\n"
    assert robots.records.values("*", "content-usage") == ("train-ai=n",)


def test_equal_inputs_give_equal_files() -> None:
    assert parsed("User-agent: *\nDisallow: /") == parsed("User-agent: *\nDisallow: /")


CROSS_CHECK = """\
User-agent: tdm-crawler
Disallow: /
Allow: /pub/
Disallow: /pub/*.pdf$
Allow: /pub/free/*.pdf$
Disallow: /pub/x$
Disallow: /%7Ehome/
Disallow: /a;b
Allow: /a;b/c=d
"""


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/a",
        "/pub/",
        "/pub/a.pdf",
        "/pub/a.pdf?x=1",
        "/pub/free/a.pdf",
        "/pub/x",
        "/pub/xy",
        "/index.html",
        "/~home/a",
        "/%7ehome/a",
        "/robots.txt",
        "/a;b",
        "/a%3Bb",
        "/a%3bb/x",
        "/a;b/c=d",
        "/a%3Bb/c%3Dd",
    ],
)
def test_value_agrees_with_protego(path: str) -> None:
    # Protego, as a test oracle only: where it follows RFC 9309 (it picks the right
    # group here, and the file avoids the index.html and literal-'$' extensions in which
    # it departs from the RFC, see tests/property/test_property_robots.py), it must agree.
    url = f"https://e.org{path}"
    expected = Protego.parse(CROSS_CHECK).can_fetch(url, AGENT)
    assert (parsed(CROSS_CHECK).check(url, AGENT).value == "allow") is expected
