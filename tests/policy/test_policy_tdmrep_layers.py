"""TDMRep header and meta layers, and their precedence (§2.2, §2.3, §2.5)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tdm_crawler.policy import Reason, TdmProps, merge_layers, read_headers, read_meta

P1 = "https://e.org/p1.json"
P2 = "https://e.org/p2.json"

FILE, HEADER, META, PDF = (
    Reason.TDMREP_FILE,
    Reason.TDMREP_HEADER,
    Reason.TDMREP_META,
    Reason.TDMREP_PDF,
)


# (headers, expected props, expected number of problem lines)
HEADER_CASES = [
    pytest.param({}, TdmProps(), 0, id="none"),
    pytest.param({"tdm-reservation": ["1"]}, TdmProps(1), 0, id="reserved"),
    pytest.param({"tdm-reservation": ["0"]}, TdmProps(0), 0, id="not-reserved"),
    pytest.param({"TDM-Reservation": ["1"]}, TdmProps(1), 0, id="mixed-case-name"),
    pytest.param({"tdm-reservation": [" 1\t"]}, TdmProps(1), 0, id="value-trimmed"),
    pytest.param({"tdm-reservation": ["1", " 1"]}, TdmProps(1), 0, id="same-value-repeated"),
    pytest.param(
        {"tdm-reservation": ["1"], "TDM-RESERVATION": ["1"]},
        TdmProps(1),
        0,
        id="same-value-two-spellings",
    ),
    pytest.param({"tdm-reservation": ["1, 1"]}, TdmProps(1), 0, id="comma-joined-same"),
    pytest.param({"tdm-reservation": ["1,"]}, TdmProps(1), 0, id="empty-list-element-ignored"),
    pytest.param({"tdm-reservation": ["1", "0"]}, TdmProps(), 1, id="conflict-unset"),
    pytest.param({"tdm-reservation": ["1, 0"]}, TdmProps(), 1, id="comma-joined-conflict"),
    pytest.param(
        {"tdm-reservation": ["1"], "Tdm-Reservation": ["0"]},
        TdmProps(),
        1,
        id="conflict-across-spellings",
    ),
    pytest.param({"tdm-reservation": ["2"]}, TdmProps(), 1, id="invalid-2"),
    pytest.param({"tdm-reservation": ["yes"]}, TdmProps(), 1, id="invalid-word"),
    pytest.param({"tdm-reservation": ["01"]}, TdmProps(), 1, id="invalid-01"),
    pytest.param({"tdm-reservation": [""]}, TdmProps(), 1, id="invalid-empty"),
    pytest.param({"tdm-policy": [P1]}, TdmProps(None, P1), 0, id="policy-only"),
    pytest.param({"tdm-policy": [f" {P1} "]}, TdmProps(None, P1), 0, id="policy-trimmed"),
    pytest.param(
        {"tdm-policy": [f"{P1}, {P1}"]}, TdmProps(None, P1), 0, id="policy-comma-joined-same"
    ),
    pytest.param({"tdm-policy": [f"{P1}, {P2}"]}, TdmProps(), 1, id="policy-comma-joined-conflict"),
    pytest.param({"tdm-policy": [P1, P2]}, TdmProps(), 1, id="policy-conflict"),
    pytest.param(
        {"tdm-policy": ["https://e.org/p?a=1,2"]},
        TdmProps(None, "https://e.org/p?a=1,2"),
        0,
        id="policy-with-comma-in-url",
    ),
    pytest.param({"tdm-policy": ["/p.json"]}, TdmProps(), 1, id="policy-relative-invalid"),
    pytest.param({"tdm-reservation": ["1"], "tdm-policy": [P1]}, TdmProps(1, P1), 0, id="both"),
    pytest.param(
        {"tdm-reservation": ["1", "0"], "tdm-policy": [P1]},
        TdmProps(None, P1),
        1,
        id="conflict-is-per-property",
    ),
    pytest.param(
        {"x-tdm-reservation": ["1"], "content-type": ["text/html"]},
        TdmProps(),
        0,
        id="other-headers",
    ),
]


@pytest.mark.parametrize(("headers", "expected", "problem_count"), HEADER_CASES)
def test_read_headers(
    headers: dict[str, Sequence[str]], expected: TdmProps, problem_count: int
) -> None:
    props, problems = read_headers(headers)
    assert props == expected
    assert len(problems) == problem_count, problems


def test_header_problem_lines_say_what_was_wrong() -> None:
    _, problems = read_headers({"tdm-reservation": ["1", "0"], "tdm-policy": ["nope"]})
    assert problems == (
        "tdm-reservation header: conflicting values '1', '0', unset",
        "tdm-policy header: invalid value 'nope', unset",
    )


def html(head: str, body: str = "") -> bytes:
    return f"<!DOCTYPE html><html><head>{head}</head><body>{body}</body></html>".encode()


# (document, content type, expected props, expected number of problem lines)
META_CASES = [
    pytest.param(
        html('<meta name="tdm-reservation" content="1">'), None, TdmProps(1), 0, id="in-head"
    ),
    pytest.param(
        html("", '<meta name="tdm-reservation" content="1">'),
        None,
        TdmProps(),
        0,
        id="in-body-ignored",
    ),
    pytest.param(
        b'<meta name="tdm-reservation" content="1"><p>x</p>', None, TdmProps(1), 0, id="no-head-tag"
    ),
    pytest.param(
        html('<META NAME="TDM-Reservation" CONTENT="1">'), None, TdmProps(1), 0, id="uppercase"
    ),
    pytest.param(
        html('<meta name=" tdm-reservation " content="  1 \n">'),
        None,
        TdmProps(1),
        0,
        id="whitespace",
    ),
    pytest.param(
        html(f'<meta name="tdm-reservation" content="1"><meta name="tdm-policy" content="{P1}">'),
        None,
        TdmProps(1, P1),
        0,
        id="both",
    ),
    pytest.param(
        html('<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content="0">'),
        None,
        TdmProps(1),
        1,
        id="conflict-first-wins",
    ),
    pytest.param(
        html('<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content="1">'),
        None,
        TdmProps(1),
        0,
        id="repeated-same",
    ),
    pytest.param(
        html('<meta name="tdm-reservation" content="2"><meta name="tdm-reservation" content="0">'),
        None,
        TdmProps(0),
        1,
        id="first-valid-wins",
    ),
    pytest.param(
        html('<meta name="tdm-policy" content="policy.json">'),
        None,
        TdmProps(),
        1,
        id="relative-policy",
    ),
    pytest.param(
        b'<html><head><title>x</title><meta name="tdm-reservation" content="1"',
        None,
        TdmProps(),
        0,
        id="broken-unclosed-tag-at-end",
    ),
    pytest.param(
        b'<html><head><title>x<meta name="tdm-reservation" content="1">',
        None,
        TdmProps(),
        0,
        id="broken-unclosed-title-swallows",
    ),
    pytest.param(
        b'<html><head><meta name="tdm-reservation" content="1"><div>oops</div></head>',
        None,
        TdmProps(1),
        0,
        id="broken-div-in-head",
    ),
    pytest.param(
        '<html><head><meta name="tdm-policy" content="https://e.org/d\u00e9j\u00e0">'.encode(
            "cp1252"
        ),
        "text/html; charset=windows-1252",
        TdmProps(None, "https://e.org/d\u00e9j\u00e0"),
        0,
        id="windows-1252-header",
    ),
    pytest.param(
        '<meta charset="shift_jis"><meta name="tdm-policy" content="https://e.org/\u65e5\u672c">'.encode(
            "shift_jis"
        ),
        None,
        TdmProps(None, "https://e.org/\u65e5\u672c"),
        0,
        id="shift-jis-meta-charset",
    ),
    pytest.param(b"\x00\xff\xfe\x89PNG\r\n\x1a\n garbage", None, TdmProps(), 0, id="garbage"),
    pytest.param(b"", None, TdmProps(), 0, id="empty"),
]


@pytest.mark.parametrize(("document", "content_type", "expected", "problem_count"), META_CASES)
def test_read_meta(
    document: bytes, content_type: str | None, expected: TdmProps, problem_count: int
) -> None:
    props, problems = read_meta(document, content_type=content_type)
    assert props == expected
    assert len(problems) == problem_count, problems


def test_meta_conflict_problem_line() -> None:
    doc = html('<meta name="tdm-reservation" content="1"><meta name="tdm-reservation" content="0">')
    assert read_meta(doc)[1] == (
        "tdm-reservation meta: '0' conflicts with the earlier '1', ignored",
    )


def test_meta_name_with_non_ascii_lookalike_is_not_a_match() -> None:
    # U+212A KELVIN SIGN lower-cases to "k" in Unicode, but names compare ASCII-only.
    doc = html(
        '<meta name="tdm-reservation" content="1"><meta name="tdm-policy\u212a" content="x">'
    )
    assert read_meta(doc) == (TdmProps(1), ())


# (layers in precedence order, expected merged props, expected reason)
MERGE_CASES = [
    pytest.param([], TdmProps(), None, id="no-layers"),
    pytest.param([(FILE, TdmProps())], TdmProps(), None, id="nothing-said"),
    pytest.param([(FILE, TdmProps(1))], TdmProps(1), FILE, id="file-only"),
    pytest.param(
        [(FILE, TdmProps(1)), (HEADER, TdmProps(0))], TdmProps(0), HEADER, id="file-1-header-0"
    ),
    pytest.param(
        [(HEADER, TdmProps(0)), (META, TdmProps(1))], TdmProps(1), META, id="header-0-meta-1"
    ),
    pytest.param(
        [(FILE, TdmProps(1, P1)), (HEADER, TdmProps(None, P2))],
        TdmProps(1, P2),
        FILE,
        id="file-1-P1-header-policy-P2",
    ),
    pytest.param(
        [(FILE, TdmProps(1, P1)), (HEADER, TdmProps()), (META, TdmProps())],
        TdmProps(1, P1),
        FILE,
        id="silent-layers-keep-file",
    ),
    pytest.param(
        [(FILE, TdmProps(0)), (HEADER, TdmProps(None, P1))],
        TdmProps(0),
        FILE,
        id="policy-dropped-when-final-0",
    ),
    pytest.param(
        [(FILE, TdmProps(1, P1)), (HEADER, TdmProps(0, P2)), (META, TdmProps(1))],
        TdmProps(1, P1),
        META,
        id="policy-of-a-0-layer-ignored",
    ),
    pytest.param(
        [(FILE, TdmProps(0)), (HEADER, TdmProps(1)), (META, TdmProps(0))],
        TdmProps(0),
        META,
        id="last-setter-wins",
    ),
    pytest.param(
        [(FILE, TdmProps(1)), (HEADER, TdmProps(0)), (META, TdmProps()), (PDF, TdmProps(1, P2))],
        TdmProps(1, P2),
        PDF,
        id="pdf-layer-last",
    ),
    pytest.param(
        [(META, TdmProps(None, P1))], TdmProps(None, P1), None, id="policy-without-reservation"
    ),
]


@pytest.mark.parametrize(("layers", "expected", "reason"), MERGE_CASES)
def test_merge_layers(
    layers: list[tuple[Reason, TdmProps]], expected: TdmProps, reason: Reason | None
) -> None:
    assert merge_layers(layers) == (expected, reason)
