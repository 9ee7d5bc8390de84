"""``tdm-crawl worker``: join a distributed crawl started with ``crawl --redis``.

It joins the crawl announced last (or ``--set TDM_CRAWL_ID=...``) with the crawl's agent,
AI-agent list, depth and page limits, writes its own ``DIR/workers/<worker id>/`` and
leaves when the crawl has no work left (see :mod:`tdm_crawler.crawl.coordinator`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from tdm_crawler.commands.distributed import SHARED_SETTINGS, ids, reachable, worker_dir
from tdm_crawler.commands.options import (
    PROFILE_OPTIONS,
    add_crawl_options,
    check_profile,
    excluded_sources,
    require_contact,
    settings_for,
)
from tdm_crawler.commands.running import crawl_and_summarise
from tdm_crawler.exceptions import UsageError

NAME = "worker"
HELP = "join a distributed crawl (started with crawl --redis)"
DESCRIPTION = """Join a distributed crawl started with `tdm-crawl crawl --redis URL`: take
requests from its shared queue in Redis, decide and store them like any crawl, and leave
when the queue has been empty and no worker busy for TDM_REDIS_IDLE_TIMEOUT seconds.
Writes DIR/workers/<worker id>/ (decisions.jsonl, content/, evidence/, manifest.json);
`tdm-crawl report|replay|verify|diff DIR` read all workers together. The crawl's
--agent, AI-agent list, purpose profile, --max-depth and --max-pages apply; giving
others is an error."""
EPILOG = """example:
  tdm-crawl worker --redis redis://10.0.0.5:6379/0 --out /data/crawl --contact mailto:me@x.org"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--redis", required=True, metavar="REDIS_URL", help="redis://HOST:PORT/DB")
    parser.add_argument("--out", type=Path, required=True, help="the crawl's output directory")
    parser.add_argument(
        "--overwrite", action="store_true", help="replace this worker's directory if it exists"
    )
    parser.add_argument("--max-depth", type=int, default=None, help="must match the crawl's")
    parser.add_argument("--max-pages", type=int, default=None, help="must match the crawl's")
    add_crawl_options(parser)
    parser.set_defaults(agent=None)


def _digests(digests: list[str]) -> str:
    return "sha256 " + ", ".join(digests) if digests else "none"


def run(args: argparse.Namespace) -> int:
    """``worker --redis``: join the crawl announced in Redis."""
    from tdm_crawler.crawl.distributed import distributed_settings, find_crawl, sync_client
    from tdm_crawler.store import CrawlDir

    check_profile(args)  # before contacting Redis
    reachable(args.redis)
    crawl_id, worker_id = ids(args)
    client = sync_client(args.redis)
    try:
        info = find_crawl(client, crawl_id)
        deadline = time.monotonic() + 30
        if info is None:
            print("Waiting up to 30 s for a crawl to be announced in Redis...")
        while info is None and time.monotonic() < deadline:
            time.sleep(0.5)  # the crawl may be about to be announced
            info = find_crawl(client, crawl_id)
    finally:
        client.close()
    if info is None:
        raise UsageError(
            f"no crawl{' ' + crawl_id if crawl_id else ''} announced in Redis; "
            "start one with tdm-crawl crawl --redis URL SEED... --out DIR"
        )
    crawl_id = str(info["crawl_id"])
    shared: dict[str, Any] = dict(info.get("settings") or {})
    if args.agent is None:
        args.agent = shared.get("TDM_AGENT") or "tdm-crawler"
    if not args.contact:
        args.contact = shared.get("TDM_CONTACT") or ""
    if args.info_url is None and shared.get("TDM_INFO_URL"):
        args.info_url = str(shared["TDM_INFO_URL"])
    require_contact(args, ())  # a worker has no seeds: the crawl's contact, or none
    if args.max_depth is None:
        args.max_depth = int(shared.get("TDM_MAX_DEPTH", -1))
    if args.max_pages is None:
        args.max_pages = int(shared.get("TDM_MAX_PAGES", 0))
    for option, setting in PROFILE_OPTIONS.items():
        if getattr(args, option) is None and shared.get(setting) is not None:
            setattr(args, option, str(shared[setting]))
    worker_out = CrawlDir(args.out).worker(worker_id).root
    settings = settings_for(
        args, worker_out, **distributed_settings(args.redis, crawl_id, worker_id)
    )
    digests = list(excluded_sources(settings).digests)
    wanted = list(info.get("excluded_sources") or [])
    if digests != wanted:
        raise UsageError(
            f"crawl {crawl_id} excludes the sources of the lists {_digests(wanted)}, this "
            f"worker those of {_digests(digests)}: every worker must exclude alike; give "
            "the crawl's lists with --exclude"
        )
    for name in SHARED_SETTINGS:
        if name in shared and settings.get(name) != shared[name]:
            raise UsageError(
                f"{name} is {settings.get(name)!r} here but {shared[name]!r} in crawl "
                f"{crawl_id}: every worker must decide alike; drop the option"
            )
    worker_dir(args.out, worker_id, overwrite=args.overwrite)
    print(f"Worker {worker_id} joining crawl {crawl_id}")
    return crawl_and_summarise([], settings, worker_out)
