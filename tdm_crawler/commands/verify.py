"""``tdm-crawl verify``: check that a crawl directory, or its WACZ package, is what it claims
to be.

Digests, WARC validity, and the property the crawler exists for: nothing stored that was
not decided ``allowed``. Run it before handing a corpus on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tdm_crawler.exceptions import UsageError

NAME = "verify"
HELP = "check digests, WARC validity, and that only allowed content is stored"
DESCRIPTION = """Check a crawl directory: manifest file digests; every WARC record's block and
payload digests; decisions.jsonl well-formed (a torn last line fails), each URL decided
once; every content response belonging to an allowed, stored decision with the same
content_sha256, and every stored decision's response present; every evidence record a
decision names present. A manifest without digests (interrupted crawl) and evidence
records nothing refers to are warnings, violations with --strict.

A WACZ file (tdm-crawl wacz) is checked as a WACZ too: every file listed in
datapackage.json with its size and SHA-256, the datapackage digest, no other file; then
the crawl it holds as a directory, and its index and page lists against its WARC files.

exit status: 0 verified, 1 violations (each listed with file and line or record),
2 bad usage."""
EPILOG = "examples:\n  tdm-crawl verify runs/ex\n  tdm-crawl verify ex.wacz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dir", type=Path, metavar="DIR|FILE.wacz", help="a crawl's --out directory, or its WACZ"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="also fail on a manifest without digests and on unreferenced evidence records",
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.verify import format_result, verify_crawl, verify_wacz
    from tdm_crawler.store import CrawlDir

    crawl = CrawlDir(args.dir)
    if args.dir.suffix == ".wacz" and args.dir.is_file():
        result = verify_wacz(args.dir, strict=args.strict)
        print(format_result(result, args.dir))
        return 0 if result.ok else 1
    if not args.dir.is_dir():
        raise UsageError(
            f"{args.dir} is not a directory or a .wacz file; give the --out directory of a "
            "crawl, or its WACZ"
        )
    if not (crawl.decisions.exists() or crawl.manifest.exists()):
        raise UsageError(
            f"{args.dir} holds no crawl (no {crawl.relative(crawl.decisions)} "
            f"or {crawl.relative(crawl.manifest)})"
        )
    result = verify_crawl(args.dir, strict=args.strict)
    from tdm_crawler.report.escape import terminal

    print(terminal(format_result(result, args.dir), multiline=True))
    return 0 if result.ok else 1
