"""``tdm-crawl ledger``: each registrable domain's part of the corpus, and of an amount.

So that a levy or a voluntary contribution back to the commons can be shared out by what
was used: per registrable domain (Public Suffix List), the stored works, bytes and words,
their share of the corpus, split by licence class; with ``--amount``, each domain's part
of it, rounded so the parts sum exactly to the amount. The crawl directory is only read.
"""

from __future__ import annotations

import argparse
import re
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from tdm_crawler.commands.commons import licensed_crawl, output_dir
from tdm_crawler.exceptions import UsageError

if TYPE_CHECKING:
    from tdm_crawler.report.ledger import Contribution

NAME = "ledger"
HELP = "write LEDGER.csv: each domain's share of the corpus (and of an amount)"
DESCRIPTION = """Per registrable domain (a.example.co.uk and b.example.co.uk are
example.co.uk; private suffixes such as github.io count: alice.github.io is its own), the
stored works, bytes and words, their share of the corpus, and the same split by licence
class. With --amount, each domain's part of that amount by --by (default words: works
whose words are not counted, PDFs and media, then weigh nothing; --by bytes counts them),
in units of --decimals places, by the largest remainder method: the parts sum exactly to
the amount. LEDGER.csv goes to --out (default: the working directory), never into DIR,
and is never overwritten.

exit status: 0 written, 1 the crawl could not be read to the end, 2 bad usage."""
EPILOG = (
    "examples:\n  tdm-crawl ledger runs/ex\n"
    "  tdm-crawl ledger runs/ex --amount 10000 --currency EUR --by words --out release/"
)

_CURRENCY = re.compile(r"[A-Z]{3}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from tdm_crawler.corpus.ledger import MEASURES

    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="OUT_DIR",
        help="where to write (default: the working directory)",
    )
    parser.add_argument("--amount", metavar="N", help="an amount to share out, e.g. 10000.00")
    parser.add_argument(
        "--currency", default="EUR", metavar="CODE", help="ISO 4217 code (default EUR)"
    )
    parser.add_argument(
        "--decimals", type=int, default=2, metavar="N", help="places of the minor unit (default 2)"
    )
    parser.add_argument(
        "--by", choices=MEASURES, default="words", help="what the shares are of (default words)"
    )


def _contribution(args: argparse.Namespace) -> Contribution | None:
    from tdm_crawler.report.ledger import Contribution

    if args.amount is None:
        return None
    try:
        amount = Decimal(args.amount)
    except InvalidOperation:
        raise UsageError(
            f"--amount must be a number such as 10000.00, got {args.amount!r}"
        ) from None
    if not amount.is_finite() or amount < 0:
        raise UsageError(f"--amount must be zero or more, got {args.amount!r}")
    if not 0 <= args.decimals <= 6:
        raise UsageError(f"--decimals must be 0 to 6, got {args.decimals}")
    if amount.scaleb(args.decimals) != amount.scaleb(args.decimals).to_integral_value():
        raise UsageError(f"--amount {args.amount} has more than {args.decimals} decimal places")
    if not _CURRENCY.fullmatch(args.currency):
        raise UsageError(f"--currency must be an ISO 4217 code such as EUR, got {args.currency!r}")
    return Contribution(amount, args.currency, args.decimals, args.by)


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.corpus.commons import CommonsTally
    from tdm_crawler.corpus.ledger import domain_rows
    from tdm_crawler.exceptions import NotACrawl
    from tdm_crawler.report.ledger import LEDGER_NAME, write_ledger
    from tdm_crawler.report.summary import crawl_records, origin_of

    contribution = _contribution(args)
    crawl, _ = licensed_crawl(args.dir)
    path = output_dir(args.out, args.dir) / LEDGER_NAME
    if path.exists() or path.is_symlink():
        raise UsageError(f"{path} exists; remove it or choose another --out")
    tally = CommonsTally()
    try:
        for record in crawl_records(crawl.root):
            tally.add(record, origin_of(str(record.get("url") or "")))
    except (NotACrawl, OSError) as exc:
        print(f"tdm-crawl ledger: {exc}", file=sys.stderr)
        return 1
    rows = domain_rows(tally.by_origin, by=args.by)
    if contribution is not None and not sum(row.extent.measure(args.by) for row in rows):
        raise UsageError(f"the corpus has no stored {args.by} to share by; try --by bytes or works")
    try:
        parts = write_ledger(rows, path, contribution)
    except (OSError, ValueError) as exc:
        print(f"tdm-crawl ledger: {exc}", file=sys.stderr)
        return 1
    stored = tally.stored
    print(
        f"{len(rows):,} domains, {stored.works:,} stored works, {stored.bytes:,} bytes, "
        f"{stored.words:,} words"
        + (f" ({stored.uncounted:,} works without a word count)" if stored.uncounted else "")
    )
    if contribution is not None:
        shared = sum(parts.values(), Decimal(0))
        by, currency = contribution.by, contribution.currency
        print(f"{shared} {currency} shared by {by} over {len(parts):,} domains")
    print(path)
    return 0
