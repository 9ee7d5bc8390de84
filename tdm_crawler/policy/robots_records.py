"""The one parser of robots.txt: every record, grouped as RFC 9309 groups them (§1).

Every reader of robots.txt asks the groups formed here: our own group's Allow/Disallow
and Crawl-delay (:mod:`tdm_crawler.policy.robots`), the AI-agent groups
(:func:`ai_agent_finding`), Content-Usage and Content-Signal lines
(:mod:`tdm_crawler.policy.aipref`), the global License lines (RSL) and the Sitemap
lines. So a rule has one reading, and records no general-purpose parser keeps
(Content-Usage, License...) are read from the same groups as the rules.
:class:`RobotsRecords` is immutable and answers many queries cheaply.

How lines become groups:

* lines are split as ``str.splitlines`` splits them (CR, LF, CRLF and the other breaks
  Python knows), ``#`` starts a comment, field names are case-insensitive, with the
  common misspellings and colon-less forms read as the field meant (``Dissallow``,
  ``User agent``, ``Disallow /x``);
* consecutive ``user-agent`` lines start one group, and only an access rule ends their
  run: ``allow`` or ``disallow``. Other records between them (``Content-Usage``,
  ``Crawl-delay``, ``Content-Signal``, ``Sitemap``, ``License``, unknown lines) belong to
  the group and do not split it (RFC 9309 §2.2.4), so ``User-agent: a``,
  ``Content-Usage: train-ai=n``, ``User-agent: b``, ``Disallow: /`` is one group for
  ``a`` and ``b``, holding both records;
* ``Sitemap``, ``Host`` and ``License`` are global wherever they stand; a
  ``Content-Signal`` line before the first ``user-agent`` line is global too (it speaks
  to every agent); every other record before that line belongs to no group and is
  dropped, and so are the records of a group whose user-agent lines are all empty;
* a token is the whole user-agent value, compared lower-cased with runs of white space
  read as one space, so values that are no RFC 9309 product token name their group too
  (``ChatGPT Agent``, ``iaskspider/2.0``, ``bigsur.ai``: the AI-agent list has them, and
  sites copy its robots.txt); one written with a wildcard (``GPT*Bot``) is also read
  without it (``gptbot``), the group its author meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar
from urllib.parse import urljoin

from tdm_crawler.policy.ai_agents import AiAgent
from tdm_crawler.policy.pathmatch import match_pieces, normalise, path_and_query, split_pattern
from tdm_crawler.policy.purposes import Purpose, describe_purposes, reserved_purposes
from tdm_crawler.policy.types import Finding, Reason, Signal

T = TypeVar("T")

Record = tuple[str, str]

# Field names as sites write them, mapped to one canonical spelling.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(("user-agent", "useragent", "user agent"), "user-agent"),
    **dict.fromkeys(
        ("disallow", "dissallow", "dissalow", "disalow", "diasllow", "disallaw"), "disallow"
    ),
    "allow": "allow",
    **dict.fromkeys(("sitemap", "sitemaps", "site-map"), "sitemap"),
    **dict.fromkeys(("crawl-delay", "crawl delay"), "crawl-delay"),
    **dict.fromkeys(("request-rate", "request rate"), "request-rate"),
    **dict.fromkeys(("visit-time", "visit time"), "visit-time"),
    "host": "host",
}
# Records about the whole site, wherever they stand in the file.
_GLOBAL = frozenset({"sitemap", "host", "license"})
# Records about the whole site when they stand before the first user-agent line
# (Cloudflare's Content Signals); after it they belong to their group.
_PREAMBLE = frozenset({"content-signal"})
_ACCESS = frozenset({"allow", "disallow"})
# The rule lines of a group: one ends a run of user-agent lines (the rest never do).
_BOM = "\ufeff"


class RobotsGroup(NamedTuple):
    """One group: its product tokens (lower-cased, in order) and its records in order.

    Records are ``(field, value)`` with the field lower-cased (aliases such as
    ``Dissallow`` canonicalised) and the value stripped, comments removed; an empty value
    (``Disallow:``) is kept, as the file says it, though it is no rule. A named tuple
    rather than a dataclass: a hostile file may hold hundreds of thousands of groups.
    """

    agents: tuple[str, ...]
    records: tuple[Record, ...]


@dataclass(frozen=True, slots=True)
class RobotsRecords:
    """A robots.txt as groups of records plus its global records (Sitemap, Host, License,
    Content-Signal lines before the first group).

    Build it once per robots.txt with :meth:`parse`; queries compile what they need on
    first use and keep it, so asking about many URLs costs little per URL.
    """

    groups: tuple[RobotsGroup, ...] = ()
    global_records: tuple[Record, ...] = ()
    _index: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def parse(cls, text: str) -> RobotsRecords:
        """Scan a decoded robots.txt (see the module docstring for the grouping rules)."""
        groups: list[RobotsGroup] = []
        global_records: list[Record] = []
        agents: list[str] = []
        records: list[Record] = []
        ruled = False  # a rule line came after the group's user-agent lines
        started = False  # a user-agent line was seen

        def close() -> None:
            if agents:
                groups.append(RobotsGroup(tuple(agents), tuple(records)))
            agents.clear()
            records.clear()

        for raw_line in text.removeprefix(_BOM).splitlines():
            hash_pos = raw_line.find("#")
            line = (raw_line if hash_pos == -1 else raw_line[:hash_pos]).strip()
            if not line:
                continue
            colon = line.find(":")
            name = _ALIASES.get(line[:colon].rstrip().lower(), "") if colon > 0 else ""
            if name:  # the common "Known-field: value" line, read without a function call
                value = line[colon + 1 :].lstrip()
            else:
                parsed = _extract(line)
                if parsed is None:
                    continue
                name, value = parsed
            if name in _GLOBAL:
                if value:
                    global_records.append((name, value))
            elif name == "user-agent":
                started = True
                if ruled:
                    close()
                    ruled = False
                if value:
                    token = " ".join(value.lower().split())
                    agents.append(token)
                    if token != "*" and "*" in token and token.replace("*", ""):
                        agents.append(token.replace("*", ""))
            else:
                ruled = ruled or name in _ACCESS
                if agents:
                    records.append((name, value))
                elif not started and name in _PREAMBLE and value:
                    global_records.append((name, value))
        close()

        index: dict[str, list[int]] = {}
        for number, group in enumerate(groups):
            for token in dict.fromkeys(group.agents):
                index.setdefault(token, []).append(number)
        return cls(
            tuple(groups),
            tuple(global_records),
            {token: tuple(numbers) for token, numbers in index.items()},
        )

    def groups_naming(self, token: str) -> tuple[RobotsGroup, ...]:
        """The groups whose user-agent lines name ``token`` exactly (case-insensitively).

        Several such groups are read as one, as RFC 9309 asks. The ``*`` group is not a
        fallback here: ``groups_naming("*")`` returns only the ``*`` groups themselves.
        """
        return tuple(self.groups[number] for number in self._index.get(_key(token), ()))

    def names(self, token: str) -> bool:
        """Whether some group's user-agent line names ``token`` (case-insensitively)."""
        return _key(token) in self._index

    def group_key(self, agent: str) -> str | None:
        """The token whose groups ``agent`` obeys: its own token, else ``*``, else None.

        :class:`~tdm_crawler.policy.robots.RobotsFile` obeys the groups this selects.
        """
        own = agent.strip().lower()
        if own in self._index:
            return own
        return "*" if "*" in self._index else None

    def values(self, key: str, field_name: str) -> tuple[str, ...]:
        """The values of every ``field_name`` record in the groups naming ``key``, in order."""
        wanted = field_name.lower()
        return tuple(
            value
            for group in self.groups_naming(key)
            for name, value in group.records
            if name == wanted
        )

    def access_rule(self, key: str, url: str) -> tuple[str, str] | None:
        """The Allow/Disallow deciding ``url`` in the groups naming ``key``, if any matches.

        RFC 9309: the longest pattern (in octets of its percent-encoded form) that matches
        the path and query wins, an Allow beats a Disallow of equal length, and an empty
        value is no rule. Returns ``(field, pattern as written)``.
        """
        rules = self.memo(("access", _key(key)), lambda: _access_rules(self, key))
        deciding = rules.longest(normalise(path_and_query(url)))
        if not deciding:
            return None
        allows = [rule for rule in deciding if rule.payload[0] == "allow"]
        return (allows or list(deciding))[0].payload  # type: ignore[no-any-return]

    def memo(self, key: Any, build: Callable[[], T]) -> T:
        """Return ``build()``, computed once per ``key`` for this robots.txt.

        Readers use it to keep parsed and compiled forms of records between the many
        URLs of one origin; the records themselves stay immutable.
        """
        try:
            return self._memo[key]  # type: ignore[no-any-return]
        except KeyError:
            result = self._memo[key] = build()
            return result


class PathRule:
    """One robots-style path pattern with the payload it carries (a rule, a preference).

    ``length`` is the pattern's length in octets once percent-encoded, RFC 9309's
    measure of specificity; ``index`` its position in the file, to report in file order.
    A plain slotted class: a hostile group may hold hundreds of thousands of rules, and
    a frozen dataclass costs several times more to build.
    """

    __slots__ = ("_anchored", "_pieces", "index", "length", "pattern", "payload")

    def __init__(self, pattern: str, payload: Any, index: int = 0) -> None:
        pieces, anchored = split_pattern(pattern)
        self.pattern = pattern
        self.payload = payload
        self.index = index
        self.length = sum(map(len, pieces)) + len(pieces) - 1 + anchored
        self._pieces = pieces
        self._anchored = anchored

    def __repr__(self) -> str:
        return f"PathRule({self.pattern!r}, {self.payload!r})"

    def matches(self, normalised_path: str) -> bool:
        """Match as :func:`~tdm_crawler.policy.pathmatch.compile_location` does."""
        return match_pieces(self._pieces, self._anchored, normalised_path)


class PathRules:
    """A set of path rules answering "which rules match this path most specifically?".

    Built from ``(pattern, payload)`` pairs in file order. Every pattern starts with a
    literal piece that must prefix the path, so rules are bucketed by that piece, and a
    query looks only at the buckets whose piece prefixes the path, longest rules first,
    stopping below the best length found. A bucket's rules are compiled the first time
    a query reaches it, so a hostile group of half a million rules costs little to load
    and a group of many thousand is as quick to ask as a group of ten.
    """

    __slots__ = ("_built", "_lengths", "_raw")

    def __init__(self, entries: Iterable[tuple[str, Any]]) -> None:
        raw: dict[str, list[tuple[str, Any, int]]] = {}
        for index, (pattern, payload) in enumerate(entries):
            body = pattern[:-1] if pattern.endswith("$") else pattern
            first = normalise(body.split("*", 1)[0])
            bucket = raw.get(first)
            if bucket is None:
                raw[first] = [(pattern, payload, index)]
            else:
                bucket.append((pattern, payload, index))
        self._raw = raw
        self._built: dict[str, list[PathRule]] = {}
        self._lengths = sorted({len(first) for first in raw})

    def longest(self, normalised_path: str) -> tuple[PathRule, ...]:
        """The matching rules of the greatest length (all of them on a tie), in file order."""
        best_length = -1
        best: list[PathRule] = []
        for size in self._lengths:
            if size > len(normalised_path):
                break
            bucket = self._bucket(normalised_path[:size])
            for rule in bucket:
                if rule.length < best_length:
                    break
                if rule.matches(normalised_path):
                    if rule.length > best_length:
                        best_length, best = rule.length, []
                    best.append(rule)
        return tuple(sorted(best, key=_file_order))

    def _bucket(self, first: str) -> Sequence[PathRule]:
        """The rules starting with ``first``, compiled and sorted longest first, once."""
        built = self._built.get(first)
        if built is None:
            entries = self._raw.get(first)
            if entries is None:
                return ()
            built = [PathRule(pattern, payload, index) for pattern, payload, index in entries]
            built.sort(key=_longest_first)
            self._built[first] = built
        return built


def _longest_first(rule: PathRule) -> int:
    return -rule.length


def _file_order(rule: PathRule) -> int:
    return rule.index


def _access_rules(records: RobotsRecords, key: str) -> PathRules:
    """The non-empty Allow/Disallow rules of the groups naming ``key``."""
    return PathRules(
        (value, record)
        for group in records.groups_naming(key)
        for record in group.records
        if record[0] in _ACCESS and (value := record[1])
    )


def _extract(line: str) -> Record | None:
    """Split a stripped, comment-free line into (canonical field, value) (module docstring).

    ``field: value`` is the form; a known field may also be written without the colon
    (``Disallow /x``, ``User agent foo``), and a line that is neither is ignored.
    """
    name: str | None = None
    value = ""
    if ":" in line:
        raw_name, raw_value = line.split(":", 1)
        name = raw_name.strip().lower()
        value = raw_value.strip()
        if name in _ALIASES:
            return _ALIASES[name], value
        if not raw_value or raw_value[0].isspace():
            return name, value
    words = line.split()
    for count in (1, 2):
        candidate = " ".join(words[:count]).lower()
        if candidate in _ALIASES:
            return _ALIASES[candidate], " ".join(words[count:])
    return None if name is None else (name, value)


def license_urls(records: RobotsRecords, robots_url: str) -> tuple[str, ...]:
    """The RSL licence URLs of ``License:`` lines (global), in file order, each once.

    A relative URL is resolved against ``robots_url``, the robots.txt it appears in
    (RSL 1.0). A value that cannot be resolved (an invalid port or IPv6 literal) is kept
    as written: fetching it fails, and the licence is recorded as that failure.
    """
    return _global_urls(records, "license", robots_url)


def sitemap_urls(records: RobotsRecords, robots_url: str) -> tuple[str, ...]:
    """The sitemap URLs of ``Sitemap:`` lines (global), in file order, each once, a
    relative one resolved against ``robots_url`` as a licence's is."""
    return _global_urls(records, "sitemap", robots_url)


def _global_urls(records: RobotsRecords, field_name: str, robots_url: str) -> tuple[str, ...]:
    return tuple(
        dict.fromkeys(
            _resolved(value, robots_url)
            for name, value in records.global_records
            if name == field_name
        )
    )


def _resolved(reference: str, base: str) -> str:
    try:
        return urljoin(base, reference)
    except ValueError:
        return reference


def ai_agent_finding(
    records: RobotsRecords, url: str, agents: Sequence[AiAgent], own_agent: str
) -> Finding:
    """Whether a group naming a known AI crawler disallows ``url`` (ours, protocols §1).

    Only groups whose user-agent lines name an AI token count, never the ``*`` fallback:
    a site that singles out GPTBot has said something about AI use, a ``Disallow`` for
    everyone has not. A disallowing group reserves for the purposes of its agent's
    category (the purpose table's vocabulary ``ai-agent``: a block on an AI search bot
    says nothing about training). The decision inside a group is RFC 9309's (longest match, Allow on
    a tie). Always returns one signal, ``protocol="robots-ai-agent"``, whose value lists
    the tokens (as spelled in the agent list) whose groups disallow the URL, possibly
    none, and whose detail says what every named AI group decided. Our own token being in
    the list changes nothing: this reads the AI groups only; obeying our own group is
    :mod:`tdm_crawler.policy.robots`'s job.
    """
    reserving: list[str] = []
    purposes: frozenset[Purpose] = frozenset()
    notes: list[str] = []
    named, own_listed = _named_agents(records, agents, own_agent)
    for agent in named:
        rule = records.access_rule(agent.token, url)
        if rule is not None and rule[0] == "disallow":
            reserving.append(agent.token)
            purposes |= reserved_purposes("ai-agent", agent.purpose)
            notes.append(f"{agent.token}: Disallow {_clip(rule[1])} ({agent.purpose})")
        elif rule is None:
            notes.append(f"{agent.token}: allowed, no rule matches")
        else:
            notes.append(f"{agent.token}: allowed by Allow {_clip(rule[1])}")
    if not notes:
        detail = f"no robots.txt group names any of the {len(agents)} known AI agents"
    elif reserving:
        detail = (
            "disallowed in groups naming AI agents, read as a reservation for "
            f"{describe_purposes(purposes)}: "
        )
        detail += "; ".join(notes)
    else:
        detail = "groups naming AI agents allow this URL: " + "; ".join(notes)
    if own_listed:
        detail += f" (our own token {own_agent!r} is in the AI-agent list)"
    signal = Signal("robots-ai-agent", "robots.txt", reserving, detail)
    return Finding((signal,), Reason.ROBOTS_AI_AGENT if reserving else None, purposes)


def _named_agents(
    records: RobotsRecords, agents: Sequence[AiAgent], own_agent: str
) -> tuple[tuple[AiAgent, ...], bool]:
    """The agents some group of ``records`` names (never ``*``: the fallback group never
    counts), and whether ``own_agent`` is in ``agents``.

    Worked out once per robots.txt and list (the list is long, a file names few of its
    agents, and an origin's many URLs ask the same): kept in the records' memo under the
    list's identity. The memo holds the list too, so while the answer is kept no other
    list can have that identity.
    """

    def build() -> tuple[Sequence[AiAgent], tuple[AiAgent, ...], bool]:
        named = tuple(
            agent for agent in agents if _key(agent.token) != "*" and records.names(agent.token)
        )
        own = _key(own_agent)
        return agents, named, any(_key(agent.token) == own for agent in agents)

    _, named, own_listed = records.memo(("ai-agents", id(agents), own_agent), build)
    return named, own_listed


def _key(token: str) -> str:
    """A user-agent token as groups are indexed: lower-cased, white space runs one space."""
    return " ".join(token.lower().split())


def _clip(pattern: str, keep: int = 200) -> str:
    """A pattern short enough for a record (a hostile file may hold megabyte-long ones)."""
    return pattern if len(pattern) <= keep else pattern[:keep] + "..."
