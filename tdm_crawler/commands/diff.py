"""``tdm-crawl diff``: what changed between two crawls, URL by URL, by origin and reason.

Two crawls of the same sites months apart differ where publishers changed their opt-outs;
this shows which decisions moved and which origin documents they rest on changed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tdm_crawler.commands.directories import crawl_dir
from tdm_crawler.exceptions import NotACrawl, UnreadableWarc, UsageError

NAME = "diff"
HELP = "per-URL changes between two crawls, by origin and by reason"
DESCRIPTION = """Compare two crawl directories URL by URL (by requested URL): decision, reason,
tdm_reservation, tdm_policy, and the origin documents each decision rests on (status and
WARC payload digest of robots.txt, tdmrep.json and RSL licences). Summarised by origin and
by reason. Exit status 0 whatever the differences, 2 on bad usage.

--json prints {"format": "tdm-crawl-diff/1", "a"/"b": {"dir", "crawl_id", "urls"},
"counts": {"added", "removed", "changed", "unchanged"}, "fields": {field: URLs changed},
"by_origin": [{"origin", "added", "removed", "changed", "documents": {name: {"a", "b"}}}],
"by_reason": [{"from", "to": {"decision", "reason"} or null, "urls"}],
"urls": [{"url", "change": "added"|"removed"|"changed", "fields", "a", "b"}]}, where a
URL's "a"/"b" hold decision, reason, tdm_reservation, tdm_policy and origin_documents
({origin: {document: "STATUS DIGEST" or "error: ..."}}), or null when absent."""
EPILOG = "example:\n  tdm-crawl diff runs/may runs/june --json > changes.json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir_a", type=Path, metavar="DIR_A", help="the earlier crawl directory")
    parser.add_argument("dir_b", type=Path, metavar="DIR_B", help="the later crawl directory")
    parser.add_argument("--json", action="store_true", help="print the documented JSON structure")
    parser.add_argument(
        "--limit", type=int, default=50, help="URLs listed in the text output (0 = all)"
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.diff import diff_crawls, format_diff, load_state

    dirs = [crawl_dir(args.dir_a), crawl_dir(args.dir_b)]
    try:
        a, b = (load_state(path) for path in dirs)
    except (NotACrawl, UnreadableWarc) as exc:
        raise UsageError(f"{exc}; run tdm-crawl verify on it") from None
    result = diff_crawls(a, b)
    from tdm_crawler.report.escape import terminal

    if args.json:
        text = json.dumps(result, indent=2, ensure_ascii=False)
    else:
        text = format_diff(result, args.limit)
    print(terminal(text, multiline=True))  # URLs and documents are the sites' data
    return 0
