"""robots.txt as RFC 9309 reads it (docs/protocols.md §1): may our agent fetch this URL?

The text is parsed once, by :class:`~tdm_crawler.policy.robots_records.RobotsRecords`,
and every reader of robots.txt (our own group here, the AI-agent groups, Content-Usage,
Content-Signal, License) asks those same groups, so one rule is never read two ways.
What this module adds is ours rather than any parser's:

* the fetch outcome decides first: 4xx allows everything, 5xx, 429, a network error or
  an unfinished redirect chain disallow everything (Scrapy's middleware parses the error
  page instead and allows);
* the body is read up to a cap (RFC 9309 asks for at least 500 KiB), and a UTF-8 byte
  order mark, whole or cut short (``EF`` or ``EF BB``), is skipped;
* group selection is an exact product-token match (case-insensitive), else ``*``.
  Protego matches a group token at a token boundary *inside* the agent string, so
  ``User-agent: tdm`` would govern the agent ``tdm-crawler``; RFC 9309 wants the
  crawler's own token or ``*``, nothing in between;
* ``/robots.txt`` itself is always allowed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from tdm_crawler.policy.robots_records import RobotsRecords
from tdm_crawler.policy.types import Signal

RobotsState = Literal["parsed", "unavailable", "unreachable"]

_BOM = b"\xef\xbb\xbf"
_UNREACHABLE = "robots.txt unreachable, everything disallowed"


@dataclass(frozen=True, slots=True)
class RobotsFile:
    """One origin's robots.txt as fetched, ready to answer "may this agent fetch that URL?".

    ``text`` is the decoded (and possibly truncated) body and ``records`` its groups,
    parsed once here for every reader. ``detail`` explains ``state``; ``note`` is said
    with every answer from the file (that it was cut at the read cap), so that each
    decision record shows it.
    """

    status: int | None
    state: RobotsState
    detail: str
    text: str = ""
    records: RobotsRecords = field(default_factory=RobotsRecords, repr=False, compare=False)
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
            text = _decode(raw[:max_bytes])
            cut = f"truncated to the first {max_bytes} bytes" if len(raw) > max_bytes else ""
            detail = f"{status}: robots.txt parsed" + (f", {cut}" if cut else "")
            note = f"robots.txt {cut}" if cut else ""
            return cls(status, "parsed", detail, text, RobotsRecords.parse(text), note)
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
        if self.state == "unavailable":
            return _signal("allow", self.detail)
        note = f" ({self.note})" if self.note else ""
        key = self.records.group_key(agent)
        if key is None:
            return _signal("allow", f"no group for '{agent}' and no '*' group: allowed{note}")
        group = f"group '{key}'"
        rule = self.records.access_rule(key, url)
        if rule is None:
            return _signal("allow", f"{group}: no rule matches, allowed{note}")
        field_name, pattern = rule
        return _signal(field_name, f"{group}: {field_name.capitalize()} {pattern}{note}")

    def crawl_delay(self, agent: str) -> float | None:
        """The Crawl-delay of the group ``agent`` obeys, if any.

        Of several ``Crawl-delay`` lines (merged groups, repeated lines) the last valid
        one counts; a value that is not a finite, non-negative number is ignored.
        """
        key = self.records.group_key(agent)
        if key is None:
            return None
        delay: float | None = None
        for value in self.records.values(key, "crawl-delay"):
            try:
                seconds = float(value)
            except ValueError:
                continue
            if math.isfinite(seconds) and seconds >= 0:
                delay = seconds
        return delay


def _decode(raw: bytes) -> str:
    """The body as text, after a UTF-8 byte order mark, whole or partial, at its start.

    A partial mark (``EF`` or ``EF BB``) is what a server that cut or mangled the file
    leaves; skipping it keeps the first line readable, as a whole mark is skipped.
    """
    skip = 0
    while skip < len(_BOM) and raw[skip : skip + 1] == _BOM[skip : skip + 1]:
        skip += 1
    return raw[skip:].decode("utf-8", errors="replace")


def _signal(value: str, detail: str) -> Signal:
    return Signal("robots", "robots.txt", value, detail)
