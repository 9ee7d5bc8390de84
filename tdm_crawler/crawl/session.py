"""The crawl session: every part a crawl's Scrapy components share, built once.

Scrapy builds each component (the gate and raw-capture downloader middlewares, the
storage spider middleware, the recorder extension, the spider) on its own. Rather than
each finding the others through look-ups, they all ask :meth:`CrawlSession.of` for the
one session of their crawler, which holds:

* the decision context (agent, AI-agent list, purpose profile, whether Bing's
  ``noarchive`` reserves, exclusion lists) and the size/time limits (read from the
  settings once);
* the strategies that differ between a crawl alone and one worker of a distributed
  crawl, each a class named by a setting (as Scrapy's ``ROBOTSTXT_PARSER`` names its
  parser): ``TDM_CLAIMS_CLASS`` (who writes a URL's record), ``TDM_FRONTIER_CLASS``
  (which links are scheduled) and ``TDM_POLICY_STORE_CLASS`` (who fetches an origin's
  policy documents);
* the policy fetcher and the recorder (the writers of the output directory), and the
  sitemap reader (``--sitemaps``);
* the log filter that keeps site data in log lines from acting on a terminal
  (:mod:`tdm_crawler.crawl.log_filter`), installed when the session is built;
* what is known of each request in flight: its raw exchange as received and the origin
  half of its decision, so that whoever records its outcome (the gate, or the spider's
  errback for a failure the gate never saw) records it the same way.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.utils.misc import build_from_crawler, load_object

from tdm_crawler.crawl import log_filter
from tdm_crawler.crawl.config import check_retry_codes, setting_flag
from tdm_crawler.crawl.failures import classify_failure
from tdm_crawler.crawl.origin import PolicyFetcher
from tdm_crawler.crawl.recorder import TdmRecorder
from tdm_crawler.crawl.sitemaps import SitemapReader
from tdm_crawler.exceptions import SettingError
from tdm_crawler.policy import (
    Context,
    Decision,
    ExcludeListError,
    Limits,
    OriginHalf,
    Signal,
    Verdict,
    decide_origin,
    finish_failed_fetch,
    load_agents,
    load_exclude_lists,
    origin_of,
)
from tdm_crawler.policy.purposes import Profile
from tdm_crawler.store.evidence import (
    DecisionEvidence,
    DocumentRef,
    FetchFailure,
    ResponseEvidence,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

    from tdm_crawler.crawl.claims import Claims
    from tdm_crawler.crawl.frontier import Frontier
    from tdm_crawler.crawl.policy_store import PolicyStore
    from tdm_crawler.store import HttpExchange

_SESSIONS: WeakKeyDictionary[Crawler, CrawlSession] = WeakKeyDictionary()


def _strategy(crawler: Crawler, setting: str) -> Any:
    """An instance of the class the setting names, built the way Scrapy builds components."""
    return build_from_crawler(load_object(crawler.settings.get(setting)), crawler)


class CrawlSession:
    """One crawl's shared parts (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        # Scrapy replaces its root log handler after building the spider (and so this
        # session): the filter goes on the handlers there are now, and again when the
        # spider opens, before the first log line that can carry site data.
        log_filter.install()
        crawler.signals.connect(log_filter.install, signal=signals.spider_opened)
        self.crawler = crawler
        try:
            profile = Profile.from_settings(s)
        except ValueError as error:
            raise SettingError(str(error)) from None
        agents = load_agents(s.get("TDM_AI_AGENTS") or None)
        try:
            noarchive = setting_flag("TDM_NOARCHIVE_RESERVES", s.get("TDM_NOARCHIVE_RESERVES"))
        except ValueError as error:
            raise SettingError(str(error)) from None
        try:
            excluded = load_exclude_lists(s.getlist("TDM_EXCLUDED_SOURCES"))
        except ExcludeListError as error:
            raise SettingError(f"TDM_EXCLUDED_SOURCES: {error}") from None
        check_retry_codes(s)
        self.context = Context(s.get("TDM_AGENT"), agents, profile, noarchive, excluded)
        self.limits = Limits.from_settings(s)
        self.maxsize = s.getint("DOWNLOAD_MAXSIZE")
        self.claims: Claims = _strategy(crawler, "TDM_CLAIMS_CLASS")
        policy_store: PolicyStore = _strategy(crawler, "TDM_POLICY_STORE_CLASS")
        self.recorder = TdmRecorder(crawler, self.claims, self.context)
        self.fetcher = PolicyFetcher(crawler, self.limits, policy_store, self)
        # Weak: a request dropped on the way takes what is kept for it along.
        self._raw: WeakKeyDictionary[Request, HttpExchange] = WeakKeyDictionary()
        self._halves: WeakKeyDictionary[Request, OriginHalf] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSession:
        """As an extension (first in ``EXTENSIONS``), so the session and its recorder
        exist, and connect their signal handlers, before any other component's."""
        return cls.of(crawler)

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlSession:
        """The session of ``crawler``, built by whichever component asks first."""
        session = _SESSIONS.get(crawler)
        if session is None:
            session = _SESSIONS[crawler] = cls(crawler)
        return session

    @cached_property
    def frontier(self) -> Frontier:
        """Built when the spider first asks: a project's own spider (the add-on) has none."""
        return cast("Frontier", _strategy(self.crawler, "TDM_FRONTIER_CLASS"))

    @cached_property
    def sitemaps(self) -> SitemapReader:
        """The reader of origins' sitemaps (``--sitemaps``), for the spider."""
        return SitemapReader(self)

    # -- what is known of each request in flight -----------------------------------------

    def keep_raw(self, request: Request, exchange: HttpExchange) -> None:
        """``request``'s exchange exactly as it came off the wire (before decompression)."""
        self._raw[request] = exchange

    def raw_exchange(self, request: Request) -> HttpExchange | None:
        return self._raw.get(request)

    def take_raw(self, request: Request) -> HttpExchange | None:
        return self._raw.pop(request, None)

    def keep_half(self, request: Request, half: OriginHalf) -> None:
        """The origin half of ``request``'s decision, computed before its download."""
        self._halves[request] = half

    def kept_half(self, request: Request, url: str) -> OriginHalf | None:
        half = self._halves.get(request)
        return half if half is not None and half.url == url else None

    # -- recording ---------------------------------------------------------------------

    def evidence(
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

    def record_failure(self, request: Request, exception: BaseException) -> None:
        """Record a download failure, with the origin's signals when they are known.

        The gate calls it for failures it sees; the spider's errback for those raised
        where the gate cannot see them (redirect loops, decompression bombs in later
        middlewares).
        """
        reason, detail = classify_failure(exception, request, self.maxsize)
        half = self.kept_half(request, request.url)
        if half is None:
            policy = self.fetcher.origins.peek(origin_of(request.url))
            if policy is not None:
                half = decide_origin(request.url, self.context, policy.facts)
        if half is None:
            signal = Signal("http", "transport", None, detail)
            verdict = Verdict(
                Decision.ERROR, reason, signals=(signal,), purpose=self.context.profile.purpose
            )
        else:
            verdict = finish_failed_fetch(half, self.context, reason, detail)
        evidence = self.evidence(request, "failed", failure=FetchFailure(reason, detail))
        self.recorder.record_request(
            request, verdict, status=None, final_url=request.url, evidence=evidence
        )
