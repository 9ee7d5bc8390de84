"""The options several commands share, and what they turn into.

``crawl``, ``worker``, ``check`` and ``recheck`` take the same crawl options (agent,
contact, private networks, ``--set``) and build their Scrapy settings the same way, so a
value refused by one is refused by all with the same message.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tdm_crawler.exceptions import SettingError, UsageError


def http_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{text!r} is not an http(s) URL; give a full URL such as https://example.org/"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"{text!r} has an invalid port ({exc})") from None
    return text.strip()


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", default="tdm-crawler", help="product token (robots.txt, UA)")
    parser.add_argument("--contact", default="", help="URL or e-mail for the User-Agent")
    parser.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="allow loopback/private/link-local addresses (tests, the demo)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy or TDM_ setting, e.g. --set CONCURRENT_REQUESTS=32",
    )


def settings_for(args: argparse.Namespace, out: Path, **extra: Any) -> Any:
    from tdm_crawler.crawl.assignments import parse_assignments
    from tdm_crawler.crawl.settings import crawl_settings
    from tdm_crawler.policy.product_token import product_token_problem

    try:
        overrides = parse_assignments(args.settings)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    overrides = {**extra, **overrides}
    problem = product_token_problem(str(overrides.get("TDM_AGENT", args.agent)))
    if problem is not None:
        raise UsageError(f"--agent: {problem}")
    return crawl_settings(
        out=str(out),
        agent=args.agent,
        contact=args.contact,
        max_pages=getattr(args, "max_pages", 0),
        max_depth=getattr(args, "max_depth", -1),
        allow_private_networks=args.allow_private_networks,
        overrides=overrides,
    )
