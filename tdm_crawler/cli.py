"""``tdm-crawl``: the parser built from the command modules, dispatch, and error reporting.

Each command is a module of :mod:`tdm_crawler.commands`. Exit status (docs/interface.md): 0 when
a crawl completed whatever its decisions, 2 on bad usage (with a one-line message that
says what to do), 1 when a crawl could not run. The one place a
:class:`~tdm_crawler.exceptions.TdmCrawlerError` becomes that line and status 2 is
:func:`main`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tdm_crawler import __version__
from tdm_crawler.commands import COMMANDS
from tdm_crawler.exceptions import TdmCrawlerError

EXAMPLES = """examples:
  tdm-crawl crawl https://example.org/ --out runs/ex --max-pages 500
  tdm-crawl crawl --seeds seeds.txt --out runs/ex --contact mailto:me@example.org
  tdm-crawl check https://example.org/some/page
  tdm-crawl demo
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tdm-crawl",
        description="A web crawler that honours text-and-data-mining reservations.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tdm-crawler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        command.add_arguments(
            sub.add_parser(
                command.NAME,
                help=command.HELP,
                description=command.DESCRIPTION,
                epilog=command.EPILOG,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    command = next(c for c in COMMANDS if args.command == c.NAME)
    try:
        return command.run(args)
    except TdmCrawlerError as exc:
        print(f"tdm-crawl {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
