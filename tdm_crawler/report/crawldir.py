"""What replay, diff and verify share: reading a crawl's decision log line by line.

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

__all__ = ["DecisionLine", "decision_lines", "read_decisions"]


@dataclass(frozen=True, slots=True)
class DecisionLine:
    """One non-blank line of ``decisions.jsonl``: its record, or what is wrong with it."""

    number: int
    record: dict[str, Any] | None
    problem: str | None = None
    torn: bool = False  # the last line, without newline, not a whole record


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
