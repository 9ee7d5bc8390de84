"""Building the Settings object of a crawl from command-line options."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from tdm_crawler.crawl.config import settings_user_agent


def crawl_settings(
    *,
    out: str,
    agent: str = "tdm-crawler",
    contact: str = "",
    info_url: str = "",
    max_pages: int = 0,
    max_depth: int = -1,
    allow_private_networks: bool = False,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """The settings of one crawl: our defaults, then options, then ``--set`` overrides.

    ``USER_AGENT`` is made from the agent, contact and info URL the crawl ends up with
    (``--set TDM_CONTACT=...`` included), unless the overrides set it themselves."""
    settings = Settings()
    settings.setmodule("tdm_crawler.settings", priority="project")
    settings.setdict(
        {
            "TDM_OUTPUT_DIR": out,
            "TDM_AGENT": agent,
            "TDM_CONTACT": contact,
            "TDM_INFO_URL": info_url,
            "TDM_MAX_PAGES": max_pages,
            "TDM_MAX_DEPTH": max_depth,
            "TDM_ALLOW_PRIVATE_NETWORKS": allow_private_networks,
        },
        priority="cmdline",
    )
    settings.setdict(overrides or {}, priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        settings.set("USER_AGENT", settings_user_agent(settings), priority="cmdline")
    return settings
