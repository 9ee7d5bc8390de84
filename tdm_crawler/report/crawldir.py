"""What replay, diff and verify share: recognising a crawl directory and reading its
decision log line by line.

The log is read here rather than with :func:`tdm_crawler.store.iter_records` because the
three commands need every problem with its line number (verify lists them all; replay and
diff name the line they cannot read) instead of a warning or the first exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.store import read_manifest

__all__ = [
    "DecisionLine",
    "NotACrawl",
    "crawl_dirs",
    "decision_lines",
    "evidence_dirs",
    "load_manifest",
    "read_decisions",
    "require_crawl",
]

DECISIONS = "decisions.jsonl"
MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """One non-blank line of ``decisions.jsonl``: its record, or what is wrong with it."""

    number: int
    record: dict[str, Any] | None
    problem: str | None = None
    torn: bool = False  # the last line, without newline, not a whole record


def require_crawl(path: Path) -> Path:
    """Return ``path`` if it holds a crawl's decision log; raise :class:`NotACrawl`."""
    if not path.is_dir():
        raise NotACrawl(f"{path} is not a directory; give the --out directory of a crawl")
    if not (path / DECISIONS).is_file():
        raise NotACrawl(f"{path} holds no crawl (no {DECISIONS}); give a crawl's --out directory")
    return path


WORKERS = "workers"


def crawl_dirs(path: Path) -> list[Path]:
    """The crawl directories a DIR stands for: DIR itself when it holds a crawl, else the
    workers' directories of a distributed crawl (``DIR/workers/*`` holding a decision
    log), sorted. Raises :class:`NotACrawl` when there is neither."""
    if not path.is_dir():
        raise NotACrawl(f"{path} is not a directory; give the --out directory of a crawl")
    if (path / DECISIONS).is_file():
        return [path]
    workers = path / WORKERS
    found = (
        sorted(p for p in workers.iterdir() if (p / DECISIONS).is_file())
        if workers.is_dir()
        else []
    )
    if not found:
        raise NotACrawl(
            f"{path} holds no crawl (no {DECISIONS}, no {WORKERS}/*/{DECISIONS}); "
            "give a crawl's --out directory"
        )
    return found


def evidence_dirs(path: Path) -> list[Path]:
    """The crawl directories whose evidence the decisions under ``path`` may point to:
    those of :func:`crawl_dirs`, and for one worker of a distributed crawl all its
    fellow workers (one fetches an origin's policy files for all)."""
    dirs = crawl_dirs(path)
    if len(dirs) == 1 and path.parent.name == WORKERS:
        try:
            manifest = load_manifest(path) or {}
        except NotACrawl:
            manifest = {}
        if manifest.get("worker_id"):
            return crawl_dirs(path.parent.parent)
    return dirs


def load_manifest(path: Path) -> dict[str, Any] | None:
    """The crawl's manifest, or None when there is none; NotACrawl when unreadable."""
    file = path / MANIFEST
    if not file.exists():
        return None
    try:
        return read_manifest(file)
    except (OSError, ValueError) as exc:
        raise NotACrawl(f"{file} cannot be read ({exc}); run tdm-crawl verify {path}") from None


def decision_lines(path: Path) -> Iterator[DecisionLine]:
    """Every non-blank line of a decisions file, parsed, one at a time (streamed)."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                torn = not line.endswith(b"\n")
                yield DecisionLine(number, None, f"not a JSON record ({exc})", torn)
                continue
            if not isinstance(record, dict):
                yield DecisionLine(number, None, "not a JSON object")
                continue
            yield DecisionLine(number, record)


def read_decisions(path: Path, torn: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """The records of a decisions file, streamed. A torn last line (an interrupted write)
    is skipped and its number appended to ``torn``; any other bad line raises NotACrawl."""
    for line in decision_lines(path):
        if line.record is not None:
            yield line.record
        elif line.torn:
            if torn is not None:
                torn.append(line.number)
        else:
            raise NotACrawl(f"{path}:{line.number}: {line.problem}; run tdm-crawl verify")
