"""Settings of tdm-crawler, with their defaults and the Scrapy settings it relies on.

Every tdm-crawler setting starts with ``TDM_``; the table in the README is generated from
nothing but this file, so a default changed here is a default changed everywhere.
"""

from __future__ import annotations

from typing import Any

from tdm_crawler import __version__
from tdm_crawler.crawl.distributed import public_url

#: tdm-crawler's own settings: name -> (default, one-line meaning).
TDM_SETTINGS: dict[str, tuple[Any, str]] = {
    "TDM_OUTPUT_DIR": (None, "output directory (decisions.jsonl, content/, evidence/, manifest)"),
    "TDM_AGENT": ("tdm-crawler", "product token matched against robots.txt groups"),
    "TDM_CONTACT": ("", "URL or e-mail put in the User-Agent so site owners can reach you"),
    "TDM_INFO_URL": (
        "",
        "URL of the page about this crawler (tdm-crawl agent-info), in the User-Agent",
    ),
    "TDM_IP_RANGES": (
        [],
        "networks (CIDR) the crawler sends from, published by tdm-crawl agent-info",
    ),
    "TDM_EXCLUDED_SOURCES": (
        [],
        "exclusion lists (files of domains, hosts, URL prefixes) whose URLs get no request",
    ),
    "TDM_CRAWL_ID": ("", "identifier of this crawl (default: generated at start)"),
    "TDM_ALLOW_PRIVATE_NETWORKS": (False, "allow loopback/private/link-local addresses"),
    "TDM_ALLOWED_NETWORKS": ([], "networks (CIDR) allowed although not public, e.g. an intranet"),
    "TDM_MAX_PAGES": (0, "stop scheduling new URLs after this many (0 = no limit)"),
    "TDM_MAX_DEPTH": (-1, "link depth from the seeds; 0 = seeds only, -1 = no limit"),
    "TDM_ORIGIN_CACHE_TTL": (86_400, "seconds a fetched robots.txt/tdmrep.json stays valid"),
    "TDM_ORIGIN_CACHE_FAILURE_TTL": (600, "seconds an unreachable policy file is remembered"),
    "TDM_ORIGIN_CACHE_MAX_ENTRIES": (2_000, "origins kept in the policy cache (LRU)"),
    "TDM_POLICY_RETRY_DELAYS": ([1.0, 4.0], "back-off (s) between retries of a failing file"),
    "TDM_POLICY_MAX_REDIRECTS": (5, "redirect hops followed for robots.txt / tdmrep.json"),
    "TDM_ROBOTS_MAX_BYTES": (512 * 1024, "bytes of robots.txt read; the rest is ignored"),
    "TDM_TDMREP_MAX_BYTES": (4 * 1024 * 1024, "larger tdmrep.json -> origin 'unknown'"),
    "TDM_HTML_HEAD_MAX_BYTES": (256 * 1024, "bytes of HTML scanned for <meta> in <head>"),
    "TDM_AI_AGENTS": (
        "",
        "AI crawlers whose robots.txt groups reserve: '' = packaged list, "
        "'A,B' = these, '+A,B' = packaged plus these, or a list file *.json "
        "(tdm-crawl agents import)",
    ),
    "TDM_PURPOSE": (
        "ai-training",
        "what the crawl is for: ai-training, tdm, ai-input or search (decides which "
        "statements reserve)",
    ),
    "TDM_OPERATOR": (
        "commercial",
        "who runs the crawl: commercial, non-commercial, education, government or personal",
    ),
    "TDM_REGION": (None, "ISO 3166-1 alpha-2 code of where the crawl runs (unset: none)"),
    "TDM_NOARCHIVE_RESERVES": (
        False,
        "Bing's noarchive/nocache (X-Robots-Tag, robots or bingbot meta) reserve for every "
        "purpose but search (always recorded)",
    ),
    "TDM_MAX_LICENSES": (4, "RSL licences fetched per origin or response"),
    "TDM_DOCUMENT_MAX_BYTES": (1024 * 1024, "size cap of an RSL licence or TDM policy"),
    "TDM_EMBEDDED_MAX_BYTES": (64 * 1024 * 1024, "size cap for reading PDF/EPUB metadata"),
    "TDM_EMBEDDED_TIMEOUT": (5.0, "seconds allowed for reading one PDF's metadata"),
    "TDM_MAX_CRAWL_DELAY": (30.0, "cap (s) on an honoured robots.txt Crawl-delay"),
    "TDM_SITEMAPS": (
        False,
        "also read each seed origin's sitemaps (robots.txt Sitemap: lines, /sitemap.xml) "
        "and decide their URLs like links (--sitemaps)",
    ),
    "TDM_SITEMAP_MAX_BYTES": (
        10 * 1024 * 1024,
        "size cap of one sitemap, as fetched and once decompressed",
    ),
    "TDM_SITEMAP_MAX_URLS": (50_000, "URLs taken from one origin's sitemaps"),
    "TDM_SITEMAP_MAX_FILES": (20, "sitemaps (and indexes) fetched per origin"),
    "TDM_SITEMAP_MAX_DEPTH": (
        2,
        "levels of sitemap indexes followed below the sitemaps robots.txt names",
    ),
    "TDM_BACKOFF_BASE": (1.0, "delay (s) after an origin's first failure, doubled per failure"),
    "TDM_BACKOFF_MAX": (60.0, "cap (s) on back-off and on an honoured Retry-After"),
    "TDM_WARC_MAX_FILE_BYTES": (1_000_000_000, "rotate WARC files past this size"),
    "TDM_RECHECK_SOURCE": (
        None,
        "recheck: the crawl directory rechecked (set by tdm-crawl recheck)",
    ),
    "TDM_FSYNC": (False, "fsync decisions.jsonl after every line (slower, power-loss safe)"),
    "TDM_PROGRESS": (
        "auto",
        "live progress: auto (a live display when stderr is a terminal, else log lines), "
        "rich, log or off",
    ),
    "TDM_PROGRESS_INTERVAL": (10.0, "seconds between progress log lines (TDM_PROGRESS=log)"),
    "TDM_CLAIMS_CLASS": (
        "tdm_crawler.crawl.claims.LocalClaims",
        "who writes a URL's one record (tdm-crawl worker: the Redis claims)",
    ),
    "TDM_FRONTIER_CLASS": (
        "tdm_crawler.crawl.frontier.LocalFrontier",
        "which links are scheduled (tdm-crawl worker: the frontier shared in Redis)",
    ),
    "TDM_POLICY_STORE_CLASS": (
        "tdm_crawler.crawl.policy_store.LocalPolicyStore",
        "who fetches an origin's policy files (tdm-crawl worker: one worker for all)",
    ),
    "TDM_REDIS_URL": (None, "distributed mode: the Redis server workers share (set by --redis)"),
    "TDM_WORKER_ID": (None, "distributed mode: this worker's id (default: <host>-<pid>)"),
    "TDM_REDIS_LEASE": (
        60.0,
        "lease (s) on an origin's policy fetch, renewed while fetching; a dead worker's "
        "expires and another worker fetches",
    ),
    "TDM_REDIS_POLL_INTERVAL": (0.05, "seconds between checks while another worker fetches"),
    "TDM_REDIS_HEARTBEAT": (5.0, "seconds between a worker's heartbeats"),
    "TDM_REDIS_WORKER_TIMEOUT": (
        30.0,
        "seconds without heartbeat after which a worker is dead and its requests taken over",
    ),
    "TDM_REDIS_IDLE_TIMEOUT": (
        30.0,
        "seconds a worker waits with an empty queue and no busy worker before leaving",
    ),
}

#: Scrapy settings that make a crawl polite and make our components the ones in charge.
SCRAPY_SETTINGS: dict[str, Any] = {
    "BOT_NAME": "tdm-crawler",
    "ROBOTSTXT_OBEY": False,  # our gate replaces RobotsTxtMiddleware (RFC 9309 status codes)
    "DOWNLOADER_MIDDLEWARES": {
        # First for every request and every redirect hop, whoever asks (crawl/guard.py).
        "tdm_crawler.crawl.guard.RequestGuard": 10,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
        "tdm_crawler.crawl.middlewares.RawCaptureMiddleware": 960,
        # Between the raw capture and HttpCompression (590): robots.txt inflated to its cap.
        "tdm_crawler.crawl.truncate.TruncateMiddleware": 950,
        "tdm_crawler.crawl.middlewares.TdmGateMiddleware": 540,
        "tdm_crawler.crawl.backoff.OriginBackoffMiddleware": 610,
        # Cookies: a jar per origin, nothing the origin did not set (crawl/cookies.py).
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "tdm_crawler.crawl.cookies.OriginCookiesMiddleware": 700,
    },
    "SPIDER_MIDDLEWARES": {
        "tdm_crawler.crawl.storage.ContentStoreMiddleware": 40,
        # Last to see the spider's output: a page's links are queued once it has run.
        "tdm_crawler.crawl.claims.ClaimReleaseMiddleware": 10,
    },
    "EXTENSIONS": {
        # The session (and its recorder) first: every other component uses it.
        "tdm_crawler.crawl.session.CrawlSession": 0,
        "tdm_crawler.crawl.progress.TdmProgress": 100,  # after the recorder: sees its last records
    },
    # http(s) only: no request, whatever its origin, can read a local file or leave HTTP.
    "DOWNLOAD_HANDLERS": {"file": None, "data": None, "ftp": None, "s3": None},
    "DUPEFILTER_CLASS": "tdm_crawler.crawl.dupefilter.RedirectAwareDupeFilter",
    # A crawler that reads hostile input all day opens no control port: Scrapy's
    # RemoteControl (runs Python sent to it over HTTP) and telnet console are off unless
    # the user sets these to True.
    "REMOTE_CONTROL_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "DOWNLOAD_TIMEOUT": 30,
    # Scrapy drops URLs over 2083 characters before scheduling them, silently; we fetch
    # and decide them, since every URL the crawl meant to fetch gets a record.
    "URLLENGTH_LIMIT": 0,
    "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 16 * 1024 * 1024,
    "RETRY_TIMES": 2,
    # Scrapy's default list, stated: 401, 402, 403 and 451 are never retried
    # (ACCESS_REFUSALS; a list naming one is refused).
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "LOG_LEVEL": "INFO",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
}


def user_agent(agent: str, contact: str, info_url: str | None = "") -> str:
    """``<token>/<version> (+<info-url>; <contact>)`` as docs/interface.md specifies
    (``--info-url``, ``--contact``; either may be left out, and the parentheses with both)."""
    said = "; ".join(part for part in (info_url, contact) if part)
    return f"{agent}/{__version__} (+{said})" if said else f"{agent}/{__version__}"


def settings_user_agent(settings: Any) -> str:
    """The User-Agent the ``TDM_AGENT``, ``TDM_CONTACT`` and ``TDM_INFO_URL`` settings make."""
    return user_agent(
        str(settings.get("TDM_AGENT")),
        str(settings.get("TDM_CONTACT") or ""),
        str(settings.get("TDM_INFO_URL") or ""),
    )


#: Statuses that refuse access (401 Unauthorized, 402 Payment Required, 403 Forbidden,
#: 451 Unavailable For Legal Reasons): a crawler that respects them asks once and takes
#: the answer, so they are never retried (not with other credentials, user agents or
#: cookies either: no component of ours changes those between attempts).
ACCESS_REFUSALS = frozenset({401, 402, 403, 451})


def check_retry_codes(settings: Any) -> None:
    """Refuse ``RETRY_HTTP_CODES`` naming an access refusal (SettingError)."""
    from tdm_crawler.exceptions import SettingError

    try:
        codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
    except ValueError:
        raise SettingError("RETRY_HTTP_CODES must be a list of HTTP statuses") from None
    refused = sorted(codes & ACCESS_REFUSALS)
    if refused:
        raise SettingError(
            f"RETRY_HTTP_CODES must not include {', '.join(map(str, refused))}: a refusal "
            "of access is never retried"
        )


def setting_flag(name: str, value: Any) -> bool:
    """A boolean setting as Scrapy's ``getbool`` reads it (``True``/``False``, ``1``/``0``,
    ``"true"``/``"false"`` in any case), so a live crawl and a replay of its manifest read
    the recorded value alike; anything else is a ValueError that names the setting."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false", "", "none"):
        return False
    raise ValueError(f"{name} must be true or false, got {value!r}")


def tdm_defaults() -> dict[str, Any]:
    """The default value of every TDM_ setting."""
    return {name: default for name, (default, _) in TDM_SETTINGS.items()}


#: Scrapy settings copied into the manifest, besides every TDM_ setting.
_MANIFEST_SCRAPY_SETTINGS = (
    "USER_AGENT",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE",
    "RETRY_TIMES",
    "REDIRECT_MAX_TIMES",
)


def manifest_settings(settings: Any) -> dict[str, Any]:
    """The settings a manifest records: every TDM_ setting and the Scrapy settings that
    change what is fetched, with the Redis URL's password hidden."""
    recorded = {name: settings.get(name) for name in (*TDM_SETTINGS, *_MANIFEST_SCRAPY_SETTINGS)}
    if recorded.get("TDM_REDIS_URL"):
        recorded["TDM_REDIS_URL"] = public_url(recorded["TDM_REDIS_URL"])
    return recorded
