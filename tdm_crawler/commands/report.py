"""``tdm-crawl report``: a self-contained HTML report of a crawl, a CSV, a datasheet, and
the EU training-content summary of one or several crawls.

The report only reads the crawl directories; it is what a person opens to see what a
crawl decided and why, the datasheet is what goes out with the corpus, and the EU
summary (``--eu-summary``) is the crawl's part of what an AI provider publishes under
Art. 53(1)(d) of the AI Act.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tdm_crawler.commands.directories import crawl_dir
from tdm_crawler.exceptions import UnsafeOutput, UsageError

NAME = "report"
HELP = "write a self-contained HTML report of a crawl (and a CSV, a datasheet, an EU summary)"
DESCRIPTION = None
EPILOG = (
    "examples:\n  tdm-crawl report runs/ex --csv urls.csv --datasheet DATASHEET.md\n"
    "  tdm-crawl report runs/a runs/b --eu-summary EU-SUMMARY.md"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dirs",
        type=Path,
        nargs="+",
        metavar="DIR",
        help="a crawl's --out directory (several with --eu-summary only)",
    )
    parser.add_argument("--html", type=Path, metavar="FILE", help="default DIR/report.html")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="also write the URL table as CSV")
    parser.add_argument(
        "--datasheet", type=Path, metavar="FILE.md", help="also write a Markdown datasheet"
    )
    parser.add_argument("--top", type=int, default=15, help="origins in the per-origin chart")
    parser.add_argument(
        "--eu-summary",
        type=Path,
        metavar="FILE.md",
        help="write the parts of the EU public summary of training content (AI Act "
        "Art. 53(1)(d)) the crawls in DIR... answer; alone, only this file is written",
    )
    parser.add_argument(
        "--sme",
        action="store_true",
        help="--eu-summary: list the top 5 %% of domain names, at most 1,000 (SMEs), "
        "instead of the top 10 %%",
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.store import CrawlDir
    from tdm_crawler.store.safe_open import check_target

    for path in args.dirs:
        crawl_dir(path)
    if args.top < 1:
        raise UsageError("--top must be 1 or more")
    if args.sme and args.eu_summary is None:
        raise UsageError("--sme applies to --eu-summary only; add --eu-summary FILE.md")
    others = args.html is not None or args.csv is not None or args.datasheet is not None
    report = args.eu_summary is None or others
    if report and len(args.dirs) != 1:
        raise UsageError(
            "the HTML report, --csv and --datasheet are of one crawl: give one DIR, "
            "or several with --eu-summary alone"
        )
    if args.eu_summary is not None and args.eu_summary.exists():
        raise UsageError(f"{args.eu_summary} exists; give --eu-summary a new file")
    targets = [args.eu_summary]
    if report:
        targets += [args.html or CrawlDir(args.dirs[0]).report, args.csv, args.datasheet]
    for target in targets:
        try:
            if target is not None:
                check_target(target)  # before anything is written; the writers check again
        except UnsafeOutput as exc:
            raise UsageError(str(exc)) from None
    try:
        if report:
            _report(args)
        if args.eu_summary is not None:
            _eu_summary(args)
    except (OSError, ValueError) as exc:
        print(f"tdm-crawl report: {exc}", file=sys.stderr)
        return 1
    return 0


def _report(args: argparse.Namespace) -> None:
    from tdm_crawler.report.datasheet import render_datasheet, write_datasheet
    from tdm_crawler.report.html_report import write_report

    (directory,) = args.dirs
    result = write_report(directory, args.html, csv_path=args.csv, top=args.top)
    print(result.html_path)
    if result.csv_path is not None:
        print(result.csv_path)
    if args.datasheet is not None:
        text = render_datasheet(result.summary, result.manifest, directory)
        write_datasheet(args.datasheet, text)
        print(args.datasheet)


def _eu_summary(args: argparse.Namespace) -> None:
    from tdm_crawler.report.eu_summary import gather, render_summary

    text = render_summary(gather(args.dirs), sme=args.sme)
    path = Path(args.eu_summary)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8", newline="\n") as handle:  # never over a file
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{path} exists; give --eu-summary a new file") from None
    print(path)
