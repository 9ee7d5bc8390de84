"""Building the Settings object of a crawl from command-line options."""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from tdm_crawler.crawl.config import user_agent


def crawl_settings(
    *,
    out: str,
    agent: str = "tdm-crawler",
    contact: str = "",
    max_pages: int = 0,
    max_depth: int = -1,
    allow_private_networks: bool = False,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """The settings of one crawl: our defaults, then options, then ``--set`` overrides.

    The User-Agent is made of the final agent, contact and info URL (a ``--set`` of any
    of them counts), unless ``USER_AGENT`` itself is set."""
    settings = Settings()
    settings.setmodule("tdm_crawler.settings", priority="project")
    settings.setdict(
        {
            "TDM_OUTPUT_DIR": out,
            "TDM_AGENT": agent,
            "TDM_CONTACT": contact,
            "TDM_MAX_PAGES": max_pages,
            "TDM_MAX_DEPTH": max_depth,
            "TDM_ALLOW_PRIVATE_NETWORKS": allow_private_networks,
        },
        priority="cmdline",
    )
    settings.setdict(overrides or {}, priority="cmdline")
    if "USER_AGENT" not in (overrides or {}):
        sent = user_agent(
            settings.get("TDM_AGENT"),
            settings.get("TDM_CONTACT"),
            info_url=settings.get("TDM_INFO_URL"),
        )
        settings.set("USER_AGENT", sent, priority="cmdline")
    return settings
