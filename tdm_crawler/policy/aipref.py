"""IETF AI preferences (aipref vocab, attach) and Cloudflare's Content-Signal (§4).

``Content-Usage`` carries a Structured Fields dictionary (RFC 9651) of usage category ->
``y``/``n`` token, in an HTTP response header or in robots.txt ``Content-Usage: [path]
prefs`` rules of a user-agent group. The vocabulary's rules are followed to the letter:
labels are case-sensitive, only the tokens ``y`` and ``n`` mean anything, unknown labels
and parameters are ignored, the last duplicate key wins, and a field that does not parse
leaves every preference unknown (recorded, never raised). Each preference read,
``label=y|n``, is looked up in the purpose table (vocabulary ``aipref``): ``train-ai=n``
reserves ``ai-training``, ``search=n`` reserves ``search``, the legacy labels what the
draft that defined them meant; a label the table does not know reserves nothing.

Cloudflare's ``Content-Signal: search=yes, ai-train=no, ai-input=yes`` is read alike,
in robots.txt groups and as a header, through the vocabulary ``content-signal``:
``ai-train=no``, ``ai-input=no`` and ``search=no`` reserve the purpose they name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import http_sf

from tdm_crawler.policy.pathmatch import normalise, path_and_query
from tdm_crawler.policy.purposes import Reservations, reservations
from tdm_crawler.policy.robots_records import PathRules, RobotsRecords
from tdm_crawler.policy.types import Finding, Reason, Signal

# Records keep at most this much of a value read from the wire, and this many rules.
_MAX_VALUE = 1024
_MAX_RULES = 20


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of preferences: the labels it sets to ``y``/``n``, or why none.

    ``prefs`` holds only explicit preferences (``y``/``n`` for aipref, ``yes``/``no``
    for Content-Signal); everything else is unknown. ``error`` says why the statement
    could not be read at all (then ``prefs`` is empty).
    """

    text: str
    prefs: tuple[tuple[str, str], ...] = ()
    error: str | None = None

    def describe(self) -> str:
        if self.error is not None:
            return f"{_clip(self.text)!r}: unreadable ({self.error}), preferences unknown"
        if not self.prefs:
            return f"{_clip(self.text)!r}: no y/n preference"
        return _clip(", ".join(f"{key}={value}" for key, value in self.prefs))


def parse_usage(text: str) -> Statement:
    """Read one aipref preference expression (an RFC 9651 dictionary).

    Uses ``http_sf``, a complete RFC 9651 parser: a value it rejects (bad syntax,
    upper-case keys, non-ASCII) yields unknown preferences with the reason.
    """
    if not text.isascii():
        return Statement(text, error="non-ASCII characters are not Structured Fields")
    try:
        parsed = http_sf.parse(text.encode("ascii"), tltype="dictionary")
    except ValueError as error:  # http_sf.StructuredFieldError is a ValueError
        return Statement(text, error=str(error))
    if not isinstance(parsed, dict):  # cannot happen with tltype="dictionary"
        return Statement(text, error="not a dictionary")
    prefs: list[tuple[str, str]] = []
    for key, member in parsed.items():
        # A member is (value, parameters); parameters are ignored (vocab §6.5).
        item = member[0] if isinstance(member, tuple) else member
        if isinstance(item, http_sf.Token) and str(item) in ("y", "n"):
            prefs.append((key, str(item)))
    return Statement(text, tuple(prefs))


def parse_signal(text: str) -> Statement:
    """Read one Content-Signal value: ``key=yes|no`` pairs separated by commas.

    Not a Structured Field: Cloudflare defines a plain list, so keys and values are
    compared case-insensitively and trimmed (ours), pairs that are not ``key=yes|no``
    are ignored, and a key given twice keeps its most restrictive value (``no``).
    """
    prefs: dict[str, str] = {}
    for pair in text.split(","):
        key, equals, value = pair.partition("=")
        key, value = key.strip().lower(), value.strip().lower()
        if equals and key and value in ("yes", "no") and prefs.get(key) != "no":
            prefs[key] = value
    return Statement(text, tuple(prefs.items()))


def usage_reserves(statements: Iterable[Statement]) -> Reservations:
    """The preferences some statement states that reserve for some purpose, as
    ``label=n`` with their purposes (vocab §7.1).

    Statements combine most restrictively: one ``n`` anywhere is enough.
    """
    return _reserves("aipref", statements)


def signal_reserves(statements: Iterable[Statement]) -> Reservations:
    """The Content-Signal pairs some statement states that reserve (``ai-train=no``...)."""
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


def _describe_signal(statement: Statement) -> str:
    if not statement.prefs:
        return f"{_clip(statement.text)!r}: no key=yes|no pair"
    return _clip(", ".join(f"{key}={value}" for key, value in statement.prefs))


_USAGE = _Kind(
    "Content-Usage",
    "content-usage",
    Reason.CONTENT_USAGE,
    parse_usage,
    usage_reserves,
    Statement.describe,
    True,
)
_SIGNAL = _Kind(
    "Content-Signal",
    "content-signal",
    Reason.CONTENT_SIGNAL,
    parse_signal,
    signal_reserves,
    _describe_signal,
    False,
)


def content_usage_header_finding(headers: Mapping[str, Sequence[str]]) -> Finding:
    """Read the ``Content-Usage`` header of a response (protocols §4, attach §2).

    Several field lines are one field, joined with commas before parsing as RFC 9651
    says, so a key repeated on a later line overrides an earlier one and one unreadable
    line makes the whole field unknown. Always one signal (``protocol="content-usage"``,
    ``source="header"``) whose value is the field as read (None when absent).
    """
    values = _header_values(headers, "content-usage")
    if not values:
        return _finding(_USAGE, "header", None, "no Content-Usage header", Reservations())
    statement = parse_usage(", ".join(values))
    detail = f"Content-Usage: {statement.describe()}"
    return _finding(_USAGE, "header", _clip(statement.text), detail, usage_reserves([statement]))


def content_signal_header_finding(headers: Mapping[str, Sequence[str]]) -> Finding:
    """Read every ``Content-Signal`` header line; a ``no`` reserves its purpose (ours).

    Each line is its own statement (the format is no Structured Field, so nothing says
    lines merge); they combine most restrictively. Always one signal
    (``protocol="content-signal"``, ``source="header"``), value the lines as read.
    """
    values = _header_values(headers, "content-signal")
    if not values:
        return _finding(_SIGNAL, "header", None, "no Content-Signal header", Reservations())
    statements = [parse_signal(value) for value in values]
    detail = "Content-Signal: " + "; ".join(_describe_signal(s) for s in statements)
    value = _clip(", ".join(values))
    return _finding(_SIGNAL, "header", value, detail, signal_reserves(statements))


def content_usage_robots_finding(records: RobotsRecords, url: str, agent: str) -> Finding:
    """Read the ``Content-Usage`` rules of robots.txt that apply to ``url`` (attach §3).

    The rules of the group our agent obeys (its own token, else ``*``) count; the longest
    matching path wins like Allow/Disallow, a rule without a path means ``/`` (ours:
    earlier drafts allowed it), and rules of equal length combine, any ``n`` winning.
    A path the group disallows has no preferences (robots.txt itself forbids it).
    Always one signal (``protocol="content-usage"``, ``source="robots.txt"``) whose value
    lists the deciding rules as written (``[]`` when none applies).
    """
    return _robots_finding(records, url, agent, _USAGE)


def content_signal_finding(records: RobotsRecords, url: str, agent: str) -> Finding:
    """Read the ``Content-Signal`` lines of robots.txt that apply to ``url`` (ours).

    The same group selection and path rules as :func:`content_usage_robots_finding`,
    except that Cloudflare does not tie them to crawlable paths; a ``no`` reserves the
    purpose it names. Always one signal (``protocol="content-signal"``, ``source="robots.txt"``).
    """
    return _robots_finding(records, url, agent, _SIGNAL)


def _robots_finding(records: RobotsRecords, url: str, agent: str, kind: _Kind) -> Finding:
    key = records.group_key(agent)
    if key is None:
        detail = f"no robots.txt group applies to {agent!r}, so no {kind.label} rules"
        return _finding(kind, "robots.txt", [], detail, Reservations())
    group = f"group {key!r}"
    rules = records.memo((kind.protocol, key), lambda: _rules(records, key, kind))
    if rules is None:
        nothing = Reservations()
        return _finding(kind, "robots.txt", [], f"{group}: no {kind.label} rules", nothing)
    if kind.only_crawlable:
        access = records.access_rule(key, url)
        if access is not None and access[0] == "disallow":
            detail = (
                f"{group}: Disallow {access[1]} applies, and {kind.label} rules cover only "
                "crawlable paths"
            )
            return _finding(kind, "robots.txt", [], detail, Reservations())
    deciding = rules.longest(normalise(path_and_query(url)))
    if not deciding:
        detail = f"{group}: no {kind.label} path matches"
        return _finding(kind, "robots.txt", [], detail, Reservations())
    shown = deciding[:_MAX_RULES]
    value = [_clip(f"{rule.pattern} {rule.payload.text}") for rule in shown]
    described = "; ".join(f"{rule.pattern} {kind.describe(rule.payload)}" for rule in shown)
    if len(deciding) > len(shown):
        described += f"; and {len(deciding) - len(shown)} more rules of the same length"
    detail = f"{group}: {kind.label} {described}"
    reserved = kind.reserves(rule.payload for rule in deciding)
    return _finding(kind, "robots.txt", value, detail, reserved)


def _rules(records: RobotsRecords, key: str, kind: _Kind) -> PathRules | None:
    """The group's rules of one kind, as path rules carrying their parsed statements."""
    lines = records.values(key, kind.protocol)
    if not lines:
        return None
    return PathRules((path, kind.parse(prefs)) for path, prefs in map(_split_path, lines))


def _split_path(value: str) -> tuple[str, str]:
    """``/path prefs`` -> (``/path``, ``prefs``); without a leading ``/``, the path is ``/``."""
    if not value.startswith("/"):
        return "/", value
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
