"""Fetching an origin's policy files (robots.txt, tdmrep.json) through the Scrapy engine.

The files go through the same downloader middlewares as any request, so proxies,
timeouts, redirects and the raw-capture middleware (which writes them to the evidence
WARC) apply to them too. They are marked with :data:`POLICY_FILE_META` so that the TDM
gate lets them pass instead of gating them on themselves.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import StopDownload
from scrapy.http.request import NO_CALLBACK

from tdm_crawler.policy import RobotsFile, TdmRepFile, non_public_addresses

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

#: request.meta key marking a policy-file fetch (value: the file kind, "robots" or "tdmrep").
POLICY_FILE_META = "tdm_policy_file"
#: request.meta key of the list that collects evidence WARC record ids of a fetch.
EVIDENCE_IDS_META = "tdm_evidence_ids"
#: request.meta key: stop reading the body after this many bytes (robots.txt).
TRUNCATE_META = "tdm_truncate_at"

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the port always explicit: TDMRep and robots.txt are
    scoped to scheme, host and port."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """One policy file as fetched: what the readers in ``policy`` need, plus evidence ids."""

    url: str
    status: int | None
    body: bytes | None
    error: str | None
    max_age: float | None
    evidence_ids: tuple[str, ...]
    attempts: int


@dataclass(frozen=True, slots=True)
class OriginPolicy:
    """Everything known about one origin before any of its resources is fetched."""

    origin: str
    robots: RobotsFile
    tdmrep: TdmRepFile
    address_problem: str | None
    expires_at: float
    evidence_ids: tuple[str, ...] = field(default=())


def _is_transient(result: FetchResult) -> bool:
    """Worth retrying: a network failure, 5xx, or 429 — not a deterministic refusal such
    as a redirect loop, which would only fail the same way again."""
    if result.status is None:
        return not (result.error or "").startswith("IgnoreRequest")
    return result.status >= 500 or result.status == 429


class OriginPolicyLoader:
    """Builds :class:`OriginPolicy` values; the cache calls it once per origin and TTL."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.ttl = s.getfloat("TDM_ORIGIN_CACHE_TTL")
        self.failure_ttl = s.getfloat("TDM_ORIGIN_CACHE_FAILURE_TTL")
        delays = s.getlist("TDM_POLICY_RETRY_DELAYS")
        self.retry_delays: Sequence[float] = [float(d) for d in delays]
        self.max_redirects = s.getint("TDM_POLICY_MAX_REDIRECTS")
        self.robots_max = s.getint("TDM_ROBOTS_MAX_BYTES")
        self.tdmrep_max = s.getint("TDM_TDMREP_MAX_BYTES")
        self.allow_private = s.getbool("TDM_ALLOW_PRIVATE_NETWORKS")

    async def __call__(self, origin: str) -> OriginPolicy:
        problem = None if self.allow_private else await self._address_problem(origin)
        now = time.monotonic()
        if problem is not None:
            logger.warning("Not crawling %s: %s", origin, problem)
            unreachable = RobotsFile.from_fetch(None, None, problem)
            no_file = TdmRepFile.from_fetch(None, None, problem, url=origin)
            return OriginPolicy(origin, unreachable, no_file, problem, now + self.failure_ttl)
        robots_res, tdmrep_res = await asyncio.gather(
            self.fetch(f"{origin}/robots.txt", "robots", origin),
            self.fetch(f"{origin}/.well-known/tdmrep.json", "tdmrep", origin),
        )
        robots = RobotsFile.from_fetch(
            robots_res.status, robots_res.body, robots_res.error, max_bytes=self.robots_max
        )
        tdmrep = TdmRepFile.from_fetch(
            tdmrep_res.status,
            tdmrep_res.body,
            tdmrep_res.error,
            url=tdmrep_res.url,
            max_bytes=self.tdmrep_max,
        )
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"tdm/robots/{robots.state}")
            stats.inc_value(f"tdm/tdmrep/{tdmrep.state}")
        if tdmrep.state == "invalid":
            logger.warning("%s: %s", tdmrep_res.url, tdmrep.detail)
        if robots.state == "unreachable" or tdmrep.state == "unreachable":
            logger.warning(
                "Policy files of %s: robots.txt %s, tdmrep.json %s",
                origin,
                robots.detail,
                tdmrep.detail,
            )
        return OriginPolicy(
            origin,
            robots,
            tdmrep,
            None,
            now + self._ttl(robots, tdmrep, tdmrep_res.max_age),
            robots_res.evidence_ids + tdmrep_res.evidence_ids,
        )

    def _ttl(self, robots: RobotsFile, tdmrep: TdmRepFile, max_age: float | None) -> float:
        if robots.state == "unreachable" or tdmrep.state == "unreachable":
            return self.failure_ttl
        return self.ttl if max_age is None else min(self.ttl, max_age)

    async def _address_problem(self, origin: str) -> str | None:
        parts = urlsplit(origin)
        host = parts.hostname or ""
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port)
        except OSError:
            return None  # unresolvable: the fetch fails and says so
        addresses = sorted({str(info[4][0]) for info in infos})
        bad = non_public_addresses(addresses)
        if bad:
            return f"{host} resolves to non-public address {', '.join(bad)}"
        return None

    async def fetch(self, url: str, kind: str, origin: str) -> FetchResult:
        """Fetch one policy file, retrying transient failures with back-off."""
        attempts = 0
        evidence: list[str] = []
        while True:
            attempts += 1
            result = await self._fetch_once(url, kind, origin, evidence, attempts)
            if not _is_transient(result) or attempts > len(self.retry_delays):
                return result
            delay = self.retry_delays[attempts - 1]
            logger.info("%s: %s; retrying in %.1fs", url, result.error or result.status, delay)
            await asyncio.sleep(delay)

    async def _fetch_once(
        self, url: str, kind: str, origin: str, evidence: list[str], attempts: int
    ) -> FetchResult:
        meta: dict[str, Any] = {
            POLICY_FILE_META: kind,
            EVIDENCE_IDS_META: evidence,  # shared list: redirect hops append to it too
            "download_slot": origin,
            "dont_retry": True,  # we retry ourselves, with back-off
            "redirect_ttl": self.max_redirects,
        }
        if kind == "robots":
            meta[TRUNCATE_META] = self.robots_max
        else:
            meta["download_maxsize"] = self.tdmrep_max + 1
        request = Request(url, meta=meta, priority=1000, dont_filter=True, callback=NO_CALLBACK)
        engine = self.crawler.engine
        assert engine is not None
        try:
            response: Response = await engine.download_async(request)
        except Exception as exc:  # any failure is recorded as the file being unreachable
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return FetchResult(url, None, None, error, None, tuple(evidence), attempts)
        if 300 <= response.status < 400:
            error = f"redirect chain not completed ({response.status})"
            return FetchResult(response.url, None, None, error, None, tuple(evidence), attempts)
        cache_control = (response.headers.get(b"Cache-Control") or b"").decode("latin-1")
        match = _MAX_AGE.search(cache_control)
        max_age = float(match.group(1)) if match else None
        return FetchResult(
            response.url, response.status, response.body, None, max_age, tuple(evidence), attempts
        )


def stop_oversized_robots(data: bytes, request: Request, spider: object) -> None:
    """``bytes_received`` handler: stop reading robots.txt once the parse cap is reached.

    RFC 9309 asks crawlers to parse at least 500 KiB; a larger file is cut, not refused.
    """
    cap = request.meta.get(TRUNCATE_META)
    if cap is None:
        return
    received = request.meta.get("_tdm_received", 0) + len(data)
    request.meta["_tdm_received"] = received
    if received >= cap:
        raise StopDownload(fail=False)
