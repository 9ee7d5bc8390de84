"""/.well-known/tdmrep.json: fetch outcomes, parsing and rule order (§2.1)."""

from __future__ import annotations

import json
import re
from typing import NoReturn

import pytest

from tdm_crawler.policy import TdmProps, TdmRepFile

FILE_URL = "https://e.org/.well-known/tdmrep.json"
P1 = "https://e.org/policy.json"
P2 = "https://e.org/other-policy.json"


def load(data: object) -> TdmRepFile:
    return TdmRepFile.from_fetch(200, json.dumps(data).encode(), None, url=FILE_URL)


def props_for(file: TdmRepFile, url: str) -> TdmProps | None:
    rule = file.match(url)
    return None if rule is None else rule.props


# (status, body, error, expected state)
STATUS_CASES = [
    pytest.param(200, b"[]", None, "rules", id="200-empty-array"),
    pytest.param(203, b"[]", None, "rules", id="203-is-2xx"),
    pytest.param(404, b"<html>nope</html>", None, "absent", id="404-absent"),
    pytest.param(410, None, None, "absent", id="410-absent"),
    pytest.param(403, None, None, "absent", id="403-absent"),
    pytest.param(401, None, None, "absent", id="401-absent"),
    pytest.param(429, None, None, "unreachable", id="429-unreachable"),
    pytest.param(500, None, None, "unreachable", id="500-unreachable"),
    pytest.param(503, b"[]", None, "unreachable", id="503-body-ignored"),
    pytest.param(301, None, None, "unreachable", id="3xx-chain-not-completed"),
    pytest.param(None, None, "timeout", "unreachable", id="network-error"),
    pytest.param(200, None, None, "invalid", id="200-no-body"),
]


@pytest.mark.parametrize(("status", "body", "error", "state"), STATUS_CASES)
def test_status_handling(
    status: int | None, body: bytes | None, error: str | None, state: str
) -> None:
    file = TdmRepFile.from_fetch(status, body, error, url=FILE_URL)
    assert file.state == state
    assert file.status == status
    if state != "rules":
        assert file.rules == ()


def test_network_error_message_in_detail() -> None:
    file = TdmRepFile.from_fetch(None, None, "DNS lookup failed", url=FILE_URL)
    assert "DNS lookup failed" in file.detail


def test_too_large_is_unreachable() -> None:
    body = json.dumps([{"location": "/", "tdm-reservation": 1}]).encode()
    file = TdmRepFile.from_fetch(200, body, None, url=FILE_URL, max_bytes=len(body) - 1)
    assert file.state == "unreachable"
    assert "larger than" in file.detail
    assert (
        TdmRepFile.from_fetch(200, body, None, url=FILE_URL, max_bytes=len(body)).state == "rules"
    )


# (body, fragment of the detail)
INVALID_CASES = [
    pytest.param(
        b'{"location": "/", "tdm-reservation": 1}', "top level is an object", id="object-not-array"
    ),
    pytest.param(b'"[]"', "top level is a string", id="string"),
    pytest.param(b"null", "top level is null", id="null"),
    pytest.param(
        b"<!DOCTYPE html><html><body>Not found</body></html>", "an HTML page", id="html-page"
    ),
    pytest.param(b"  \n<html>", "an HTML page", id="html-after-whitespace"),
    pytest.param(b'[{"location": "/"', "not valid JSON", id="truncated-json"),
    pytest.param(b"", "not valid JSON", id="empty-body"),
    pytest.param(b'[{"location": "/caf\xe9"}]', "not UTF-8", id="latin-1-body"),
    pytest.param(b"\xff\xfe[\x00]\x00", "not UTF-8", id="utf-16-body"),
    pytest.param(b"[" * 100_000, "not valid JSON", id="deeply-nested"),
]


@pytest.mark.parametrize(("body", "detail"), INVALID_CASES)
def test_invalid_files_contribute_nothing(body: bytes, detail: str) -> None:
    file = TdmRepFile.from_fetch(200, body, None, url=FILE_URL)
    assert file.state == "invalid"
    assert detail in file.detail
    assert file.match("https://e.org/") is None
    signal = file.signal("https://e.org/")
    assert signal.value is None
    assert signal.detail.startswith("invalid tdmrep.json")


def test_utf8_bom_allowed() -> None:
    body = b"\xef\xbb\xbf" + json.dumps([{"location": "/", "tdm-reservation": 1}]).encode()
    file = TdmRepFile.from_fetch(200, body, None, url=FILE_URL)
    assert file.state == "rules"
    assert props_for(file, "https://e.org/x") == TdmProps(1)


def test_content_type_is_not_consulted() -> None:
    # from_fetch takes no Content-Type at all: a JSON array served as text/plain parses.
    assert load([{"location": "/", "tdm-reservation": 0}]).state == "rules"


# (rules, url, expected props of the matched rule, or None for no match)
RULE_CASES = [
    pytest.param(
        [{"location": "/premium/", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}],
        "https://e.org/premium/a",
        TdmProps(1),
        id="first-match-specific-first",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 0}, {"location": "/premium/", "tdm-reservation": 1}],
        "https://e.org/premium/a",
        TdmProps(0),
        id="first-match-wins-not-most-specific",
    ),
    pytest.param(
        [{"location": "/premium/", "tdm-reservation": 1}],
        "https://e.org/premium",
        None,
        id="no-match-unset",
    ),
    pytest.param(
        [{"location": "/a?lang=fr", "tdm-reservation": 1}],
        "https://e.org/a?lang=fr&x=1",
        TdmProps(1),
        id="query-matched",
    ),
    pytest.param(
        [{"location": "/a", "tdm-reservation": 1, "tdm-policy": P1}],
        "https://e.org/a",
        TdmProps(1, P1),
        id="policy-kept-with-1",
    ),
    pytest.param(
        [{"location": "/a", "tdm-reservation": 0, "tdm-policy": P1}],
        "https://e.org/a",
        TdmProps(0),
        id="policy-ignored-with-0",
    ),
    pytest.param(
        [{"tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}],
        "https://e.org/a",
        TdmProps(0),
        id="rule-without-location-skipped",
    ),
    pytest.param(
        [{"location": "premium", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}],
        "https://e.org/premium",
        TdmProps(0),
        id="relative-location-skipped",
    ),
    pytest.param(
        [{"location": "*", "tdm-reservation": 1}, {"location": "/", "tdm-reservation": 0}],
        "https://e.org/premium",
        TdmProps(0),
        id="star-location-skipped",
    ),
    pytest.param(
        [
            {"location": 7, "tdm-reservation": 1},
            "/x",
            None,
            [],
            {"location": "/", "tdm-reservation": 1},
        ],
        "https://e.org/x",
        TdmProps(1),
        id="non-objects-skipped",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 2}, {"location": "/", "tdm-reservation": 1}],
        "https://e.org/a",
        TdmProps(None),
        id="invalid-2-unset-but-still-matches-first",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": "1"}],
        "https://e.org/a",
        TdmProps(None),
        id="string-1-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": True}],
        "https://e.org/a",
        TdmProps(None),
        id="true-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 1.0}],
        "https://e.org/a",
        TdmProps(None),
        id="float-1-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": None}],
        "https://e.org/a",
        TdmProps(None),
        id="null-unset",
    ),
    pytest.param(
        [{"location": "/"}], "https://e.org/a", TdmProps(None), id="missing-reservation-unset"
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 1, "tdm-policy": "policy.json"}],
        "https://e.org/a",
        TdmProps(1),
        id="relative-policy-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 1, "tdm-policy": "ftp://e.org/p"}],
        "https://e.org/a",
        TdmProps(1),
        id="ftp-policy-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 1, "tdm-policy": ["https://e.org/p"]}],
        "https://e.org/a",
        TdmProps(1),
        id="list-policy-unset",
    ),
    pytest.param(
        [{"location": "/", "tdm-reservation": 2, "tdm-policy": P1}],
        "https://e.org/a",
        TdmProps(None, P1),
        id="policy-kept-when-reservation-invalid",
    ),
    pytest.param(
        [{"location": "/%7Euser/", "tdm-reservation": 1}],
        "https://e.org/~user/page",
        TdmProps(1),
        id="escaped-location",
    ),
]


@pytest.mark.parametrize(("rules", "url", "expected"), RULE_CASES)
def test_rule_matching(rules: list[object], url: str, expected: TdmProps | None) -> None:
    assert props_for(load(rules), url) == expected


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        pytest.param(
            [{"tdm-reservation": 1}], "rule 1 skipped: no string 'location'", id="no-location"
        ),
        pytest.param([5], "rule 1 skipped: not an object", id="not-object"),
        pytest.param(
            [{"location": "/", "tdm-reservation": 1}, {"location": "x"}],
            "rule 2 skipped: location \"x\" does not start with '/'".replace('"', "'"),
            id="relative",
        ),
        pytest.param(
            [{"location": "/", "tdm-reservation": "1"}],
            'rule 1: tdm-reservation "1" is invalid',
            id="string",
        ),
        pytest.param(
            [{"location": "/", "tdm-reservation": 2}],
            "rule 1: tdm-reservation 2 is invalid",
            id="two",
        ),
        pytest.param(
            [{"location": "/"}], "rule 1: tdm-reservation missing is invalid", id="missing"
        ),
        pytest.param(
            [{"location": "/", "tdm-reservation": 1, "tdm-policy": "x"}],
            'rule 1: tdm-policy "x" is not an http(s) URL',
            id="bad-policy",
        ),
    ],
)
def test_problems_name_the_rule(rules: list[object], problem: str) -> None:
    problems = load(rules).problems
    assert any(line.startswith(problem) for line in problems), problems


def test_rule_index_counts_skipped_entries() -> None:
    file = load([{"nope": 1}, {"location": "/a", "tdm-reservation": 1}])
    rule = file.match("https://e.org/a")
    assert rule is not None
    assert rule.index == 2
    assert file.detail == "tdmrep.json: 1 rule, 1 skipped"


@pytest.mark.parametrize(
    ("file", "url", "value", "detail"),
    [
        pytest.param(
            load(
                [
                    {"location": "/free"},
                    {"location": "/premium", "tdm-reservation": 1, "tdm-policy": P1},
                ]
            ),
            "https://e.org/premium/x",
            {"tdm-reservation": 1, "tdm-policy": P1},
            "rule 2 (location '/premium') matched",
            id="matched",
        ),
        pytest.param(
            load([{"location": "/premium", "tdm-reservation": 1}]),
            "https://e.org/free?x=1",
            None,
            "no rule matches '/free?x=1'",
            id="no-match",
        ),
        pytest.param(
            TdmRepFile.from_fetch(404, None, None, url=FILE_URL),
            "https://e.org/x",
            None,
            "no tdmrep.json (404)",
            id="absent",
        ),
        pytest.param(
            load({"location": "/"}),
            "https://e.org/x",
            None,
            "invalid tdmrep.json: top level is an object, not an array",
            id="object",
        ),
        pytest.param(
            TdmRepFile.from_fetch(503, None, None, url=FILE_URL),
            "https://e.org/x",
            None,
            f"{FILE_URL} unreachable: HTTP 503",
            id="unreachable",
        ),
    ],
)
def test_signal(file: TdmRepFile, url: str, value: object, detail: str) -> None:
    signal = file.signal(url)
    assert (signal.protocol, signal.source, signal.value) == ("tdmrep", "file", value)
    assert signal.detail == detail


def test_signal_detail_includes_the_matched_rules_problems() -> None:
    signal = load([{"location": "/", "tdm-reservation": "1"}]).signal("https://e.org/")
    assert signal.value == {"tdm-reservation": None, "tdm-policy": None}
    assert 'tdm-reservation "1" is invalid' in signal.detail


def test_equal_inputs_give_equal_files() -> None:
    rules = [{"location": "/a*", "tdm-reservation": 1}]
    assert load(rules) == load(rules)


def test_rules_are_not_compiled_to_regexes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a file's rules compiles no regex: 100 000 rules once cost seconds of
    re.compile on the event loop (fixed in policy/pathmatch.py)."""

    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise AssertionError("re.compile called while reading tdmrep.json")

    body = json.dumps([{"location": f"/r/{i}/*.html$"} for i in range(1000)]).encode()
    monkeypatch.setattr(re, "compile", refuse)
    tdmrep = TdmRepFile.from_fetch(200, body, None, url=FILE_URL)
    assert len(tdmrep.rules) == 1000
    assert tdmrep.match("https://e.org/r/999/x.html") is tdmrep.rules[-1]
