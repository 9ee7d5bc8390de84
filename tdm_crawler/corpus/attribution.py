"""The works a corpus must credit: every stored work under a licence requiring attribution.

Which licences require it is data (``policy/data/licenses.json``, ``attribution``): CC BY
and every CC licence but CC0 and the Public Domain Mark, GFDL, ODC-By, ODbL, the OSI
licences that ask for notices... A work counts when its best guess names such a licence
and the statement covers the work: class ``open`` or ``restricted`` (a ``partial`` work's
licence covers only a figure inside it; an ``other`` licence's terms are unknown; an
``unstated`` work has no licence to credit under). Title and author are read from the
stored payload (:mod:`~tdm_crawler.corpus.credits`), streamed in log order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final

from tdm_crawler.corpus.credits import Credits, read_credits
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.spdx import KnownLicense, LicenseClass, licence
from tdm_crawler.store.content import StoredPayloads
from tdm_crawler.store.decisions import iter_records
from tdm_crawler.store.layout import CrawlDir

__all__ = ["CREDITED_CLASSES", "AttributionRow", "attribution_rows", "requires_attribution"]

#: Classes whose licence covers the whole work (see the module docstring).
CREDITED_CLASSES: Final = frozenset({LicenseClass.OPEN.value, LicenseClass.RESTRICTED.value})


@dataclass(frozen=True, slots=True)
class AttributionRow:
    """One work to credit. ``payload_found`` is False when the decision log names a
    stored response that ``content/`` does not hold (then title and author are unknown)."""

    url: str
    credits: Credits
    licence: KnownLicense
    licence_url: str
    payload_found: bool = True


def requires_attribution(reading: Any) -> KnownLicense | None:
    """The licence of a record's ``license`` when it requires attribution of the work."""
    if not isinstance(reading, Mapping) or reading.get("class") not in CREDITED_CLASSES:
        return None
    license_id = reading.get("id")
    known = licence(license_id) if isinstance(license_id, str) else None
    return known if known is not None and known.attribution else None


def attribution_rows(
    parts: Iterable[CrawlDir], limits: Limits | None = None
) -> Iterator[AttributionRow]:
    """Every work to credit in the crawl ``parts`` (a crawl, or a distributed crawl's
    workers), in decision-log order. Raises UnreadableWarc on a damaged content file."""
    limits = limits or Limits()
    for part in parts:
        payloads = StoredPayloads(part.content_warcs())
        for record in iter_records(part.decisions):
            if not record.get("stored"):
                continue
            known = requires_attribution(record.get("license"))
            if known is None:
                continue
            url = str(record.get("final_url") or record.get("url"))
            found = record["license"].get("url")
            licence_url = known.url or (found if isinstance(found, str) else "")
            payload = payloads.payload(str(record.get("warc_record_id")))
            if payload is None:
                yield AttributionRow(url, Credits(), known, licence_url, payload_found=False)
                continue
            credits = read_credits(
                payload.body, content_type=payload.header("content-type"), limits=limits
            )
            yield AttributionRow(url, credits, known, licence_url)
