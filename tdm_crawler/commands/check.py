"""``tdm-crawl check``: explain the decision for one URL, layer by layer.

It crawls the one URL into a temporary directory with the crawl's own code (so the answer
is the one a crawl would give) and prints the decision record as a person reads it, or
as JSON, with every control character and bidi control of the site's values shown as a
``\\uXXXX`` escape (:func:`~tdm_crawler.report.escape.terminal`).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tdm_crawler.commands.options import add_crawl_options, http_url, settings_for
from tdm_crawler.commands.running import read_records, run_crawl
from tdm_crawler.report.escape import terminal

NAME = "check"
HELP = "explain the decision for one URL, layer by layer"
DESCRIPTION = None
EPILOG = "example:\n  tdm-crawl check https://example.org/some/page --json"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", metavar="URL")
    parser.add_argument("--json", action="store_true", help="print the decision record")
    add_crawl_options(parser)


def _unset(value: object) -> str:
    return "unset" if value is None else terminal(value)


def explain(record: dict[str, Any]) -> str:
    """The decision record as a person reads it: per protocol, what was found and where.
    Every value is the site's, so each is escaped for the terminal (one line each)."""
    lines = [
        f"URL        {terminal(record['url'])}",
        f"final URL  {terminal(record['final_url'])}  "
        f"(HTTP {terminal(record['status'] or 'not fetched')})",
    ]
    by_protocol: dict[str, list[dict[str, Any]]] = {}
    for signal in record["signals"]:
        by_protocol.setdefault(signal["protocol"], []).append(signal)
    for protocol, signals in by_protocol.items():
        lines.append(f"\n{terminal(protocol)}")
        for signal in signals:
            value = json.dumps(signal["value"]) if signal["value"] is not None else "-"
            lines.append(f"  {terminal(signal['source']):<14} {terminal(value)}")
            if signal["detail"]:
                lines.append(f"  {'':<14} {terminal(signal['detail'])}")
    lines += [
        "",
        f"TDMRep     tdm-reservation={_unset(record['tdm_reservation'])} "
        f"tdm-policy={_unset(record['tdm_policy'])}",
        f"decision   {terminal(record['decision'])} ({terminal(record['reason'])}) "
        f"for purpose {terminal(record['purpose'])}",
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    url = http_url(args.url)
    with tempfile.TemporaryDirectory(prefix="tdm-check-") as tmp:
        out = Path(tmp)
        settings = settings_for(
            args,
            out,
            TDM_MAX_DEPTH=0,
            LOG_LEVEL="WARNING",
            AUTOTHROTTLE_ENABLED=False,
            TDM_PROGRESS="off",  # one URL: a progress display would only flicker
        )
        completed = run_crawl([url], settings)
        records = read_records(out)
    if not completed or not records:
        print("tdm-crawl: the check could not run; see the log above", file=sys.stderr)
        return 1
    record = records[0]
    if args.json:  # JSON escapes C0 controls itself; C1 and bidi ones get \\u escapes too
        print(terminal(json.dumps(record, indent=2, ensure_ascii=False), multiline=True))
    else:
        print(explain(record))
    return 0
