"""``tdm-crawl demo``: serve the bundled fixture sites on loopback and crawl them.

One command shows every kind of decision on sites built to produce them, then writes the
HTML report. The fixture sites live in the source checkout (``fixtures/``), not in the
installed package, so the demo needs a clone.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tdm_crawler.commands.directories import prepare_output
from tdm_crawler.commands.options import add_profile_options, check_profile, settings_for
from tdm_crawler.commands.running import crawl_and_summarise
from tdm_crawler.exceptions import UsageError

NAME = "demo"
HELP = "serve the bundled fixture sites on loopback and crawl them"
DESCRIPTION = None
EPILOG = "example:\n  tdm-crawl demo --out runs/demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("runs/demo"), help="output directory")
    parser.add_argument("--overwrite", action="store_true", help="replace a previous demo")
    add_profile_options(parser)


def _fixture_server_class() -> Any:
    root = Path(__file__).resolve().parents[2]  # the checkout holding tdm_crawler/commands/
    if not (root / "fixtures" / "server.py").exists():
        raise UsageError(
            "demo needs the fixtures/ directory of a source checkout; run `make demo` in a clone"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from fixtures.server import FixtureServer

    return FixtureServer


def run(args: argparse.Namespace) -> int:
    check_profile(args)  # before the output directory is made
    server_cls = _fixture_server_class()
    prepare_output(args.out, resume=False, overwrite=args.overwrite)
    with server_cls() as server:
        seeds = server.seeds()
        print(f"Serving {len(server.sites)} fixture sites on loopback:")
        for site in server.sites:
            print(f"  {server.origin(site)}  {site}")
        args.agent, args.contact, args.allow_private_networks = "tdm-crawler", "", True
        args.settings = []
        settings = settings_for(
            args,
            args.out,
            AUTOTHROTTLE_ENABLED=False,
            TDM_POLICY_RETRY_DELAYS=[0.2],
            TDM_BACKOFF_BASE=0.05,  # the fixtures fail on purpose; do not wait on them
            CONCURRENT_REQUESTS_PER_DOMAIN=8,
            LOG_LEVEL="WARNING",
        )
        status = crawl_and_summarise(seeds, settings, args.out)
    from tdm_crawler.store import CrawlDir

    print(f"Decision records: {CrawlDir(args.out).decisions}")
    if status == 0:
        from tdm_crawler.report.html_report import write_report

        print(f"Report: {write_report(args.out, None).html_path}  (open it in a browser)")
    return status
