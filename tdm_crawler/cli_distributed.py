"""``tdm-crawl crawl --redis URL`` and ``tdm-crawl worker``: the distributed mode's commands.

``crawl --redis`` announces a new crawl in Redis (its id, seeds and decision-relevant
settings), writes ``DIR/manifest.json``, enqueues the seeds and crawls as the first
worker. ``worker --redis`` joins the crawl announced last (or ``--set TDM_CRAWL_ID=...``)
with the crawl's agent, AI-agent list, depth and page limits. Each process writes its own
crawl directory, ``DIR/workers/<worker id>/``, and leaves when the crawl has no work left
(see :mod:`tdm_crawler.crawl.coordinator`).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tdm_crawler.exceptions import RedisUnavailable, SettingError, UsageError

#: The settings every worker of a crawl must share, or they would decide differently.
SHARED_SETTINGS = ("TDM_AGENT", "TDM_AI_AGENTS", "TDM_MAX_DEPTH", "TDM_MAX_PAGES")

WORKER_HELP = """Join a distributed crawl started with `tdm-crawl crawl --redis URL`: take
requests from its shared queue in Redis, decide and store them like any crawl, and leave
when the queue has been empty and no worker busy for TDM_REDIS_IDLE_TIMEOUT seconds.
Writes DIR/workers/<worker id>/ (decisions.jsonl, content/, evidence/, manifest.json);
`tdm-crawl report|replay|verify|diff DIR` read all workers together. The crawl's
--agent, AI-agent list, --max-depth and --max-pages apply; giving others is an error."""

WORKER_EPILOG = """example:
  tdm-crawl worker --redis redis://10.0.0.5:6379/0 --out /data/crawl --contact mailto:me@x.org"""


def add_worker_parser(
    sub: Any, add_crawl_options: Callable[[argparse.ArgumentParser], None]
) -> None:
    worker = sub.add_parser(
        "worker",
        help="join a distributed crawl (started with crawl --redis)",
        description=WORKER_HELP,
        epilog=WORKER_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    worker.add_argument("--redis", required=True, metavar="REDIS_URL", help="redis://HOST:PORT/DB")
    worker.add_argument("--out", type=Path, required=True, help="the crawl's output directory")
    worker.add_argument(
        "--overwrite", action="store_true", help="replace this worker's directory if it exists"
    )
    worker.add_argument("--max-depth", type=int, default=None, help="must match the crawl's")
    worker.add_argument("--max-pages", type=int, default=None, help="must match the crawl's")
    add_crawl_options(worker)
    worker.set_defaults(agent=None)


def _reachable(url: str) -> None:
    from tdm_crawler.crawl.distributed import check_reachable

    try:
        check_reachable(url)
    except RedisUnavailable as exc:
        raise UsageError(str(exc)) from None


def _prepare_top(out: Path, *, overwrite: bool) -> None:
    from tdm_crawler.cli import _prepare_output
    from tdm_crawler.store import CrawlDir

    crawl = CrawlDir(out)
    if crawl.workers.exists() and not overwrite:
        raise UsageError(
            f"{out} already holds a distributed crawl ({crawl.relative(crawl.workers)}/); "
            "pass --overwrite to start afresh or choose another --out"
        )
    _prepare_output(out, resume=False, overwrite=overwrite)  # removes workers/ too


def _worker_dir(out: Path, worker_id: str, *, overwrite: bool) -> Path:
    from tdm_crawler.cli import _prepare_output
    from tdm_crawler.store import CrawlDir

    path = CrawlDir(out).worker(worker_id).root
    _prepare_output(path, resume=False, overwrite=overwrite)
    return path


def _ids(args: argparse.Namespace) -> tuple[str | None, str]:
    """``TDM_CRAWL_ID`` and ``TDM_WORKER_ID`` from ``--set``, else defaults."""
    from tdm_crawler.crawl.assignments import parse_assignments
    from tdm_crawler.crawl.distributed import default_worker_id, safe_worker_id

    try:
        overrides = parse_assignments(args.settings)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    crawl_id = overrides.get("TDM_CRAWL_ID") or None
    worker = overrides.get("TDM_WORKER_ID")
    worker_id = safe_worker_id(str(worker)) if worker else default_worker_id()
    args.settings = [
        item for item in args.settings if item.split("=", 1)[0].strip() != "TDM_WORKER_ID"
    ]
    return (str(crawl_id) if crawl_id else None), worker_id


def run_distributed_crawl(
    args: argparse.Namespace,
    seeds: Sequence[str],
    settings_for: Callable[..., Any],
    crawl_and_summarise: Callable[[Sequence[str], Any, Path], int],
) -> int:
    """``crawl --redis``: announce the crawl, enqueue the seeds, crawl as a worker."""
    from tdm_crawler.crawl.config import manifest_settings
    from tdm_crawler.crawl.distributed import (
        announce_crawl,
        distributed_settings,
        public_url,
        sync_client,
    )
    from tdm_crawler.store import CrawlDir
    from tdm_crawler.store.manifest import (
        build_manifest,
        manifest_time,
        new_crawl_id,
        save_manifest,
    )

    if args.resume:
        raise UsageError(
            "--resume does not apply with --redis: the queue is in Redis; "
            "start workers with tdm-crawl worker --redis to continue a crawl"
        )
    _reachable(args.redis)
    crawl_id, worker_id = _ids(args)
    crawl_id = crawl_id or new_crawl_id()
    top = CrawlDir(args.out)
    _prepare_top(args.out, overwrite=args.overwrite)
    worker_out = _worker_dir(args.out, worker_id, overwrite=False)
    settings = settings_for(
        args, worker_out, **distributed_settings(args.redis, crawl_id, worker_id)
    )
    shared = {name: settings.get(name) for name in SHARED_SETTINGS}
    shared["TDM_CONTACT"] = settings.get("TDM_CONTACT")
    started = manifest_time()
    recorded = manifest_settings(settings)
    recorded.pop("TDM_WORKER_ID", None)  # each worker's manifest names its own
    manifest = build_manifest(
        crawl_id=crawl_id,
        status="running",
        started_at=started,
        finished_at=None,
        seeds=seeds,
        settings=recorded,
        distributed=True,
        redis=public_url(args.redis),
        workers_dir=top.workers.name,
    )
    save_manifest(top, manifest)
    client = sync_client(args.redis)
    try:
        announce_crawl(
            client,
            crawl_id,
            {"crawl_id": crawl_id, "seeds": list(seeds), "settings": shared, "at": started},
        )
    finally:
        client.close()
    print(f"Crawl {crawl_id} on {public_url(args.redis)}; this process is worker {worker_id}")
    status = crawl_and_summarise(seeds, settings, worker_out)
    manifest.update(
        finished_at=manifest_time(), status="finished" if status == 0 else "interrupted"
    )
    save_manifest(top, manifest)
    return status


def cmd_worker(args: argparse.Namespace) -> int:
    """``worker --redis``: join the crawl announced in Redis."""
    from tdm_crawler.cli import _crawl_and_summarise, _settings_for
    from tdm_crawler.crawl.distributed import distributed_settings, find_crawl, sync_client

    _reachable(args.redis)
    crawl_id, worker_id = _ids(args)
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
    if args.max_depth is None:
        args.max_depth = int(shared.get("TDM_MAX_DEPTH", -1))
    if args.max_pages is None:
        args.max_pages = int(shared.get("TDM_MAX_PAGES", 0))
    worker_out = _worker_dir(args.out, worker_id, overwrite=args.overwrite)
    settings = _settings_for(
        args, worker_out, **distributed_settings(args.redis, crawl_id, worker_id)
    )
    for name in SHARED_SETTINGS:
        if name in shared and settings.get(name) != shared[name]:
            raise UsageError(
                f"{name} is {settings.get(name)!r} here but {shared[name]!r} in crawl "
                f"{crawl_id}: every worker must decide alike; drop the option"
            )
    print(f"Worker {worker_id} joining crawl {crawl_id}")
    return _crawl_and_summarise([], settings, worker_out)
