"""IETF AI preferences (aipref vocab -08, attach -05) and Cloudflare's Content Signals (§4).

``Content-Usage`` carries a Structured Fields dictionary (RFC 9651) of usage category ->
``y``/``n`` token, in an HTTP response header or in robots.txt ``Content-Usage: [path]
prefs`` rules of a user-agent group. The vocabulary's rules are followed to the letter:
labels are case-sensitive, only the tokens ``y`` and ``n`` mean anything, unknown labels
are ignored, the last duplicate key wins, and a field that does not parse leaves every
preference unknown (recorded, never raised). Parameters change no preference, but they
are kept in the signal (the CC signals' ``exceptions=cc-cr`` says on which terms a
rightsholder would allow what the ``n`` refuses). Each preference read, ``label=y|n``,
is looked up in the purpose table (vocabulary ``aipref``): ``train-ai=n`` reserves
``ai-training``, ``search=n`` reserves ``search``, the legacy labels what the draft that
defined them meant; a label the table does not know reserves nothing.

``ai-train``, Content Signals' spelling, is a frequent mix-up in ``Content-Usage``: it is
read *as* ``train-ai`` (ours), one key under two spellings, so of ``ai-train=n,
train-ai=y`` the member written last wins, as for any duplicate key.

Cloudflare's ``Content-Signal: search=yes, ai-train=no, ai-input=yes, use=reference`` is
read alike, in robots.txt (in a group, and before the first group for every agent) and
as a header, through the vocabulary ``content-signal``: ``ai-train=no``, ``ai-input=no``
and ``search=no`` reserve the purpose they name; ``use=immediate`` and ``use=reference``
forbid keeping a full copy, which a storing crawl does whatever it is for.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import http_sf

from tdm_crawler.policy.pathmatch import normalise, path_and_query
from tdm_crawler.policy.purposes import Reservations, reservations
from tdm_crawler.policy.robots_records import PathRule, PathRules, RobotsRecords
from tdm_crawler.policy.types import Finding, Reason, Signal

# Records keep at most this much of a value read from the wire, this many rules, this
# many preferences of one statement and this many parameters of one preference.
_MAX_VALUE = 1024
_MAX_RULES = 20
_MAX_PREFS = 50
_MAX_PARAMETERS = 10

#: Spellings of aipref labels read as the label they are mistaken for (ours).
ALIASES: Mapping[str, str] = {"ai-train": "train-ai"}

# A top-level member of a valid RFC 9651 dictionary starts at the field's start or after
# a comma outside any string; strings (also display strings) are the only place a comma
# or a quote can hide. Used to find where each spelling of an aliased key was written.
_MEMBER_KEY = re.compile(r'"(?:[^"\\]|\\.)*"|(?:^|,)[ \t]*([a-z*][a-z0-9_.*-]*)')

#: Content-Signal keys that take other values than yes/no, with their values, most
#: restrictive first (a key given twice keeps its most restrictive value).
_SIGNAL_VALUES: Mapping[str, tuple[str, ...]] = {"use": ("immediate", "reference", "full")}
_YES_NO = ("no", "yes")

#: A preference's parameters as recorded: name -> JSON value.
Parameters = tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of preferences: the labels it sets, or why none.

    ``prefs`` holds only explicit preferences (``y``/``n`` for aipref, ``yes``/``no`` or a
    ``use`` value for Content-Signal), under their canonical label; everything else is
    unknown. ``parameters`` are those of the preferences that carry any (label ->
    parameters), ``aliased`` the labels read from another spelling (``ai-train``).
    ``error`` says why the statement could not be read at all (then ``prefs`` is empty).
    """

    text: str
    prefs: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    parameters: tuple[tuple[str, Parameters], ...] = ()
    aliased: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.error is not None:
            return f"{_clip(self.text)!r}: unreadable ({self.error}), preferences unknown"
        if not self.prefs:
            return f"{_clip(self.text)!r}: no y/n preference"
        parameters = dict(self.parameters)
        said = []
        for key, value in self.prefs[:_MAX_PREFS]:
            text = f"{key}={value}"
            if key in self.aliased:
                text += f" (written {_spelling(key)})"
            if key in parameters:
                text += " with " + ";".join(f"{name}={v}" for name, v in parameters[key])
            said.append(text)
        if len(self.prefs) > _MAX_PREFS:
            said.append(f"and {len(self.prefs) - _MAX_PREFS} more")
        return _clip(", ".join(said))

    def to_json(self) -> dict[str, Any]:
        """``{"field", "preferences", "parameters"}``: the text as read, label -> value,
        and label -> {name: value} for the preferences with parameters (bounded)."""
        shown = dict(self.prefs[:_MAX_PREFS])
        return {
            "field": _clip(self.text),
            "preferences": shown,
            "parameters": {
                key: dict(parameters) for key, parameters in self.parameters if key in shown
            },
        }


def parse_usage(text: str) -> Statement:
    """Read one aipref preference expression (an RFC 9651 dictionary).

    Uses ``http_sf``, a complete RFC 9651 parser: a value it rejects (bad syntax,
    upper-case keys, non-ASCII) yields unknown preferences with the reason. A key and
    its alias are one key: the member written last gives its value (see the module
    docstring).
    """
    if not text.isascii():
        return Statement(text, error="non-ASCII characters are not Structured Fields")
    try:
        parsed = http_sf.parse(text.encode("ascii"), tltype="dictionary")
    except ValueError as error:  # http_sf.StructuredFieldError is a ValueError
        return Statement(text, error=str(error))
    if not isinstance(parsed, dict):  # cannot happen with tltype="dictionary"
        return Statement(text, error="not a dictionary")
    members: dict[str, Any] = dict(parsed)
    aliased: list[str] = []
    for alias, label in ALIASES.items():
        if alias not in members:
            continue
        member = members.pop(alias)
        if label not in members or _written_after(text, alias, label):
            members[label] = member
            aliased.append(label)
    prefs: list[tuple[str, str]] = []
    parameters: list[tuple[str, Parameters]] = []
    for key, member in members.items():
        item, params = member if isinstance(member, tuple) else (member, {})
        if isinstance(item, http_sf.Token) and str(item) in ("y", "n"):
            prefs.append((key, str(item)))
            if params:
                parameters.append((key, _parameters(params)))
    kept = {key for key, _ in prefs}
    return Statement(
        text, tuple(prefs), None, tuple(parameters), tuple(a for a in aliased if a in kept)
    )


def _written_after(text: str, alias: str, label: str) -> bool:
    """Whether the last member keyed ``alias`` comes after the last keyed ``label``."""
    last: dict[str, int] = {}
    for index, match in enumerate(_MEMBER_KEY.finditer(text)):
        if match.group(1) in (alias, label):
            last[match.group(1)] = index
    return last.get(alias, -1) > last.get(label, -1)


def _spelling(label: str) -> str:
    return next(alias for alias, target in ALIASES.items() if target == label)


def _parameters(params: Mapping[str, Any]) -> Parameters:
    """A preference's parameters as JSON values: tokens and strings as text, byte
    sequences and dates as RFC 9651 writes them (``:base64:``, ``@seconds``)."""
    return tuple(
        (name, _json_value(value)) for name, value in list(params.items())[:_MAX_PARAMETERS]
    )


def _json_value(value: Any) -> Any:
    if isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal | float):
        return float(value)
    if isinstance(value, bytes):
        return _clip(":" + base64.b64encode(value).decode("ascii") + ":")
    if isinstance(value, datetime):
        return f"@{int(value.timestamp())}"
    return _clip(str(value))


def parse_signal(text: str) -> Statement:
    """Read one Content-Signal value: ``key=value`` pairs separated by commas.

    Not a Structured Field: Cloudflare defines a plain list, so keys and values are
    compared case-insensitively and trimmed (ours). A pair counts when its value is
    ``yes``/``no``, or for ``use`` one of ``immediate``, ``reference``, ``full``; other
    pairs are ignored, and a key given twice keeps its most restrictive value (``no``;
    for ``use`` the first of immediate, reference, full).
    """
    prefs: dict[str, str] = {}
    for pair in text.split(","):
        key, equals, value = pair.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        allowed = _SIGNAL_VALUES.get(key, _YES_NO)
        if not (equals and key and value in allowed):
            continue
        kept = prefs.get(key)
        if kept is None or allowed.index(value) < allowed.index(kept):
            prefs[key] = value
    return Statement(text, tuple(prefs.items()))


def usage_reserves(statements: Iterable[Statement]) -> Reservations:
    """The preferences some statement states that reserve for some purpose, as
    ``label=n`` with their purposes (vocab §7.1).

    Statements combine most restrictively: one ``n`` anywhere is enough.
    """
    return _reserves("aipref", statements)


def signal_reserves(statements: Iterable[Statement]) -> Reservations:
    """The Content-Signal pairs some statement states that reserve (``ai-train=no``,
    ``use=reference``...)."""
    return _reserves("content-signal", statements)


def _reserves(vocabulary: str, statements: Iterable[Statement]) -> Reservations:
    said = (f"{key}={value}" for statement in statements for key, value in statement.prefs)
    return reservations(vocabulary, said)


@dataclass(frozen=True, slots=True)
class _Kind:
    """What differs between reading Content-Usage and Content-Signal."""

    label: str
    protocol: str
    reason: Reason
    parse: Callable[[str], Statement]
    reserves: Callable[[Iterable[Statement]], Reservations]
    describe: Callable[[Statement], str]
    only_crawlable: bool  # attach §3: preferences exist only for crawlable paths
    global_lines: bool  # lines before the first group count for every agent


def _describe_signal(statement: Statement) -> str:
    if not statement.prefs:
        return f"{_clip(statement.text)!r}: no key=yes|no or use= pair"
    return _clip(", ".join(f"{key}={value}" for key, value in statement.prefs))


_USAGE = _Kind(
    "Content-Usage",
    "content-usage",
    Reason.CONTENT_USAGE,
    parse_usage,
    usage_reserves,
    Statement.describe,
    only_crawlable=True,
    global_lines=False,
)
_SIGNAL = _Kind(
    "Content-Signal",
    "content-signal",
    Reason.CONTENT_SIGNAL,
    parse_signal,
    signal_reserves,
    _describe_signal,
    only_crawlable=False,
    global_lines=True,
)


def content_usage_header_finding(headers: Mapping[str, Sequence[str]]) -> Finding:
    """Read the ``Content-Usage`` header of a response (protocols §4, attach §2).

    Several field lines are one field, joined with commas before parsing as RFC 9651
    says, so a key repeated on a later line overrides an earlier one and one unreadable
    line makes the whole field unknown. Always one signal (``protocol="content-usage"``,
    ``source="header"``) whose value is the field read (:meth:`Statement.to_json`), or
    None when absent.
    """
    values = _header_values(headers, "content-usage")
    if not values:
        return _finding(_USAGE, "header", None, "no Content-Usage header", Reservations())
    statement = parse_usage(", ".join(values))
    detail = f"Content-Usage: {statement.describe()}"
    reserved = usage_reserves([statement])
    return _finding(_USAGE, "header", statement.to_json(), detail, reserved)


def content_signal_header_finding(headers: Mapping[str, Sequence[str]]) -> Finding:
    """Read every ``Content-Signal`` header line; a reserving pair reserves its purposes.

    Each line is its own statement (the format is no Structured Field, so nothing says
    lines merge); they combine most restrictively. Always one signal
    (``protocol="content-signal"``, ``source="header"``), value the lines read, one
    :meth:`Statement.to_json` each (at most ``_MAX_RULES``), or None when absent.
    """
    values = _header_values(headers, "content-signal")
    if not values:
        return _finding(_SIGNAL, "header", None, "no Content-Signal header", Reservations())
    statements = [parse_signal(value) for value in values]
    detail = "Content-Signal: " + "; ".join(_describe_signal(s) for s in statements)
    value = [statement.to_json() for statement in statements[:_MAX_RULES]]
    return _finding(_SIGNAL, "header", value, _clip(detail), signal_reserves(statements))


def content_usage_robots_finding(records: RobotsRecords, url: str, agent: str) -> Finding:
    """Read the ``Content-Usage`` rules of robots.txt that apply to ``url`` (attach §3).

    The rules of the group our agent obeys (its own token, else ``*``) count; the longest
    matching path wins like Allow/Disallow, a rule without a path counts only where no
    rule with a path matches (an explicit ``/`` is longer than no path), and rules of
    equal length combine, any ``n`` winning. A path the group disallows has no
    preferences (robots.txt itself forbids it). Always one signal
    (``protocol="content-usage"``, ``source="robots.txt"``) whose value lists the
    deciding rules (``[]`` when none applies), each ``{"path", "global", "field",
    "preferences", "parameters"}``.
    """
    return _robots_finding(records, url, agent, _USAGE)


def content_signal_finding(records: RobotsRecords, url: str, agent: str) -> Finding:
    """Read the ``Content-Signal`` lines of robots.txt that apply to ``url`` (ours).

    The lines of the group our agent obeys, and the global lines (written before the
    first ``User-agent``), which count for every agent as if written in its group: the
    same path rules as :func:`content_usage_robots_finding`, except that Cloudflare does
    not tie them to crawlable paths. Always one signal (``protocol="content-signal"``,
    ``source="robots.txt"``), its value as for Content-Usage.
    """
    return _robots_finding(records, url, agent, _SIGNAL)


@dataclass(frozen=True, slots=True)
class _Line:
    """One robots.txt preference line: its path as written (None: no path), whether it
    stands before every group, and its statement."""

    path: str | None
    is_global: bool
    statement: Statement

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "global": self.is_global, **self.statement.to_json()}

    def describe(self, kind: _Kind) -> str:
        where = "global " if self.is_global else ""
        path = self.path if self.path is not None else "(no path)"
        return f"{where}{_clip(path)} {kind.describe(self.statement)}"


class _Lines:
    """The preference lines that can apply to one group: path rules, and the lines
    without a path, which apply where no path rule matches."""

    __slots__ = ("pathless", "paths")

    def __init__(self, lines: Iterable[_Line]) -> None:
        lines = list(lines)
        self.paths = PathRules((line.path, line) for line in lines if line.path is not None)
        self.pathless = tuple(line for line in lines if line.path is None)

    def deciding(self, normalised_path: str) -> list[_Line]:
        rules: tuple[PathRule, ...] = self.paths.longest(normalised_path)
        if rules:
            return [rule.payload for rule in rules]
        return list(self.pathless)


def _robots_finding(records: RobotsRecords, url: str, agent: str, kind: _Kind) -> Finding:
    key = records.group_key(agent)
    lines = records.memo((kind.protocol, key), lambda: _lines(records, key, kind))
    if key is None:
        where = f"no robots.txt group applies to {agent!r}"
        if lines is None:
            detail = f"{where}, so no {kind.label} rules"
            return _finding(kind, "robots.txt", [], detail, Reservations())
    else:
        where = f"group {key!r}"
    if lines is None:
        nothing = Reservations()
        return _finding(kind, "robots.txt", [], f"{where}: no {kind.label} rules", nothing)
    if kind.only_crawlable and key is not None:
        access = records.access_rule(key, url)
        if access is not None and access[0] == "disallow":
            detail = (
                f"{where}: Disallow {access[1]} applies, and {kind.label} rules cover only "
                "crawlable paths"
            )
            return _finding(kind, "robots.txt", [], detail, Reservations())
    deciding = lines.deciding(normalise(path_and_query(url)))
    if not deciding:
        detail = f"{where}: no {kind.label} path matches"
        return _finding(kind, "robots.txt", [], detail, Reservations())
    shown = deciding[:_MAX_RULES]
    value = [line.to_json() for line in shown]
    described = "; ".join(line.describe(kind) for line in shown)
    if len(deciding) > len(shown):
        described += f"; and {len(deciding) - len(shown)} more rules of the same length"
    detail = f"{where}: {kind.label} {described}"
    reserved = kind.reserves(line.statement for line in deciding)
    return _finding(kind, "robots.txt", value, detail, reserved)


def _lines(records: RobotsRecords, key: str | None, kind: _Kind) -> _Lines | None:
    """The lines of one kind that apply to the group ``key`` (None: no group applies):
    the global ones first, then the group's, each with its parsed statement."""
    found = [
        (True, value)
        for name, value in (records.global_records if kind.global_lines else ())
        if name == kind.protocol
    ]
    if key is not None:
        found += [(False, value) for value in records.values(key, kind.protocol)]
    if not found:
        return None
    return _Lines(_line(value, is_global, kind) for is_global, value in found)


def _line(value: str, is_global: bool, kind: _Kind) -> _Line:
    path, prefs = _split_path(value)
    return _Line(path, is_global, kind.parse(prefs))


def _split_path(value: str) -> tuple[str | None, str]:
    """``/path prefs`` -> (``/path``, ``prefs``); without a leading ``/``, no path."""
    if not value.startswith("/"):
        return None, value
    for position, char in enumerate(value):
        if char in " \t":
            return value[:position], value[position:].strip(" \t")
    return value, ""


def _finding(
    kind: _Kind, source: str, value: object, detail: str, reserved: Reservations
) -> Finding:
    detail += f"; reserved by {reserved.describe()}" if reserved else "; no TDM reservation"
    signal = Signal(kind.protocol, source, value, detail)
    return Finding((signal,), kind.reason if reserved else None, reserved.purposes)


def _header_values(headers: Mapping[str, Sequence[str]], wanted: str) -> list[str]:
    return [
        value.strip()
        for name, values in headers.items()
        if name.lower() == wanted
        for value in values
    ]


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE] + "..."
