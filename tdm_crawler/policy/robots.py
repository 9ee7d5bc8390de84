"""robots.txt as RFC 9309 reads it (protocols §1), on top of protego.

Two things are ours rather than protego's:

* the fetch outcome decides first: 4xx allows everything, 5xx, 429, a network error or
  an unfinished redirect chain disallow everything (Scrapy's middleware parses the error
  page instead and allows);
* group selection is an exact product-token match. Protego matches a group token at a
  token boundary *inside* the agent string, so ``User-agent: tdm`` would govern the agent
  ``tdm-crawler``. RFC 9309 wants the crawler's own token or ``*``, nothing in between.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from protego import Protego
from protego._ruleset import _RuleSet
from protego._utils import _quote_path

from tdm_crawler.policy.types import Signal

RobotsState = Literal["parsed", "unavailable", "unreachable"]

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class RobotsFile:
    """One origin's robots.txt as fetched, ready to answer "may this agent fetch that URL?".

    ``text`` is the decoded (and possibly truncated) body, kept for the readers of records
    protego drops (Content-Usage, Content-Signal, License...). ``detail`` explains ``state``;
    ``note`` is said with every answer from the file (that it was cut at the read cap), so
    that each decision record shows it.
    """

    status: int | None
    state: RobotsState
    detail: str
    text: str = ""
    _parser: Protego | None = field(default=None, repr=False, compare=False)
    note: str = ""

    @classmethod
    def from_fetch(
        cls,
        status: int | None,
        body: bytes | None,
        error: str | None,
        *,
        max_bytes: int = 512 * 1024,
    ) -> RobotsFile:
        """Read the outcome of fetching ``/robots.txt`` (after following redirects).

        ``status`` is None when no response arrived; ``error`` then says why. Only the first
        ``max_bytes`` are parsed (RFC 9309 asks for at least 500 KiB).
        """
        if status is None:
            return cls(None, "unreachable", f"{error or 'network error'}: {_UNREACHABLE}")
        if 200 <= status <= 299:
            raw = body or b""
            text = raw[:max_bytes].decode("utf-8", errors="replace").removeprefix(_BOM)
            cut = f"truncated to the first {max_bytes} bytes" if len(raw) > max_bytes else ""
            detail = f"{status}: robots.txt parsed" + (f", {cut}" if cut else "")
            note = f"robots.txt {cut}" if cut else ""
            return cls(status, "parsed", detail, text, Protego.parse(text), note)
        if 400 <= status <= 499 and status != 429:
            return cls(status, "unavailable", f"{status}: no robots.txt, everything allowed")
        if 300 <= status <= 399:
            return cls(
                status, "unreachable", f"{status}: redirect chain not completed, {_UNREACHABLE}"
            )
        return cls(status, "unreachable", f"{status}: {_UNREACHABLE}")

    def check(self, url: str, agent: str) -> Signal:
        """Tell whether ``agent`` may fetch ``url``, and which group and rule say so."""
        if urlsplit(url).path == "/robots.txt":
            return _signal("allow", "/robots.txt is always allowed")
        if self.state == "unreachable":
            return _signal("unreachable", self.detail)
        if self._parser is None:
            return _signal("allow", self.detail)
        query = _query_agent(self._parser, agent)
        rule_set = self._parser._get_matching_rule_set(query)
        note = f" ({self.note})" if self.note else ""
        if rule_set is None:
            return _signal("allow", f"no group for '{agent}' and no '*' group: allowed{note}")
        group = f"group '{rule_set.user_agent}'"
        rule = _deciding_rule(rule_set, url)
        if rule is None:
            return _signal("allow", f"{group}: no rule matches, allowed{note}")
        field_name, pattern = rule
        return _signal(field_name, f"{group}: {field_name.capitalize()} {pattern}{note}")

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay of the group ``agent`` obeys, if any."""
        if self._parser is None:
            return None
        return self._parser.crawl_delay(_query_agent(self._parser, agent))


_UNREACHABLE = "robots.txt unreachable, everything disallowed"


def _signal(value: str, detail: str) -> Signal:
    return Signal("robots", "robots.txt", value, detail)


def _query_agent(parser: Protego, agent: str) -> str:
    """The agent string to hand protego so that it picks the exact-token group.

    With the agent's own token as a group, that group scores highest in protego (no other
    token can be as long and still be found in it). Without it, querying ``*`` leaves only
    the ``*`` group able to match.
    """
    return agent if agent.strip().lower() in parser._user_agents else "*"


def _deciding_rule(rule_set: _RuleSet, url: str) -> tuple[str, str] | None:
    """The rule protego applies to ``url``, as (``allow`` | ``disallow``, pattern).

    Protego keeps a group's rules sorted most specific first, Allow before Disallow on a
    tie, and applies the first that matches; ``can_fetch`` only answers yes or no, while
    the record must say which rule decided, so this walks the same sorted rules with the
    same URL normalisation, and the value and its explanation come from one lookup.
    """
    quoted = _quote_path(url)
    for rule in rule_set._rules:
        if rule.value.match(quoted):
            return rule.field, rule.value._pattern
    return None
