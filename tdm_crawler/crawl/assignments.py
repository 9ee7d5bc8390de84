"""Parsing ``--set NAME=VALUE`` options, without importing Scrapy.

``replay`` and ``report`` take ``--set`` too and must start fast: Scrapy's setting names
are only loaded when a name is not one of ours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from difflib import get_close_matches
from functools import cache
from typing import Any

from tdm_crawler.crawl.config import TDM_SETTINGS
from tdm_crawler.exceptions import SettingError


@cache
def _scrapy_setting_names() -> frozenset[str]:
    from scrapy.settings import default_settings

    return frozenset(name for name in dir(default_settings) if name.isupper())


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
    known = set(TDM_SETTINGS)
    result: dict[str, Any] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise SettingError(f"--set expects NAME=VALUE, got {item!r}")
        if name not in known and not name.startswith("TDM_"):
            known |= _scrapy_setting_names()
        if name not in known:
            # A name close to a known one is a typo; anything else may belong to a
            # third-party extension, which Scrapy settings must stay open to.
            close = get_close_matches(name, known, n=1, cutoff=0.8)
            if close or name.startswith("TDM_"):
                hint = f"; did you mean {close[0]}?" if close else ""
                raise SettingError(f"unknown setting {name!r}{hint}")
        result[name] = parse_value(value)
    return result
