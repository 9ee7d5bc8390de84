"""What ``crawl --redis`` and ``worker`` share: Redis reachability, ids, worker directories.

Each process of a distributed crawl writes its own crawl directory,
``DIR/workers/<worker id>/``, and every worker must decide with the settings the crawl
was announced with (see :mod:`tdm_crawler.crawl.coordinator`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tdm_crawler.commands.directories import make_layout_dir, prepare_output
from tdm_crawler.exceptions import RedisUnavailable, SettingError, UsageError

#: The settings every worker of a crawl must share, or they would decide differently.
SHARED_SETTINGS = (
    "TDM_AGENT",
    "TDM_AI_AGENTS",
    "TDM_PURPOSE",
    "TDM_OPERATOR",
    "TDM_REGION",
    "TDM_MAX_DEPTH",
    "TDM_MAX_PAGES",
)


def reachable(url: str) -> None:
    from tdm_crawler.crawl.distributed import check_reachable

    try:
        check_reachable(url)
    except RedisUnavailable as exc:
        raise UsageError(str(exc)) from None


def worker_dir(out: Path, worker_id: str, *, overwrite: bool) -> Path:
    """This worker's directory, ``DIR/workers/<id>/``, prepared like any output; neither
    it nor ``workers/`` may be a symbolic link (only ``DIR`` itself may)."""
    from tdm_crawler.store import CrawlDir

    top = CrawlDir(out)
    make_layout_dir(top.workers)
    path = make_layout_dir(top.worker(worker_id).root)
    prepare_output(path, resume=False, overwrite=overwrite)
    return path


def ids(args: argparse.Namespace) -> tuple[str | None, str]:
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
