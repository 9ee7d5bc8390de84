"""Resuming an interrupted crawl from its own output, not from Scrapy's JOBDIR.

A compliance record must survive SIGKILL, and Scrapy's JOBDIR does not: its duplicate
filter buffers ``requests.seen`` and its disk queues write their state on a clean close.
The crawl's output does survive (every record flushed, see ``store``), so it is the state:

- a URL with a decision record is never decided again;
- the links of an allowed page are read back from its stored copy in the content WARC,
  so the crawl reaches every page it would have reached, without fetching twice;
- a torn last line and torn or orphaned WARC tails are cut before anything is appended.
"""

from __future__ import annotations

import gzip
import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from scrapy.http import HtmlResponse
from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.store import CrawlDir, TornLineWarning, iter_records
from tdm_crawler.store.repair import repair_warc, scan_members

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Prior:
    """What an earlier session decided for one URL."""

    final_url: str
    record_id: str | None  # the stored response, when the URL was allowed and stored


class ResumeState:
    """The decisions of earlier sessions, and their stored pages for link extraction."""

    def __init__(self, out: CrawlDir) -> None:
        self.out = out
        self.decided: dict[str, Prior] = {}
        self._where: dict[str, tuple[Path, int, int]] = {}

    @classmethod
    def load(cls, out: CrawlDir) -> ResumeState:
        """Read ``decisions.jsonl`` (after its torn tail was cut) and repair the WARCs."""
        state = cls(out)
        path = out.decisions
        if path.exists():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TornLineWarning)  # cut by DecisionLog
                for record in iter_records(path):
                    state.decided[record["url"]] = Prior(
                        record["final_url"] or record["url"], record["warc_record_id"]
                    )
        keep = {p.record_id for p in state.decided.values() if p.record_id}
        for warc in out.content_warcs():
            repair_warc(warc, keep)
            for member in scan_members(warc)[0]:
                if member.record_type == "response" and member.record_id in keep:
                    state._where[member.record_id] = (warc, member.offset, member.length)
        for warc in out.evidence_warcs():
            repair_warc(warc)
        logger.info("Resuming: %d URLs already decided", len(state.decided))
        return state

    def stored_page(self, prior: Prior) -> HtmlResponse | None:
        """The stored copy of an allowed HTML page, to read its links again."""
        where = self._where.get(prior.record_id or "")
        if where is None:
            return None
        path, offset, length = where
        with path.open("rb") as stream:
            stream.seek(offset)
            member = gzip.decompress(stream.read(length))
        for record in ArchiveIterator(io.BytesIO(member)):
            headers = record.http_headers
            content_type = headers.get_header("Content-Type") if headers else None
            if not content_type or "html" not in content_type.lower():
                return None
            body = record.content_stream().read()
            return HtmlResponse(prior.final_url, body=body, headers={"Content-Type": content_type})
        return None
