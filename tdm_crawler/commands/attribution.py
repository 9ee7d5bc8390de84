"""``tdm-crawl attribution``: the credits a corpus owes, as ATTRIBUTION.csv and .md.

For every stored work under a licence that requires attribution (CC BY and its family,
GFDL, ODC-By...): its title, author, source URL, licence name and URL, and whether the
licence is share-alike, read from the stored content. The crawl directory is only read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tdm_crawler.commands.commons import licensed_crawl, output_dir
from tdm_crawler.exceptions import UsageError

NAME = "attribution"
HELP = "write ATTRIBUTION.csv and ATTRIBUTION.md: the works whose licence asks for credit"
DESCRIPTION = """For every stored work whose licence requires attribution (the licence
table's flag: CC BY, BY-SA, BY-NC..., GFDL, ODC-By...; not CC0 or the Public Domain
Mark), the title and author read from the stored content (author: cc:attributionName,
else JSON-LD author, else <meta name=author>; XMP and EPUB dc:creator), the source URL,
the licence name and URL, and whether it is share-alike. Works with no author found are
listed as such. Both files go to --out (default: the working directory), never into DIR,
and are never overwritten.

exit status: 0 written, 1 the crawl could not be read to the end, 2 bad usage."""
EPILOG = "example:\n  tdm-crawl attribution runs/ex --out release/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="OUT_DIR",
        help="where to write (default: the working directory)",
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.corpus.attribution import attribution_rows
    from tdm_crawler.exceptions import UnreadableWarc
    from tdm_crawler.report.attribution import attribution_paths, write_attribution

    crawl, manifest = licensed_crawl(args.dir)
    out = output_dir(args.out, args.dir)
    try:
        attribution_paths(out)
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    title = f"web corpus {manifest.get('crawl_id') or crawl.root.name}"
    try:
        written = write_attribution(attribution_rows(crawl.parts()), out, title=title)
    except (OSError, UnreadableWarc, ValueError) as exc:
        print(f"tdm-crawl attribution: {exc}", file=sys.stderr)
        return 1
    print(
        f"{written.works:,} works to credit under {len(written.by_licence):,} licences "
        f"({written.without_author:,} without an author found)"
    )
    print(written.csv_path)
    print(written.md_path)
    return 0
