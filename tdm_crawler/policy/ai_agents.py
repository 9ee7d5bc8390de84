"""The list of known AI crawlers whose robots.txt groups count as reservations (§1).

A site that blocks GPTBot or CCBot tells AI developers "not for training" in the only
machine-readable way many sites know. Which tokens count is a judgement that changes as
operators appear, so the list is data (``data/ai_agents.json``), shipped with the operator,
the honest category (what the crawler is for; a block on it reserves for the purposes the
purpose table gives that category) and the operator's documentation of each token, and
users may replace or extend it. The loaded list goes into the crawl manifest, so a record
can always be traced back to the list that produced it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast, get_args

from tdm_crawler import __version__

#: What an agent is for, as its operator documents it. Not a crawl's
#: :class:`~tdm_crawler.policy.purposes.Purpose`: the purpose table maps each category to
#: the purposes a block on the agent reserves (vocabulary ``ai-agent``).
Category = Literal["ai-training", "ai-search", "ai-assistant", "dataset", "unknown"]
CATEGORIES: tuple[Category, ...] = get_args(Category)

# RFC 9309 product tokens are letters, "_" and "-"; real AI crawlers also use digits
# (AI2Bot, img2dataset), so digits are accepted too.
_TOKEN = re.compile(r"[A-Za-z0-9_-]+")
_FIELDS = ("token", "operator", "purpose", "source")

# What a token named on the command line but absent from the packaged list is recorded as.
USER_OPERATOR = "unknown (added by the user)"
USER_SOURCE = "user-supplied"


@dataclass(frozen=True, slots=True)
class AiAgent:
    """One AI crawler: its robots.txt product token, who runs it, what for, per whom.

    ``purpose`` is its category, one of :data:`CATEGORIES`, as the operator documents
    it: ``ai-training`` (model training), ``ai-search`` (AI search or answer engine
    index), ``ai-assistant`` (fetches on behalf of a user's prompt), ``dataset`` (builds
    corpora others train on), ``unknown`` (a token the user added, or one whose operator
    says nothing).
    ``source`` is the public page the entry is based on.
    """

    token: str
    operator: str
    purpose: Category
    source: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def load_agents(spec: str | Path | None = None) -> tuple[AiAgent, ...]:
    """Return the AI-agent list a crawl uses.

    ``spec`` forms:

    * ``None`` or ``""``: the packaged list;
    * ``"GPTBot,CCBot"``: exactly these tokens (comma-separated, spaces ignored); a token
      in the packaged list keeps its operator, purpose and source, matched
      case-insensitively; any other token is recorded as added by the user;
    * ``"+Foo,Bar"``: the packaged list plus these tokens;
    * a :class:`~pathlib.Path`, or a string ending in ``.json`` or containing a path
      separator (a product token has neither): a JSON file in the packaged format, a
      list of ``{"token", "operator", "purpose", "source"}`` objects.

    Tokens are unique case-insensitively: a repeated token in a list spec is dropped (the
    first spelling stays), a repeated token in a JSON file is an error. Raises
    :class:`ValueError` (with what to do) on an unusable spec or file.
    """
    if spec is None:
        return packaged_agents()
    if isinstance(spec, Path):
        return _load_file(spec)
    text = spec.strip()
    if not text:
        return packaged_agents()
    if text.lower().endswith(".json") or "/" in text or "\\" in text:
        return _load_file(Path(text))
    if text.startswith("+"):
        return _merge(packaged_agents(), _tokens(text[1:]))
    return _merge((), _tokens(text))


@cache
def packaged_agents() -> tuple[AiAgent, ...]:
    """The list shipped in ``tdm_crawler/policy/data/ai_agents.json`` (read once)."""
    raw = resources.files("tdm_crawler.policy.data").joinpath("ai_agents.json").read_text("utf-8")
    return agents_from_json(json.loads(raw), origin="the packaged ai_agents.json")


def agents_from_json(data: Any, *, origin: str = "the AI-agent list") -> tuple[AiAgent, ...]:
    """Validate decoded JSON in the packaged format and return its agents, in order."""
    if not isinstance(data, list):
        raise ValueError(f"{origin} must be a JSON array of agent objects")
    agents: list[AiAgent] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(data, start=1):
        where = f"{origin}, entry {index}"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object with keys {', '.join(_FIELDS)}")
        missing = [key for key in _FIELDS if not isinstance(entry.get(key), str)]
        if missing:
            raise ValueError(f"{where}: missing or non-string {', '.join(missing)}")
        unknown = sorted(set(entry) - set(_FIELDS))
        if unknown:
            raise ValueError(f"{where}: unknown keys {', '.join(unknown)}; allowed: {_FIELDS}")
        token = _check_token(entry["token"].strip(), where)
        if entry["purpose"] not in CATEGORIES:
            raise ValueError(f"{where}: purpose {entry['purpose']!r} is not one of {CATEGORIES}")
        key = token.lower()
        if key in seen:
            raise ValueError(f"{where}: token {token!r} repeats entry {seen[key]}")
        seen[key] = index
        agents.append(
            AiAgent(token, entry["operator"], cast(Category, entry["purpose"]), entry["source"])
        )
    return tuple(agents)


def list_version(agents: Iterable[AiAgent]) -> str:
    """A version of the AI-agent list ``agents`` is: the release it ships with and the
    start of the SHA-256 of its entries (``0.1.0+sha256.1a2b3c4d5e6f``).

    The packaged list has no version of its own; this one changes whenever any entry
    does, so a rightsholder can tell two lists apart (``tdm-crawl agent-info``)."""
    return f"{__version__}+sha256.{list_digest(agents)[:12]}"


def list_digest(agents: Iterable[AiAgent]) -> str:
    """The SHA-256 (hex) of the entries, in order, as canonical JSON."""
    entries = [agent.to_json() for agent in agents]
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _load_file(path: Path) -> tuple[AiAgent, ...]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read AI-agent list {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"AI-agent list {path} is not valid UTF-8 JSON: {error}") from None
    return agents_from_json(data, origin=f"AI-agent list {path}")


def _tokens(text: str) -> list[str]:
    tokens = [token.strip() for token in text.split(",")]
    if not any(tokens):
        raise ValueError("empty AI-agent list: give tokens like 'GPTBot,CCBot' or '+MyBot'")
    return [_check_token(token, "AI-agent list") for token in tokens if token]


def _check_token(token: str, where: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise ValueError(
            f"{where}: {token!r} is not a robots.txt product token "
            "(letters, digits, '_' and '-' only)"
        )
    return token


def _merge(base: Iterable[AiAgent], tokens: Iterable[str]) -> tuple[AiAgent, ...]:
    """``base`` followed by ``tokens`` not already present (case-insensitively)."""
    known = {agent.token.lower(): agent for agent in packaged_agents()}
    result = {agent.token.lower(): agent for agent in base}
    for token in tokens:
        key = token.lower()
        if key not in result:
            result[key] = known.get(key) or AiAgent(token, USER_OPERATOR, "unknown", USER_SOURCE)
    return tuple(result.values())
