"""``tdm-crawl crawl``: crawl from seed URLs, deciding TDM for every URL.

Alone, it crawls in this process into ``--out`` (``--resume`` continues an interrupted
crawl there). With ``--redis URL`` it starts a distributed crawl: it announces the crawl
in Redis (its id, seeds and decision-relevant settings), writes ``DIR/manifest.json``,
enqueues the seeds and crawls as the first worker into ``DIR/workers/<worker id>/``;
more processes join with ``tdm-crawl worker``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tdm_crawler.commands.directories import prepare_output
from tdm_crawler.commands.distributed import SHARED_SETTINGS, ids, reachable, worker_dir
from tdm_crawler.commands.options import (
    add_crawl_options,
    check_profile,
    excluded_sources,
    http_url,
    require_contact,
    settings_for,
)
from tdm_crawler.commands.running import crawl_and_summarise
from tdm_crawler.exceptions import UsageError

if TYPE_CHECKING:
    from tdm_crawler.store import CrawlDir

NAME = "crawl"
HELP = "crawl from seed URLs, deciding TDM for every URL"
DESCRIPTION = None
EPILOG = "example:\n  tdm-crawl crawl https://example.org/ --out runs/ex --max-pages 500"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("urls", nargs="*", metavar="URL", help="seed URLs")
    parser.add_argument("--seeds", type=Path, help="file with one seed URL per line")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue the crawl in --out")
    mode.add_argument("--overwrite", action="store_true", help="replace the crawl in --out")
    parser.add_argument("--max-depth", type=int, default=-1, help="0 = seeds only")
    parser.add_argument("--max-pages", type=int, default=0, help="0 = no limit")
    parser.add_argument(
        "--sitemaps",
        action="store_true",
        help="also read each seed origin's sitemaps (robots.txt Sitemap: lines, "
        "/sitemap.xml) and decide their URLs like links (TDM_SITEMAPS)",
    )
    add_crawl_options(parser)
    parser.add_argument(
        "--redis",
        metavar="REDIS_URL",
        help="distributed mode: share the crawl through this Redis (redis://HOST:PORT/DB); "
        "more processes join with tdm-crawl worker",
    )


def run(args: argparse.Namespace) -> int:
    check_profile(args)  # before anything is written, in either mode
    seeds = [http_url(u) for u in args.urls]
    if args.seeds is not None:
        from tdm_crawler.crawl.urls import read_url_list

        try:
            seeds += [http_url(u) for u in read_url_list(args.seeds)]
        except OSError as exc:
            raise UsageError(f"cannot read --seeds {args.seeds}: {exc.strerror}") from None
    if not seeds and args.resume:
        seeds = _manifest_seeds(args.out)
    if not seeds:
        raise UsageError("no seed URLs: give URLs or --seeds FILE")
    if args.max_pages < 0:
        raise UsageError("--max-pages must be 0 (no limit) or more")
    if args.redis:
        return _run_distributed_crawl(args, seeds)
    settings = settings_for(args, args.out, **_sitemaps(args))  # refused before writing
    require_contact(args, seeds)
    prepare_output(
        args.out, resume=args.resume, overwrite=args.overwrite, flags=("--resume", "--overwrite")
    )
    return crawl_and_summarise(seeds, settings, args.out)


def _sitemaps(args: argparse.Namespace) -> dict[str, bool]:
    """``--sitemaps`` as its setting (absent: ``--set TDM_SITEMAPS=...`` or the default)."""
    return {"TDM_SITEMAPS": True} if args.sitemaps else {}


def _manifest_seeds(out: Path) -> list[str]:
    """The seeds an interrupted crawl started from, so `--resume` needs no URLs."""
    from tdm_crawler.store import CrawlDir, read_manifest

    try:
        return list(read_manifest(CrawlDir(out).manifest).get("seeds", []))
    except (OSError, ValueError):
        return []


def _prepare_top(top: CrawlDir, *, overwrite: bool) -> None:
    if top.workers.exists() and not overwrite:
        raise UsageError(
            f"{top.root} already holds a distributed crawl ({top.relative(top.workers)}/); "
            "pass --overwrite to start afresh or choose another --out"
        )
    prepare_output(top.root, resume=False, overwrite=overwrite)  # removes workers/ too


def _run_distributed_crawl(args: argparse.Namespace, seeds: Sequence[str]) -> int:
    """``crawl --redis``: announce the crawl, enqueue the seeds, crawl as a worker."""
    from tdm_crawler.crawl.config import manifest_settings
    from tdm_crawler.crawl.distributed import (
        announce_crawl,
        distributed_settings,
        public_url,
        sync_client,
    )
    from tdm_crawler.policy.purposes import Profile
    from tdm_crawler.store import CrawlDir
    from tdm_crawler.store.decisions import RECORD_FORMAT
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
    reachable(args.redis)
    require_contact(args, seeds)
    crawl_id, worker_id = ids(args)
    crawl_id = crawl_id or new_crawl_id()
    top = CrawlDir(args.out)
    _prepare_top(top, overwrite=args.overwrite)
    worker_out = worker_dir(args.out, worker_id, overwrite=False)
    settings = settings_for(
        args,
        worker_out,
        **distributed_settings(args.redis, crawl_id, worker_id),
        **_sitemaps(args),
    )
    shared = {name: settings.get(name) for name in SHARED_SETTINGS}
    shared["TDM_CONTACT"] = settings.get("TDM_CONTACT")
    shared["TDM_INFO_URL"] = settings.get("TDM_INFO_URL")
    excluded = excluded_sources(settings)
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
        profile=Profile.from_settings(settings).to_json(),
        record_format=RECORD_FORMAT,
        excluded_sources=excluded.to_json(),
        workers_dir=top.workers.name,
    )
    save_manifest(top, manifest)
    client = sync_client(args.redis)
    try:
        announce_crawl(
            client,
            crawl_id,
            {
                "crawl_id": crawl_id,
                "seeds": list(seeds),
                "settings": shared,
                # Every worker must exclude with the same lists, wherever their files are.
                "excluded_sources": list(excluded.digests),
                "at": started,
            },
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
