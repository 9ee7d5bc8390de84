"""``tdm-crawl recheck``: re-read today's opt-outs for every stored URL of a crawl.

Rightsholders opt out after a crawl too. A recheck fetches each stored URL's origin
files again and the URL itself (HEAD where no in-content signal can exist, GET where one
can), decides with the crawl's own gate, and writes a new crawl directory that keeps
only what is still allowed — the original WARC records copied byte for byte, so their
digests still prove what the server sent back then — plus ``purge.jsonl``, what to
delete downstream. With ``--origin`` only that origin's URLs are rechecked (one
rightsholder's opt-outs, read now) and the others are carried over unchanged
(:class:`CarriedOver`). The original directory is only read.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy import Request
from scrapy.http import Response

from tdm_crawler.crawl.meta import RECHECK_META
from tdm_crawler.offline.evidence import EvidenceIndex
from tdm_crawler.offline.selector import Selector
from tdm_crawler.spiders.tdm import TdmSpider
from tdm_crawler.store import CrawlDir, iter_records
from tdm_crawler.store.evidence import of_record
from tdm_crawler.store.purges import PurgeEntry, PurgeList

logger = logging.getLogger(__name__)

#: Content kinds whose decision can rest on the body; the others are rechecked by HEAD.
_BODY_KINDS = frozenset({"html", "pdf", "epub", "media"})


@dataclass(frozen=True, slots=True)
class StoredUrl:
    """A URL the original crawl stored, and where its records are."""

    url: str
    record_id: str
    sha256: str
    kind: str  # the content kind the original decision read ("html", "pdf", "other", ...)


def stored_urls(source: Path, selector: Selector | None = None) -> list[StoredUrl]:
    """Every stored URL of a crawl directory (those ``selector`` names, when given), in
    decision order."""
    urls = []
    for record in iter_records(CrawlDir(source).decisions):
        if record["stored"] and (selector is None or selector.selects(record)):
            urls.append(
                StoredUrl(
                    record["url"],
                    record["warc_record_id"],
                    record["content_sha256"],
                    _content_kind(record),
                )
            )
    return urls


@dataclass(frozen=True, slots=True)
class CarriedOver:
    """``recheck --origin``: the stored URLs of the other origins, which the new
    directory takes from the source unchanged (records, exchanges, the evidence they
    rest on) instead of rechecking them."""

    source: Path
    rechecked: Selector

    def records(self) -> Iterator[dict[str, Any]]:
        """The source's decision records of the stored URLs not rechecked (streamed)."""
        for record in iter_records(CrawlDir(self.source).decisions):
            if record["stored"] and not self.rechecked.selects(record):
                yield record

    def evidence_files(self) -> list[Path]:
        """The evidence WARC files those records may point into (a worker's: every
        worker's, since one fetches an origin's documents for all)."""
        parts = CrawlDir(self.source).evidence_sources()
        return [path for part in parts for path in part.evidence_warcs()]

    def evidence_ids(self) -> set[str]:
        """Every evidence record the carried records rest on: the origin evidence
        records they name, the policy documents each of those lists, and the documents
        fetched for the URLs themselves — every attempt and redirect hop."""
        origin_ids: set[str] = set()
        ids: set[str] = set()
        for record in self.records():
            try:
                evidence = of_record(record)
            except ValueError:  # unreadable in the source too: tdm-crawl verify says so
                continue
            if evidence is None:
                continue
            origin_ids.update(oid for oid in evidence.origins.values() if oid is not None)
            ids.update(read.record_id for ref in evidence.documents() for read in ref.records)
        index = EvidenceIndex.build(CrawlDir(self.source).evidence_sources())
        for origin_id in origin_ids:
            origin = index.metadata.get(origin_id)
            if origin is not None:
                ids.update(read.record_id for ref in origin.documents() for read in ref.records)
        return origin_ids | ids


def _content_kind(record: dict[str, Any]) -> str:
    """The kind of content the decision read; "html" (the URL is fetched with GET) when
    its evidence does not say."""
    try:
        evidence = of_record(record)
    except ValueError:
        return "html"
    response = evidence.response if evidence is not None else None
    return response.content.kind if response is not None else "html"


class RecheckSpider(TdmSpider):
    """Requests each stored URL once (HEAD or GET) and follows no links."""

    name = "tdm-recheck"

    def __init__(
        self,
        stored: list[StoredUrl] | None = None,
        carried: CarriedOver | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.stored = stored or []
        self.carried = carried
        self.seed_urls = [item.url for item in self.stored]

    async def start(self) -> AsyncIterator[Request]:
        if self.carried is not None:
            carried = self.carried
            count = self.session.recorder.carry_over(
                carried.records(), carried.evidence_files(), carried.evidence_ids()
            )
            logger.info("%d stored URLs of other origins carried over unchanged", count)
        for item in self.stored:
            method = "GET" if item.kind in _BODY_KINDS else "HEAD"
            yield Request(
                item.url,
                method=method,
                callback=self.parse,
                errback=self.failed,
                meta={RECHECK_META: {"record_id": item.record_id, "sha256": item.sha256}},
                dont_filter=True,
            )

    def parse(self, response: Response) -> Iterator[Request]:
        return iter(())


def write_purge_list(source: Path, dest: Path) -> int:
    """The purge list of ``dest``: every URL stored in ``source`` that is not allowed now
    (or could not be rechecked), with the record id and digest to delete downstream."""
    crawl = CrawlDir(dest)
    now = {r["url"]: r for r in iter_records(crawl.decisions)}
    with PurgeList(crawl.purge) as purge:
        for item in stored_urls(source):
            record = now.get(item.url)
            if record is not None and record["decision"] == "allowed":
                continue
            purge.write(
                PurgeEntry(
                    item.url,
                    item.record_id,
                    item.sha256,
                    record["decision"] if record else "unknown",
                    record["reason"] if record else "not-rechecked",
                )
            )
        return purge.count
