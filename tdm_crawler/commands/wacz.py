"""``tdm-crawl wacz``: one WACZ file holding a crawl, for web-archive tools and for handing on.

pywb, ReplayWeb.page and archives exchange web archives as WACZ; the package holds the
WARCs, their index, page lists, and the crawl's decision log and manifest, so it is the
whole evidence in one file that ``tdm-crawl verify`` checks like the directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tdm_crawler.commands.directories import crawl_dir
from tdm_crawler.exceptions import UsageError

NAME = "wacz"
HELP = "package a crawl as one WACZ file (pywb, ReplayWeb.page, py-wacz)"
DESCRIPTION = """Write a WACZ 1.1.1 package of a crawl directory (every worker of a
distributed crawl): archive/ the content and evidence WARC files unchanged, indexes/ a
CDXJ index, pages/pages.jsonl the stored pages, pages/extraPages.jsonl the policy documents
read, crawl/ the decision log and manifest, datapackage.json with every file's SHA-256.
Refused, writing nothing, when a content WARC holds a record no allowed decision names or a
file no longer has its manifest digest (run tdm-crawl verify). Never overwrites a file.

exit status: 0 written, 1 the file could not be written, 2 bad usage or a refused crawl."""
EPILOG = "example:\n  tdm-crawl wacz runs/ex --out ex.wacz\n  tdm-crawl verify ex.wacz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument(
        "--out", type=Path, metavar="FILE.wacz", required=True, help="the package to write"
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.wacz import write_wacz

    out: Path = args.out
    if out.suffix != ".wacz":
        raise UsageError(f"{out}: a WACZ file's name ends in .wacz; choose another --out")
    if out.exists() or out.is_symlink():
        raise UsageError(f"{out} exists and is never overwritten; choose another --out")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent} is not a directory; create it or choose another --out")
    root = crawl_dir(args.dir)
    try:
        written = write_wacz(root, out)
    except FileExistsError:
        raise UsageError(f"{out} appeared while packaging; choose another --out") from None
    except OSError as exc:
        print(f"tdm-crawl wacz: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(
        f"{written.path}: {written.size:,} bytes, {written.warc_files} WARC files "
        f"({written.warc_bytes:,} bytes), {written.pages} stored pages, "
        f"{written.policy_documents} policy documents"
    )
    return 0
