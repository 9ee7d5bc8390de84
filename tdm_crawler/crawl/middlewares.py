"""The downloader middlewares: capture raw responses, and gate every request and response.

Placement matters (see ``config.SCRAPY_SETTINGS``):

* :class:`RawCaptureMiddleware` sits next to the downloader (960), so it sees each
  response exactly as received — still compressed, before redirects are followed —
  which is what the WARC must hold for its digests to match the server's bytes.
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
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from tdm_crawler.crawl.exchange import exchange_from
from tdm_crawler.crawl.failures import classify_failure
from tdm_crawler.crawl.meta import (
    EVIDENCE_IDS_META,
    EVIDENCE_META,
    POLICY_FILE_META,
    RECORDED_META,
    RELINK_META,
    VERDICT_META,
)
from tdm_crawler.crawl.origin import (
    FetchResult,
    OriginPolicy,
    PolicyFetcher,
    count_received,
)
from tdm_crawler.crawl.recorder import TdmRecorder
from tdm_crawler.policy import (
    DECISION_HEADERS,
    ContentFacts,
    Context,
    Decision,
    Limits,
    OriginHalf,
    PolicyProblem,
    PolicySummary,
    Reason,
    ResponseFacts,
    Signal,
    Verdict,
    content_kind,
    decide_origin,
    extract_content,
    finish_after_fetch,
    finish_failed_fetch,
    load_agents,
    origin_of,
    policy_from_fetch,
    rsl_links_from_headers,
    with_policy,
)
from tdm_crawler.store import HttpExchange
from tdm_crawler.store.evidence import (
    DecisionEvidence,
    DocumentRef,
    FetchFailure,
    RecordRef,
    ResponseEvidence,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class RawCaptureMiddleware:
    """Keeps each raw response for the content WARC; writes policy files to the evidence WARC.

    The exchange is built here, at capture time, because later middlewares change the
    response in place (HttpCompressionMiddleware drops ``Content-Encoding`` from the
    shared headers). It is held in a weak mapping keyed by the request rather than in
    ``request.meta``: meta is copied into redirect hops and pickled into the JOBDIR queue.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._raw: WeakKeyDictionary[Request, HttpExchange] = WeakKeyDictionary()
        crawler.signals.connect(count_received, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @staticmethod
    def of(crawler: Crawler) -> RawCaptureMiddleware:
        capture = crawler.get_downloader_middleware(RawCaptureMiddleware)
        if capture is None:
            raise RuntimeError("tdm_crawler.crawl.middlewares.RawCaptureMiddleware must be enabled")
        return capture

    def raw_exchange(self, request: Request) -> HttpExchange | None:
        """The exchange of ``request``, its response exactly as it came off the wire."""
        return self._raw.get(request)

    def process_response(self, request: Request, response: Response) -> Response:
        exchange = exchange_from(request, response)
        if request.meta.get(POLICY_FILE_META):
            stored = TdmRecorder.of(self.crawler).write_evidence(exchange)
            request.meta.setdefault(EVIDENCE_IDS_META, []).append(
                RecordRef(stored.record_id, stored.payload_digest)
            )
        else:
            self._raw[request] = exchange
        return response


class TdmGateMiddleware:
    """Decides every URL: before download from origin-level signals, after from the response."""

    def __init__(self, crawler: Crawler) -> None:
        if not is_asyncio_available():
            raise NotConfigured("tdm-crawler needs Twisted's asyncio reactor (TWISTED_REACTOR)")
        s = crawler.settings
        self.crawler = crawler
        self.context = Context(s.get("TDM_AGENT"), load_agents(s.get("TDM_AI_AGENTS") or None))
        self.maxsize = s.getint("DOWNLOAD_MAXSIZE")
        self.limits = Limits.from_settings(s)
        self.fetcher = PolicyFetcher(crawler, self.limits)
        # The origin half of each request's decision, computed before its download and
        # finished from after it (weak: a request dropped on the way takes it along).
        self._halves: WeakKeyDictionary[Request, OriginHalf] = WeakKeyDictionary()
        # Origins whose download slot we gave a Crawl-delay, least recently used first.
        self._delayed: OrderedDict[str, None] = OrderedDict()
        self.max_delayed = s.getint("TDM_ORIGIN_CACHE_MAX_ENTRIES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    @staticmethod
    def of(crawler: Crawler) -> TdmGateMiddleware:
        gate = crawler.get_downloader_middleware(TdmGateMiddleware)
        if gate is None:
            raise RuntimeError("tdm_crawler.crawl.middlewares.TdmGateMiddleware must be enabled")
        return gate

    async def process_request(self, request: Request) -> None:
        if request.meta.get(POLICY_FILE_META):
            return
        if (
            not request.meta.get("redirect_urls")
            and not request.meta.get(RELINK_META)  # fetched again for its links only
            and TdmRecorder.of(self.crawler).already_decided(request.url)
        ):
            # Scheduled twice (e.g. a start URL, which bypasses the duplicate filter, and
            # a link back to it): it has its decision; do not fetch or decide it again.
            request.meta[RECORDED_META] = True
            raise IgnoreRequest("tdm-crawler: already decided")
        origin = origin_of(request.url)
        # One download slot per origin: politeness (and Crawl-delay) per scheme/host/port.
        request.meta.setdefault("download_slot", origin)
        policy = await self.fetcher.origin(origin)
        if policy.address_problem is not None:
            # Nothing was fetched from this origin, so no robots/TDMRep signal exists.
            signal = Signal("network", "dns", None, policy.address_problem)
            verdict = Verdict(Decision.ERROR, Reason.NOT_PUBLIC_ADDRESS, signals=(signal,))
            self._drop(request, verdict, status=None, evidence=self._evidence(request, "address"))
        half = decide_origin(request.url, self.context, policy.facts)
        if half.verdict is not None:
            evidence = self._evidence(request, "before")
            self._drop(request, half.verdict, status=None, evidence=evidence)
        self._halves[request] = half
        self._apply_crawl_delay(request, policy)

    async def origin_half(self, request: Request, url: str) -> OriginHalf:
        """The origin half kept for ``request`` when it was gated for ``url``; computed
        now only if it was not (a request gated elsewhere, e.g. by a test)."""
        half = self._halves.get(request)
        if half is not None and half.url == url:
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
        read = ResponseEvidence(
            tuple((k, v) for k in DECISION_HEADERS for v in headers.get(k, ())),
            content,
            license_refs,
        )
        evidence = self._evidence(
            request, "after", url=response.url, response=read, policy=policy_ref
        )
        if not verdict.allowed:
            self._drop(
                request, verdict, status=response.status, final_url=response.url, evidence=evidence
            )
        request.meta[VERDICT_META] = verdict
        request.meta[EVIDENCE_META] = evidence
        return response

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

    def _evidence(
        self,
        request: Request,
        stage: str,
        *,
        url: str | None = None,
        response: ResponseEvidence | None = None,
        policy: DocumentRef | None = None,
        failure: FetchFailure | None = None,
    ) -> DecisionEvidence:
        """What a replay needs to decide ``request`` again, offline.

        ``stage`` says which decision function decided (address / before / after /
        failed); ``hops`` are the redirect hops before ``url``, each gated before it was
        fetched; ``origins`` maps every origin involved to the evidence metadata record
        listing the policy documents read for it.
        """
        url = url or request.url
        hops = tuple(u for u in request.meta.get("redirect_urls", ()) if u != url)
        origins = {}
        for origin in dict.fromkeys(origin_of(u) for u in (*hops, url)):
            known = self.fetcher.origins.peek(origin)
            origins[origin] = known.evidence_id if known is not None else None
        return DecisionEvidence(stage, url, hops, origins, response, policy, failure)

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(POLICY_FILE_META) or isinstance(exception, IgnoreRequest):
            return
        self.record_failure(request, exception)
        reason = classify_failure(exception, request, self.maxsize)[0]
        raise IgnoreRequest(f"tdm-crawler: error ({reason})")

    def record_failure(self, request: Request, exception: BaseException) -> None:
        """Record a download failure, with the origin's signals when they are known.

        Also called from the spider's errback for failures raised where this middleware
        cannot see them (redirect loops, decompression bombs in later middlewares).
        """
        reason, detail = classify_failure(exception, request, self.maxsize)
        half = self._halves.get(request)
        if half is None or half.url != request.url:
            policy = self.fetcher.origins.peek(origin_of(request.url))
            half = (
                None if policy is None else decide_origin(request.url, self.context, policy.facts)
            )
        if half is None:
            verdict = Verdict(
                Decision.ERROR, reason, signals=(Signal("http", "transport", None, detail),)
            )
        else:
            verdict = finish_failed_fetch(half, reason, detail)
        evidence = self._evidence(request, "failed", failure=FetchFailure(reason, detail))
        TdmRecorder.of(self.crawler).record_request(
            request, verdict, status=None, final_url=request.url, evidence=evidence
        )

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
        TdmRecorder.of(self.crawler).record_request(
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
