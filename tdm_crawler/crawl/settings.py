"""Building the Settings object of a crawl from command-line options."""

from __future__ import annotations

import json
from collections.abc import Iterable
from difflib import get_close_matches
from typing import Any

from scrapy.settings import Settings
from scrapy.settings import default_settings as scrapy_defaults

from tdm_crawler.crawl.config import TDM_SETTINGS, user_agent


class SettingError(ValueError):
    """A ``--set`` that cannot be used; the message says what to do."""


def parse_value(text: str) -> Any:
    """Like Scrapy's ``-s``: JSON when it parses (numbers, booleans, lists, dicts), else text."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs; a misspelt NAME gets a "did you mean" suggestion."""
    known = set(TDM_SETTINGS) | {n for n in dir(scrapy_defaults) if n.isupper()}
    result: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingError(f"--set expects NAME=VALUE, got {item!r}")
        if name not in known:
            # A name close to a known one is a typo; anything else may belong to a
            # third-party extension, which Scrapy settings must stay open to.
            close = get_close_matches(name, known, n=1, cutoff=0.8)
            if close or name.startswith("TDM_"):
                hint = f"; did you mean {close[0]}?" if close else ""
                raise SettingError(f"unknown setting {name!r}{hint}")
        result[name] = parse_value(value)
    return result


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
    """The settings of one crawl: our defaults, then options, then ``--set`` overrides."""
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
            "USER_AGENT": user_agent(agent, contact),
        },
        priority="cmdline",
    )
    settings.setdict(overrides or {}, priority="cmdline")
    return settings
