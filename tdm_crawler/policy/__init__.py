"""The pure decision logic: read opt-out signals and combine them into a Verdict.

Nothing here does I/O or knows Scrapy: callers hand in fetched bytes and statuses, so the
live crawl, ``tdm-crawl check`` and an offline replay decide identically.
"""

from tdm_crawler.policy.decide import (
    ResponseFacts,
    decide_after_fetch,
    decide_before_fetch,
    decide_failed_fetch,
)
from tdm_crawler.policy.html_meta import head_meta, looks_like_html
from tdm_crawler.policy.network import non_public_addresses
from tdm_crawler.policy.pathmatch import LocationPattern, compile_location, path_and_query
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.tdmrep import (
    TdmRepFile,
    TdmRepRule,
    merge_layers,
    read_headers,
    read_meta,
)
from tdm_crawler.policy.types import Decision, Reason, Signal, TdmProps, Verdict

__all__ = [
    "Decision",
    "LocationPattern",
    "Reason",
    "ResponseFacts",
    "RobotsFile",
    "Signal",
    "TdmProps",
    "TdmRepFile",
    "TdmRepRule",
    "Verdict",
    "compile_location",
    "decide_after_fetch",
    "decide_before_fetch",
    "decide_failed_fetch",
    "head_meta",
    "looks_like_html",
    "merge_layers",
    "non_public_addresses",
    "path_and_query",
    "read_headers",
    "read_meta",
]
