"""Fetching policy documents (robots.txt, tdmrep.json, RSL licences, TDM policies) and
sitemaps through the Scrapy engine.

The documents go through the same downloader middlewares as any request, so proxies,
timeouts and the raw-capture middleware apply to them too. They are marked with
:data:`POLICY_FILE_META` so that the TDM gate lets them pass instead of gating them on
themselves. The fetcher follows their redirects itself, one download per hop, and writes
each hop's response as received to the evidence WARC: so the evidence of a fetch (every
attempt and hop) is what the fetch returns, not something gathered on the side.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.exceptions import StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.misc import load_object

from tdm_crawler.crawl.failures import RECEIVED_META, classify_failure
from tdm_crawler.crawl.meta import POLICY_FILE_META, TRUNCATE_META
from tdm_crawler.crawl.origin_cache import OriginCache
from tdm_crawler.policy import (
    Limits,
    OriginFacts,
    RobotsFile,
    TdmRepFile,
    origin_facts,
    origin_of,
    read_license,
    read_policy_files,
)
from tdm_crawler.store.evidence import DocumentRef, OriginEvidence, RecordRef

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from tdm_crawler.crawl.policy_store import PolicyStore
    from tdm_crawler.crawl.session import CrawlSession
    from tdm_crawler.policy import License

logger = logging.getLogger(__name__)

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)

#: The HTTP redirects a policy fetch follows (RFC 9309 §2.3.1.2: at least five hops).
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One policy document as fetched: what the readers in ``policy`` need, plus when to
    fetch it again and the evidence record ids of every attempt and hop."""

    url: str
    status: int | None
    body: bytes | None
    error: str | None
    max_age: float | None
    evidence: tuple[RecordRef, ...]
    attempts: int
    expires_at: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status <= 299

    def to_json(self) -> dict[str, Any]:
        """The fetch as JSON (body base64), to share it with other workers."""
        return {
            "url": self.url,
            "status": self.status,
            "body": None if self.body is None else base64.b64encode(self.body).decode("ascii"),
            "error": self.error,
            "max_age": self.max_age,
            "evidence": [record.to_json() for record in self.evidence],
            "attempts": self.attempts,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], expires_at: float = 0.0) -> FetchResult:
        body = data.get("body")
        return cls(
            data["url"],
            data.get("status"),
            None if body is None else base64.b64decode(body),
            data.get("error"),
            data.get("max_age"),
            tuple(RecordRef.from_json(record) for record in data.get("evidence") or ()),
            int(data.get("attempts") or 1),
            expires_at,
        )

    def ref(self) -> DocumentRef:
        """How a decision record points at this fetch: the evidence WARC records of every
        attempt and hop (the last one is the response that was read), or the error."""
        return DocumentRef(self.url, self.status, self.error, self.evidence)


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """Everything known about one origin before any of its resources is fetched."""

    origin: str
    facts: OriginFacts
    expires_at: float
    evidence_id: str  # the evidence WARC metadata record listing the documents read


@dataclass(frozen=True, slots=True)
class OriginDocuments:
    """What was fetched for one origin, before parsing: what one worker shares with the
    others in distributed mode (:class:`~tdm_crawler.crawl.distributed.RedisPolicyStore`),
    so that each builds the same :class:`OriginPolicy` without fetching again."""

    origin: str
    robots: FetchResult
    tdmrep: FetchResult
    licenses: tuple[FetchResult, ...]
    evidence_id: str  # the evidence WARC metadata record listing the documents read
    ttl: float  # seconds the documents stay valid from when they were fetched

    def to_json(self) -> dict[str, Any]:
        return {
            "origin": self.origin,
            "robots": self.robots.to_json(),
            "tdmrep": self.tdmrep.to_json(),
            "licenses": [res.to_json() for res in self.licenses],
            "evidence_id": self.evidence_id,
            "ttl": self.ttl,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OriginDocuments:
        return cls(
            data["origin"],
            FetchResult.from_json(data["robots"]),
            FetchResult.from_json(data["tdmrep"]),
            tuple(FetchResult.from_json(res) for res in data.get("licenses") or ()),
            data["evidence_id"],
            float(data["ttl"]),
        )


class PolicyFetcher:
    """Fetches policy documents: per origin (robots.txt, tdmrep.json and the RSL
    licences robots.txt names) and per URL (linked licences, TDM policies), each cached."""

    def __init__(
        self, crawler: Crawler, limits: Limits, store: PolicyStore, session: CrawlSession
    ) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.session = session
        self.limits = limits
        self.store = store
        self.ttl = s.getfloat("TDM_ORIGIN_CACHE_TTL")
        self.failure_ttl = s.getfloat("TDM_ORIGIN_CACHE_FAILURE_TTL")
        self.retry_delays: Sequence[float] = [
            float(d) for d in s.getlist("TDM_POLICY_RETRY_DELAYS")
        ]
        self.max_redirects = s.getint("TDM_POLICY_MAX_REDIRECTS")
        # Transient is what Scrapy would retry for a page: the same list, one meaning.
        self.transient = tuple(load_object(name) for name in s.getlist("RETRY_EXCEPTIONS"))
        bound = s.getint("TDM_ORIGIN_CACHE_MAX_ENTRIES")
        self.origins: OriginCache[OriginPolicy] = OriginCache(self._load_origin, max_entries=bound)
        self.documents: OriginCache[FetchResult] = OriginCache(
            self._load_document, max_entries=bound
        )

    async def origin(self, origin: str) -> OriginPolicy:
        return await self.origins.get(origin)

    async def licenses(
        self, urls: Sequence[str]
    ) -> tuple[tuple[License, ...], tuple[DocumentRef, ...]]:
        """Fetch and parse RSL licences (at most ``TDM_MAX_LICENSES``), each once per TTL;
        return them with their evidence references.

        A licence that cannot be fetched is recorded as a problem, not obeyed: only a
        machine-readable statement reserves (ours)."""
        wanted = list(dict.fromkeys(urls))[: self.limits.max_licenses]
        results = await asyncio.gather(*(self.documents.get(url) for url in wanted))
        licenses = tuple(read_license(res, self.limits) for res in results)
        return licenses, tuple(res.ref() for res in results)

    async def document(self, url: str) -> FetchResult:
        """A TDM policy (or any other per-URL document), fetched once per TTL."""
        return await self.documents.get(url)

    async def _load_origin(self, origin: str) -> OriginPolicy:
        """Through the policy store: fetched here, or (distributed) by another worker."""
        parsed: tuple[RobotsFile, TdmRepFile] | None = None

        async def produce() -> tuple[dict[str, Any], float]:
            nonlocal parsed  # fetched here: no need to parse the files a second time
            fetched, parsed = await self.fetch_origin_documents(origin)
            return fetched.to_json(), fetched.ttl

        value, remaining = await self.store.shared("policy", origin, produce)
        return await self.build_origin(OriginDocuments.from_json(value), remaining, parsed)

    async def fetch_origin_documents(
        self, origin: str
    ) -> tuple[OriginDocuments, tuple[RobotsFile, TdmRepFile] | None]:
        """Fetch an origin's policy documents (and write them to the evidence WARC, with
        the metadata record that decisions will point to); parse only what decides
        which further documents to fetch (the RSL licences robots.txt names), and return
        those parsed files too, so that this worker does not parse them twice."""
        robots_res, tdmrep_res = await asyncio.gather(
            self.fetch(f"{origin}/robots.txt", "robots", origin),
            self.fetch(f"{origin}/.well-known/tdmrep.json", "tdmrep", origin),
        )
        robots, tdmrep = await self._parse_files(robots_res, tdmrep_res)
        facts = OriginFacts(robots, tdmrep)
        license_results: tuple[FetchResult, ...] = ()
        named = facts.license_urls(robots_res.url)
        if named:
            wanted = list(named)[: self.limits.max_licenses]
            license_results = tuple(
                await asyncio.gather(*(self.documents.get(url) for url in wanted))
            )
        self._report(origin, facts, tdmrep_res.url)
        evidence = OriginEvidence(
            robots_res.ref(), tdmrep_res.ref(), tuple(res.ref() for res in license_results)
        )
        ttl = self._ttl(robots, tdmrep, tdmrep_res.max_age)
        evidence_id = self._write_evidence(origin, evidence)
        documents = OriginDocuments(
            origin, robots_res, tdmrep_res, license_results, evidence_id, ttl
        )
        return documents, (robots, tdmrep)

    async def build_origin(
        self,
        documents: OriginDocuments,
        ttl: float,
        parsed: tuple[RobotsFile, TdmRepFile] | None = None,
    ) -> OriginPolicy:
        """The origin's policy from its fetched documents, valid ``ttl`` seconds from now."""
        expires_at = time.monotonic() + ttl
        files = parsed or await self._parse_files(documents.robots, documents.tdmrep)
        facts = origin_facts(
            documents.robots, documents.tdmrep, documents.licenses, self.limits, files=files
        )
        return OriginPolicy(documents.origin, facts, expires_at, documents.evidence_id)

    async def _parse_files(
        self, robots_res: FetchResult, tdmrep_res: FetchResult
    ) -> tuple[RobotsFile, TdmRepFile]:
        """Parse in a worker thread: a tdmrep.json near its 4 MiB cap (~185,000 rules) or
        a 512 KiB robots.txt takes seconds, which on the event loop would stall every
        download of every origin meanwhile."""
        return await asyncio.to_thread(read_policy_files, robots_res, tdmrep_res, self.limits)

    def _write_evidence(self, origin: str, evidence: OriginEvidence) -> str:
        return self.session.recorder.write_origin_evidence(origin, evidence)

    def _report(self, origin: str, facts: OriginFacts, tdmrep_url: str) -> None:
        robots, tdmrep = facts.robots, facts.tdmrep
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"tdm/robots/{robots.state}")
            stats.inc_value(f"tdm/tdmrep/{tdmrep.state}")
        if tdmrep.state == "invalid":
            logger.warning("%s: %s", tdmrep_url, tdmrep.detail)
        if robots.state == "unreachable" or tdmrep.state == "unreachable":
            logger.warning(
                "Policy files of %s: robots.txt %s, tdmrep.json %s",
                origin,
                robots.detail,
                tdmrep.detail,
            )

    async def _load_document(self, url: str) -> FetchResult:
        async def produce() -> tuple[dict[str, Any], float]:
            fetched, ttl = await self._fetch_document(url)
            return fetched.to_json(), ttl

        value, remaining = await self.store.shared("document", url, produce)
        return FetchResult.from_json(value, time.monotonic() + remaining)

    async def _fetch_document(self, url: str) -> tuple[FetchResult, float]:
        result = await self.fetch(url, "document", None)
        if not result.ok:
            logger.warning("Policy document %s: %s", url, result.error or result.status)
            return result, self.failure_ttl
        return result, self.ttl if result.max_age is None else min(self.ttl, result.max_age)

    def _ttl(self, robots: RobotsFile, tdmrep: TdmRepFile, max_age: float | None) -> float:
        if robots.state == "unreachable" or tdmrep.state == "unreachable":
            return self.failure_ttl
        return self.ttl if max_age is None else min(self.ttl, max_age)

    async def fetch(self, url: str, kind: str, origin: str | None) -> FetchResult:
        """Fetch one policy document, retrying transient failures with back-off.

        ``origin`` is the download slot (politeness) of every hop; None: the URL's own.
        """
        attempts = 0
        evidence: list[RecordRef] = []  # every attempt's hops, as written
        while True:
            attempts += 1
            result, transient = await self._fetch_once(url, kind, origin, evidence, attempts)
            if not transient or attempts > len(self.retry_delays):
                return result
            delay = self.retry_delays[attempts - 1]
            logger.info("%s: %s; retrying in %.1fs", url, result.error or result.status, delay)
            await asyncio.sleep(delay)

    async def _fetch_once(
        self,
        url: str,
        kind: str,
        origin: str | None,
        evidence: list[RecordRef],
        attempts: int,
    ) -> tuple[FetchResult, bool]:
        """One attempt: download ``url`` and follow its redirects, at most
        ``TDM_POLICY_MAX_REDIRECTS`` hops, writing every hop's response as evidence.

        Also says whether the failure, if any, is worth another attempt: a network
        failure Scrapy would retry, a 5xx or a 429; not a deterministic one (an invalid
        URL, a request the guard refused, a redirect loop, a body over its size cap),
        which would only fail again.
        """
        redirected: tuple[str, str] | None = None  # the last hop's URL and Location
        for _ in range(self.max_redirects + 1):
            try:
                if redirected is not None:
                    url = urljoin(*redirected)
                request = self._request(url, kind, origin)
            except ValueError as exc:  # e.g. an invalid port or IPv6 literal in a Location
                error = f"invalid URL {url!r}: {exc}"
                return FetchResult(url, None, None, error, None, tuple(evidence), attempts), False
            origin = request.meta["download_slot"]  # every hop in the first one's slot
            engine = self.crawler.engine
            assert engine is not None
            try:
                response: Response = await engine.download_async(request)
            except Exception as exc:  # any failure is recorded as the document being unreachable
                self._write_hop(request, evidence)  # a body refused after it was received
                error = classify_failure(exc, request)[1]
                failed = FetchResult(url, None, None, error, None, tuple(evidence), attempts)
                return failed, isinstance(exc, self.transient)
            self._write_hop(request, evidence)
            location = response.headers.get(b"Location")
            if response.status not in _REDIRECTS or location is None:
                break
            redirected = (response.url, location.decode("latin-1").strip())
        else:
            error = "IgnoreRequest: max redirections reached"
            return FetchResult(url, None, None, error, None, tuple(evidence), attempts), False
        if 300 <= response.status < 400:
            error = f"redirect chain not completed ({response.status})"
            failed = FetchResult(response.url, None, None, error, None, tuple(evidence), attempts)
            return failed, False
        cache_control = (response.headers.get(b"Cache-Control") or b"").decode("latin-1")
        match = _MAX_AGE.search(cache_control)
        max_age = float(match.group(1)) if match else None
        result = FetchResult(
            response.url, response.status, response.body, None, max_age, tuple(evidence), attempts
        )
        return result, response.status >= 500 or response.status == 429

    def _request(self, url: str, kind: str, origin: str | None) -> Request:
        """The request for one hop; raises ValueError for a URL no request can be made of."""
        meta: dict[str, Any] = {
            POLICY_FILE_META: kind,
            "download_slot": origin or origin_of(url),
            "dont_retry": True,  # we retry ourselves, with back-off
            "dont_redirect": True,  # and follow redirects ourselves, hop by hop
        }
        if kind == "robots":
            meta[TRUNCATE_META] = self.limits.robots_bytes
        else:
            caps = {"tdmrep": self.limits.tdmrep_bytes, "sitemap": self.limits.sitemap_bytes}
            meta["download_maxsize"] = caps.get(kind, self.limits.document_bytes) + 1
        return Request(url, meta=meta, priority=1000, dont_filter=True, callback=NO_CALLBACK)

    def _write_hop(self, request: Request, evidence: list[RecordRef]) -> None:
        """Write the response ``request`` received, as received, to the evidence WARC."""
        exchange = self.session.take_raw(request)
        if exchange is not None:
            stored = self.session.recorder.write_evidence(exchange)
            evidence.append(RecordRef(stored.record_id, stored.payload_digest))


def count_received(data: bytes, request: Request, spider: object) -> None:
    """``bytes_received`` handler: count each request's body bytes (so a download
    cancelled for size can be told from one cancelled for another cause), and stop
    reading robots.txt once its parse cap is reached: RFC 9309 asks crawlers to parse at
    least 500 KiB; a larger file is cut, not refused."""
    received = request.meta.get(RECEIVED_META, 0) + len(data)
    request.meta[RECEIVED_META] = received
    cap = request.meta.get(TRUNCATE_META)
    if cap is not None and received >= cap:
        raise StopDownload(fail=False)
