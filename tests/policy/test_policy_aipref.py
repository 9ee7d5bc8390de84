"""IETF aipref Content-Usage and Cloudflare Content-Signal (protocols §4)."""

from __future__ import annotations

import json
import random
import time

import pytest

from tdm_crawler.policy.aipref import (
    content_signal_finding,
    content_signal_header_finding,
    content_usage_header_finding,
    content_usage_robots_finding,
    parse_signal,
    parse_usage,
    usage_reserves,
)
from tdm_crawler.policy.purposes import EVERY_PURPOSE, Purpose
from tdm_crawler.policy.robots_records import RobotsRecords
from tdm_crawler.policy.types import Finding, Reason

AGENT = "tdm-crawler"
#: The default purpose: the ``reserved`` columns below say whether it is reserved.
TRAINING = Purpose.AI_TRAINING


def check_shape(finding: Finding, protocol: str, source: str) -> None:
    (signal,) = finding.signals
    assert (signal.protocol, signal.source) == (protocol, source)
    assert signal.detail
    json.dumps(signal.to_json())


# ------------------------------------------------------------- the vocabulary

# (preference expression, explicit y/n preferences read, unreadable?)
USAGE_CASES = [
    pytest.param("train-ai=n, search=y", [("train-ai", "n"), ("search", "y")], False, id="basic"),
    pytest.param(
        "train-ai=y, search=n", [("train-ai", "y"), ("search", "n")], False, id="vocab-example"
    ),
    pytest.param(
        'train-ai=y, train-ai, search=n, search="n"', [], False, id="vocab-duplicates-all-unknown"
    ),
    pytest.param(
        "train-ai;allow=n, train-ai=y", [("train-ai", "y")], False, id="vocab-parameters-of-last"
    ),
    pytest.param('train-ai;has;parameters="?";', [], True, id="vocab-trailing-semicolon"),
    pytest.param("train-ai=n;q=1;x", [("train-ai", "n")], False, id="parameters-ignored"),
    pytest.param("train-ai=n, train-ai=y", [("train-ai", "y")], False, id="last-duplicate-wins"),
    pytest.param("train-ai=y, train-ai=n", [("train-ai", "n")], False, id="last-duplicate-wins-n"),
    pytest.param("Train-AI=n", [], True, id="labels-case-sensitive-uppercase-fails"),
    pytest.param("train-ai=N", [], False, id="token-N-unknown"),
    pytest.param("train-ai=no", [], False, id="token-no-unknown"),
    pytest.param("train-ai=?0", [], False, id="boolean-unknown"),
    pytest.param('train-ai="n"', [], False, id="string-unknown"),
    pytest.param("train-ai=(n)", [], False, id="inner-list-unknown"),
    pytest.param("train-ai=1", [], False, id="integer-unknown"),
    pytest.param(
        "x-future=n, train-ai=n",
        [("x-future", "n"), ("train-ai", "n")],
        False,
        id="unknown-label-kept-ignored",
    ),
    pytest.param("", [], False, id="empty"),
    pytest.param("train-ai=n,", [], True, id="trailing-comma"),
    pytest.param("train-ai=n search=y", [], True, id="missing-comma"),
    pytest.param("train-ai=n,,search=y", [], True, id="double-comma"),
    pytest.param("train-ai=n, caf\u00e9=y", [], True, id="non-ascii"),
    pytest.param("train-ai=n\x00", [], True, id="control-char"),
    # RFC 9651 §3.2 dictionary examples: valid, but no y/n preferences.
    pytest.param('en="Applepie", da=:w4ZibGV0w6ZydGU=:', [], False, id="rfc9651-strings-bytes"),
    pytest.param("a=?0, b, c; foo=bar", [], False, id="rfc9651-booleans"),
    pytest.param("rating=1.5, feelings=(joy sadness)", [], False, id="rfc9651-inner-list"),
    pytest.param("a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid", [], False, id="rfc9651-mixed"),
    pytest.param("foo=1, bar=2", [], False, id="rfc9651-combined-lines"),
    pytest.param("a=y;n=n, b=n", [("a", "y"), ("b", "n")], False, id="token-values"),
    # ai-train, Content Signals' spelling, is one key with train-ai: the member written
    # last wins, as for any duplicate key (ours).
    pytest.param("ai-train=n", [("train-ai", "n")], False, id="alias-read-as-train-ai"),
    pytest.param("ai-train=n, train-ai=y", [("train-ai", "y")], False, id="alias-then-label"),
    pytest.param("train-ai=y, ai-train=n", [("train-ai", "n")], False, id="label-then-alias"),
    pytest.param(
        "train-ai=y, ai-train=n, train-ai=y", [("train-ai", "y")], False, id="alias-between"
    ),
    pytest.param(
        'x="a, train-ai=y", ai-train=n, s=%"b, train-ai=y"',
        [("train-ai", "n")],
        False,
        id="alias-strings-hide-members",
    ),
    pytest.param("train-ai=n, ai-train=(y)", [], False, id="alias-last-unknown-makes-unknown"),
    pytest.param("Ai-Train=n", [], True, id="alias-case-sensitive"),
]


@pytest.mark.parametrize(("text", "prefs", "unreadable"), USAGE_CASES)
def test_parse_usage(text: str, prefs: list[tuple[str, str]], unreadable: bool) -> None:
    statement = parse_usage(text)
    assert list(statement.prefs) == prefs
    assert (statement.error is not None) == unreadable
    assert statement.describe()


TRAIN, MINE, INPUT, SEARCH = Purpose.AI_TRAINING, Purpose.TDM, Purpose.AI_INPUT, Purpose.SEARCH


@pytest.mark.parametrize(
    ("text", "reserved", "purposes"),
    [
        pytest.param("train-ai=n", ["train-ai=n"], {TRAIN}, id="train-ai"),
        pytest.param("ai-use=n", ["ai-use=n"], {INPUT}, id="ai-use"),
        pytest.param("search=n", ["search=n"], {SEARCH}, id="search-reserves-search-only"),
        pytest.param("train-genai=n", ["train-genai=n"], {TRAIN}, id="train-genai"),
        pytest.param("tdm=n", ["tdm=n"], EVERY_PURPOSE, id="tdm"),
        pytest.param("bots=n", ["bots=n"], EVERY_PURPOSE, id="bots"),
        pytest.param("ai=n", ["ai=n"], {TRAIN}, id="ai"),
        pytest.param("genai=n", ["genai=n"], {TRAIN}, id="genai"),
        pytest.param("all=n", ["all=n"], EVERY_PURPOSE, id="all"),
        pytest.param("ai-train=n", ["train-ai=n"], {TRAIN}, id="content-signal-spelling"),
        pytest.param("tdm=n, all=n", ["all=n", "tdm=n"], EVERY_PURPOSE, id="several-table-order"),
        pytest.param("ai-use=n, search=n", ["ai-use=n", "search=n"], {INPUT, SEARCH}, id="union"),
        pytest.param("ai-output=n, x=n", [], set(), id="unknown-labels-ignored"),
        pytest.param("train-ai=y, search=y", [], set(), id="allowed"),
    ],
)
def test_reserving_labels(text: str, reserved: list[str], purposes: set[Purpose]) -> None:
    found = usage_reserves([parse_usage(text)])
    assert (found.statements, found.purposes) == (reserved, purposes)


def test_statements_combine_most_restrictively() -> None:
    statements = [parse_usage("train-ai=y"), parse_usage("train-ai=n"), parse_usage("bad!")]
    assert usage_reserves(statements).statements == ["train-ai=n"]


@pytest.mark.parametrize(
    ("text", "parameters"),
    [
        pytest.param(
            "train-ai=n;exceptions=cc-cr",
            {"train-ai": {"exceptions": "cc-cr"}},
            id="cc-signals-exceptions",
        ),
        pytest.param(
            'train-ai=n;exceptions="cc-cr cc-dc", search=y',
            {"train-ai": {"exceptions": "cc-cr cc-dc"}},
            id="string-parameter",
        ),
        pytest.param(
            "ai-train=n;exceptions=cc-cr",
            {"train-ai": {"exceptions": "cc-cr"}},
            id="kept-under-the-canonical-label",
        ),
        pytest.param(
            'train-ai=n;a=1;b=1.5;c=?0;d=:AAE=:;e=@1;f=%"h"',
            {"train-ai": {"a": 1, "b": 1.5, "c": False, "d": ":AAE=:", "e": "@1", "f": "h"}},
            id="every-bare-item-as-json",
        ),
        pytest.param("train-ai=n", {}, id="none"),
        pytest.param("train-ai=no;exceptions=cc-cr", {}, id="not-a-preference-not-kept"),
    ],
)
def test_parameters_are_kept_and_change_nothing(
    text: str, parameters: dict[str, dict[str, object]]
) -> None:
    statement = parse_usage(text)
    value = statement.to_json()
    assert value["parameters"] == parameters
    assert json.loads(json.dumps(value)) == value
    plain = parse_usage(text.split(";", 1)[0])
    assert usage_reserves([statement]) == usage_reserves([plain])


# ----------------------------------------------------------- Content-Usage header

# (header fields, reserved, expected value, words in the detail)
HEADER_CASES = [
    pytest.param(
        ["train-ai=n"],
        True,
        "train-ai=n",
        ["reserved by train-ai=n (ai-training)"],
        id="attach-example",
    ),
    pytest.param(
        ["train-ai=y, search=n"],
        False,
        "train-ai=y, search=n",
        ["reserved by search=n (search)"],
        id="search-only",
    ),
    pytest.param(["train-ai=y"], False, "train-ai=y", ["no TDM reservation"], id="allowed"),
    pytest.param(["search=y", "train-ai=n"], True, "search=y, train-ai=n", [], id="lines-combined"),
    pytest.param(
        ["train-ai=n", "train-ai=y"], False, "train-ai=n, train-ai=y", [], id="later-line-overrides"
    ),
    pytest.param(
        ["train-ai=n", "oops!"],
        False,
        "train-ai=n, oops!",
        ["unreadable", "preferences unknown"],
        id="one-bad-line-spoils-field",
    ),
    pytest.param(["  train-ai=n  "], True, "train-ai=n", [], id="whitespace"),
    pytest.param([""], False, "", ["no y/n preference"], id="empty-field"),
]


@pytest.mark.parametrize(("fields", "reserved", "value", "words"), HEADER_CASES)
def test_content_usage_header(
    fields: list[str], reserved: bool, value: str, words: list[str]
) -> None:
    finding = content_usage_header_finding({"Content-Usage": fields})
    check_shape(finding, "content-usage", "header")
    assert finding.reserves_for(TRAINING) == (Reason.CONTENT_USAGE if reserved else None)
    assert finding.signals[0].value["field"] == value
    for word in words:
        assert word in finding.signals[0].detail


def test_content_usage_header_value() -> None:
    finding = content_usage_header_finding(
        {"content-usage": ["ai-train=n;exceptions=cc-cr, search=y", "x=1"]}
    )
    assert finding.signals[0].value == {
        "field": "ai-train=n;exceptions=cc-cr, search=y, x=1",
        "preferences": {"train-ai": "n", "search": "y"},
        "parameters": {"train-ai": {"exceptions": "cc-cr"}},
    }
    assert "train-ai=n (written ai-train) with exceptions=cc-cr" in finding.signals[0].detail
    assert finding.reserved_for == {TRAINING}


def test_content_usage_header_absent() -> None:
    finding = content_usage_header_finding({"content-type": ["text/html"]})
    check_shape(finding, "content-usage", "header")
    assert (finding.reserves, finding.signals[0].value) == (None, None)
    assert "no Content-Usage header" in finding.signals[0].detail


def test_huge_and_hostile_header_values() -> None:
    huge = "search=y, " * 100_000 + "train-ai=n"
    start = time.perf_counter()
    finding = content_usage_header_finding({"content-usage": [huge]})
    assert time.perf_counter() - start < 10
    assert finding.reserves is Reason.CONTENT_USAGE
    assert len(json.dumps(finding.signals[0].to_json())) < 5_000
    rng = random.Random(9651)
    alphabet = 'trainy-=n, ;?*()":@%\t\u00e9\x00'
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        check_shape(
            content_usage_header_finding({"content-usage": [text]}), "content-usage", "header"
        )
        check_shape(
            content_signal_header_finding({"content-signal": [text]}), "content-signal", "header"
        )


# ------------------------------------------------------ Content-Usage in robots.txt


def as_written(value: list[dict[str, object]]) -> list[str]:
    """A robots.txt signal's rules as the lines wrote them: ``PATH PREFS`` or ``PREFS``."""
    return [
        f"{rule['path']} {rule['field']}" if rule["path"] else str(rule["field"]) for rule in value
    ]


ATTACH_EXAMPLE = """\
User-Agent: *
Allow: /
Disallow: /never/
Content-Usage: / train-ai=n
Content-Usage: /ai-ok/ train-ai=y

User-Agent: ExampleBot
Allow: /
Content-Usage: / train-ai=y
"""

# (robots.txt, agent, path, reserved, expected value, words in the detail)
ROBOTS_CASES = [
    pytest.param(
        ATTACH_EXAMPLE,
        AGENT,
        "/test",
        True,
        ["/ train-ai=n"],
        ["group '*'"],
        id="attach-table-test",
    ),
    pytest.param(
        ATTACH_EXAMPLE,
        AGENT,
        "/never/test",
        False,
        [],
        ["Disallow /never/", "only crawlable"],
        id="attach-table-never",
    ),
    pytest.param(
        ATTACH_EXAMPLE,
        AGENT,
        "/ai-ok/test",
        False,
        ["/ai-ok/ train-ai=y"],
        [],
        id="attach-table-ai-ok",
    ),
    pytest.param(
        ATTACH_EXAMPLE,
        "ExampleBot",
        "/test",
        False,
        ["/ train-ai=y"],
        ["group 'examplebot'"],
        id="attach-examplebot",
    ),
    pytest.param(
        "User-Agent: *\nAllow: /\nContent-Usage: / train-ai=n\n",
        AGENT,
        "/x",
        True,
        ["/ train-ai=n"],
        [],
        id="attach-intro",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: train-ai=n\n",
        AGENT,
        "/x",
        True,
        ["train-ai=n"],
        ["(no path) train-ai=n"],
        id="no-path-applies-everywhere",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: train-ai=n\nContent-Usage: / train-ai=y\n",
        AGENT,
        "/x",
        False,
        ["/ train-ai=y"],
        [],
        id="explicit-root-longer-than-no-path",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: / train-ai=y\nContent-Usage: train-ai=n\n",
        AGENT,
        "/x",
        False,
        ["/ train-ai=y"],
        [],
        id="explicit-root-wins-whatever-the-order",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: train-ai=n\nContent-Usage: /a/ train-ai=y\n",
        AGENT,
        "/b",
        True,
        ["train-ai=n"],
        [],
        id="no-path-where-no-path-rule-matches",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: train-ai=y\nContent-Usage: search=y, train-ai=n\n",
        AGENT,
        "/b",
        True,
        ["train-ai=y", "search=y, train-ai=n"],
        [],
        id="no-path-lines-combine-most-restrictively",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /\nAllow: /open\nContent-Usage: train-ai=n\n",
        AGENT,
        "/closed",
        False,
        [],
        ["only crawlable"],
        id="no-path-only-for-crawlable-paths",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /a ai-train=n\nContent-Usage: /a train-ai=y\n",
        AGENT,
        "/a",
        True,
        ["/a ai-train=n", "/a train-ai=y"],
        ["train-ai=n (written ai-train)"],
        id="alias-in-separate-lines-combine",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /a train-ai=y\nContent-Usage: /a train-ai=n\n",
        AGENT,
        "/a/1",
        True,
        ["/a train-ai=y", "/a train-ai=n"],
        [],
        id="equal-paths-most-restrictive",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /a train-ai=y\nContent-Usage: /a search=n\n",
        AGENT,
        "/a/1",
        False,
        ["/a train-ai=y", "/a search=n"],
        ["reserved by search=n (search)"],
        id="equal-paths-no-training-n",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: / train-ai=n\nContent-Usage: /a/ Train-AI=y\n",
        AGENT,
        "/a/x",
        False,
        ["/a/ Train-AI=y"],
        ["unreadable"],
        id="unreadable-longest-is-unknown",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /*.pdf$ train-ai=n\n",
        AGENT,
        "/d/x.pdf",
        True,
        ["/*.pdf$ train-ai=n"],
        [],
        id="wildcard-path",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /*.pdf$ train-ai=n\n",
        AGENT,
        "/d/x.html",
        False,
        [],
        ["no Content-Usage path matches"],
        id="wildcard-miss",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /a\ttrain-ai=n\n",
        AGENT,
        "/a",
        True,
        ["/a train-ai=n"],
        [],
        id="tab-separator",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: /a\n",
        AGENT,
        "/a",
        False,
        ["/a "],
        ["no y/n preference"],
        id="path-without-prefs",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: / train-ai=n # no AI\n",
        AGENT,
        "/",
        True,
        ["/ train-ai=n"],
        [],
        id="comment",
    ),
    pytest.param(
        "CONTENT-USAGE: / train-ai=n\nUser-agent: *\nAllow: /\n",
        AGENT,
        "/",
        False,
        [],
        ["no Content-Usage rules"],
        id="before-any-group-ignored",
    ),
    pytest.param(
        "User-agent: tdm-crawler\nAllow: /\nUser-agent: *\nContent-Usage: train-ai=n\n",
        AGENT,
        "/",
        False,
        [],
        ["group 'tdm-crawler': no Content-Usage rules"],
        id="own-group-wins-over-star",
    ),
    pytest.param(
        "User-agent: TDM-Crawler\nContent-usage: tdm=n\n",
        AGENT,
        "/",
        True,
        ["tdm=n"],
        [],
        id="own-group-case-insensitive",
    ),
    pytest.param(
        "User-agent: other\nContent-Usage: train-ai=n\n",
        AGENT,
        "/",
        False,
        [],
        ["no robots.txt group applies"],
        id="no-applicable-group",
    ),
    pytest.param(
        "User-agent: *\nContent-Usage: / search=n\n",
        AGENT,
        "/",
        False,
        ["/ search=n"],
        ["reserved by search=n (search)"],
        id="search-only",
    ),
    pytest.param("", AGENT, "/", False, [], ["no robots.txt group applies"], id="empty-robots"),
]


@pytest.mark.parametrize(("text", "agent", "path", "reserved", "value", "words"), ROBOTS_CASES)
def test_content_usage_robots(
    text: str, agent: str, path: str, reserved: bool, value: list[str], words: list[str]
) -> None:
    records = RobotsRecords.parse(text)
    finding = content_usage_robots_finding(records, f"https://e.org{path}", agent)
    check_shape(finding, "content-usage", "robots.txt")
    assert finding.reserves_for(TRAINING) == (Reason.CONTENT_USAGE if reserved else None)
    assert as_written(finding.signals[0].value) == value
    for word in words:
        assert word in finding.signals[0].detail


def test_records_stay_small() -> None:
    many_keys = ", ".join(f"k{i}=y" for i in range(50_000)) + ", train-ai=n"
    header = content_usage_header_finding({"content-usage": [many_keys]})
    assert header.reserves is Reason.CONTENT_USAGE
    assert len(json.dumps(header.signals[0].to_json())) < 5_000
    same_path = "".join(f"Content-Usage: /a k{i}=y\n" for i in range(5_000))
    records = RobotsRecords.parse("User-agent: *\n" + same_path + "Content-Usage: /a tdm=n\n")
    finding = content_usage_robots_finding(records, "https://e.org/a", AGENT)
    assert finding.reserves is Reason.CONTENT_USAGE
    assert len(finding.signals[0].value) == 20
    assert "and 4981 more rules of the same length" in finding.signals[0].detail
    assert len(json.dumps(finding.signals[0].to_json())) < 10_000


def test_many_content_usage_rules_stay_fast() -> None:
    rules = "".join(f"Content-Usage: /p{i}/ train-ai=y\n" for i in range(100_000))
    text = "User-agent: *\n" + rules + "Content-Usage: / train-ai=n\n" + "# pad\n" * 500_000
    records = RobotsRecords.parse(text)
    start = time.perf_counter()
    for number in range(500):
        finding = content_usage_robots_finding(records, f"https://e.org/q{number}", AGENT)
        assert finding.reserves is Reason.CONTENT_USAGE
    assert content_usage_robots_finding(records, "https://e.org/p7/x", AGENT).reserves is None
    assert time.perf_counter() - start < 20


# --------------------------------------------------------------- Content-Signal


@pytest.mark.parametrize(
    ("text", "prefs"),
    [
        pytest.param(
            "search=yes, ai-train=no, ai-input=yes",
            [("search", "yes"), ("ai-train", "no"), ("ai-input", "yes")],
            id="cloudflare-example",
        ),
        pytest.param("search=yes,ai-train=no", [("search", "yes"), ("ai-train", "no")], id="tight"),
        pytest.param("AI-Train = No", [("ai-train", "no")], id="case-and-spaces"),
        pytest.param("ai-train=no, ai-train=yes", [("ai-train", "no")], id="duplicate-keeps-no"),
        pytest.param("ai-train, ai-train=maybe, =no", [], id="not-pairs"),
        pytest.param(
            "search=yes, use=reference", [("search", "yes"), ("use", "reference")], id="use"
        ),
        pytest.param("use=full, use=immediate", [("use", "immediate")], id="use-most-restrictive"),
        pytest.param("use=reference, use=full", [("use", "reference")], id="use-reference-kept"),
        pytest.param("Use = Immediate", [("use", "immediate")], id="use-case-and-spaces"),
        pytest.param("use=yes, search=full, use=", [], id="values-of-the-other-kind"),
        pytest.param("", [], id="empty"),
    ],
)
def test_parse_signal(text: str, prefs: list[tuple[str, str]]) -> None:
    assert list(parse_signal(text).prefs) == prefs


CLOUDFLARE = """\
# As a condition of accessing this website, you agree to abide by the content signals.
User-Agent: *
Content-Signal: search=yes,ai-train=no
Allow: /
"""

# (robots.txt, path, reserved, words in the detail)
SIGNAL_ROBOTS_CASES = [
    pytest.param(
        CLOUDFLARE, "/x", True, ["reserved by ai-train=no (ai-training)"], id="cloudflare-managed"
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: search=yes, ai-train=yes, ai-input=no\n",
        "/x",
        False,
        ["reserved by ai-input=no (ai-input)"],
        id="ai-input-no-reserves-ai-input-only",
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: /blog/ ai-train=no\n", "/blog/a", True, [], id="path-match"
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: /blog/ ai-train=no\n",
        "/shop",
        False,
        ["no Content-Signal path matches"],
        id="path-miss",
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: ai-train=no\nContent-Signal: /open/ ai-train=yes\n",
        "/open/1",
        False,
        [],
        id="longest-path-wins",
    ),
    pytest.param(
        "User-agent: *\nDisallow: /x\nContent-Signal: ai-train=no\n",
        "/x",
        True,
        [],
        id="not-tied-to-crawlable",
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: ai-train\n",
        "/",
        False,
        ["no key=yes|no or use= pair"],
        id="garbage",
    ),
    pytest.param(
        "User-agent: GPTBot\nContent-Signal: ai-train=no\n",
        "/",
        False,
        ["no robots.txt group applies"],
        id="other-group",
    ),
    pytest.param(
        "Content-Signal: ai-train=no\nUser-agent: *\nAllow: /\n",
        "/x",
        True,
        ["group '*': Content-Signal global (no path) ai-train=no"],
        id="global-line-before-any-group",
    ),
    pytest.param(
        "Content-Signal: ai-train=no\nUser-agent: GPTBot\nDisallow: /\n",
        "/x",
        True,
        ["no robots.txt group applies to 'tdm-crawler': Content-Signal global"],
        id="global-line-without-our-group",
    ),
    pytest.param(
        "Content-Signal: /g/ ai-train=no\nUser-agent: *\nContent-Signal: ai-train=yes\n",
        "/g/1",
        True,
        [],
        id="global-path-longer-than-group-line",
    ),
    pytest.param(
        "Content-Signal: /g/ ai-train=no\nUser-agent: *\nContent-Signal: ai-train=yes\n",
        "/h",
        False,
        [],
        id="global-path-miss",
    ),
    pytest.param(
        "Content-Signal: ai-train=no\nUser-agent: *\nContent-Signal: ai-train=yes\n",
        "/h",
        True,
        [],
        id="global-and-group-of-equal-length-combine",
    ),
    pytest.param(
        "Content-Signal: ai-train=no\nUser-agent: *\nContent-Signal: / ai-train=yes\n",
        "/h",
        False,
        [],
        id="group-explicit-root-longer-than-global-no-path",
    ),
    pytest.param(
        "User-agent: GPTBot\nDisallow: /\n\nContent-Signal: ai-train=no\n",
        "/x",
        False,
        ["no robots.txt group applies"],
        id="after-a-group-belongs-to-it",
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: use=reference, ai-train=yes\n",
        "/x",
        True,
        ["reserved by use=reference (every purpose)"],
        id="use-reference",
    ),
    pytest.param(
        "User-agent: *\nContent-Signal: use=full, ai-train=yes\n",
        "/x",
        False,
        [],
        id="use-full",
    ),
]


@pytest.mark.parametrize(("text", "path", "reserved", "words"), SIGNAL_ROBOTS_CASES)
def test_content_signal_robots(text: str, path: str, reserved: bool, words: list[str]) -> None:
    finding = content_signal_finding(RobotsRecords.parse(text), f"https://e.org{path}", AGENT)
    check_shape(finding, "content-signal", "robots.txt")
    assert finding.reserves_for(TRAINING) == (Reason.CONTENT_SIGNAL if reserved else None)
    for word in words:
        assert word in finding.signals[0].detail


@pytest.mark.parametrize(
    ("fields", "purposes"),
    [
        pytest.param(["search=yes, ai-train=no"], {TRAIN}, id="no"),
        pytest.param(["ai-train=yes", "ai-train=no"], {TRAIN}, id="any-line-no"),
        pytest.param(["ai-train=yes, search=no"], {SEARCH}, id="search-no"),
        pytest.param(["ai-input=no", "search=no"], {INPUT, SEARCH}, id="lines-combine"),
        pytest.param(["ai-train=yes, search=yes, ai-input=yes"], set(), id="yes"),
        pytest.param(["nonsense"], set(), id="garbage"),
        pytest.param(["use=immediate"], EVERY_PURPOSE, id="use-immediate"),
        pytest.param(["search=yes", "use=reference"], EVERY_PURPOSE, id="use-reference"),
        pytest.param(["use=full, search=yes"], set(), id="use-full"),
    ],
)
def test_content_signal_header(fields: list[str], purposes: set[Purpose]) -> None:
    finding = content_signal_header_finding({"Content-Signal": fields})
    check_shape(finding, "content-signal", "header")
    assert finding.reserves == (Reason.CONTENT_SIGNAL if purposes else None)
    assert finding.reserved_for == purposes


def test_content_signal_header_value() -> None:
    finding = content_signal_header_finding({"content-signal": ["search=yes", "use=reference"]})
    assert finding.signals[0].value == [
        {"field": "search=yes", "preferences": {"search": "yes"}, "parameters": {}},
        {"field": "use=reference", "preferences": {"use": "reference"}, "parameters": {}},
    ]


def test_robots_value_says_path_and_where() -> None:
    records = RobotsRecords.parse(
        "Content-Signal: ai-train=no\nUser-agent: *\nContent-Usage: / train-ai=n;exceptions=cc-cr\n"
    )
    usage = content_usage_robots_finding(records, "https://e.org/x", AGENT)
    assert usage.signals[0].value == [
        {
            "path": "/",
            "global": False,
            "field": "train-ai=n;exceptions=cc-cr",
            "preferences": {"train-ai": "n"},
            "parameters": {"train-ai": {"exceptions": "cc-cr"}},
        }
    ]
    signal = content_signal_finding(records, "https://e.org/x", AGENT)
    assert signal.signals[0].value == [
        {
            "path": None,
            "global": True,
            "field": "ai-train=no",
            "preferences": {"ai-train": "no"},
            "parameters": {},
        }
    ]


def test_content_signal_header_absent() -> None:
    finding = content_signal_header_finding({})
    check_shape(finding, "content-signal", "header")
    assert (finding.reserves, finding.signals[0].value) == (None, None)


def test_garbage_robots_never_raises() -> None:
    rng = random.Random(4)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1500)))
        text = "User-agent: *\n" + raw.decode("utf-8", errors="replace")
        text += "\nContent-Usage: /\xe9 train-ai=n\nContent-Signal: ai-train=no\n"
        records = RobotsRecords.parse(text)
        for url in ("https://e.org/", "https://e.org/%zz?\x00", "https://e.org/\u00e9"):
            check_shape(
                content_usage_robots_finding(records, url, AGENT), "content-usage", "robots.txt"
            )
            check_shape(content_signal_finding(records, url, AGENT), "content-signal", "robots.txt")
