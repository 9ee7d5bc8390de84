"""noai / noimageai in X-Robots-Tag headers and robots meta tags (protocols §3)."""

from __future__ import annotations

import json
import random
import time

import pytest

from tdm_crawler.policy.html_meta import head_meta
from tdm_crawler.policy.noai import meta_robots_finding, x_robots_finding
from tdm_crawler.policy.purposes import EVERY_PURPOSE, Purpose
from tdm_crawler.policy.types import Finding, Reason

AGENT = "tdm-crawler"


def check_shape(finding: Finding, source: str) -> None:
    (signal,) = finding.signals
    assert (signal.protocol, signal.source) == ("noai", source)
    assert signal.detail
    json.dumps(signal.to_json())


# (header fields, is_image, reserves, value, words in the detail)
HEADER_CASES = [
    pytest.param(["noai"], False, True, ["noai"], ["noai: TDM reserved"], id="noai"),
    pytest.param(["NoAI"], False, True, ["noai"], [], id="case-insensitive"),
    pytest.param(["noindex, noai"], False, True, ["noindex", "noai"], [], id="in-a-list"),
    pytest.param(["noimageai"], True, True, ["noimageai"], ["for this image"], id="noimageai-img"),
    pytest.param(
        ["noimageai"], False, False, ["noimageai"], ["images only"], id="noimageai-not-image"
    ),
    pytest.param(["noai, noimageai"], True, True, ["noai", "noimageai"], [], id="deviantart"),
    pytest.param(
        ["noindex, nofollow"],
        False,
        False,
        ["noindex", "nofollow"],
        ["noindex, nofollow: not TDM reservations"],
        id="noindex-is-not-a-reservation",
    ),
    pytest.param(["none"], True, False, ["none"], ["none: not TDM"], id="none"),
    pytest.param(["tdm-crawler: noai"], False, True, ["noai"], [], id="scoped-to-us"),
    pytest.param(["TDM-Crawler:noai"], False, True, ["noai"], [], id="scoped-to-us-case-no-space"),
    pytest.param(
        ["GPTBot: noai"],
        False,
        False,
        [],
        ["ignored, scoped to other crawlers: gptbot: noai"],
        id="scoped-to-another",
    ),
    pytest.param(
        ["googlebot: noindex, noai"],
        False,
        False,
        [],
        ["googlebot: noindex; googlebot: noai"],
        id="google-scope-runs-to-next-token",
    ),
    pytest.param(
        ["googlebot: noindex, tdm-crawler: nofollow, noai"],
        False,
        True,
        ["nofollow", "noai"],
        ["googlebot: noindex"],
        id="scope-switches",
    ),
    pytest.param(
        ["googlebot: noindex", "noai"], False, True, ["noai"], [], id="scope-ends-with-field"
    ),
    pytest.param(
        ["unavailable_after: 25 Jun 2010 15:00:00 PST, noai"],
        False,
        True,
        ["unavailable_after: 25 jun 2010 15:00:00 pst", "noai"],
        [],
        id="valued-directive-is-no-scope",
    ),
    pytest.param(
        ["max-snippet: 20, max-image-preview: large"],
        False,
        False,
        ["max-snippet: 20", "max-image-preview: large"],
        [],
        id="valued-directives",
    ),
    pytest.param(["noai noimageai"], True, True, ["noai noimageai"], [], id="space-separated"),
    pytest.param(["noaix, xnoai, no-ai"], False, False, ["noaix", "xnoai", "no-ai"], [], id="near"),
    pytest.param(["", " , ,"], False, False, [], ["no directives"], id="empty-values"),
    pytest.param(["noai\u00e9, \x00noai"], False, False, ["noai\u00e9", "\x00noai"], [], id="junk"),
]


@pytest.mark.parametrize(("fields", "is_image", "reserves", "value", "words"), HEADER_CASES)
def test_x_robots_tag(
    fields: list[str], is_image: bool, reserves: bool, value: list[str], words: list[str]
) -> None:
    finding = x_robots_finding(
        {"x-robots-tag": fields}, AGENT, is_image=is_image, noarchive_reserves=False
    )
    check_shape(finding, "header")
    assert finding.reserves == (Reason.X_ROBOTS_NOAI if reserves else None)
    assert finding.signals[0].value == value
    for word in words:
        assert word in finding.signals[0].detail


def test_header_names_case_insensitive_and_all_fields_read() -> None:
    headers = {"X-Robots-Tag": ["noindex"], "x-robots-tag": ["noai"], "X-ROBOTS-TAG": []}
    finding = x_robots_finding(headers, AGENT, is_image=False, noarchive_reserves=False)
    assert finding.reserves is Reason.X_ROBOTS_NOAI
    assert finding.signals[0].value == ["noindex", "noai"]


def test_no_header_still_one_signal() -> None:
    finding = x_robots_finding(
        {"content-type": ["text/html"]}, AGENT, is_image=False, noarchive_reserves=False
    )
    check_shape(finding, "header")
    assert (finding.reserves, finding.signals[0].value) == (None, [])
    assert finding.signals[0].detail == "no X-Robots-Tag header"


def test_other_agent_token() -> None:
    headers = {"x-robots-tag": ["mybot: noai"]}
    assert (
        x_robots_finding(headers, "MyBot", is_image=False, noarchive_reserves=False).reserves
        is not None
    )
    assert (
        x_robots_finding(headers, AGENT, is_image=False, noarchive_reserves=False).reserves is None
    )


def test_huge_header_values() -> None:
    fields = ["noindex, " * 200_000 + "noai", "x" * 1_000_000, "a: " * 100_000]
    start = time.perf_counter()
    finding = x_robots_finding(
        {"x-robots-tag": fields}, AGENT, is_image=False, noarchive_reserves=False
    )
    assert time.perf_counter() - start < 10
    assert finding.reserves is Reason.X_ROBOTS_NOAI
    assert len(json.dumps(finding.signals[0].to_json())) < 2_000


def test_distinct_directives_are_capped() -> None:
    fields = [", ".join(f"d{i}" for i in range(10_000)) + ", noai"]
    finding = x_robots_finding(
        {"x-robots-tag": fields}, AGENT, is_image=False, noarchive_reserves=False
    )
    assert finding.reserves is Reason.X_ROBOTS_NOAI  # the verdict reads every directive
    assert len(finding.signals[0].value) == 50


def test_random_header_values_never_raise() -> None:
    rng = random.Random(3)
    alphabet = "noaimgex:, \t-_*;=\u00e9\x00"
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(40)))
        check_shape(
            x_robots_finding(
                {"x-robots-tag": [value]}, AGENT, is_image=True, noarchive_reserves=False
            ),
            "header",
        )


# (html, is_image, reserves, value)
META_CASES = [
    pytest.param(
        b'<meta name="robots" content="noai, noimageai">',
        False,
        True,
        ["noai", "noimageai"],
        id="robots-noai",
    ),
    pytest.param(b'<meta name="ROBOTS" content=" NOAI ">', False, True, ["noai"], id="case"),
    pytest.param(
        b'<meta name="robots" content="noimageai">',
        False,
        False,
        ["noimageai"],
        id="noimageai-html",
    ),
    pytest.param(
        b'<meta name="robots" content="noimageai">', True, True, ["noimageai"], id="noimageai-img"
    ),
    pytest.param(
        b'<meta name="robots" content="noindex, nofollow">',
        False,
        False,
        ["noindex", "nofollow"],
        id="noindex",
    ),
    pytest.param(
        b'<meta name="tdm-crawler" content="noai">', False, True, ["noai"], id="our-agent-meta"
    ),
    pytest.param(b'<meta name="GPTBot" content="noai">', False, False, None, id="other-agent-meta"),
    pytest.param(
        b'<meta name="robots" content="noindex"><meta name="tdm-crawler" content="noai">',
        False,
        True,
        ["noindex", "noai"],
        id="both-combine",
    ),
    pytest.param(
        b'<meta name="googlebot" content="noai"><meta name="robots" content="all">',
        False,
        False,
        ["all"],
        id="googlebot-ignored",
    ),
    pytest.param(
        b'<html><body><meta name="robots" content="noai"></body></html>',
        False,
        False,
        None,
        id="body-ignored",
    ),
    pytest.param(b"", False, False, None, id="empty-document"),
]


@pytest.mark.parametrize(("html", "is_image", "reserves", "value"), META_CASES)
def test_meta_robots(html: bytes, is_image: bool, reserves: bool, value: list[str] | None) -> None:
    finding = meta_robots_finding(
        head_meta(html), AGENT, is_image=is_image, noarchive_reserves=False
    )
    check_shape(finding, "meta")
    assert finding.reserves == (Reason.META_ROBOTS_NOAI if reserves else None)
    assert finding.signals[0].value == ([] if value is None else value)


def test_no_meta_detail() -> None:
    finding = meta_robots_finding(
        [("description", "noai")], AGENT, is_image=False, noarchive_reserves=False
    )
    assert finding.signals[0].detail == """no <meta name="robots"> or <meta name="tdm-crawler">"""


# ---------------------------------------------------- Bing's noarchive / nocache

TRAIN_MINE_INPUT = {Purpose.AI_TRAINING, Purpose.TDM, Purpose.AI_INPUT}

# (X-Robots-Tag fields, the bing signal's value or None for no bing signal)
BING_HEADER_CASES = [
    pytest.param(["noarchive"], ["noarchive"], id="noarchive"),
    pytest.param(["NoCache"], ["nocache"], id="nocache-case-insensitive"),
    pytest.param(["noindex, noarchive, nocache"], ["noarchive", "nocache"], id="in-a-list"),
    pytest.param(["bingbot: noarchive"], ["bingbot: noarchive"], id="scoped-to-bing"),
    pytest.param([f"{AGENT}: nocache"], ["nocache"], id="scoped-to-us"),
    pytest.param(["googlebot: noarchive"], None, id="scoped-to-google-not-bings"),
    pytest.param(["noindex, nofollow"], None, id="other-directives"),
    pytest.param(["noarchive", "noarchive"], ["noarchive"], id="repeated-once"),
]


@pytest.mark.parametrize("setting", [False, True])
@pytest.mark.parametrize(("fields", "value"), BING_HEADER_CASES)
def test_bing_in_x_robots_tag(fields: list[str], value: list[str] | None, setting: bool) -> None:
    finding = x_robots_finding(
        {"x-robots-tag": fields}, AGENT, is_image=False, noarchive_reserves=setting
    )
    if value is None:
        check_shape(finding, "header")
        assert finding.reserves is None
        return
    noai, bing = finding.signals
    assert (noai.protocol, bing.protocol, bing.source, bing.value) == (
        "noai",
        "bing",
        "header",
        value,
    )
    assert "see the bing signal" in noai.detail
    json.dumps(bing.to_json())
    if setting:
        assert finding.reserves is Reason.X_ROBOTS_NOARCHIVE
        assert finding.reserved_for == TRAIN_MINE_INPUT
        assert "reserved by" in bing.detail
    else:
        assert (finding.reserves, finding.reserved_for) == (None, frozenset())
        assert "TDM_NOARCHIVE_RESERVES is off" in bing.detail


# (head, the bing signal's value or None)
BING_META_CASES = [
    pytest.param(b'<meta name="robots" content="noarchive">', ["noarchive"], id="robots"),
    pytest.param(b'<meta name="BingBot" content="nocache">', ["bingbot: nocache"], id="bingbot"),
    pytest.param(
        b'<meta name="tdm-crawler" content="noarchive">', ["noarchive"], id="our-agent-meta"
    ),
    pytest.param(b'<meta name="googlebot" content="noarchive">', None, id="googlebot"),
]


@pytest.mark.parametrize("setting", [False, True])
@pytest.mark.parametrize(("html", "value"), BING_META_CASES)
def test_bing_in_robots_meta(html: bytes, value: list[str] | None, setting: bool) -> None:
    finding = meta_robots_finding(
        head_meta(html), AGENT, is_image=False, noarchive_reserves=setting
    )
    if value is None:
        check_shape(finding, "meta")
        assert finding.reserves is None
        return
    assert finding.signals[1].to_json()["value"] == value
    reason = Reason.META_ROBOTS_NOARCHIVE if setting else None
    assert finding.reserves is reason
    assert finding.reserved_for == (TRAIN_MINE_INPUT if setting else frozenset())


def test_noai_in_a_bingbot_meta_is_bings_not_ours() -> None:
    metas = [("bingbot", "noai, noarchive")]
    finding = meta_robots_finding(metas, AGENT, is_image=False, noarchive_reserves=False)
    assert finding.reserves is None
    noai, bing = finding.signals
    assert noai.value == [] and bing.value == ["bingbot: noarchive"]
    assert "scoped to other crawlers: bingbot: noai" in noai.detail


@pytest.mark.parametrize("setting", [False, True])
def test_noai_decides_before_bing(setting: bool) -> None:
    finding = x_robots_finding(
        {"x-robots-tag": ["noarchive, noai"]}, AGENT, is_image=False, noarchive_reserves=setting
    )
    assert finding.reserves is Reason.X_ROBOTS_NOAI
    assert finding.reserved_for == EVERY_PURPOSE
    assert [signal.protocol for signal in finding.signals] == ["noai", "bing"]
