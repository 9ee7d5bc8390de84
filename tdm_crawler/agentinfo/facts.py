"""What a crawler with given options is, as a rightsholder needs to know it.

:class:`AgentFacts` is built from the settings a ``crawl`` with the same options would
run with (:meth:`AgentFacts.from_settings`), so the published User-Agent, purpose and
AI-agent list are the crawl's own. ``agent.json`` is :meth:`AgentFacts.to_json`; it holds
no time or other value that changes between two runs with the same options, so comparing
two of them (:func:`changed_facts`) finds exactly the facts that changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from tdm_crawler import __version__
from tdm_crawler.policy.ai_agents import AgentList, list_digest, list_version, load_agents
from tdm_crawler.policy.c2pa import reader_available
from tdm_crawler.policy.network import parse_networks
from tdm_crawler.policy.opt_outs import HONOURED, NOT_READ, OptOut, statements
from tdm_crawler.policy.purposes import Profile
from tdm_crawler.store.manifest import TOOL_NAME

__all__ = ["FORMAT", "AgentFacts", "Change", "changed_facts", "facts_text"]

#: The ``format`` of ``agent.json``: bumped when a field changes meaning.
FORMAT: Final = "tdm-crawler-agent-info/1"


@dataclass(frozen=True, slots=True)
class AgentFacts:
    """A crawler as its options make it. ``reads_c2pa``: whether this installation
    reads C2PA manifests (the optional library), so the list of protocols is true of
    the crawler that runs here."""

    token: str
    user_agent: str
    contact: str
    info_url: str
    profile: Profile
    agents: AgentList
    ip_ranges: tuple[str, ...]
    reads_c2pa: bool

    @classmethod
    def from_settings(cls, settings: Any) -> AgentFacts:
        """The facts of a crawl run with ``settings`` (Scrapy's, or the manifest's).

        ValueError, with what to do, when the AI-agent list, the profile or the IP
        ranges are not usable."""
        return cls(
            token=str(settings.get("TDM_AGENT")),
            user_agent=str(settings.get("USER_AGENT")),
            contact=str(settings.get("TDM_CONTACT") or ""),
            info_url=str(settings.get("TDM_INFO_URL") or ""),
            profile=Profile.from_settings(settings),
            agents=load_agents(settings.get("TDM_AI_AGENTS") or None),
            ip_ranges=parse_networks(settings.get("TDM_IP_RANGES")),
            reads_c2pa=reader_available(),
        )

    def honoured(self) -> tuple[OptOut, ...]:
        """The protocols this crawler honours, in the order of docs/protocols.md."""
        return tuple(p for p in HONOURED if p.key != "c2pa" or self.reads_c2pa)

    def to_json(self) -> dict[str, Any]:
        """``agent.json``."""
        purpose = self.profile.purpose
        return {
            "format": FORMAT,
            "token": self.token,
            "user_agent": self.user_agent,
            "contact": self.contact or None,
            "info_url": self.info_url or None,
            "purpose": purpose.value,
            "operator": self.profile.operator.value,
            "region": self.profile.region,
            "protocols": {
                opt_out.key: {
                    "name": opt_out.name,
                    "specification": opt_out.specification,
                    "reasons": [reason.value for reason in opt_out.reasons],
                    "reserving": list(statements(opt_out, purpose)),
                }
                for opt_out in self.honoured()
            },
            "not_read": [item.name for item in NOT_READ]
            + ([] if self.reads_c2pa else [f"{_C2PA.specification} (no C2PA reader installed)"]),
            "ai_agents": {
                "version": list_version(self.agents),
                "sha256": list_digest(self.agents),
                "tokens": {agent.token: agent.purpose for agent in self.agents},
            },
            "ip_ranges": list(self.ip_ranges),
            "tool": {"name": TOOL_NAME, "version": __version__},
        }


def facts_text(data: Mapping[str, Any]) -> str:
    """``agent.json`` as written: pretty-printed, keys in their order, a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


@dataclass(frozen=True, slots=True)
class Change:
    """One fact that differs: where in ``agent.json`` (``purpose``,
    ``ai_agents.tokens.GPTBot``), its old and its new value as text."""

    path: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.path}: {self.old} → {self.new}"


_ABSENT: Final = "(absent)"
_C2PA: Final = next(opt_out for opt_out in HONOURED if opt_out.key == "c2pa")


def changed_facts(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every leaf of ``agent.json`` whose value differs, in ``new``'s order (then the
    leaves only ``old`` has); an object is compared key by key, anything else whole."""
    before, after = dict(_leaves(old)), dict(_leaves(new))
    paths = [*after, *(path for path in before if path not in after)]
    return [
        Change(path, before.get(path, _ABSENT), after.get(path, _ABSENT))
        for path in paths
        if before.get(path) != after.get(path)
    ]


def _leaves(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _leaves(value, f"{path}.")
        else:
            yield path, _text(value)


def _text(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "(none)"
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
