"""The W3C TDM Reservation Protocol: its file, header and meta layers (protocols §2).

Each reader returns plain :class:`TdmProps` plus human problem lines; an invalid value
never raises and never counts, it only leaves the property unset at that layer. The
layers are combined by :func:`merge_layers`, property by property (§2.5).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from tdm_crawler.policy.html_meta import head_meta
from tdm_crawler.policy.pathmatch import (
    LocationPattern,
    compile_location,
    normalise,
    path_and_query,
)
from tdm_crawler.policy.types import Reason, Signal, TdmProps

TdmRepState = Literal["rules", "absent", "invalid", "unreachable"]

RESERVATION = "tdm-reservation"
POLICY = "tdm-policy"

# Several header fields may arrive joined by a proxy as "v1, v2". A policy URL may itself
# contain commas, so it is only split where a comma is followed by another http(s) URL.
_POLICY_SEPARATOR = re.compile(r",\s*(?=https?://)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TdmRepRule:
    """One usable rule of ``tdmrep.json``; ``index`` is its 1-based position in the array."""

    index: int
    location: LocationPattern
    props: TdmProps
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TdmRepFile:
    """An origin's ``/.well-known/tdmrep.json`` as fetched.

    ``state``: ``rules`` (a valid array, possibly empty), ``absent`` (4xx: the origin does
    not use the file), ``invalid`` (answered, but not a JSON array: contributes nothing),
    ``unreachable`` (5xx, 429, network error, unfinished redirects, too large: ours, fail
    closed). ``problems`` lists every skipped rule and invalid value, in array order.
    """

    status: int | None
    state: TdmRepState
    detail: str
    rules: tuple[TdmRepRule, ...] = ()
    problems: tuple[str, ...] = ()

    @classmethod
    def from_fetch(
        cls,
        status: int | None,
        body: bytes | None,
        error: str | None,
        *,
        url: str,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> TdmRepFile:
        """Read the outcome of fetching the file at ``url`` (after following redirects).

        ``body`` is the complete body; one over ``max_bytes`` is refused rather than
        truncated, since a cut JSON array cannot be read.
        """
        if status is None:
            return cls(None, "unreachable", f"{url} unreachable: {error or 'network error'}")
        if 200 <= status <= 299:
            raw = body or b""
            if len(raw) > max_bytes:
                detail = f"{url} unreachable: larger than {max_bytes} bytes"
                return cls(status, "unreachable", detail)
            return _parse(status, raw)
        if 400 <= status <= 499 and status != 429:
            return cls(status, "absent", f"no tdmrep.json ({status})")
        if 300 <= status <= 399:
            return cls(status, "unreachable", f"{url} unreachable: redirect chain not completed")
        return cls(status, "unreachable", f"{url} unreachable: HTTP {status}")

    def match(self, url: str) -> TdmRepRule | None:
        """The first rule, in array order, whose location matches the URL's path and query."""
        path = normalise(path_and_query(url))
        return next((rule for rule in self.rules if rule.location.matches_normalised(path)), None)

    def signal(self, url: str) -> Signal:
        """What the file says about ``url``, as a record signal (value: props or None)."""
        if self.state != "rules":
            return _file_signal(None, self.detail)
        rule = self.match(url)
        if rule is None:
            return _file_signal(None, f"no rule matches {path_and_query(url)!r}")
        detail = f"rule {rule.index} (location {rule.location.pattern!r}) matched"
        return _file_signal(rule.props.to_json(), "; ".join((detail, *rule.problems)))


def _file_signal(value: dict[str, Any] | None, detail: str) -> Signal:
    return Signal("tdmrep", "file", value, detail)


_JSON_TYPES: dict[type, str] = {
    dict: "an object",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}


def _parse(status: int, raw: bytes) -> TdmRepFile:
    """Parse a 2xx body, whatever its Content-Type claims."""
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return TdmRepFile(status, "invalid", "invalid tdmrep.json: not UTF-8")
    except (ValueError, RecursionError):
        looks_html = raw.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")
        what = "an HTML page, not JSON" if looks_html else "not valid JSON"
        return TdmRepFile(status, "invalid", f"invalid tdmrep.json: {what}")
    if not isinstance(data, list):
        kind = _JSON_TYPES[type(data)]
        return TdmRepFile(
            status, "invalid", f"invalid tdmrep.json: top level is {kind}, not an array"
        )
    rules: list[TdmRepRule] = []
    problems: list[str] = []
    for index, entry in enumerate(data, start=1):
        rule, rule_problems = _parse_rule(index, entry)
        problems.extend(rule_problems)
        if rule is not None:
            rules.append(rule)
    skipped = len(data) - len(rules)
    detail = f"tdmrep.json: {len(rules)} rule{'' if len(rules) == 1 else 's'}"
    detail += f", {skipped} skipped" if skipped else ""
    return TdmRepFile(status, "rules", detail, tuple(rules), tuple(problems))


def _parse_rule(index: int, entry: object) -> tuple[TdmRepRule | None, tuple[str, ...]]:
    """Read one array entry; a rule that cannot be located is skipped (§2.1)."""
    prefix = f"rule {index}"
    if not isinstance(entry, dict):
        return None, (f"{prefix} skipped: not an object",)
    location = entry.get("location")
    if not isinstance(location, str):
        return None, (f"{prefix} skipped: no string 'location'",)
    if not location.startswith("/"):
        return None, (f"{prefix} skipped: location {location!r} does not start with '/'",)
    problems: list[str] = []
    reservation = entry.get(RESERVATION, _MISSING)
    # bool is an int in Python but `true` is not a valid value; nor are 1.0 or "1".
    if type(reservation) is not int or reservation not in (0, 1):
        problems.append(f"{prefix}: {RESERVATION} {_show(reservation)} is invalid, unset")
        reservation = None
    raw_policy = entry.get(POLICY, _MISSING)
    policy = valid_policy(raw_policy) if isinstance(raw_policy, str) else None
    if raw_policy is not _MISSING and policy is None:
        problems.append(f"{prefix}: {POLICY} {_show(raw_policy)} is not an http(s) URL, unset")
    if reservation == 0:
        policy = None  # a policy only qualifies a reservation
    props = TdmProps(reservation, policy)
    return TdmRepRule(index, compile_location(location), props, tuple(problems)), tuple(problems)


_MISSING = object()


def _show(value: object) -> str:
    """A JSON value as written, shortened, for problem lines (``"1"`` stays quoted)."""
    if value is _MISSING:
        return "missing"
    shown = json.dumps(value)
    return shown if len(shown) <= 80 else f"{shown[:77]}..."


def valid_reservation(value: str) -> int | None:
    """The reservation a trimmed header or meta value carries: only ``0`` and ``1`` count."""
    return {"0": 0, "1": 1}.get(value)


def valid_policy(value: str) -> str | None:
    """The trimmed value if it is an absolute http(s) URL with a host, else None."""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _valid(name: str, value: str) -> bool:
    if name == RESERVATION:
        return valid_reservation(value) is not None
    return valid_policy(value) is not None


def _to_props(values: Mapping[str, str]) -> TdmProps:
    reservation = values.get(RESERVATION)
    return TdmProps(
        valid_reservation(reservation) if reservation is not None else None,
        values.get(POLICY),
    )


def _ascii_lower(name: str) -> str:
    """Lower-case ASCII letters only, so that e.g. the Kelvin sign never equals ``k``."""
    return name.lower() if name.isascii() else name


def read_headers(headers: Mapping[str, Sequence[str]]) -> tuple[TdmProps, tuple[str, ...]]:
    """Read the ``tdm-reservation`` and ``tdm-policy`` response headers (§2.2).

    Names are compared case-insensitively; repeated fields (or a proxy's comma-joined
    ``"1, 1"``) agreeing on one trimmed value are fine, disagreeing ones leave the
    property unset at this layer (ours), as does an invalid value.
    """
    found: dict[str, list[str]] = {RESERVATION: [], POLICY: []}
    for name, values in headers.items():
        key = _ascii_lower(name.strip())
        if key in found:
            for value in values:
                pieces = value.split(",") if key == RESERVATION else _POLICY_SEPARATOR.split(value)
                found[key].extend(piece.strip() for piece in pieces)
    chosen: dict[str, str] = {}
    problems: list[str] = []
    for name, values in found.items():
        if not values:
            continue
        # Empty list elements are ignored (RFC 9110 §5.6.1); a field that is only empty
        # is an invalid value.
        distinct = list(dict.fromkeys(v for v in values if v)) or [""]
        shown = ", ".join(repr(v) for v in distinct)
        if len(distinct) > 1:
            problems.append(f"{name} header: conflicting values {shown}, unset")
        elif not _valid(name, distinct[0]):
            problems.append(f"{name} header: invalid value {shown}, unset")
        else:
            chosen[name] = distinct[0]
    return _to_props(chosen), tuple(problems)


def read_meta(
    html: bytes, *, content_type: str | None = None, max_bytes: int = 256 * 1024
) -> tuple[TdmProps, tuple[str, ...]]:
    """Read ``<meta name="tdm-reservation|tdm-policy">`` from the document head (§2.3)."""
    return read_meta_pairs(head_meta(html, content_type=content_type, max_bytes=max_bytes))


def read_meta_pairs(metas: Iterable[tuple[str, str]]) -> tuple[TdmProps, tuple[str, ...]]:
    """The TDMRep meta layer from a head's ``(name, content)`` pairs.

    Names are compared ASCII case-insensitively and contents trimmed (ours). The first
    valid value of each wins; invalid ones are skipped and later conflicting ones
    ignored, each with a problem line.
    """
    chosen: dict[str, str] = {}
    problems: list[str] = []
    for raw_name, raw_content in metas:
        name = _ascii_lower(raw_name.strip())
        if name not in (RESERVATION, POLICY):
            continue
        content = raw_content.strip()
        if not _valid(name, content):
            problems.append(f"{name} meta: invalid content {content!r}, ignored")
        elif name not in chosen:
            chosen[name] = content
        elif chosen[name] != content:
            problems.append(
                f"{name} meta: {content!r} conflicts with the earlier {chosen[name]!r}, ignored"
            )
    return _to_props(chosen), tuple(problems)


def merge_layers(layers: Sequence[tuple[Reason, TdmProps]]) -> tuple[TdmProps, Reason | None]:
    """Combine layers in precedence order (file, header, meta, pdf/epub), per property.

    A later layer's set property supersedes an earlier one; an unset one leaves it alone.
    A layer's policy is ignored when that layer says reservation 0, and the result has no
    policy when the final reservation is 0. Returns the merged props and the Reason of
    the layer that set the final reservation (None if none did).
    """
    reservation: int | None = None
    policy: str | None = None
    reason: Reason | None = None
    for layer_reason, props in layers:
        if props.reservation is not None:
            reservation, reason = props.reservation, layer_reason
        if props.policy is not None and props.reservation != 0:
            policy = props.policy
    return TdmProps(reservation, None if reservation == 0 else policy), reason
