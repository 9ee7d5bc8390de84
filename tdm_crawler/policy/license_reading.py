"""One licence per stored work: the best guess from every statement found, and why.

The readers (:mod:`tdm_crawler.policy.license_statements`) return every machine-readable
licence statement of a response as a :class:`LicenseFinding`: the SPDX id (None when the
URL or text is not a licence we know), the URL or text as found, where it was found and
in which markup. :func:`license_reading` turns them into one :class:`LicenseReading`,
the decision record's ``license`` field. The rules (ours where the issue was silent):

- **What counts as a statement.** A finding with an id; or one whose value is an
  http(s) URL we do not recognise (a licence of unknown terms: class ``other``). Free
  text that names no licence (``dc.rights`` "© 2024 Acme", XMP ``Marked=True``) and
  permissions that are not copyright licences (an RSL file that names no known licence,
  a CC signal) are kept in ``findings`` but do not count.
- **Order.** By location: the response and the document itself (``header``, ``head``,
  ``xmp``, ``opf``) over the page body (``body``, ``footer``, equal), over the site
  (``site``: robots.txt-level statements), over ``figure`` (a statement inside a figure
  or an image caption covers the image, not the work). Within a location, a recognised
  licence beats an unknown URL, then document order decides.
- **Class.** The best statement's licence class; ``other`` for an unknown URL;
  ``partial`` when every statement sits in a figure (the id is still the figure's
  licence: it is what the page says, about part of itself); ``unstated`` when nothing
  counts (all rights reserved by default), with ``id`` and ``url`` null.
- **Disagreement.** The statements outside figures name more than one licence (by id,
  or by URL for unknown ones); or, when all are in figures, the figures do. A CC BY-SA
  page with a CC BY photo is expected and not flagged: the flag marks the works whose
  page-level licence needs a human look.

A licence never changes the TDM decision; the reading is recorded beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from tdm_crawler.policy.spdx import LicenseClass, licence

__all__ = [
    "MAX_FINDINGS",
    "LicenseFinding",
    "LicenseReading",
    "Location",
    "license_reading",
]

#: A record keeps at most this many findings (a page may repeat a badge a thousand times).
MAX_FINDINGS = 32
#: A finding keeps at most this much of the URL or text it was read from.
MAX_VALUE = 300


class Location(StrEnum):
    """Where a statement was found."""

    HEADER = "header"  # an HTTP response header
    HEAD = "head"  # the HTML <head>
    BODY = "body"  # the HTML body, outside footers and figures
    FOOTER = "footer"  # <footer>, role=contentinfo, an id or class containing "footer"
    FIGURE = "figure"  # <figure>/<figcaption>, an image caption or credit, an image's metadata
    XMP = "xmp"  # the XMP packet of a PDF or an image
    OPF = "opf"  # an EPUB's package document
    SITE = "site"  # a statement for a whole site (robots.txt, an RSL file it names)


_RANK = {
    Location.HEADER: 0,
    Location.HEAD: 0,
    Location.XMP: 0,
    Location.OPF: 0,
    Location.BODY: 1,
    Location.FOOTER: 1,
    Location.SITE: 2,
    Location.FIGURE: 3,
}
#: Sources whose findings are permissions, not copyright licences, unless they name one.
PERMISSION_SOURCES = frozenset({"rsl", "cc-signal"})


@dataclass(frozen=True, slots=True)
class LicenseFinding:
    """One licence statement: ``id`` (SPDX or ``LicenseRef-``; None when not recognised),
    ``url`` (the URL as resolved, or the text, as found), ``location``, and ``source``
    (the markup: ``link-header``, ``link``, ``a``, ``rdfa``, ``json-ld``, ``microdata``,
    ``meta``, ``cc:license``, ``xmpRights:WebStatement``, ``xmpRights:Marked``,
    ``dc:rights``, ``opf-meta``, ``rsl``, ``cc-signal``)."""

    id: str | None
    url: str
    location: Location
    source: str

    @property
    def counts(self) -> bool:
        """Whether this is a licence statement (see the module docstring)."""
        if self.id is not None:
            return True
        return self.source not in PERMISSION_SOURCES and self.url.lower().startswith(
            ("http://", "https://")
        )

    @property
    def key(self) -> str:
        """What two statements must share to name the same licence."""
        return self.id or self.url

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "source": self.source,
            "location": self.location.value,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LicenseFinding:
        return cls(data["id"], data["url"], Location(data["location"]), data["source"])


@dataclass(frozen=True, slots=True)
class LicenseReading:
    """The licence of one stored work: the best guess and everything it rests on."""

    id: str | None
    license_class: LicenseClass
    url: str | None
    findings: tuple[LicenseFinding, ...] = ()
    disagreement: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "class": self.license_class.value,
            "url": self.url,
            "findings": [finding.to_json() for finding in self.findings],
            "disagreement": self.disagreement,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LicenseReading:
        return cls(
            data["id"],
            LicenseClass(data["class"]),
            data["url"],
            tuple(LicenseFinding.from_json(item) for item in data["findings"]),
            data["disagreement"],
        )


def license_reading(findings: Iterable[LicenseFinding]) -> LicenseReading:
    """The best guess over ``findings`` (in the order the readers found them)."""
    kept = tuple(dict.fromkeys(findings))[:MAX_FINDINGS]
    statements = [finding for finding in kept if finding.counts]
    if not statements:
        return LicenseReading(None, LicenseClass.UNSTATED, None, kept)
    order = {finding: index for index, finding in enumerate(statements)}
    best = min(statements, key=lambda f: (_RANK[f.location], f.id is None, order[f]))
    page_level = [f for f in statements if f.location is not Location.FIGURE]
    compared = page_level or statements
    disagreement = len({finding.key for finding in compared}) > 1
    if not page_level:
        license_class = LicenseClass.PARTIAL
    else:
        known = licence(best.id) if best.id is not None else None
        license_class = known.license_class if known is not None else LicenseClass.OTHER
    return LicenseReading(best.id, license_class, best.url, kept, disagreement)
