"""Making an interrupted crawl's WARC files whole again before it resumes.

Every WARC record is its own gzip member, flushed as soon as written, and a content
record is always written before the decision line that refers to it. So a crash (even
SIGKILL) can leave, at the tail of the last file of each writer, at most: a torn gzip
member, and content records whose decision line never made it to ``decisions.jsonl``.
Both are cut off here: the torn member because it is unreadable, the orphans because
their URL will be decided (and stored) again, and must not then be stored twice.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

from tdm_crawler.store.safe_open import open_existing
from tdm_crawler.store.warcread import Member, sound_members

__all__ = ["RepairResult", "repair_warc"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RepairResult:
    path: Path
    kept_bytes: int
    cut_bytes: int
    orphans: int  # complete records cut because no decision refers to them
    torn: bool  # the file ended inside a record (or in bytes that are none)
    #: The records the file holds now, in order: what resume reads, without a second scan.
    members: tuple[Member, ...]


def _end(members: Sequence[Member]) -> int:
    return members[-1].end if members else 0


def _kept(members: list[Member], keep_ids: Container[str] | None) -> list[Member]:
    """The members before the first response no decision refers to (all without
    ``keep_ids``)."""
    if keep_ids is not None:
        for index, member in enumerate(members):
            if member.record_type == "response" and member.record_id not in keep_ids:
                return members[:index]
    return members


def repair_warc(path: Path, keep_ids: Container[str] | None = None) -> RepairResult:
    """Truncate ``path`` after its last sound record.

    With ``keep_ids`` (the record ids that decision records refer to), the file is also
    cut at the first response record not among them: records are written in order, so
    everything from there on belongs to URLs whose decision was lost and that will be
    decided again.
    """
    sound = sound_members(path)
    size = path.stat().st_size
    kept = _kept(sound, keep_ids)
    end = _end(kept)
    orphans = len(sound) - len(kept)
    torn = _end(sound) < size
    if end < size:
        with open_existing(path) as stream:
            stream.truncate(end)
            stream.flush()
            os.fsync(stream.fileno())
        logger.warning(
            "%s: cut %d bytes after the last sound record (%d orphan records, torn: %s)",
            path,
            size - end,
            orphans,
            torn,
        )
    return RepairResult(path, end, size - end, orphans, torn, tuple(kept))
