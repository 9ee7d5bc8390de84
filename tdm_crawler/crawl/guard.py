"""The one guard every outgoing request passes, whoever asks for it.

The spider's pages and their redirect hops, robots.txt, tdmrep.json, RSL licences, TDM
policies and every hop of theirs, a recheck's URLs: all go through the Scrapy engine,
and :class:`RequestGuard` is the first downloader middleware each request meets
(``config.SCRAPY_SETTINGS``: before the gate, and before Scrapy's redirect middlewares,
so a redirect hop, which comes back through the middlewares as a new request, meets it
too). For each request it checks, in order:

1. the scheme: ``http`` and ``https`` only. The other Scrapy download handlers (file,
   data, ftp, s3) are turned off as well, so a request that got past this still cannot
   read a local file;
2. the exclusion lists (:mod:`tdm_crawler.policy.excluded`): a URL they name is sent
   nothing, its name not even resolved; a page is decided ``disallowed``
   (``excluded-source``, a ``before`` decision a replay repeats), a policy document
   (robots.txt, a licence, a TDM policy) on such a host fails as unfetched;
3. the name: one that does not resolve is not fetched (``CannotResolveHostError``, which
   is retried like any DNS failure), so it is never handed to a proxy to resolve;
4. the addresses: every address the name resolves to (literal addresses in any
   spelling, decimal, hex, octal, IPv4-mapped, included, since they are resolved the
   same way) must be public (``policy.network``), unless ``TDM_ALLOW_PRIVATE_NETWORKS``
   is on or the address is in ``TDM_ALLOWED_NETWORKS``;
5. and it installs the pin (:mod:`tdm_crawler.crawl.resolver`): the connection itself
   only goes to addresses that pass the same check, on the very DNS answer it uses.

A refused page gets its decision record here (``error``, ``not-public-address``, or
``fetch-failed`` for a scheme other than http(s)) and a log line; a refused policy
document fails with :class:`~scrapy.exceptions.IgnoreRequest`, which the policy fetcher
records in the document's fetch result and does not retry. Nothing is sent, so nothing
of what lies behind a refused address is ever received or written.

Through an HTTP proxy (``http_proxy``/``https_proxy``), the connection goes to the
proxy and the proxy resolves the target again: the guard's check of the target still
holds, but the pin cannot (the proxy may get another answer).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import signals
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.url import add_http_if_no_scheme

from tdm_crawler.crawl.meta import POLICY_FILE_META
from tdm_crawler.crawl.resolver import AddressCheck, GuardedResolver, guarded_resolver
from tdm_crawler.crawl.session import CrawlSession
from tdm_crawler.policy import Decision, Reason, Signal, Verdict, decide_excluded

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: The only schemes fetched.
SCHEMES = frozenset({"http", "https"})


def _proxy_hosts() -> set[str]:
    """The host names of the proxies in the environment (what Scrapy's
    HttpProxyMiddleware reads): connections to them are the operator's choice."""
    hosts = set()
    for scheme, url in getproxies().items():
        if scheme in SCHEMES:
            host = urlsplit(add_http_if_no_scheme(url)).hostname
            if host:
                hosts.add(host)
    return hosts


class RequestGuard:
    """Refuses every request to a scheme other than http(s), to an excluded source, to a
    name that does not resolve, or to a non-public address; pins connections to checked
    addresses."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.session = CrawlSession.of(crawler)
        self.check = AddressCheck(
            s.getbool("TDM_ALLOW_PRIVATE_NETWORKS"),
            s.getlist("TDM_ALLOWED_NETWORKS"),
            _proxy_hosts(),
        )
        self.dns_timeout = s.getfloat("DNS_TIMEOUT")
        crawler.signals.connect(self._stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _resolver(self) -> GuardedResolver:
        from twisted.internet import reactor

        resolver = guarded_resolver(reactor)
        resolver.register(self.check)
        return resolver

    def _stopped(self) -> None:
        """The crawl is over: its rule no longer applies to the process's connections."""
        from twisted.internet import reactor

        current = reactor.nameResolver
        if isinstance(current, GuardedResolver):
            current.unregister(self.check)

    async def process_request(self, request: Request) -> None:
        resolver = self._resolver()
        proxy = request.meta.get("proxy")
        if proxy:  # set by the spider: the operator's choice, like the environment's
            host = urlsplit(add_http_if_no_scheme(proxy)).hostname
            if host:
                self.check.proxies.add(host)
        parts = urlsplit(request.url)
        if parts.scheme not in SCHEMES:
            detail = f"not fetched: {parts.scheme or 'no'} scheme; only http(s) URLs are"
            self._refuse(request, Reason.FETCH_FAILED, "scheme", detail)
        excluded = decide_excluded(request.url, self.session.context)
        if excluded is not None:
            self._stop(request, excluded, "before", excluded.signals[0].detail)
        host = parts.hostname or ""
        addresses = await self._addresses(resolver, host, parts.port or 0)
        if not addresses:
            raise CannotResolveHostError(f"{host!r} does not resolve: not fetched")
        refused = self.check.refused(addresses)
        if refused:
            detail = f"{host} resolves to non-public address {', '.join(refused)}"
            self._refuse(request, Reason.NOT_PUBLIC_ADDRESS, "dns", detail)

    async def _addresses(self, resolver: GuardedResolver, host: str, port: int) -> list[str]:
        """The addresses ``host`` resolves to; a literal IP address as written is its
        own answer (other spellings, e.g. ``2130706433``, are resolved as names)."""
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if not host:
            return []
        lookup = maybe_deferred_to_future(resolver.addresses(host, port))
        try:
            return await asyncio.wait_for(lookup, self.dns_timeout)
        except TimeoutError:
            return []

    def _refuse(self, request: Request, reason: Reason, source: str, detail: str) -> NoReturn:
        """Stop a request the network rules refuse (an ``address`` decision)."""
        signal = Signal("network", source, None, detail)
        purpose = self.session.context.profile.purpose  # refused whatever it is for
        verdict = Verdict(Decision.ERROR, reason, signals=(signal,), purpose=purpose)
        self._stop(request, verdict, "address", detail)

    def _stop(self, request: Request, verdict: Verdict, stage: str, detail: str) -> NoReturn:
        """Stop the request; a page's decision is recorded, a policy document's fetch
        fails (and the fetcher records that)."""
        logger.warning("Refused %s: %s", request.url, detail)
        if request.meta.get(POLICY_FILE_META):
            raise IgnoreRequest(f"tdm-crawler: refused: {detail}")
        evidence = self.session.evidence(request, stage)
        self.session.recorder.record_request(
            request, verdict, status=None, final_url=request.url, evidence=evidence
        )
        raise IgnoreRequest(f"tdm-crawler: {verdict.decision} ({verdict.reason})")
