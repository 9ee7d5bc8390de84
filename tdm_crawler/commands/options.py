"""The options several commands share, and what they turn into.

``crawl``, ``worker``, ``check`` and ``recheck`` take the same crawl options (agent,
contact, info URL, private networks, the purpose profile, ``--set``) and build their
Scrapy settings the same way, so a value refused by one is refused by all with the same
message; ``agent-info`` takes the same options but private networks, and ``demo`` the
purpose profile.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
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


#: Option destination -> the setting it sets, for the purpose profile.
PROFILE_OPTIONS = {"purpose": "TDM_PURPOSE", "operator": "TDM_OPERATOR", "region": "TDM_REGION"}


def add_profile_options(parser: argparse.ArgumentParser) -> None:
    """``--purpose``, ``--operator``, ``--region``: what the crawl is for and who runs it.

    Left out, each is the setting's default (a worker, a recheck or a replay: the
    crawl's own)."""
    from tdm_crawler.policy.purposes import Operator, Purpose

    group = parser.add_argument_group(
        "purpose profile",
        "what the crawl is for and who runs it: which statements reserve depends on it",
    )
    group.add_argument(
        "--purpose",
        metavar="PURPOSE",
        help=f"{', '.join(Purpose)} (default ai-training; setting TDM_PURPOSE)",
    )
    group.add_argument(
        "--operator",
        metavar="OPERATOR",
        help=f"{', '.join(Operator)} (default commercial; setting TDM_OPERATOR)",
    )
    group.add_argument(
        "--region",
        metavar="CC",
        help="ISO 3166-1 alpha-2 country code, e.g. DE (default unset; setting TDM_REGION)",
    )


def profile_settings(args: argparse.Namespace) -> dict[str, str]:
    """The profile settings the options give (only those given)."""
    return {
        setting: value
        for option, setting in PROFILE_OPTIONS.items()
        if (value := getattr(args, option, None)) is not None
    }


def check_profile(args: argparse.Namespace, settings: dict[str, Any] | None = None) -> None:
    """Refuse a bad ``--purpose``/``--operator``/``--region`` (or the same ``--set``)
    with a UsageError, before a command writes anything or contacts anyone.

    ``settings`` are the ``--set`` values when the caller has read them already."""
    from tdm_crawler.crawl.config import tdm_defaults
    from tdm_crawler.policy.purposes import Profile

    given = _assignments(args) if settings is None else settings
    try:
        Profile.from_settings({**tdm_defaults(), **profile_settings(args), **given})
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _assignments(args: argparse.Namespace) -> dict[str, Any]:
    from tdm_crawler.crawl.assignments import parse_assignments

    try:
        return parse_assignments(getattr(args, "settings", []))
    except SettingError as exc:
        raise UsageError(str(exc)) from None


def add_identity_options(parser: argparse.ArgumentParser) -> None:
    """Who crawls and what for: ``--agent``, ``--contact``, ``--info-url``, ``--set`` and
    the purpose profile. ``agent-info`` takes these, so the page it writes describes the
    crawler a ``crawl`` with the same options is."""
    parser.add_argument("--agent", default="tdm-crawler", help="product token (robots.txt, UA)")
    parser.add_argument(
        "--contact",
        default="",
        help="URL or e-mail for the User-Agent; required to crawl the public web",
    )
    parser.add_argument(
        "--info-url",
        metavar="URL",
        help="http(s) page about the crawler, put in the User-Agent (setting TDM_INFO_URL)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy or TDM_ setting, e.g. --set CONCURRENT_REQUESTS=32",
    )
    add_profile_options(parser)


def add_crawl_options(parser: argparse.ArgumentParser) -> None:
    """The identity options, ``--exclude`` and ``--allow-private-networks``."""
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="FILE",
        help="a list of sources not to crawl (domains, =hosts, URL prefixes; '# source:' "
        "and '# date:' header lines), repeatable (setting TDM_EXCLUDED_SOURCES)",
    )
    parser.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="allow loopback/private/link-local addresses (tests, the demo)",
    )
    add_identity_options(parser)


def check_identity(settings: Any) -> None:
    """Refuse an info URL that is not an http(s) URL and IP ranges that are not networks
    (``--info-url``, ``TDM_INFO_URL``, ``TDM_IP_RANGES``) with a UsageError."""
    from tdm_crawler.policy.network import parse_networks

    info_url = settings.get("TDM_INFO_URL")
    if info_url:
        try:
            http_url(str(info_url))
        except UsageError as exc:
            raise UsageError(f"--info-url: {exc}") from None
    try:
        parse_networks(settings.get("TDM_IP_RANGES"))
    except ValueError as exc:
        raise UsageError(f"TDM_IP_RANGES: {exc}") from None


def excluded_sources(settings: Any) -> Any:
    """The exclusion lists the settings name, read now; a list the format refuses is a
    UsageError naming FILE:LINE (before anything is written or anyone contacted)."""
    from tdm_crawler.policy import ExcludeListError, load_exclude_lists

    try:
        return load_exclude_lists(settings.getlist("TDM_EXCLUDED_SOURCES"))
    except ExcludeListError as exc:
        raise UsageError(f"--exclude: {exc}") from None


def _crawl_overrides(args: argparse.Namespace, assigned: dict[str, Any]) -> dict[str, Any]:
    """What ``--info-url`` and ``--exclude`` add to the ``--set`` values (``--exclude``
    files after any ``--set TDM_EXCLUDED_SOURCES``)."""
    overrides: dict[str, Any] = {}
    info_url = getattr(args, "info_url", None)
    if info_url is not None:
        overrides["TDM_INFO_URL"] = info_url
    if assigned.get("TDM_INFO_URL"):
        overrides["TDM_INFO_URL"] = assigned["TDM_INFO_URL"]
    exclude = getattr(args, "exclude", [])
    if exclude:
        given = assigned.get("TDM_EXCLUDED_SOURCES") or []
        given = [given] if isinstance(given, str) else list(given)
        overrides["TDM_EXCLUDED_SOURCES"] = [*given, *map(str, exclude)]
    return overrides


def settings_for(args: argparse.Namespace, out: Path, **extra: Any) -> Any:
    from tdm_crawler.crawl.config import check_retry_codes
    from tdm_crawler.crawl.settings import crawl_settings
    from tdm_crawler.policy.product_token import product_token_problem

    assigned = _assignments(args)
    overrides = {**extra, **profile_settings(args), **assigned}
    overrides.update(_crawl_overrides(args, assigned))
    problem = product_token_problem(str(overrides.get("TDM_AGENT", args.agent)))
    if problem is not None:
        raise UsageError(f"--agent: {problem}")
    check_profile(args, {**extra, **assigned})
    settings = crawl_settings(
        out=str(out),
        agent=args.agent,
        contact=args.contact,
        info_url=getattr(args, "info_url", ""),
        max_pages=getattr(args, "max_pages", 0),
        max_depth=getattr(args, "max_depth", -1),
        allow_private_networks=getattr(args, "allow_private_networks", False),
        overrides=overrides,
    )
    check_identity(settings)
    check_retry_codes(settings)
    excluded_sources(settings)
    return settings


def require_contact(args: argparse.Namespace, seeds: Sequence[str]) -> None:
    """Refuse to crawl the public web anonymously (a UsageError, before anything is
    written or any server contacted): without a contact (``--contact``, or
    ``--set TDM_CONTACT``), only a crawl with ``--allow-private-networks`` whose every
    seed is a loopback or private address literal may run (the tests, the demo)."""
    from tdm_crawler.policy.network import is_private_literal

    assigned = _assignments(args)
    if str(assigned.get("TDM_CONTACT", args.contact) or "").strip():
        return
    private = bool(assigned.get("TDM_ALLOW_PRIVATE_NETWORKS", args.allow_private_networks))
    public = [url for url in seeds if not is_private_literal(urlsplit(url).hostname or "")]
    if private and not public:
        return
    if public:
        why = f"{public[0]} is not a loopback or private address literal, and site owners"
        why += " on the public web must be able to reach whoever crawls them"
    else:
        why = "without one, only a crawl with --allow-private-networks of loopback or"
        why += " private address literals runs"
    raise UsageError(f"--contact is required: {why} (give --contact mailto:you@example.org)")
