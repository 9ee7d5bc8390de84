"""The other opt-out readers: aipref / Content-Signal, Link headers, RSL, TDM policies,
robots.txt records. None raises on any input; what a generated statement says is read
back."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy import RobotsFile, parse_policy, parse_rsl, rsl_links_from_headers
from tdm_crawler.policy.aipref import (
    content_signal_finding,
    content_signal_header_finding,
    content_usage_header_finding,
    content_usage_robots_finding,
    parse_signal,
    parse_usage,
    usage_reserves,
)
from tdm_crawler.policy.links import parse_link_header
from tdm_crawler.policy.purposes import DEFAULT_PROFILE, VOCABULARIES, Purpose, reserved_purposes
from tdm_crawler.policy.robots_records import RobotsRecords
from tdm_crawler.policy.rsl import rsl_finding
from tdm_crawler.policy.types import Reason

URL = "https://e.org/dir/page.html?q=1"

# --- aipref and Content-Signal ------------------------------------------------------------

#: The labels of the aipref purpose table (every one reserves on ``n``), in table order.
RESERVING_LABELS = [text.removesuffix("=n") for text in VOCABULARIES["aipref"].statements]
LABELS = st.sampled_from([*RESERVING_LABELS, "Train-AI", "x"])
PREF_VALUES = st.sampled_from(["y", "n", "Y", "?1", "maybe", '"n"', "n;q=1"])


@given(st.text(max_size=80))
def test_usage_and_signal_never_raise(text: str) -> None:
    for statement in (parse_usage(text), parse_signal(text)):
        assert statement.text == text
        statement.describe()
    headers = {"content-usage": [text], "Content-Signal": [text, text]}
    content_usage_header_finding(headers)
    content_signal_header_finding(headers)


@given(st.lists(st.tuples(LABELS, PREF_VALUES), min_size=1, max_size=5))
@example([("train-ai", "y"), ("train-ai", "n")])
def test_usage_reads_back_a_dictionary(pairs: list[tuple[str, str]]) -> None:
    """RFC 9651 dictionary: lower-case keys only, last duplicate wins, parameters ignored;
    only the tokens y and n are preferences."""
    text = ", ".join(f"{key}={value}" for key, value in pairs)
    statement = parse_usage(text)
    if any(not key.islower() and key.lower() != key for key, _ in pairs) or any(
        value in ("Y", "maybe") for _, value in pairs
    ):
        return  # not a valid Structured Field: covered by test_usage_and_signal_never_raise
    last = dict(pairs)
    expected = {k: v.split(";")[0] for k, v in last.items() if v.split(";")[0] in ("y", "n")}
    assert dict(statement.prefs) == expected
    reserved = usage_reserves([statement]).statements
    assert reserved == [f"{label}=n" for label in RESERVING_LABELS if expected.get(label) == "n"]


@given(st.lists(st.tuples(LABELS, st.sampled_from(["yes", "no", "YES", " no ", "x"])), max_size=5))
def test_signal_most_restrictive_wins(pairs: list[tuple[str, str]]) -> None:
    statement = parse_signal(", ".join(f"{key}={value}" for key, value in pairs))
    said: dict[str, list[str]] = {key.lower(): [] for key, _ in pairs}
    for key, value in pairs:
        if value.strip().lower() in ("yes", "no"):
            said[key.lower()].append(value.strip().lower())
    expected = {k: ("no" if "no" in v else "yes") for k, v in said.items() if v}
    assert dict(statement.prefs) == expected


# --- Link headers -------------------------------------------------------------------------

TARGETS = st.sampled_from(["https://e.org/l.xml", "/rel.xml", "l,1.xml", "https://x.org/a;b"])
PARAM_VALUES = st.sampled_from(["license", '"license"', '"a, b"', "application/rsl+xml", '"x\\"y"'])


@given(st.text(max_size=120))
def test_link_header_never_raises(value: str) -> None:
    for target, params in parse_link_header(value):
        assert isinstance(target, str) and all(k == k.lower() for k in params)
    rsl_links_from_headers({"Link": [value], "link": [value]}, URL)


@given(
    st.lists(
        st.tuples(
            TARGETS,
            st.lists(st.tuples(st.sampled_from(["rel", "type", "X"]), PARAM_VALUES), max_size=3),
        ),
        max_size=4,
    )
)
def test_link_header_reads_back_links(links: list[tuple[str, list[tuple[str, str]]]]) -> None:
    value = ", ".join(
        f"<{target}>" + "".join(f"; {name}={param}" for name, param in params)
        for target, params in links
    )
    parsed = parse_link_header(value)
    assert [target for target, _ in parsed] == [target for target, _ in links]
    for (_, got), (_, params) in zip(parsed, links, strict=True):
        first: dict[str, str] = {}
        for name, param in params:
            unquoted = param[1:-1].replace('\\"', '"') if param.startswith('"') else param
            first.setdefault(name.lower(), unquoted)
        assert got == first


# --- RSL and TDM policies -----------------------------------------------------------------

XMLISH = st.lists(
    st.sampled_from(
        [
            b"<rsl xmlns='https://rslstandard.org/rsl'>",
            b"<rsl>",
            b"</rsl>",
            b"<content url='/'>",
            b"<content url='https://e.org/dir/*'>",
            b"</content>",
            b"<license>",
            b"</license>",
            b"<prohibits type='usage'>ai-train</prohibits>",
            b"<permits>all</permits>",
            b"<payment type='purchase'/>",
            b"<!DOCTYPE r [<!ENTITY e 'x'>]>",
            b"&e;",
            b"<",
            b"\x00",
        ]
    )
    | st.binary(max_size=6),
    max_size=16,
).map(b"".join)


@given(XMLISH | st.binary(max_size=256))
def test_rsl_never_raises(body: bytes) -> None:
    doc = parse_rsl(body, url="https://e.org/license.xml", max_bytes=4096)
    finding = rsl_finding(doc, URL, source="link", profile=DEFAULT_PROFILE)
    assert finding.reserves in (None, Reason.RSL)


#: The RSL usage values that grant each purpose when listed in an exhaustive <permits>.
_GRANTING = {
    Purpose.AI_TRAINING: {"all", "ai-all", "ai-train", "train-ai"},
    Purpose.TDM: {"all"},
    Purpose.AI_INPUT: {"all", "ai-all", "ai-input", "ai-use"},
    Purpose.SEARCH: {"all", "search"},
}


def _not_granted_by(usage: str) -> frozenset[Purpose]:
    return frozenset(purpose for purpose, values in _GRANTING.items() if usage not in values)


@given(st.sampled_from([*VOCABULARIES["rsl"].statements, "ai-training"]), st.booleans())
def test_rsl_prohibition_reserves(usage: str, prohibit: bool) -> None:
    """A prohibited usage reserves what the purpose table says; a permits list of one
    usage reserves every purpose that usage does not grant (it is exhaustive)."""
    element = "prohibits" if prohibit else "permits"
    body = (
        "<rsl xmlns='https://rslstandard.org/rsl'><content url='/dir/'><license>"
        f"<{element} type='usage'>{usage}</{element}></license></content></rsl>"
    ).encode()
    finding = rsl_finding(
        parse_rsl(body, url="https://e.org/l.xml"), URL, source="link", profile=DEFAULT_PROFILE
    )
    purposes = reserved_purposes("rsl", usage) if prohibit else _not_granted_by(usage)
    assert (finding.reserves, finding.reserved_for) == (Reason.RSL if purposes else None, purposes)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@type",
                    "permission",
                    "action",
                    "assigner",
                    "duty",
                    "uid",
                    "@graph",
                    "constraint",
                    "profile",
                    "fn",
                    "hasEmail",
                    "x",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)


@given(JSON)
def test_policy_never_raises_on_any_json(data: Any) -> None:
    parse_policy(json.dumps(data).encode(), url="https://e.org/p.json").to_json()


@given(st.binary(max_size=256))
def test_policy_never_raises_on_any_bytes(body: bytes) -> None:
    parse_policy(body, url="https://e.org/p.json").to_json()


# --- robots.txt records -------------------------------------------------------------------

ROBOTS_LINES = st.lists(
    st.sampled_from(
        [
            "User-agent: *",
            "User-agent: tdm-crawler",
            "User-agent: GPTBot",
            "Disallow: /dir/",
            "Allow: /dir/page",
            "Content-Usage: train-ai=n",
            "Content-Usage: /dir/ train-ai=y",
            "Content-Signal: ai-train=no",
            "License: https://e.org/l.xml",
            "Sitemap: /s.xml",
            "useragent foo",
            "Disallow /x",
            "# comment",
            "",
            ":",
            "\x00",
            "Crawl-delay: 5",
        ]
    )
    | st.text(max_size=20),
    max_size=12,
)


@given(ROBOTS_LINES, st.sampled_from(["\n", "\r\n", "\r"]))
def test_robots_records_never_raise(lines: list[str], newline: str) -> None:
    text = newline.join(lines)
    records = RobotsRecords.parse(text)
    for agent in ("tdm-crawler", "GPTBot", "other"):
        content_usage_robots_finding(records, URL, agent)
        content_signal_finding(records, URL, agent)
    RobotsFile.from_fetch(200, text.encode("utf-8", "surrogatepass"), None).check(URL, "x")
