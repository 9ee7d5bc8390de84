"""What a corpus draws from the commons, counted one decision record at a time.

The report, the datasheet and the ledger all need the same totals: stored works, their
bytes and words, by licence class and by licence, overall and per origin; the share
that is public domain or open (the Open Definition set, :data:`COMMONS`); and the
reserved works that carried an open licence, where the two systems meet (a licence
never lifts a reservation). :class:`CommonsTally` keeps them in memory bounded by the
number of origins and (capped) licences, never by the number of URLs, and costs a few
dictionary look-ups per record: the report reads a million of them.

Read from each record: ``stored``, ``license`` (``class``, ``id``, ``url``) and ``size``
(``bytes``, ``words``); for a reserved record, the reading its evidence keeps. A stored
work whose record has no licence (a crawl before record format 2) counts under
:data:`NOT_RECORDED`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from tdm_crawler.policy.spdx import LicenseClass

__all__ = [
    "CLASSES",
    "COMMONS",
    "NOT_RECORDED",
    "CommonsTally",
    "Extent",
]

#: A stored work whose record says nothing of its licence (record format 1).
NOT_RECORDED: Final = "not-recorded"
#: Work classes in the order every table and chart shows them.
CLASSES: Final = (
    LicenseClass.PUBLIC_DOMAIN.value,
    LicenseClass.OPEN.value,
    LicenseClass.RESTRICTED.value,
    LicenseClass.OTHER.value,
    LicenseClass.PARTIAL.value,
    LicenseClass.UNSTATED.value,
    NOT_RECORDED,
)
#: The classes a corpus may use, adapt and share on: the Open Definition 2.1 set.
COMMONS: Final = frozenset({LicenseClass.PUBLIC_DOMAIN.value, LicenseClass.OPEN.value})
_KNOWN: Final = frozenset(CLASSES)
#: Classes of works under no licence: not counted by licence.
_NO_LICENCE: Final = frozenset({LicenseClass.UNSTATED.value, NOT_RECORDED})
#: Distinct licences counted by name; the rest are summed under :data:`MORE`.
MAX_LICENCES: Final = 500
MORE: Final = "(more licences)"


@dataclass(slots=True)
class Extent:
    """How much of a corpus: works, bytes, words, and the works whose words were not
    counted (PDF, EPUB, media: their bytes count, their words are unknown)."""

    works: int = 0
    bytes: int = 0
    words: int = 0
    uncounted: int = 0

    def add(self, size: int, words: int | None) -> None:
        self.works += 1
        self.bytes += size
        if words is None:
            self.uncounted += 1
        else:
            self.words += words

    def merge(self, other: Extent) -> None:
        self.works += other.works
        self.bytes += other.bytes
        self.words += other.words
        self.uncounted += other.uncounted

    def measure(self, by: str) -> int:
        """``works``, ``bytes`` or ``words``."""
        return int(getattr(self, by))


def total(extents: Iterable[Extent]) -> Extent:
    """The sum of ``extents``."""
    result = Extent()
    for extent in extents:
        result.merge(extent)
    return result


@dataclass(slots=True)
class Licence:
    """One licence as counted: its key (SPDX id, or the URL of one we do not know), the
    class of the works under it, and their extent."""

    key: str
    license_class: str
    extent: Extent = field(default_factory=Extent)


class CommonsTally:
    """The commons totals of a crawl, fed one record at a time (:meth:`add`)."""

    def __init__(self) -> None:
        self.by_class: dict[str, Extent] = {}
        self.by_licence: dict[str, Licence] = {}
        self.by_origin: dict[str, dict[str, Extent]] = {}
        #: Reserved works whose reading was recorded, and those among them under an
        #: open or public-domain licence (by licence key).
        self.reserved_read = 0
        self.reserved_open: Counter[str] = Counter()

    def add(self, record: Mapping[str, Any], origin: str) -> None:
        """Count one decision record of ``origin`` (``scheme://host:port``)."""
        if not record.get("stored"):
            if record.get("decision") == "reserved":
                self._reserved(record)
            return
        reading = record.get("license")
        size = record.get("size")
        if type(reading) is dict:
            license_class = reading.get("class")
            if license_class not in _KNOWN:
                license_class = NOT_RECORDED
        else:
            license_class = NOT_RECORDED
        if type(size) is dict:
            length, words = size.get("bytes"), size.get("words")
            length = length if type(length) is int else 0
            words = words if type(words) is int else None
        else:
            length, words = 0, None
        extent = self.by_class.get(license_class)
        if extent is None:
            extent = self.by_class[license_class] = Extent()
        extent.add(length, words)
        classes = self.by_origin.get(origin)
        if classes is None:
            classes = self.by_origin[origin] = {}
        extent = classes.get(license_class)
        if extent is None:
            extent = classes[license_class] = Extent()
        extent.add(length, words)
        if license_class not in _NO_LICENCE and type(reading) is dict:
            self._licence(reading, license_class).extent.add(length, words)

    def _licence(self, reading: Mapping[str, Any], license_class: str) -> Licence:
        key = str(reading.get("id") or reading.get("url") or f"({license_class})")
        found = self.by_licence.get(key)
        if found is None:
            if len(self.by_licence) >= MAX_LICENCES:
                key, license_class = MORE, ""
                found = self.by_licence.get(key)
            if found is None:
                found = self.by_licence[key] = Licence(key, license_class)
        return found

    def _reserved(self, record: Mapping[str, Any]) -> None:
        evidence = record.get("evidence")
        response = evidence.get("response") if type(evidence) is dict else None
        reading = response.get("license") if type(response) is dict else None
        if type(reading) is not dict:
            return
        self.reserved_read += 1
        if reading.get("class") in COMMONS:
            self.reserved_open[str(reading.get("id") or reading.get("url"))] += 1

    # --- read once everything is added -------------------------------------------

    @property
    def stored(self) -> Extent:
        return total(self.by_class.values())

    @property
    def commons(self) -> Extent:
        """The public-domain and open works."""
        return total(e for c, e in self.by_class.items() if c in COMMONS)

    def classes(self) -> list[tuple[str, Extent]]:
        """``(class, extent)`` for every class with works, in :data:`CLASSES` order."""
        return [(c, self.by_class[c]) for c in CLASSES if c in self.by_class]

    def licences(self, n: int | None = None, *, by: str = "works") -> list[Licence]:
        """The licences under which most was stored (``by``: works, bytes or words)."""
        ranked = sorted(self.by_licence.values(), key=lambda x: (-x.extent.measure(by), x.key))
        return ranked[:n]

    def origins(self, n: int | None = None, *, by: str = "words") -> list[tuple[str, Extent]]:
        """``(origin, its total extent)``, most first."""
        totals = [(origin, total(classes.values())) for origin, classes in self.by_origin.items()]
        totals.sort(key=lambda item: (-item[1].measure(by), -item[1].works, item[0]))
        return totals[:n]

    @property
    def reserved_open_works(self) -> int:
        return sum(self.reserved_open.values())
