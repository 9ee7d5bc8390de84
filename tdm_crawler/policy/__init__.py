"""The pure decision logic: read opt-out signals and combine them into a Verdict.

Nothing here does I/O or knows Scrapy: callers hand in fetched bytes and statuses, so the
live crawl, ``tdm-crawl check`` and an offline replay decide identically.
"""

from tdm_crawler.policy.ai_agents import AgentList, AiAgent, agent_list_info, load_agents
from tdm_crawler.policy.content import ContentFacts, content_kind, extract_content
from tdm_crawler.policy.decide import (
    DECISION_HEADERS,
    Context,
    License,
    OriginFacts,
    OriginHalf,
    ResponseFacts,
    decide_after_fetch,
    decide_before_fetch,
    decide_excluded,
    decide_failed_fetch,
    decide_origin,
    finish_after_fetch,
    finish_failed_fetch,
    with_policy,
)
from tdm_crawler.policy.excluded import ExcludedSources, ExcludeListError, load_exclude_lists
from tdm_crawler.policy.html_meta import head_meta, looks_like_html
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.links import rsl_links_from_headers
from tdm_crawler.policy.network import non_public_addresses
from tdm_crawler.policy.odrl import PolicyProblem, PolicySummary, parse_policy, policy_from_fetch
from tdm_crawler.policy.origin_facts import (
    Fetched,
    FetchedDocument,
    origin_facts,
    read_license,
    read_policy_files,
)
from tdm_crawler.policy.origins import origin_of
from tdm_crawler.policy.pathmatch import LocationPattern, compile_location, path_and_query
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.rsl import RslDocument, RslProblem, license_from_fetch, parse_rsl
from tdm_crawler.policy.tdmrep import (
    TdmRepFile,
    TdmRepRule,
    merge_layers,
    read_headers,
    read_meta,
)
from tdm_crawler.policy.types import Decision, Finding, Reason, Signal, TdmProps, Verdict

__all__ = [
    "DECISION_HEADERS",
    "AgentList",
    "AiAgent",
    "ContentFacts",
    "Context",
    "Decision",
    "ExcludeListError",
    "ExcludedSources",
    "Fetched",
    "FetchedDocument",
    "Finding",
    "License",
    "Limits",
    "LocationPattern",
    "OriginFacts",
    "OriginHalf",
    "PolicyProblem",
    "PolicySummary",
    "Reason",
    "ResponseFacts",
    "RobotsFile",
    "RslDocument",
    "RslProblem",
    "Signal",
    "TdmProps",
    "TdmRepFile",
    "TdmRepRule",
    "Verdict",
    "agent_list_info",
    "compile_location",
    "content_kind",
    "decide_after_fetch",
    "decide_before_fetch",
    "decide_excluded",
    "decide_failed_fetch",
    "decide_origin",
    "extract_content",
    "finish_after_fetch",
    "finish_failed_fetch",
    "head_meta",
    "license_from_fetch",
    "load_agents",
    "load_exclude_lists",
    "looks_like_html",
    "merge_layers",
    "non_public_addresses",
    "origin_facts",
    "origin_of",
    "parse_policy",
    "parse_rsl",
    "path_and_query",
    "policy_from_fetch",
    "read_headers",
    "read_license",
    "read_meta",
    "read_policy_files",
    "rsl_links_from_headers",
    "with_policy",
]
