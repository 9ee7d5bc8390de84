"""The agent-info directory: ``index.html``, ``agent.json`` and ``changes.atom``.

The directory is published as it is (copied to a web server), so the command owns all
of it and nothing else may be there: it may be missing, empty, or hold exactly the three
files a previous run wrote; anything else is refused with one line, never deleted.

A run compares the facts with the previous ``agent.json``. Nothing changed: nothing is
written, so the files stay byte for byte what they were. Something changed (or nothing
was there): the feed gains one entry, then the page and, last, ``agent.json`` are
replaced, each atomically; ``agent.json`` is what the next run compares with, so a run
that stops half-way is finished by the next one, which finds its entry already in the
feed (:func:`~tdm_crawler.agentinfo.feed.entry_id`) and does not add it again.
"""

from __future__ import annotations

import hashlib
import json
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from tdm_crawler.agentinfo.facts import AgentFacts, changed_facts, facts_text
from tdm_crawler.agentinfo.feed import (
    Entry,
    Feed,
    FeedHead,
    atom_time,
    entry_id,
    read_feed,
    render_feed,
)
from tdm_crawler.agentinfo.page import render_page
from tdm_crawler.exceptions import UsageError
from tdm_crawler.store.safe_open import write_atomically

__all__ = ["FILES", "Outcome", "Published", "publish", "read_site"]

INDEX: Final = "index.html"
FACTS: Final = "agent.json"
FEED: Final = "changes.atom"
#: The files of the site, in the order a run writes them.
FILES: Final = (FEED, INDEX, FACTS)
#: Published files are for everyone to read.
_MODE: Final = 0o644


@dataclass(frozen=True, slots=True)
class Published:
    """What a previous run left: its facts (``agent.json`` decoded) and its feed."""

    facts: dict[str, Any]
    feed: Feed


class Outcome(StrEnum):
    FIRST = "first publication"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def read_site(out: Path) -> Published | None:
    """The site a previous run wrote in ``out``; None when there is none (``out`` is
    missing or empty). UsageError for anything else: another file, a link, a missing or
    unreadable one of the three."""
    if not out.exists() and not out.is_symlink():
        return None
    if not out.is_dir():
        raise UsageError(f"{out} is not a directory; give --out a new or agent-info directory")
    names = sorted(path.name for path in out.iterdir())
    if not names:
        return None
    other = [name for name in names if name not in FILES]
    missing = [name for name in FILES if name not in names]
    if other or missing:
        what = f"holds {', '.join(other)}" if other else f"lacks {', '.join(missing)}"
        raise UsageError(
            f"{out} is not an agent-info directory (it {what}); give a new directory or "
            f"one holding only {', '.join(sorted(FILES))} from an earlier run"
        )
    for name in FILES:
        if not stat.S_ISREG((out / name).lstat().st_mode):
            raise UsageError(f"{out / name} is not a regular file; give another --out")
    try:
        facts = json.loads((out / FACTS).read_text(encoding="utf-8"))
        if not isinstance(facts, dict):
            raise ValueError("not a JSON object")
        feed = read_feed((out / FEED).read_bytes())
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"{out} holds an agent-info site that cannot be read ({exc}); "
            "restore it or give a new directory"
        ) from None
    return Published(facts, feed)


def publish(out: Path, facts: AgentFacts, *, now: datetime | None = None) -> Outcome:
    """Write (or update) the site for ``facts`` in ``out``; say what happened."""
    previous = read_site(out)
    data = facts.to_json()
    text = facts_text(data)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    if previous is not None and previous.facts == data:
        return Outcome.UNCHANGED
    feed = previous.feed if previous is not None else Feed.new()
    outcome = Outcome.FIRST if previous is None else Outcome.CHANGED
    already = bool(feed.entries) and feed.entries[-1].id == entry_id(
        feed, len(feed.entries), digest
    )
    if not already:
        feed = feed.with_entry(_entry(feed, previous, data, digest, now or datetime.now(UTC)))
    head = FeedHead(
        title=f"{facts.token}: crawler information, changes",
        author=f"operator of {facts.token}",
        contact=facts.contact,
        page_url=facts.info_url,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_atomically(out / FEED, render_feed(feed, head).decode("utf-8"), mode=_MODE)
    write_atomically(out / INDEX, render_page(facts, feed), mode=_MODE)
    write_atomically(out / FACTS, text, mode=_MODE)
    return outcome


def _entry(
    feed: Feed, previous: Published | None, data: dict[str, Any], digest: str, now: datetime
) -> Entry:
    number = len(feed.entries) + 1
    ident = entry_id(feed, number, digest)
    updated = atom_time(now.astimezone(UTC))
    if previous is None:
        lines = (
            f"First publication of the crawler {data['token']}: "
            f"User-Agent {data['user_agent']}, purpose {data['purpose']}.",
        )
        return Entry(ident, updated, f"{data['token']} published", lines)
    changes = changed_facts(previous.facts, data)
    named = dict.fromkeys(change.path.split(".", 1)[0] for change in changes)
    title = f"{data['token']} changed: {', '.join(named)}"
    return Entry(ident, updated, title, tuple(str(change) for change in changes))
