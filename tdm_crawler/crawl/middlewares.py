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

import logging
from typing import TYPE_CHECKING, Any, NoReturn
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.asyncio import is_asyncio_available

from tdm_crawler.crawl.exchange import exchange_from
from tdm_crawler.crawl.failures import classify_failure
from tdm_crawler.crawl.origin import (
    EVIDENCE_IDS_META,
    POLICY_FILE_META,
    OriginPolicy,
    OriginPolicyLoader,
    origin_of,
    stop_oversized_robots,
)
from tdm_crawler.crawl.origin_cache import OriginCache
from tdm_crawler.crawl.recorder import TdmRecorder
from tdm_crawler.policy import (
    Decision,
    Reason,
    ResponseFacts,
    Signal,
    Verdict,
    decide_after_fetch,
    decide_before_fetch,
    decide_failed_fetch,
)
from tdm_crawler.store import HttpExchange

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: request.meta key holding the :class:`Verdict` of a response that passed the gate.
VERDICT_META = "tdm_verdict"


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
        crawler.signals.connect(stop_oversized_robots, signal=signals.bytes_received)

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
            record_id = TdmRecorder.of(self.crawler).write_evidence(exchange)
            request.meta.setdefault(EVIDENCE_IDS_META, []).append(record_id)
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
        self.agent: str = s.get("TDM_AGENT")
        self.max_crawl_delay = s.getfloat("TDM_MAX_CRAWL_DELAY")
        self.cache: OriginCache[OriginPolicy] = OriginCache(
            OriginPolicyLoader(crawler), max_entries=s.getint("TDM_ORIGIN_CACHE_MAX_ENTRIES")
        )

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
        origin = origin_of(request.url)
        # One download slot per origin: politeness (and Crawl-delay) per scheme/host/port.
        request.meta.setdefault("download_slot", origin)
        policy = await self.cache.get(origin)
        if policy.address_problem is not None:
            # Nothing was fetched from this origin, so no robots/TDMRep signal exists.
            signal = Signal("network", "dns", None, policy.address_problem)
            self._drop(
                request,
                Verdict(Decision.ERROR, Reason.NOT_PUBLIC_ADDRESS, signals=(signal,)),
                status=None,
            )
        before = decide_before_fetch(request.url, self.agent, policy.robots, policy.tdmrep)
        if before is not None:
            self._drop(request, before, status=None)
        self._apply_crawl_delay(request, policy)

    async def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(POLICY_FILE_META):
            return response
        policy = await self.cache.get(origin_of(response.url))
        facts = ResponseFacts(
            url=response.url,
            status=response.status,
            headers={
                key.decode("latin-1").lower(): [v.decode("latin-1") for v in values]
                for key, values in response.headers.items()
            },
            body=response.body,
        )
        verdict = decide_after_fetch(response.url, self.agent, policy.robots, policy.tdmrep, facts)
        if not verdict.allowed:
            self._drop(request, verdict, status=response.status, final_url=response.url)
        request.meta[VERDICT_META] = verdict
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if request.meta.get(POLICY_FILE_META) or isinstance(exception, IgnoreRequest):
            return
        self.record_failure(request, exception)
        raise IgnoreRequest(f"tdm-crawler: error ({classify_failure(exception)[0]})")

    def record_failure(self, request: Request, exception: BaseException) -> None:
        """Record a download failure, with the origin's signals when they are known.

        Also called from the spider's errback for failures raised where this middleware
        cannot see them (redirect loops, decompression bombs in later middlewares).
        """
        reason, detail = classify_failure(exception)
        policy = self.cache.peek(origin_of(request.url))
        if policy is None:
            verdict = Verdict(
                Decision.ERROR, reason, signals=(Signal("http", "transport", None, detail),)
            )
        else:
            verdict = decide_failed_fetch(
                request.url, self.agent, policy.robots, policy.tdmrep, reason, detail
            )
        TdmRecorder.of(self.crawler).record_request(
            request, verdict, status=None, final_url=request.url
        )

    def _drop(
        self, request: Request, verdict: Verdict, *, status: int | None, final_url: str = ""
    ) -> NoReturn:
        """Record the decision and stop the request: nothing of it goes further."""
        TdmRecorder.of(self.crawler).record_request(
            request, verdict, status=status, final_url=final_url or request.url
        )
        raise IgnoreRequest(f"tdm-crawler: {verdict.decision} ({verdict.reason})")

    def _apply_crawl_delay(self, request: Request, policy: OriginPolicy) -> None:
        """Honour robots.txt Crawl-delay on the origin's download slot (capped)."""
        delay = policy.robots.crawl_delay(self.agent)
        if not delay:
            return
        delay = min(float(delay), self.max_crawl_delay)
        request.meta["autothrottle_dont_adjust_delay"] = True
        key = request.meta["download_slot"]
        engine = self.crawler.engine
        assert engine is not None
        downloader: Any = engine.downloader
        if key in downloader.per_slot_settings:
            return
        # Slots are created lazily and garbage-collected when idle: per_slot_settings is
        # what a re-created slot reads, the live slot (if any) is updated directly.
        downloader.per_slot_settings[key] = {"delay": delay, "concurrency": 1}
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value("tdm/crawl_delay/origins")
        slot = downloader.slots.get(key)
        if slot is not None:
            slot.delay = delay
            slot.concurrency = 1
        logger.info("%s: honouring Crawl-delay %.2fs", key, delay)
