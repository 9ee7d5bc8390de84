"""The community list of AI crawlers, ai.robots.txt's ``robots.json``, as an AI-agent list.

ai.robots.txt (https://github.com/ai-robots-txt/ai.robots.txt, MIT licence) tracks the
AI crawlers of all kinds, about 160 tokens in 2026, each with ``operator``, ``respect``,
``function``, ``frequency`` and ``description`` texts. Its tokens and operators carry over
as they are; what each crawler is *for* is not a field there, so the category is ours,
read from the texts by the rule below. The packaged list (``data/ai_agents.json``) is
this module's reading of a pinned copy; ``tdm-crawl agents import`` applies it to the
copy a user downloads (no network at run time).

The rule (:func:`categorise`), in order:

1. A text that doubts itself ("unclear", "not currently known", "undocumented", "likely
   used", ...) gives ``unknown``: the crawler may be for anything.
2. Otherwise every use the texts name counts: the ``function`` when it is one of the
   Known Agents classes the list takes its newer entries from (:data:`LABELS`: ``AI
   Assistants``, ``AI Agents`` and ``AI Coding Agents`` -> an assistant's fetch, ``AI
   Search Crawlers`` -> AI search, ``AI Data Scrapers`` -> training, ``AI Data
   Providers`` -> a dataset, ``Undocumented AI Agents`` -> unknown), and the cue words of
   the function and description (:data:`CUES`): "train" -> training; "dataset", "sold",
   "many purposes", "third parties", "makes data available" -> a dataset; "search
   engine", "search results", "AI search" -> AI search; "user prompts", "user queries",
   "on behalf of", "answers", "assistant", "summary" -> an assistant's fetch.
3. The category is the one that reserves, among the purposes the named uses reserve,
   all of them and the fewest others (the purpose table's ``ai-agent`` rows): search
   and an assistant's fetch make ``ai-search``; training and search need ``dataset``,
   which reserves every purpose.
   No use named gives ``unknown``.

So an unclear text never narrows a reservation: ``unknown`` and ``dataset`` reserve every
purpose. The list spells some tokens twice with different case (``meta-externalagent``
and ``Meta-ExternalAgent``); robots.txt matching ignores case, so they are one agent, of
the category that covers both entries' uses, under the first spelling.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tdm_crawler.policy.ai_agents import CATEGORIES, AgentList, AiAgent, Category, check_token
from tdm_crawler.policy.purposes import Purpose, reserved_purposes

__all__ = ["CUES", "LABELS", "categorise", "import_robots_json", "read_robots_json"]

#: The community list's name, in the sources it gives.
COMMUNITY = "ai.robots.txt robots.json"

#: ``function`` values that are Known Agents classes, and the category each says.
LABELS: Final[Mapping[str, Category]] = {
    "ai assistants": "ai-assistant",
    "ai agents": "ai-assistant",
    "ai coding agents": "ai-assistant",
    "ai search crawlers": "ai-search",
    "ai data scrapers": "ai-training",
    "ai data providers": "dataset",
    "undocumented ai agents": "unknown",
}

#: Cue words of the texts (lower-cased) and the category each names. A doubt makes the
#: whole entry ``unknown`` (step 1 of the rule).
CUES: Final[tuple[tuple[Category, re.Pattern[str]], ...]] = (
    (
        "unknown",
        re.compile(
            r"\bunclear\b|not currently known|does not clearly|\bunknown if\b|"
            r"\blikely used\b|\bostensibly\b|\bundocumented\b"
        ),
    ),
    ("ai-training", re.compile(r"\btrain(?:s|ed|ing)?\b")),
    (
        "dataset",
        re.compile(
            r"\bdata ?sets?\b|\bsold\b|\bsells?\b|\bmany purposes\b|\bvariety of uses\b|"
            r"\bthird parties\b|\bmakes? data available\b"
        ),
    ),
    (
        "ai-search",
        re.compile(
            r"\bsearch (?:engines?|results?|index|crawlers?|services?|solution|api)\b|"
            r"\bai(?:-powered)? search\b|\bsearchgpt\b"
        ),
    ),
    (
        "ai-assistant",
        re.compile(
            r"\buser[- ]initiated\b|\buser (?:prompts?|quer(?:y|ies)|requests?|actions?|"
            r"questions?)\b|\bon behalf of\b|\banswers?\b|\bassistants?\b|\bsummar(?:y|ies)\b"
        ),
    ),
)

# The order categories are tried in when several cover the uses named: fewest purposes
# first, so the one chosen reserves least beyond what the texts say.
_BY_BREADTH: Final = sorted(CATEGORIES, key=lambda c: len(reserved_purposes("ai-agent", c)))

_UNKNOWN_USE: Final[frozenset[Category]] = frozenset({"unknown"})
# The community list's "we do not know" operator.
_UNCLEAR_OPERATOR: Final = "unclear at this time."
_MARKDOWN_LINK: Final = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def categorise(function: str, description: str) -> Category:
    """The category of an entry with these ``function`` and ``description`` texts
    (the rule of the module docstring)."""
    return _category(_uses(function, description))


def _uses(function: str, description: str) -> frozenset[Category]:
    label = LABELS.get(function.strip().lower())
    named: set[Category] = set() if label is None else {label}
    text = f"{function}\n{description}".lower()
    named.update(category for category, cue in CUES if cue.search(text))
    return frozenset(named)


def _category(named: Iterable[Category]) -> Category:
    """``unknown`` when a use is unknown or none is named; else the category reserving
    every purpose the ``named`` ones do, with the fewest more."""
    chosen = set(named)
    if not chosen or "unknown" in chosen:
        return "unknown"
    wanted: frozenset[Purpose] = frozenset().union(
        *(reserved_purposes("ai-agent", category) for category in chosen)
    )
    return next(c for c in _BY_BREADTH if wanted <= reserved_purposes("ai-agent", c))


def _operator(text: str) -> str:
    """The operator text without Markdown link syntax; the list's "unclear" is "unknown"."""
    plain = " ".join(_MARKDOWN_LINK.sub(r"\1", text).split())
    return "unknown" if not plain or plain.lower() == _UNCLEAR_OPERATOR else plain


@dataclass(frozen=True, slots=True)
class _Entry:
    token: str
    operator: str
    uses: frozenset[Category]


def import_robots_json(
    data: Any, *, version: str | None, date: str | None, source: str, origin: str = COMMUNITY
) -> AgentList:
    """The AI-agent list of decoded ``robots.json`` ``data`` (an object: token -> texts),
    in the file's order; ``version``, ``date`` and ``source`` identify the copy read, and
    every agent's source is that ``source``. ValueError (one line, naming ``origin`` and
    the entry) on a file that is not the community format."""
    if not isinstance(data, dict) or not data:
        raise ValueError(
            f"{origin} is not ai.robots.txt's robots.json: expected a non-empty JSON object "
            "mapping each User-agent token to its operator, function and description"
        )
    entries: dict[str, _Entry] = {}
    for raw_token, fields in data.items():
        where = f"{origin}, entry {raw_token!r}"
        if not isinstance(fields, dict):
            raise ValueError(f"{where}: expected an object with operator, function, description")
        texts = {}
        for name in ("operator", "function", "description"):
            value = fields.get(name, "")
            if not isinstance(value, str):
                raise ValueError(f"{where}: {name} must be a string")
            texts[name] = value
        token = check_token(raw_token, where)
        # No use named is an unknown use, which a merge with a twin must keep.
        uses = _uses(texts["function"], texts["description"]) or _UNKNOWN_USE
        operator = _operator(texts["operator"])
        key = token.lower()
        earlier = entries.get(key)
        if earlier is not None:  # the same agent spelled with other case: one agent
            operator = earlier.operator if earlier.operator != "unknown" else operator
            entries[key] = _Entry(earlier.token, operator, earlier.uses | uses)
        else:
            entries[key] = _Entry(token, operator, uses)
    agents = tuple(
        AiAgent(
            entry.token,
            entry.operator,
            _category(entry.uses),
            source,
        )
        for entry in entries.values()
    )
    return AgentList(agents, version, date, source)


def read_robots_json(path: Path) -> tuple[Any, str]:
    """The decoded JSON of the file at ``path`` and the SHA-256 of its bytes; ValueError
    (one line) when it cannot be read or is not UTF-8 JSON."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text") from None
    except ValueError as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    return data, hashlib.sha256(raw).hexdigest()
