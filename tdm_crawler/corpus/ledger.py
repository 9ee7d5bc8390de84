"""The contribution ledger: what each registrable domain gave the corpus, and its share.

A levy on AI training, or a voluntary contribution back to the commons, can be shared
out by what was used. The ledger groups the stored works by registrable domain (the
domain a registrant holds: ``a.example.co.uk`` and ``b.example.co.uk`` are both
``example.co.uk``), as :func:`tdm_crawler.report.domains.registrable_domain` says: the
Public Suffix List ``tldextract`` bundles, offline, private suffixes included
(``alice.github.io`` and ``bob.github.io`` are two sites held by two people, not one
held by GitHub); a host the list does not place (an IP address, ``localhost``) is its
own domain.

Each domain's share is its part of the corpus in works, bytes or words (the measure a
sharing-out uses; words by default: what a model learns from is text, and a large
image counts for no more than its caption). With an amount, each domain's part of it is
the amount times its share, rounded to the currency's minor unit by the largest
remainder method (Hamilton's), so the parts sum exactly to the amount: each gets the
floor of its quota, and the units left go to the largest remainders, ties by domain name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final
from urllib.parse import urlsplit

from tdm_crawler.corpus.commons import CLASSES, Extent, total
from tdm_crawler.report.domains import registrable_domain

__all__ = [
    "MEASURES",
    "DomainRow",
    "domain_rows",
    "largest_remainder",
    "origin_domain",
]

#: What a share can be measured by.
MEASURES: Final = ("words", "bytes", "works")


def origin_domain(origin: str) -> str:
    """The registrable domain of an origin (``scheme://host:port``), as the EU summary
    finds a URL's; the origin itself when it names no host."""
    try:
        host = urlsplit(origin).hostname or ""
    except ValueError:
        host = ""
    return registrable_domain(host) if host else origin


@dataclass(slots=True)
class DomainRow:
    """One registrable domain: its origins, its extent, and its extent per class."""

    domain: str
    origins: list[str] = field(default_factory=list)
    classes: dict[str, Extent] = field(default_factory=dict)

    @property
    def extent(self) -> Extent:
        return total(self.classes.values())

    def of_class(self, license_class: str) -> Extent:
        return self.classes.get(license_class) or Extent()


def domain_rows(
    by_origin: Mapping[str, Mapping[str, Extent]], *, by: str = "words"
) -> list[DomainRow]:
    """The per-origin extents (:attr:`CommonsTally.by_origin`) grouped by registrable
    domain, the largest (``by``) first, then by name."""
    rows: dict[str, DomainRow] = {}
    for origin, classes in by_origin.items():
        domain = origin_domain(origin)
        row = rows.get(domain)
        if row is None:
            row = rows[domain] = DomainRow(domain)
        row.origins.append(origin)
        for license_class in CLASSES:
            extent = classes.get(license_class)
            if extent is not None:
                row.classes.setdefault(license_class, Extent()).merge(extent)
    return sorted(rows.values(), key=lambda r: (-r.extent.measure(by), r.domain))


def largest_remainder(
    weights: Mapping[str, int], amount: Decimal, decimals: int
) -> dict[str, Decimal]:
    """``amount`` shared out in proportion to ``weights``, each part a whole number of
    ``10**-decimals`` units, the parts summing to ``amount`` exactly.

    Raises ValueError when ``amount`` is negative or finer than the unit, or when the
    weights sum to nothing (there is nothing to share by).
    """
    if amount < 0:
        raise ValueError(f"the amount must not be negative, got {amount}")
    scaled = amount.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimal places")
    units = int(scaled)
    whole = sum(weights.values())
    if whole <= 0:
        raise ValueError("nothing to share by: every weight is zero")
    floors = {key: units * weight // whole for key, weight in weights.items()}
    left = units - sum(floors.values())
    by_remainder = sorted(weights, key=lambda key: (-(units * weights[key] % whole), key))
    for key in by_remainder[:left]:
        floors[key] += 1
    unit = Decimal(1).scaleb(-decimals)
    return {key: (Decimal(n) * unit).quantize(unit) for key, n in floors.items()}
