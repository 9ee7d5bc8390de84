"""The list of known AI crawlers whose robots.txt groups count as reservations (§1.1).

A site that blocks GPTBot or CCBot tells AI developers "not for training" in the only
machine-readable way many sites know. Which tokens count is a judgement that changes as
operators appear, so the list is data (``data/ai_agents.json``): what
:mod:`tdm_crawler.policy.ai_robots_txt` makes of a pinned copy of the community-maintained
ai.robots.txt ``robots.json``, with the operator, the category (what the crawler is for; a
block on it reserves for the purposes the purpose table gives that category) and the source
of each token, and the list's own version and date. Users may replace or extend it
(``TDM_AI_AGENTS``). The loaded list, and its version, go into the crawl manifest, so a
record can always be traced back to the list that produced it.

A token is a robots.txt ``User-agent`` value as sites write it, which is not always an
RFC 9309 product token: the community list has ``ChatGPT Agent``, ``iaskspider/2.0`` and
``bigsur.ai``, and sites copy its robots.txt. Such a value names the group whose
user-agent line says exactly that (case-insensitively, runs of white space read as one
space), as :mod:`tdm_crawler.policy.robots_records` stores it. Only the crawler's own
``--agent`` must be a product token (:mod:`tdm_crawler.policy.product_token`).
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast, get_args, overload

#: What an agent is for, as its operator (or the community list) documents it. Not a
#: crawl's :class:`~tdm_crawler.policy.purposes.Purpose`: the purpose table maps each
#: category to the purposes a block on the agent reserves (vocabulary ``ai-agent``).
Category = Literal["ai-training", "ai-search", "ai-assistant", "dataset", "unknown"]
CATEGORIES: tuple[Category, ...] = get_args(Category)

_FIELDS = ("token", "operator", "purpose", "source")
_LIST_FIELDS = ("version", "date", "source", "agents")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A User-agent value: printable ASCII starting with a letter or digit (so a path such as
# /etc/agents is not taken for one), without "#" (a robots.txt comment starts there, so no
# line can say it), "*" (a wildcard names no one agent) or "," (TDM_AI_AGENTS separates
# tokens with it). White space inside is one space, as robots_records compares it.
_TOKEN = re.compile(r"[A-Za-z0-9](?:[ -~]*[!-~])?")
_NOT_IN_TOKEN = frozenset("#*,")

# What a token named on the command line but absent from the packaged list is recorded as.
USER_OPERATOR = "unknown (added by the user)"
USER_SOURCE = "user-supplied"


@dataclass(frozen=True, slots=True)
class AiAgent:
    """One AI crawler: its robots.txt token, who runs it, what for, per whom.

    ``purpose`` is its category, one of :data:`CATEGORIES`: ``ai-training`` (model
    training), ``ai-search`` (AI search or answer engine index), ``ai-assistant``
    (fetches on behalf of a user's prompt or task), ``dataset`` (builds corpora others
    use for anything), ``unknown`` (a token the user added, or one whose use is unclear).
    ``source`` is where the entry comes from (the community list at its commit).
    """

    token: str
    operator: str
    purpose: Category
    source: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AgentList(Sequence[AiAgent]):
    """The AI agents a crawl uses, with what identifies the list: its ``version`` and
    ``date`` (None when the list does not say: a token list, a file without them) and
    ``source`` (where it comes from). A sequence of its agents, in order."""

    agents: tuple[AiAgent, ...]
    version: str | None = None
    date: str | None = None
    source: str = USER_SOURCE

    def __post_init__(self) -> None:
        if self.version is not None and not (
            isinstance(self.version, str) and self.version.strip()
        ):
            raise ValueError(f"version {self.version!r} must be a non-empty string or null")
        if self.date is not None and not (isinstance(self.date, str) and _is_date(self.date)):
            raise ValueError(f"date {self.date!r} is not a YYYY-MM-DD date (or null)")
        if not (isinstance(self.source, str) and self.source.strip()):
            raise ValueError(f"source {self.source!r} must be a non-empty string")

    @overload
    def __getitem__(self, index: int) -> AiAgent: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[AiAgent]: ...
    def __getitem__(self, index: int | slice) -> AiAgent | Sequence[AiAgent]:
        return self.agents[index]

    def __len__(self) -> int:
        return len(self.agents)

    def __iter__(self) -> Iterator[AiAgent]:
        return iter(self.agents)

    def to_json(self) -> dict[str, Any]:
        """The list file format: what ``tdm-crawl agents import`` writes and
        ``TDM_AI_AGENTS=FILE`` reads."""
        return {
            "version": self.version,
            "date": self.date,
            "source": self.source,
            "agents": [agent.to_json() for agent in self.agents],
        }


def agent_list_info(agents: AgentList | None = None) -> dict[str, Any]:
    """``{"version", "date", "source", "tokens"}`` of ``agents`` (default: the packaged
    list): the manifest's ``ai_agents_list``, and what the agent's own page shows."""
    chosen = packaged_agents() if agents is None else agents
    return {
        "version": chosen.version,
        "date": chosen.date,
        "source": chosen.source,
        "tokens": len(chosen),
    }


def manifest_fields(agents: AgentList) -> dict[str, Any]:
    """What a manifest records of the list a crawl decided with: ``ai_agents`` (every
    agent) and ``ai_agents_list`` (:func:`agent_list_info`)."""
    return {
        "ai_agents": [agent.to_json() for agent in agents],
        "ai_agents_list": agent_list_info(agents),
    }


def agents_from_manifest(manifest: Mapping[str, Any]) -> AgentList | None:
    """The list a manifest recorded (:func:`manifest_fields`), None when it recorded
    none. A manifest written before ``ai_agents_list`` existed gives the list without a
    version or date."""
    recorded = manifest.get("ai_agents")
    if recorded is None:
        return None
    origin = "the manifest's ai_agents"
    info = manifest.get("ai_agents_list")
    if info is None:
        return agents_from_json(recorded, origin=origin, source=origin)
    if not isinstance(info, Mapping):
        raise ValueError(f"the manifest's ai_agents_list must be an object, got {info!r}")
    data = {key: info.get(key) for key in ("version", "date", "source")}
    return agents_from_json({**data, "agents": recorded}, origin=origin)


def load_agents(spec: str | Path | None = None) -> AgentList:
    """Return the AI-agent list a crawl uses.

    ``spec`` forms:

    * ``None`` or ``""``: the packaged list;
    * ``"GPTBot,CCBot"``: exactly these tokens (comma-separated, spaces around each
      ignored); a token in the packaged list keeps its operator, purpose and source,
      matched case-insensitively; any other token is recorded as added by the user;
    * ``"+Foo,Bar"``: the packaged list plus these tokens;
    * a :class:`~pathlib.Path`, or a string ending in ``.json`` (no token does): a list
      file (``tdm-crawl agents import`` writes them), an object with
      ``version``, ``date``, ``source`` and ``agents``, or just the array of agents,
      each ``{"token", "operator", "purpose", "source"}``.

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
    if text.lower().endswith(".json"):
        return _load_file(Path(text))
    if text.startswith("+"):
        packaged = packaged_agents()
        added = _merge(packaged, _tokens(text[1:]))
        return AgentList(
            added,
            packaged.version,
            packaged.date,
            f"{packaged.source}, plus TDM_AI_AGENTS {text!r}",
        )
    return AgentList(_merge((), _tokens(text)), source=f"TDM_AI_AGENTS {text!r}")


@cache
def packaged_agents() -> AgentList:
    """The list shipped in ``tdm_crawler/policy/data/ai_agents.json`` (read once)."""
    raw = resources.files("tdm_crawler.policy.data").joinpath("ai_agents.json").read_text("utf-8")
    return agents_from_json(json.loads(raw), origin="the packaged ai_agents.json")


def agents_from_json(
    data: Any, *, origin: str = "the AI-agent list", source: str = USER_SOURCE
) -> AgentList:
    """Validate decoded JSON, a list file or a bare array of agents (``source`` is then
    the list's source), and return the list."""
    if isinstance(data, dict):
        unknown = sorted(set(data) - set(_LIST_FIELDS))
        if unknown:
            raise ValueError(
                f"{origin}: unknown keys {', '.join(unknown)}; allowed: {', '.join(_LIST_FIELDS)}"
            )
        agents = _agents(data.get("agents"), origin)
        try:
            return AgentList(agents, data.get("version"), data.get("date"), data.get("source", ""))
        except ValueError as error:
            raise ValueError(f"{origin}: {error}") from None
    return AgentList(_agents(data, origin), source=source)


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _agents(data: Any, origin: str) -> tuple[AiAgent, ...]:
    if not isinstance(data, list):
        raise ValueError(
            f'{origin} must be a JSON array of agent objects, or an object whose "agents" is one'
        )
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
        token = check_token(entry["token"], where)
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


def _load_file(path: Path) -> AgentList:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as error:
        raise ValueError(f"cannot read AI-agent list {path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"AI-agent list {path} is not valid UTF-8 JSON: {error}") from None
    return agents_from_json(data, origin=f"AI-agent list {path}", source=str(path))


def _tokens(text: str) -> list[str]:
    tokens = [token.strip() for token in text.split(",")]
    if not any(tokens):
        raise ValueError("empty AI-agent list: give tokens like 'GPTBot,CCBot' or '+MyBot'")
    return [check_token(token, "AI-agent list") for token in tokens if token]


def check_token(token: str, where: str) -> str:
    """``token`` as the list keeps it (white space runs made one space), or a ValueError
    saying what a token may hold."""
    normal = " ".join(token.split())
    if not _TOKEN.fullmatch(normal) or not _NOT_IN_TOKEN.isdisjoint(normal):
        raise ValueError(
            f"{where}: {token!r} is not a robots.txt User-agent value (printable ASCII "
            "starting with a letter or digit, without '#', '*' or ','; a list file must "
            "end in .json)"
        )
    return normal


def _merge(base: Iterable[AiAgent], tokens: Iterable[str]) -> tuple[AiAgent, ...]:
    """``base`` followed by ``tokens`` not already present (case-insensitively)."""
    known = {agent.token.lower(): agent for agent in packaged_agents()}
    result = {agent.token.lower(): agent for agent in base}
    for token in tokens:
        key = token.lower()
        if key not in result:
            result[key] = known.get(key) or AiAgent(token, USER_OPERATOR, "unknown", USER_SOURCE)
    return tuple(result.values())
