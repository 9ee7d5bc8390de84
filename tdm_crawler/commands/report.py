"""``tdm-crawl report``: a self-contained HTML report of a crawl, a CSV, a datasheet.

The report only reads the crawl directory; it is what a person opens to see what a crawl
decided and why, and the datasheet is what goes out with the corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tdm_crawler.commands.directories import crawl_dir
from tdm_crawler.exceptions import UnsafeOutput, UsageError

NAME = "report"
HELP = "write a self-contained HTML report of a crawl (and a CSV, a datasheet)"
DESCRIPTION = None
EPILOG = "example:\n  tdm-crawl report runs/ex --csv urls.csv --datasheet DATASHEET.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument("--html", type=Path, metavar="FILE", help="default DIR/report.html")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the URL table as CSV")
    parser.add_argument(
        "--datasheet", type=Path, metavar="FILE.md", help="also write a Markdown datasheet"
    )
    parser.add_argument("--top", type=int, default=15, help="origins in the per-origin chart")


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.report.datasheet import render_datasheet, write_datasheet
    from tdm_crawler.report.html_report import write_report
    from tdm_crawler.store import CrawlDir
    from tdm_crawler.store.safe_open import check_target

    crawl_dir(args.dir)
    if args.top < 1:
        raise UsageError("--top must be 1 or more")
    for target in (args.html or CrawlDir(args.dir).report, args.csv, args.datasheet):
        try:
            if target is not None:
                check_target(target)  # before anything is written; the writers check again
        except UnsafeOutput as exc:
            raise UsageError(str(exc)) from None
    try:
        result = write_report(args.dir, args.html, csv_path=args.csv, top=args.top)
        print(result.html_path)
        if result.csv_path is not None:
            print(result.csv_path)
        if args.datasheet is not None:
            text = render_datasheet(result.summary, result.manifest, args.dir)
            write_datasheet(args.datasheet, text)
            print(args.datasheet)
    except (OSError, ValueError) as exc:
        print(f"tdm-crawl report: {exc}", file=sys.stderr)
        return 1
    return 0
