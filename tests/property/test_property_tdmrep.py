"""TDMRep readers and precedence: never raise; agree with plain reference implementations;
precedence ignores absent layers and folds the same in chunks as at once.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from tdm_crawler.policy import TdmProps, TdmRepFile, merge_layers, read_headers
from tdm_crawler.policy.tdmrep import read_meta_pairs, valid_policy
from tdm_crawler.policy.types import Reason
from tests.property.reference import reference_match

URL = "http://e.org/.well-known/tdmrep.json"
POLICY_URLS = ["https://e.org/p.json", "http://x.org/q", "https://e.org/a,b"]

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
_LOCATION_TEXT = st.lists(st.sampled_from(["a", "b", "/", "*", "%7E", "~"]), max_size=5)
LOCATIONS = st.builds(
    lambda text, anchor: "/" + "".join(text) + anchor, _LOCATION_TEXT, st.sampled_from(["", "$"])
)
RESERVATION_VALUES = st.sampled_from([0, 1, 2, "1", True, None, 1.0, [1]])
RULES: st.SearchStrategy[list[Any]] = st.lists(
    st.fixed_dictionaries(
        {"location": LOCATIONS | st.sampled_from(["", "relative", 5])},
        optional={
            "tdm-reservation": RESERVATION_VALUES,
            "tdm-policy": st.sampled_from([*POLICY_URLS, "ftp://e.org/x", "", 3]),
        },
    )
    | st.sampled_from([[], "x", 7, None]),
    max_size=6,
)
PATHS = st.lists(st.sampled_from(["a", "b", "/", "~", "%7E", "?q=1"]), max_size=6).map(
    lambda parts: "/" + "".join(parts)
)


@given(st.binary(max_size=512))
def test_any_bytes_never_raise(body: bytes) -> None:
    tdmrep = TdmRepFile.from_fetch(200, body, None, url=URL)
    assert tdmrep.state in ("rules", "invalid")
    tdmrep.signal("http://e.org/a")


@given(JSON)
def test_any_json_never_raises(data: Any) -> None:
    body = json.dumps(data).encode()
    tdmrep = TdmRepFile.from_fetch(200, body, None, url=URL)
    assert tdmrep.state == ("rules" if isinstance(data, list) else "invalid")
    tdmrep.signal("http://e.org/a?b=c")


def reference_first_match(rules: list[Any], path: str) -> tuple[int, TdmProps] | None:
    """The first array entry (1-based) that is an object with a '/'-rooted string location
    matching the path; its props with only 0/1 (integers, not booleans) counting."""
    for index, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            continue
        location = rule.get("location")
        if not isinstance(location, str) or not location.startswith("/"):
            continue
        if reference_match(location, path):
            value = rule.get("tdm-reservation")
            reservation = value if type(value) is int and value in (0, 1) else None
            policy = rule.get("tdm-policy")
            valid = isinstance(policy, str) and policy.startswith(("http://", "https://"))
            policy = policy if valid and reservation != 0 else None
            return index, TdmProps(reservation, policy)
    return None


@given(RULES, PATHS)
@example([{"location": "/a", "tdm-reservation": True}], "/a")
@example([{"location": "/a$", "tdm-reservation": 1}, {"location": "/"}], "/a?q=1")
def test_first_matching_rule_wins(rules: list[Any], path: str) -> None:
    tdmrep = TdmRepFile.from_fetch(200, json.dumps(rules).encode(), None, url=URL)
    rule = tdmrep.match("http://e.org" + path)
    expected = reference_first_match(rules, path)
    got = None if rule is None else (rule.index, rule.props)
    assert got == expected


@given(st.none() | st.integers(min_value=100, max_value=599), st.binary(max_size=32))
def test_status_decides_before_the_body(status: int | None, body: bytes) -> None:
    tdmrep = TdmRepFile.from_fetch(status, body, None if status else "reset", url=URL)
    if status is not None and 200 <= status <= 299:
        assert tdmrep.state in ("rules", "invalid")
    elif status is not None and 400 <= status <= 499 and status != 429:
        assert tdmrep.state == "absent"
    else:
        assert tdmrep.state == "unreachable"


@given(st.integers(min_value=0, max_value=64), st.integers(min_value=0, max_value=64))
def test_size_cap_refuses_rather_than_truncates(size: int, cap: int) -> None:
    body = b"[" + b" " * max(0, size - 2) + b"]" if size >= 2 else b"[]"[:size]
    tdmrep = TdmRepFile.from_fetch(200, body, None, url=URL, max_bytes=cap)
    assert (tdmrep.state == "unreachable") is (len(body) > cap)


# --- headers and meta ---------------------------------------------------------------------

HEADER_VALUES = st.sampled_from(["1", "0", " 1 ", "1, 1", "1,0", "", "2", "true", "\uff11", "1\t"])
NAMES = st.sampled_from(["tdm-reservation", "TDM-Reservation", "tdm-reservation ", "x-other"])


def reference_header_reservation(headers: dict[str, list[str]]) -> int | None:
    values = [
        piece.strip()
        for name, field_values in headers.items()
        if name.strip().lower() == "tdm-reservation"
        for value in field_values
        for piece in value.split(",")
    ]
    if not values:
        return None
    distinct = {v for v in values if v} or {""}
    if len(distinct) != 1:
        return None
    return {"0": 0, "1": 1}.get(distinct.pop())


@given(st.dictionaries(NAMES, st.lists(HEADER_VALUES, min_size=1, max_size=3), max_size=3))
def test_header_reservation_agrees_with_reference(headers: dict[str, list[str]]) -> None:
    props, _ = read_headers(headers)
    assert props.reservation == reference_header_reservation(headers)


@given(st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=40), max_size=3)))
def test_any_headers_never_raise(headers: dict[str, list[str]]) -> None:
    props, problems = read_headers(headers)
    assert props.reservation in (None, 0, 1)
    assert props.policy is None or valid_policy(props.policy) == props.policy
    assert all(isinstance(p, str) for p in problems)


META_NAMES = st.sampled_from(["tdm-reservation", "TDM-RESERVATION", " tdm-reservation ", "x"])


@given(st.lists(st.tuples(META_NAMES, HEADER_VALUES), max_size=5))
def test_meta_first_valid_value_wins(metas: list[tuple[str, str]]) -> None:
    props, _ = read_meta_pairs(metas)
    expected = next(
        (
            {"0": 0, "1": 1}[content.strip()]
            for name, content in metas
            if name.strip().lower() == "tdm-reservation" and content.strip() in ("0", "1")
        ),
        None,
    )
    assert props.reservation == expected


# --- precedence ---------------------------------------------------------------------------

PROPS = st.builds(
    TdmProps,
    st.sampled_from([None, 0, 1]),
    st.sampled_from([None, *POLICY_URLS]),
)
LAYERS = st.lists(st.tuples(st.sampled_from(list(Reason)), PROPS), max_size=6)


def reference_merge(layers: list[tuple[Reason, TdmProps]]) -> tuple[TdmProps, Reason | None]:
    """Property by property: the last layer stating a reservation sets it (and is the
    reason); the last policy stated by a layer not saying 0 is the policy, dropped when
    the final reservation is 0."""
    with_reservation = [(r, p) for r, p in layers if p.reservation is not None]
    reason, reservation = (
        (with_reservation[-1][0], with_reservation[-1][1].reservation)
        if with_reservation
        else (None, None)
    )
    policies = [p.policy for _, p in layers if p.policy is not None and p.reservation != 0]
    policy = policies[-1] if policies and reservation != 0 else None
    return TdmProps(reservation, policy), reason


@given(LAYERS)
def test_merge_agrees_with_reference(layers: list[tuple[Reason, TdmProps]]) -> None:
    assert merge_layers(layers) == reference_merge(layers)


@given(LAYERS, st.sampled_from(list(Reason)), LAYERS)
def test_absent_layers_change_nothing(
    before: list[tuple[Reason, TdmProps]], reason: Reason, after: list[tuple[Reason, TdmProps]]
) -> None:
    assert merge_layers([*before, (reason, TdmProps()), *after]) == merge_layers([*before, *after])


def _summary(layers: list[tuple[Reason, TdmProps]]) -> list[tuple[Reason, TdmProps]]:
    """One chunk folded to one layer (an unset result is an absent layer)."""
    props, reason = merge_layers(layers)
    return [(reason or Reason.TDMREP_FILE, props)]


def _hides_policy(layers: list[tuple[Reason, TdmProps]]) -> bool:
    """The chunk ends on reservation 0 while an earlier layer stated a policy: the folded
    chunk drops that policy (0 carries none), which a later 1 without policy would revive."""
    props, _ = merge_layers(layers)
    return props.reservation == 0 and bool(reference_policies(layers))


def reference_policies(layers: list[tuple[Reason, TdmProps]]) -> list[str]:
    return [p.policy for _, p in layers if p.policy is not None and p.reservation != 0]


@given(LAYERS, LAYERS)
@example(
    [(Reason.TDMREP_FILE, TdmProps(1, POLICY_URLS[0])), (Reason.TDMREP_HEADER, TdmProps(0))],
    [(Reason.TDMREP_META, TdmProps(1))],
)
def test_folding_in_chunks_equals_folding_at_once(
    first: list[tuple[Reason, TdmProps]], second: list[tuple[Reason, TdmProps]]
) -> None:
    """Associativity: merging two chunks' results equals merging all layers at once,
    except when the first chunk hides a policy behind a final 0 and the second sets 1
    without a policy of its own: at once, the earlier policy applies again (property by
    property, nothing replaced it); a folded chunk has forgotten it."""
    at_once = merge_layers([*first, *second])
    chunked = merge_layers([*_summary(first), *_summary(second)])
    second_props, _ = merge_layers(second)
    revived = _hides_policy(first) and second_props.reservation == 1 and second_props.policy is None
    if revived:
        assert at_once[0] == TdmProps(1, reference_policies(first)[-1])
        assert chunked[0] == TdmProps(1, None)
    else:
        assert chunked == at_once
