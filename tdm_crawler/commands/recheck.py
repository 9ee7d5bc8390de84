"""``tdm-crawl recheck``: re-read today's opt-outs for every URL a crawl stored.

Opt-outs change after a crawl: this decides every stored URL again with today's policy
documents and headers and writes a new crawl directory holding only what is still
allowed, plus ``purge.jsonl`` for whoever holds copies downstream. The source directory
is never modified.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tdm_crawler.commands.directories import prepare_output
from tdm_crawler.commands.options import (
    PROFILE_OPTIONS,
    add_crawl_options,
    check_profile,
    settings_for,
)
from tdm_crawler.commands.running import read_records, run_crawl, summary_table
from tdm_crawler.exceptions import NotACrawl, UsageError

NAME = "recheck"
HELP = "re-read today's opt-outs for every stored URL; keep only what is still allowed"
DESCRIPTION = (
    "Fetch today's robots.txt, tdmrep.json, licences and headers (HEAD where "
    "no in-content signal can exist, GET where one can) for every URL DIR stored, decide "
    "again, and write NEW_DIR: the still-allowed records copied unchanged from DIR, the "
    "new decisions and evidence, and purge.jsonl listing what to delete downstream. With "
    "--origin, only that origin's stored URLs are rechecked and only its documents "
    "fetched; the others are copied from DIR unchanged. DIR is never modified."
)
EPILOG = """examples:
  tdm-crawl recheck runs/ex --out runs/ex-2026-12
  tdm-crawl recheck runs/ex --out runs/ex-news --origin https://news.example"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument("--out", type=Path, required=True, metavar="NEW_DIR")
    parser.add_argument("--overwrite", action="store_true", help="replace NEW_DIR")
    parser.add_argument(
        "--origin",
        metavar="ORIGIN",
        help="recheck only this origin's URLs (scheme://host[:port]); carry the others "
        "over unchanged",
    )
    add_crawl_options(parser)


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.recheck import (
        CarriedOver,
        RecheckSpider,
        stored_urls,
        write_purge_list,
    )
    from tdm_crawler.offline.selector import Selector
    from tdm_crawler.store import CrawlDir, read_manifest
    from tdm_crawler.store.purges import carry_complaints

    source: Path = args.dir
    crawl = CrawlDir(source)
    if not crawl.manifest.exists() or not crawl.decisions.exists():
        raise UsageError(
            f"{source} holds no crawl (no {crawl.relative(crawl.manifest)} / "
            f"{crawl.relative(crawl.decisions)})"
        )
    if args.out.resolve() == source.resolve() or args.out.resolve().is_relative_to(
        source.resolve()
    ):
        raise UsageError("--out must be a new directory outside DIR: DIR is never modified")
    manifest = read_manifest(crawl.manifest)
    if args.agent == "tdm-crawler":  # not given: recheck as the original crawl's agent
        args.agent = manifest.get("agent", args.agent)
    recorded = _recorded_profile(manifest)
    for option in PROFILE_OPTIONS:  # not given: recheck for what the crawl was for
        if getattr(args, option) is None:
            setattr(args, option, recorded[option])
    check_profile(args)
    selector = carried = None
    if args.origin is not None:
        try:
            selector = Selector.origins([args.origin])
        except ValueError as exc:
            raise UsageError(f"--origin: {exc}") from None
        carried = CarriedOver(source, selector)
    prepare_output(args.out, resume=False, overwrite=args.overwrite)
    try:  # the complaints answered stay with the corpus (sealed in its manifest)
        carry_complaints(crawl.complaints, CrawlDir(args.out).complaints)
    except NotACrawl as exc:
        raise UsageError(f"{exc}; run tdm-crawl verify {source}") from None
    urls = stored_urls(source, selector)
    original = manifest.get("settings", {})
    settings = settings_for(
        args,
        args.out,
        TDM_RECHECK_SOURCE=str(source),
        TDM_MAX_DEPTH=0,
        TDM_AI_AGENTS=original.get("TDM_AI_AGENTS", ""),
    )
    started = time.monotonic()
    completed = run_crawl([], settings, spider_cls=RecheckSpider, stored=urls, carried=carried)
    records = read_records(args.out)
    print(summary_table(records, time.monotonic() - started))
    purged = write_purge_list(source, args.out)
    rechecked = {item.url for item in urls}
    kept = [r for r in records if r["stored"] and r["url"] in rechecked]
    line = f"{len(urls)} stored URLs rechecked: {len(kept)} still allowed and kept"
    if carried is not None:
        others = sum(1 for r in records if r["stored"]) - len(kept)
        line += f", {others} of other origins carried over unchanged"
    print(f"{line}, {purged} to purge")
    print(f"Purge list: {CrawlDir(args.out).purge}")
    print(f"Output: {args.out}")
    if not completed:
        print("tdm-crawl: the recheck did not complete; see the log above", file=sys.stderr)
        return 1
    return 0


def _recorded_profile(manifest: dict[str, Any]) -> dict[str, str | None]:
    """The source crawl's profile, as option values (a crawl before profiles: the default)."""
    from tdm_crawler.policy.purposes import Profile

    try:
        return Profile.from_json(manifest.get("profile")).to_json()
    except ValueError as exc:
        raise UsageError(f"the source crawl's manifest has an unusable profile: {exc}") from None
