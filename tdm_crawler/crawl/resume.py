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

import logging
import warnings
from dataclasses import dataclass

from scrapy.http import HtmlResponse

from tdm_crawler.exceptions import UnreadableWarc
from tdm_crawler.store import CrawlDir, TornLineWarning, iter_records
from tdm_crawler.store.repair import repair_warc
from tdm_crawler.store.warcread import Member, read_payload

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
        self._stored: dict[str, Member] = {}

    @classmethod
    def load(cls, out: CrawlDir) -> ResumeState:
        """Read the decision log (after its torn tail was cut) and repair the WARCs,
        reading each WARC file once: the repair's scan also says where each stored
        response is."""
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
            for member in repair_warc(warc, keep).members:
                if member.record_type == "response" and member.record_id in keep:
                    state._stored[member.record_id] = member
        for warc in out.evidence_warcs():
            repair_warc(warc)
        logger.info("Resuming: %d URLs already decided", len(state.decided))
        return state

    def stored_page(self, prior: Prior) -> HtmlResponse | None:
        """The stored copy of an allowed HTML page, to read its links again; None when
        there is none, or it cannot be read (that costs its links, not the crawl)."""
        member = self._stored.get(prior.record_id or "")
        if member is None:
            return None
        try:
            payload = read_payload(member)
        except (OSError, UnreadableWarc) as exc:
            logger.warning(
                "%s: the stored copy cannot be read (%s); its links are not followed again",
                prior.final_url,
                exc,
            )
            return None
        content_type = payload.header("Content-Type")
        if not content_type or "html" not in content_type.lower():
            return None
        headers = {"Content-Type": content_type}
        return HtmlResponse(prior.final_url, body=payload.body, headers=headers)
