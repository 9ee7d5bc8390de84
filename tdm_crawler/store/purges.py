"""``purge.jsonl`` and ``complaints.jsonl``: what was taken out of a crawl, at whose request.

Both are written into the *new* directory of a command that derives one crawl from
another (``recheck``, ``purge``); the source is only read.

- ``purge.jsonl``: one line per stored response that the new directory no longer holds,
  with the source crawl's record id and digest, so whoever copied the corpus downstream
  can find and delete it. ``recheck`` writes its own list; ``purge`` carries its
  source's list over and adds its entries, so the newest directory lists everything
  removed since the crawl.
- ``complaints.jsonl``: one line per ``purge`` run — who asked and why (``--reason``),
  when, what was selected, and how much it removed. It is append-only across
  directories: a purge copies its source's log byte for byte and adds one entry, and a
  recheck copies it, so a rightsholder's request is never lost by deriving further.

JSON Lines, UTF-8, one object per line, never written through a symbolic link
(:mod:`.safe_open`); no Scrapy.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.store.safe_open import copy_new, open_append, open_new

__all__ = ["PurgeEntry", "PurgeList", "append_complaint", "carry_complaints"]


@dataclass(frozen=True, slots=True)
class PurgeEntry:
    """One stored response to delete downstream: the source crawl's record id and digest,
    and the decision and reason it has now (``reserved``/``purged`` after a purge).
    ``purged_at``, ``complaint_id`` and ``complaint`` are a purge's: when, and which
    entry of ``complaints.jsonl`` asked for it, with its ``--reason``."""

    url: str
    warc_record_id: str
    content_sha256: str
    decision: str
    reason: str
    purged_at: str | None = None
    complaint_id: int | None = None
    complaint: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "url": self.url,
            "warc_record_id": self.warc_record_id,
            "content_sha256": self.content_sha256,
            "decision": self.decision,
            "reason": self.reason,
        }
        if self.purged_at is not None:
            data.update(
                purged_at=self.purged_at, complaint_id=self.complaint_id, complaint=self.complaint
            )
        return data


def _line(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False) + "\n"


class PurgeList:
    """Writes a new purge list: the lines of ``carry_from`` (the source's purge list)
    unchanged when it exists, then one line per :meth:`write`."""

    def __init__(self, path: Path, *, carry_from: Path | None = None) -> None:
        self._out = open_new(path, text=True)
        #: Entries written by this list (not those carried over).
        self.count = 0
        if carry_from is not None and carry_from.is_file():
            with carry_from.open(encoding="utf-8") as earlier:
                shutil.copyfileobj(earlier, self._out)

    def write(self, entry: PurgeEntry) -> None:
        self._out.write(_line(entry.to_json()))
        self.count += 1

    def close(self) -> None:
        self._out.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def carry_complaints(source: Path, dest: Path) -> int:
    """Copy the complaint log ``source`` (if there is one) to ``dest`` byte for byte,
    after checking that every line is an entry; return how many it holds, so the next
    complaint's id is that plus one.

    NotACrawl, naming the line, when one is not an entry: a damaged log must not be
    carried over as if it were sound.
    """
    if not source.is_file():
        return 0
    count = 0
    with source.open(encoding="utf-8") as log:
        for number, line in enumerate(log, 1):
            try:
                entry = json.loads(line)
            except ValueError as exc:
                raise NotACrawl(f"{source}:{number}: not a complaint entry ({exc})") from None
            if not isinstance(entry, dict) or entry.get("id") != number:
                raise NotACrawl(f"{source}:{number}: not complaint entry {number}")
            count += 1
    copy_new(source, dest)
    return count


def append_complaint(log: Path, entry: Mapping[str, Any]) -> None:
    """Add one entry (with its ``id``) at the end of the complaint log ``log``."""
    with open_append(log) as out:
        out.write(_line(entry).encode("utf-8"))
