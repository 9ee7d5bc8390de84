"""Combining the signals into a Verdict (decide.py), branch by branch."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import pytest

from tdm_crawler.policy import (
    Decision,
    Reason,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    Verdict,
    decide_after_fetch,
    decide_before_fetch,
    decide_failed_fetch,
)

AGENT = "tdm-crawler"
ORIGIN = "https://e.org"
FILE_URL = f"{ORIGIN}/.well-known/tdmrep.json"
P1 = "https://e.org/p1.json"
P2 = "https://e.org/p2.json"

ROBOTS = {
    "ok": RobotsFile.from_fetch(200, b"User-agent: *\nDisallow: /private/\n", None),
    "404": RobotsFile.from_fetch(404, None, None),
    "503": RobotsFile.from_fetch(503, None, None),
    "down": RobotsFile.from_fetch(None, None, "connection refused"),
}
FILES = {
    "absent": TdmRepFile.from_fetch(404, None, None, url=FILE_URL),
    "rules": TdmRepFile.from_fetch(
        200,
        json.dumps(
            [
                {"location": "/premium/", "tdm-reservation": 1, "tdm-policy": P1},
                {"location": "/open/", "tdm-reservation": 0},
                {"location": "/odd/", "tdm-reservation": 2},
            ]
        ).encode(),
        None,
        url=FILE_URL,
    ),
    "invalid": TdmRepFile.from_fetch(200, b"<html>oops</html>", None, url=FILE_URL),
    "503": TdmRepFile.from_fetch(503, None, None, url=FILE_URL),
}

HTML = {"content-type": ["text/html; charset=utf-8"]}


def page(*metas: str) -> bytes:
    tags = "".join(
        f'<meta name="{name}" content="{value}">'
        for name, value in (m.split("=", 1) for m in metas)
    )
    return f"<!DOCTYPE html><html><head>{tags}</head><body>hi</body></html>".encode()


def facts(
    path: str, status: int, headers: Mapping[str, Sequence[str]], body: bytes
) -> ResponseFacts:
    return ResponseFacts(ORIGIN + path, status, headers, body)


Outcome = tuple[Decision, Reason, int | None, str | None]
ALLOWED: Outcome = (Decision.ALLOWED, Reason.NO_RESERVATION, None, None)
ALLOWED_0: Outcome = (Decision.ALLOWED, Reason.NO_RESERVATION, 0, None)
ROBOTS_UNREACHABLE: Outcome = (Decision.DISALLOWED, Reason.ROBOTS_UNREACHABLE, None, None)
ROBOTS_DISALLOW: Outcome = (Decision.DISALLOWED, Reason.ROBOTS_DISALLOW, None, None)
FILE_UNAVAILABLE: Outcome = (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE, None, None)
HTTP_ERROR: Outcome = (Decision.ERROR, Reason.HTTP_STATUS, None, None)


def reserved(reason: Reason, policy: str | None = None) -> Outcome:
    return (Decision.RESERVED, reason, 1, policy)


def case(
    case_id: str,
    expected: Outcome,
    *,
    robots: str = "ok",
    file: str = "absent",
    path: str = "/a",
    status: int = 200,
    headers: Mapping[str, Sequence[str]] = HTML,
    body: bytes = b"<html><head></head></html>",
) -> pytest.ParameterSet:
    return pytest.param(robots, file, path, status, headers, body, expected, id=case_id)


RES_1 = {"tdm-reservation": ["1"]}
RES_0 = {"tdm-reservation": ["0"]}
META_1 = page("tdm-reservation=1")
PREMIUM = "/premium/a"

AFTER_FETCH_CASES = [
    # robots.txt and an unreachable file decide before anything else
    case("robots-503", ROBOTS_UNREACHABLE, robots="503", file="rules"),
    case("robots-network-error", ROBOTS_UNREACHABLE, robots="down"),
    case("robots-unreachable-beats-file-unreachable", ROBOTS_UNREACHABLE, robots="503", file="503"),
    case("robots-disallow", ROBOTS_DISALLOW, path="/private/x"),
    case("robots-disallow-beats-file-unreachable", ROBOTS_DISALLOW, file="503", path="/private/x"),
    case("file-unreachable", FILE_UNAVAILABLE, file="503"),
    # the resource's own status
    case("http-404", HTTP_ERROR, status=404, headers=RES_1),
    case("http-500", HTTP_ERROR, file="rules", path=PREMIUM, status=500),
    case("http-301-not-followed", HTTP_ERROR, status=301, headers={}),
    # TDMRep file, header, meta and their precedence
    case("nothing-anywhere", ALLOWED, robots="404"),
    case("invalid-file-contributes-nothing", ALLOWED, file="invalid", path=PREMIUM),
    case("file-1", reserved(Reason.TDMREP_FILE, P1), file="rules", path=PREMIUM),
    case("file-0", ALLOWED_0, file="rules", path="/open/a"),
    case("file-invalid-value-unset", ALLOWED, file="rules", path="/odd/a"),
    case("file-1-header-0", ALLOWED_0, file="rules", path=PREMIUM, headers={**HTML, **RES_0}),
    case(
        "file-1-header-0-meta-1",
        reserved(Reason.TDMREP_META, P1),
        file="rules",
        path=PREMIUM,
        headers={**HTML, **RES_0},
        body=META_1,
    ),
    case(
        "file-1-P1-header-policy-P2",
        reserved(Reason.TDMREP_FILE, P2),
        file="rules",
        path=PREMIUM,
        headers={**HTML, "tdm-policy": [P2]},
    ),
    case(
        "file-0-header-1",
        reserved(Reason.TDMREP_HEADER, P2),
        file="rules",
        path="/open/a",
        headers={**RES_1, "tdm-policy": [P2]},
        body=b"{}",
    ),
    case("header-1-pdf", reserved(Reason.TDMREP_HEADER), headers=RES_1, body=b"%PDF-1.7"),
    case(
        "header-conflict-leaves-file",
        reserved(Reason.TDMREP_FILE, P1),
        file="rules",
        path=PREMIUM,
        headers={"tdm-reservation": ["0", "1"]},
    ),
    case("header-0-meta-1", reserved(Reason.TDMREP_META), headers={**HTML, **RES_0}, body=META_1),
    case(
        "header-1-meta-0",
        ALLOWED_0,
        headers={**HTML, **RES_1},
        body=page("tdm-reservation=0"),
    ),
    case(
        "meta-1-policy",
        reserved(Reason.TDMREP_META, P1),
        body=page("tdm-reservation=1", f"tdm-policy={P1}"),
    ),
    case("meta-invalid-value", ALLOWED, body=page("tdm-reservation=yes")),
    case("meta-in-body-ignored", ALLOWED, body=b"<head></head><body>" + META_1),
    # meta tags are read in HTML only
    case(
        "meta-xhtml",
        reserved(Reason.TDMREP_META),
        headers={"content-type": ["application/xhtml+xml"]},
        body=META_1,
    ),
    case(
        "meta-content-type-case",
        reserved(Reason.TDMREP_META),
        headers={"content-type": ["Text/HTML ; charset=UTF-8"]},
        body=META_1,
    ),
    case(
        "meta-not-read-in-json",
        ALLOWED,
        headers={"content-type": ["application/json"]},
        body=META_1,
    ),
    case(
        "meta-not-read-in-text-plain",
        ALLOWED,
        headers={"content-type": ["text/plain"]},
        body=META_1,
    ),
    case(
        "meta-sniffed-without-content-type", reserved(Reason.TDMREP_META), headers={}, body=META_1
    ),
    case(
        "meta-not-sniffed-in-non-html",
        ALLOWED,
        headers={},
        body=b'{"html": "<meta name=tdm-reservation content=1>"}',
    ),
]


@pytest.mark.parametrize(
    ("robots", "file", "path", "status", "headers", "body", "expected"), AFTER_FETCH_CASES
)
def test_decide_after_fetch(
    robots: str,
    file: str,
    path: str,
    status: int,
    headers: Mapping[str, Sequence[str]],
    body: bytes,
    expected: Outcome,
) -> None:
    response = facts(path, status, headers, body)
    verdict = decide_after_fetch(ORIGIN + path, AGENT, ROBOTS[robots], FILES[file], response)
    outcome = (verdict.decision, verdict.reason, verdict.tdm_reservation, verdict.tdm_policy)
    assert outcome == expected
    sources = [(s.protocol, s.source) for s in verdict.signals]
    assert sources[:2] == [("robots", "robots.txt"), ("tdmrep", "file")]
    if verdict.decision in (Decision.DISALLOWED, Decision.UNKNOWN):
        assert len(sources) == 2
    else:
        assert sources[2:] == [("http", "status"), ("tdmrep", "header"), ("tdmrep", "meta")]
        assert verdict.signals[2].value == status


@pytest.mark.parametrize(
    ("robots", "file", "path", "expected"),
    [
        pytest.param(
            "503",
            "absent",
            "/a",
            (Decision.DISALLOWED, Reason.ROBOTS_UNREACHABLE),
            id="robots-unreachable",
        ),
        pytest.param(
            "ok",
            "absent",
            "/private/a",
            (Decision.DISALLOWED, Reason.ROBOTS_DISALLOW),
            id="robots-disallow",
        ),
        pytest.param(
            "ok",
            "503",
            "/a",
            (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE),
            id="file-unreachable",
        ),
        pytest.param("ok", "rules", "/premium/a", None, id="file-reserved-still-fetched"),
        pytest.param("404", "absent", "/a", None, id="nothing-known"),
        pytest.param("ok", "invalid", "/a", None, id="invalid-file"),
    ],
)
def test_decide_before_fetch(
    robots: str, file: str, path: str, expected: tuple[Decision, Reason] | None
) -> None:
    verdict = decide_before_fetch(ORIGIN + path, AGENT, ROBOTS[robots], FILES[file])
    if expected is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert (verdict.decision, verdict.reason) == expected
        assert [s.source for s in verdict.signals] == ["robots.txt", "file"]


@pytest.mark.parametrize(
    ("robots", "file", "path", "reason", "expected"),
    [
        pytest.param(
            "ok",
            "absent",
            "/a",
            Reason.FETCH_FAILED,
            (Decision.ERROR, Reason.FETCH_FAILED),
            id="fetch-failed",
        ),
        pytest.param(
            "ok",
            "rules",
            "/premium/a",
            Reason.TOO_LARGE,
            (Decision.ERROR, Reason.TOO_LARGE),
            id="too-large",
        ),
        pytest.param(
            "404",
            "absent",
            "/a",
            Reason.NOT_PUBLIC_ADDRESS,
            (Decision.ERROR, Reason.NOT_PUBLIC_ADDRESS),
            id="not-public",
        ),
        pytest.param(
            "ok",
            "absent",
            "/private/a",
            Reason.FETCH_FAILED,
            (Decision.DISALLOWED, Reason.ROBOTS_DISALLOW),
            id="robots-first",
        ),
        pytest.param(
            "ok",
            "503",
            "/a",
            Reason.FETCH_FAILED,
            (Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE),
            id="file-first",
        ),
    ],
)
def test_decide_failed_fetch(
    robots: str, file: str, path: str, reason: Reason, expected: tuple[Decision, Reason]
) -> None:
    verdict = decide_failed_fetch(ORIGIN + path, AGENT, ROBOTS[robots], FILES[file], reason, "boom")
    assert (verdict.decision, verdict.reason) == expected
    assert verdict.tdm_reservation is None
    assert verdict.tdm_policy is None
    assert [s.source for s in verdict.signals[:2]] == ["robots.txt", "file"]
    if expected[0] is Decision.ERROR:
        assert verdict.signals[2].to_json() == {
            "protocol": "http",
            "source": "fetch",
            "value": reason.value,
            "detail": "boom",
        }


def test_signals_tell_the_whole_story() -> None:
    url = f"{ORIGIN}/premium/a"
    response = facts(
        "/premium/a",
        200,
        {**HTML, "tdm-reservation": ["0", "1"]},
        page("tdm-reservation=0", "tdm-reservation=1"),
    )
    verdict = decide_after_fetch(url, AGENT, ROBOTS["ok"], FILES["rules"], response)
    robots, file, status, header, meta = (s.to_json() for s in verdict.signals)
    assert robots == {
        "protocol": "robots",
        "source": "robots.txt",
        "value": "allow",
        "detail": "group '*': no rule matches, allowed",
    }
    assert file["value"] == {"tdm-reservation": 1, "tdm-policy": P1}
    assert file["detail"] == "rule 1 (location '/premium/') matched"
    assert status == {"protocol": "http", "source": "status", "value": 200, "detail": "HTTP 200"}
    assert header["value"] is None
    assert "conflicting values '0', '1'" in header["detail"]
    assert meta["value"] == {"tdm-reservation": 0, "tdm-policy": None}
    assert meta["detail"].startswith("tdm-reservation: 0; ")
    assert "conflicts with the earlier '0'" in meta["detail"]
    assert (verdict.decision, verdict.reason, verdict.tdm_reservation, verdict.tdm_policy) == (
        Decision.ALLOWED,
        Reason.NO_RESERVATION,
        0,
        None,
    )


def test_layers_not_read_still_appear() -> None:
    verdict = decide_after_fetch(
        f"{ORIGIN}/a",
        AGENT,
        ROBOTS["ok"],
        FILES["absent"],
        facts("/a", 200, {"content-type": ["image/png"]}, b"\x89PNG"),
    )
    header, meta = verdict.signals[3], verdict.signals[4]
    assert (header.value, header.detail) == (None, "no valid tdm-reservation or tdm-policy")
    assert (meta.value, meta.detail) == (None, "not read: content type 'image/png' is not HTML")


def test_same_inputs_same_verdict() -> None:
    def run() -> Verdict:
        response = facts("/premium/a", 200, HTML, page("tdm-reservation=1"))
        return decide_after_fetch(
            f"{ORIGIN}/premium/a", AGENT, ROBOTS["ok"], FILES["rules"], response
        )

    assert run() == run()
