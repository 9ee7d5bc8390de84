"""``LEDGER.csv``: each registrable domain's part of the corpus, and of an amount.

One row per registrable domain (:func:`~tdm_crawler.corpus.ledger.domain_rows`), the
largest first by the measure shared by. Columns (:func:`ledger_columns`): ``domain``,
``origins`` (how many of the crawl's origins it groups), ``works``, ``bytes``,
``words``, the domain's share of the corpus in each (``works_share``... as fractions
with 6 decimals), then the three measures per licence class (``works_open``,
``bytes_open``, ``words_open``, ... in the report's class order); with an amount,
``amount`` (the domain's part, in minor units exactly as rounded) and ``currency``.
Created, never overwritten.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Final

from tdm_crawler.corpus.commons import CLASSES
from tdm_crawler.corpus.ledger import MEASURES, DomainRow, largest_remainder
from tdm_crawler.report.escape import csv_cell
from tdm_crawler.store.safe_open import make_dir, open_new

__all__ = ["LEDGER_NAME", "Contribution", "ledger_columns", "write_ledger"]

LEDGER_NAME: Final = "LEDGER.csv"
_TOTALS: Final = ("works", "bytes", "words")


@dataclass(frozen=True, slots=True)
class Contribution:
    """An amount to share out: how much, in which currency, to how many decimals,
    by which measure (one of :data:`~tdm_crawler.corpus.ledger.MEASURES`)."""

    amount: Decimal
    currency: str
    decimals: int
    by: str


def ledger_columns(with_amount: bool) -> list[str]:
    columns = ["domain", "origins", *_TOTALS, *(f"{m}_share" for m in _TOTALS)]
    columns += [f"{m}_{c}" for c in CLASSES for m in _TOTALS]
    return [*columns, "amount", "currency"] if with_amount else columns


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.6f}" if whole else "0.000000"


def write_ledger(
    rows: Sequence[DomainRow], path: Path, contribution: Contribution | None = None
) -> dict[str, Decimal]:
    """Write ``LEDGER.csv`` at ``path`` (FileExistsError if it is there); return each
    domain's part of the contribution (empty without one). Raises ValueError when the
    contribution cannot be shared by its measure (nothing of it stored)."""
    if contribution is not None and contribution.by not in MEASURES:
        raise ValueError(f"share by one of {', '.join(MEASURES)}, not {contribution.by!r}")
    wholes = {m: sum(r.extent.measure(m) for r in rows) for m in _TOTALS}
    parts: dict[str, Decimal] = {}
    if contribution is not None:
        weights = {row.domain: row.extent.measure(contribution.by) for row in rows}
        parts = largest_remainder(weights, contribution.amount, contribution.decimals)
    if not path.parent.is_dir():  # the directory itself may be a link: the user's choice
        make_dir(path.parent)
    with open_new(path, text=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(ledger_columns(contribution is not None))
        for row in rows:
            extent = row.extent
            cells: list[str] = [csv_cell(row.domain), str(len(row.origins))]
            cells += [str(extent.measure(m)) for m in _TOTALS]
            cells += [_share(extent.measure(m), wholes[m]) for m in _TOTALS]
            cells += [str(row.of_class(c).measure(m)) for c in CLASSES for m in _TOTALS]
            if contribution is not None:
                cells += [str(parts[row.domain]), contribution.currency]
            writer.writerow(cells)
    return parts
