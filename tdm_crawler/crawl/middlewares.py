"""The downloader middlewares: capture raw responses, and gate every request and response.

Placement matters (see ``config.SCRAPY_SETTINGS``):

* the request guard (:mod:`tdm_crawler.crawl.guard`, 10) comes before both, so what
  reaches the gate is a request to a public http(s) address;
* :class:`RawCaptureMiddleware` sits next to the downloader (960), so it sees each
  response exactly as received — still compressed, before redirects are followed —
  which is what the WARC must hold for its digests to match the server's bytes
  (robots.txt is then inflated up to its cap by :mod:`tdm_crawler.crawl.truncate`, 950).
* :class:`TdmGateMiddleware` sits at 540, below RetryMiddleware (550) and the redirect
  middlewares (580/600): its ``process_request`` runs for every hop of a redirect chain,
  and its ``process_response`` only sees final answers, after retries and redirects,
  already decompressed so HTML ``<meta>`` can be read.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from tdm_crawler.corpus.work import read_work
from tdm_crawler.crawl.exchange import exchange_from
from tdm_crawler.crawl.failures import classify_failure
from tdm_crawler.crawl.meta import (
    EVIDENCE_META,
    POLICY_FILE_META,
    RECHECK_META,
    RECORDED_META,
    RELINK_META,
    VERDICT_META,
    WORK_META,
)
from tdm_crawler.crawl.origin import (
    FetchResult,
    OriginPolicy,
    count_received,
)
from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.policy import (
    DECISION_HEADERS,
    ContentFacts,
    Decision,
    OriginHalf,
    PolicyProblem,
    PolicySummary,
    ResponseFacts,
    Verdict,
    content_kind,
    decide_origin,
    extract_content,
    finish_after_fetch,
    origin_of,
    policy_from_fetch,
    rsl_links_from_headers,
    with_policy,
)
from tdm_crawler.store.evidence import DecisionEvidence, ResponseEvidence
from tdm_crawler.store.work import WorkFacts

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Decisions after which a response's licence and size are read (see _read_work).
_READ_WORKS = frozenset({Decision.ALLOWED, Decision.RESERVED, Decision.UNKNOWN})


class RawCaptureMiddleware:
    """Keeps each response exactly as received, for the content or the evidence WARC.

    The exchange is built here, at capture time, because later middlewares change the
    response in place (HttpCompressionMiddleware drops ``Content-Encoding`` from the
    shared headers). The session keeps it keyed by the request rather than in
    ``request.meta``: meta is copied into redirect hops and pickled into the JOBDIR queue.
    The storage middleware takes a content response's, the policy fetcher a policy
    document's.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.session = CrawlSession.of(crawler)
        crawler.signals.connect(count_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        self.session.keep_raw(request, exchange_from(request, response))
        return response


class TdmGateMiddleware:
    """Decides every URL: before download from origin-level signals, after from the response."""

    def __init__(self, crawler: Crawler) -> None:
        if not is_asyncio_available():
            raise NotConfigured("tdm-crawler needs Twisted's asyncio reactor (TWISTED_REACTOR)")
        self.crawler = crawler
        self.session = session = CrawlSession.of(crawler)
        self.context, self.limits, self.fetcher = session.context, session.limits, session.fetcher
        self.recorder = session.recorder
        # Origins whose download slot we gave a Crawl-delay, least recently used first.
        self._delayed: OrderedDict[str, None] = OrderedDict()
        self.max_delayed = crawler.settings.getint("TDM_ORIGIN_CACHE_MAX_ENTRIES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if request.meta.get(POLICY_FILE_META):
            return
        if (
            not request.meta.get("redirect_urls")
            and not request.meta.get(RELINK_META)  # fetched again for its links only
            and self.recorder.already_decided(request.url)
        ):
            # Scheduled twice (e.g. a start URL, which bypasses the duplicate filter, and
            # a link back to it): it has its decision; do not fetch or decide it again.
            request.meta[RECORDED_META] = True
            raise IgnoreRequest("tdm-crawler: already decided")
        origin = origin_of(request.url)
        # One download slot per origin: politeness (and Crawl-delay) per scheme/host/port.
        request.meta.setdefault("download_slot", origin)
        policy = await self.fetcher.origin(origin)
        half = decide_origin(request.url, self.context, policy.facts)
        if half.verdict is not None:
            evidence = self.session.evidence(request, "before")
            self._drop(request, half.verdict, status=None, evidence=evidence)
        self.session.keep_half(request, half)
        self._apply_crawl_delay(request, policy)

    async def origin_half(self, request: Request, url: str) -> OriginHalf:
        """The origin half kept for ``request`` when it was gated for ``url``; computed
        now only if it was not (a request gated elsewhere, e.g. by a test)."""
        half = self.session.kept_half(request, url)
        if half is not None:
            return half
        policy = await self.fetcher.origin(origin_of(url))
        return decide_origin(url, self.context, policy.facts)

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(POLICY_FILE_META):
            return response
        half = await self.origin_half(request, response.url)
        headers = {
            key.decode("latin-1").lower(): [v.decode("latin-1") for v in values]
            for key, values in response.headers.items()
        }
        content = await self._extract(response, headers)
        linked = rsl_links_from_headers(headers, response.url) + list(content.rsl_links)
        licenses, license_refs = await self.fetcher.licenses(linked) if linked else ((), ())
        facts = ResponseFacts(response.url, response.status, headers, content, licenses)
        verdict = finish_after_fetch(half, self.context, facts)
        policy_ref = None
        if verdict.tdm_policy is not None:
            fetched = await self.fetcher.document(verdict.tdm_policy)
            verdict = with_policy(verdict, self._parse_policy(fetched))
            policy_ref = fetched.ref()
        work = await self._read_work(request, half, facts, verdict, response.body)
        read = ResponseEvidence(
            tuple((k, v) for k in DECISION_HEADERS for v in headers.get(k, ())),
            content,
            license_refs,
            None if work is None or verdict.allowed else work.license,
        )
        evidence = self.session.evidence(
            request, "after", url=response.url, response=read, policy=policy_ref
        )
        if not verdict.allowed:
            self._drop(
                request, verdict, status=response.status, final_url=response.url, evidence=evidence
            )
        request.meta[VERDICT_META] = verdict
        request.meta[EVIDENCE_META] = evidence
        request.meta[WORK_META] = work
        return response

    async def _read_work(
        self,
        request: Request,
        half: OriginHalf,
        facts: ResponseFacts,
        verdict: Verdict,
        body: bytes,
    ) -> WorkFacts | None:
        """The licence and size of a response decided from its content: allowed (it is
        stored next, and its record carries them), or reserved or unknown (its evidence
        keeps the reading: the body is not kept). None for the rest (nothing to read, or
        decided before its content), and for a recheck, whose stored work is the
        original crawl's. PDF, EPUB and media go to a worker thread, as in _extract."""
        if half.verdict is not None or not 200 <= facts.status <= 299:
            return None
        if verdict.decision not in _READ_WORKS or RECHECK_META in request.meta:
            return None
        if facts.content.kind in ("html", "other"):
            return read_work(facts, half.origin, body, self.limits)
        return await asyncio.to_thread(read_work, facts, half.origin, body, self.limits)

    async def _extract(self, response: Response, headers: dict[str, list[str]]) -> ContentFacts:
        """Read the body's in-content signals; PDF, EPUB and media parsing (bounded, but
        slow next to HTML) runs in a worker thread so the crawl keeps moving meanwhile."""
        if not 200 <= response.status <= 299:
            return ContentFacts("other")
        content_type = headers.get("content-type", [None])[0]
        if content_kind(content_type, response.body) in ("html", "other"):
            return extract_content(response.body, content_type, response.url, self.limits)
        return await asyncio.to_thread(
            extract_content, response.body, content_type, response.url, self.limits
        )

    def _parse_policy(self, fetched: FetchResult) -> PolicySummary | PolicyProblem | None:
        """The TDM policy behind a reservation; None when it could not be fetched."""
        return policy_from_fetch(
            fetched.url, fetched.status, fetched.body, max_bytes=self.limits.document_bytes
        )

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(POLICY_FILE_META) or isinstance(exception, IgnoreRequest):
            return
        self.session.record_failure(request, exception)
        reason = classify_failure(exception, request, self.session.maxsize)[0]
        raise IgnoreRequest(f"tdm-crawler: error ({reason})")

    def _drop(
        self,
        request: Request,
        verdict: Verdict,
        *,
        status: int | None,
        evidence: DecisionEvidence,
        final_url: str = "",
    ) -> NoReturn:
        """Record the decision and stop the request: nothing of it goes further."""
        self.recorder.record_request(
            request, verdict, status=status, final_url=final_url or request.url, evidence=evidence
        )
        raise IgnoreRequest(f"tdm-crawler: {verdict.decision} ({verdict.reason})")

    def _forget_delays(self, downloader: Any, key: str) -> None:
        """Bound the per-slot settings we add (one per origin with a Crawl-delay) to the
        policy cache's size: the least recently used idle origin's entry goes first (it
        is added again from its cached or re-fetched robots.txt when the origin returns)."""
        self._delayed[key] = None
        while len(self._delayed) > self.max_delayed:
            oldest = next(iter(self._delayed))
            if oldest in downloader.slots:  # in use: keep it, try again next time
                self._delayed.move_to_end(oldest)
                break
            del self._delayed[oldest]
            downloader.per_slot_settings.pop(oldest, None)

    def _apply_crawl_delay(self, request: Request, policy: OriginPolicy) -> None:
        """Honour robots.txt Crawl-delay on the origin's download slot (capped)."""
        delay = policy.facts.robots.crawl_delay(self.context.agent)
        if not delay:
            return
        delay = min(float(delay), self.limits.max_crawl_delay)
        request.meta["autothrottle_dont_adjust_delay"] = True
        key = request.meta["download_slot"]
        engine = self.crawler.engine
        assert engine is not None
        downloader: Any = engine.downloader
        if key in downloader.per_slot_settings:
            if key in self._delayed:
                self._delayed.move_to_end(key)
            return
        # Slots are created lazily and garbage-collected when idle: per_slot_settings is
        # what a re-created slot reads, the live slot (if any) is updated directly.
        # No jitter: a randomised delay would undercut the Crawl-delay asked for.
        downloader.per_slot_settings[key] = {"delay": delay, "concurrency": 1, "jitter": 0}
        self._forget_delays(downloader, key)
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tdm/crawl_delay/origins")
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay, slot.jitter, slot.concurrency = delay, 0.0, 1
        logger.info("%s: honouring Crawl-delay %.2fs", key, delay)
