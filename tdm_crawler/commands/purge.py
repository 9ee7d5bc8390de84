"""``tdm-crawl purge``: answer a rightsholder who asks for their content to be removed.

Writes a copy of the crawl without that content, the purge list to pass downstream and
the complaint log that records the request; the crawl directory given is never
modified, and the copy passes ``tdm-crawl verify``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from tdm_crawler.commands.directories import crawl_dir, empty_output
from tdm_crawler.exceptions import NotACrawl, UnreadableWarc, UsageError

if TYPE_CHECKING:
    from tdm_crawler.offline.selector import Selector

NAME = "purge"
HELP = "copy a crawl without the content a rightsholder asked to remove"
DESCRIPTION = """Write NEW_DIR, a copy of the crawl in DIR without the stored content of
one origin (--origin), of URLs under a prefix (--url-prefix) or of the URLs listed in a
file (--urls); a URL is selected when its requested or its final URL is named. The
selected stored URLs stay decided, as reserved / purged with the complaint in their
last signal; their responses are left out of content/. Every other record and response
is copied unchanged, the evidence as it is. NEW_DIR also gets purge.jsonl (DIR's entries,
then one per purged response: the source record id and digest, to delete downstream
copies) and complaints.jsonl (DIR's log, then this request: --reason, when, what was
selected, how much was removed). NEW_DIR must not exist or be empty; DIR is never
modified."""
EPILOG = """examples:
  tdm-crawl purge runs/ex --out runs/ex-p1 --origin https://news.example \\
      --reason "Example News (legal@news.example), 2026-03-02: remove all"
  tdm-crawl purge runs/ex-p1 --out runs/ex-p2 --urls complaint-17.txt \\
      --reason "complaint 17 of Photo Agency X\""""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument("--out", type=Path, required=True, metavar="NEW_DIR")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--origin",
        action="append",
        metavar="ORIGIN",
        help="every URL of this origin, scheme://host[:port] (repeatable)",
    )
    which.add_argument(
        "--url-prefix",
        action="append",
        metavar="PREFIX",
        help="every URL starting with PREFIX, e.g. https://e.org/photos/ (repeatable)",
    )
    which.add_argument(
        "--urls", type=Path, metavar="FILE", help="the URLs listed in FILE, one a line"
    )
    parser.add_argument(
        "--reason",
        required=True,
        metavar="TEXT",
        help="who asked and why (recorded in complaints.jsonl and purge.jsonl)",
    )


def selector_of(args: argparse.Namespace) -> Selector:
    """The URLs ``--origin``, ``--url-prefix`` or ``--urls`` names."""
    from tdm_crawler.offline.selector import Selector

    try:
        if args.origin:
            return Selector.origins(args.origin)
        if args.url_prefix:
            return Selector.prefixes(args.url_prefix)
        return Selector.url_file(args.urls)
    except OSError as exc:
        raise UsageError(f"cannot read --urls {args.urls}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.purge import purge_crawl
    from tdm_crawler.store import CrawlDir

    source = crawl_dir(args.dir)
    if CrawlDir(source).is_distributed:
        raise UsageError("purge takes one crawl directory; purge each DIR/workers/<id>")
    reason = " ".join(args.reason.split())
    if not reason:
        raise UsageError("--reason must say who asked and why")
    selector = selector_of(args)
    empty_output(args.out, source)
    try:
        result = purge_crawl(source, args.out, selector, reason)
    except (NotACrawl, UnreadableWarc) as exc:
        raise UsageError(f"{exc}; run tdm-crawl verify {source}") from None
    out = CrawlDir(args.out)
    print(
        f"Complaint {result.complaint_id}: {result.matched} decisions selected, "
        f"{result.purged} stored responses purged, {result.kept} kept"
    )
    print(f"Purge list: {out.purge}")
    print(f"Complaint log: {out.complaints}")
    print(f"Output: {args.out}")
    return 0
