"""``tdm-crawl``: argument parsing, friendly errors, and the end-of-crawl summary.

Exit status (interface.md): 0 when a crawl completed whatever its decisions, 2 on bad
usage (with a one-line message that says what to do), 1 when a crawl could not run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tdm_crawler import __version__

#: What a crawl writes into its output directory (and what --overwrite removes).
OUTPUT_ENTRIES = ("decisions.jsonl", "manifest.json", "content", "evidence", "state")

EXAMPLES = """examples:
  tdm-crawl crawl https://example.org/ --out runs/ex --max-pages 500
  tdm-crawl crawl --seeds seeds.txt --out runs/ex --contact mailto:me@example.org
  tdm-crawl check https://example.org/some/page
  tdm-crawl demo
"""


class UsageError(Exception):
    """Bad usage: printed as one line, exit status 2."""


def _http_url(text: str) -> str:
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{text!r} is not an http(s) URL; give a full URL such as https://example.org/"
        )
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise UsageError(f"{text!r} has an invalid port ({exc})") from None
    return text.strip()


def _prepare_output(out: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse to mix two crawls in one directory; make sure we can write there."""
    existing = [name for name in OUTPUT_ENTRIES if (out / name).exists()]
    if existing and not (resume or overwrite):
        raise UsageError(
            f"{out} already holds a crawl ({', '.join(existing)}); "
            "pass --resume to continue it or --overwrite to start afresh"
        )
    if resume and not (out / "manifest.json").exists():
        raise UsageError(f"--resume: {out} holds no crawl to resume; drop --resume")
    if overwrite:
        for name in existing:
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to {out} ({exc.strerror}); choose another --out") from None


def _add_crawl_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agent", default="tdm-crawler", help="product token (robots.txt, UA)")
    parser.add_argument("--contact", default="", help="URL or e-mail for the User-Agent")
    parser.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="allow loopback/private/link-local addresses (tests, the demo)",
    )
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any Scrapy or TDM_ setting, e.g. --set CONCURRENT_REQUESTS=32",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tdm-crawl",
        description="A web crawler that honours text-and-data-mining reservations.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tdm-crawler {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    crawl = sub.add_parser(
        "crawl",
        help="crawl from seed URLs, deciding TDM for every URL",
        epilog="example:\n  tdm-crawl crawl https://example.org/ --out runs/ex --max-pages 500",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    crawl.add_argument("urls", nargs="*", metavar="URL", help="seed URLs")
    crawl.add_argument("--seeds", type=Path, help="file with one seed URL per line")
    crawl.add_argument("--out", type=Path, required=True, help="output directory")
    mode = crawl.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue the crawl in --out")
    mode.add_argument("--overwrite", action="store_true", help="replace the crawl in --out")
    crawl.add_argument("--max-depth", type=int, default=-1, help="0 = seeds only")
    crawl.add_argument("--max-pages", type=int, default=0, help="0 = no limit")
    _add_crawl_options(crawl)

    check = sub.add_parser(
        "check",
        help="explain the decision for one URL, layer by layer",
        epilog="example:\n  tdm-crawl check https://example.org/some/page --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("url", metavar="URL")
    check.add_argument("--json", action="store_true", help="print the decision record")
    _add_crawl_options(check)

    demo = sub.add_parser(
        "demo",
        help="serve the bundled fixture sites on loopback and crawl them",
        epilog="example:\n  tdm-crawl demo --out runs/demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--out", type=Path, default=Path("runs/demo"), help="output directory")
    demo.add_argument("--overwrite", action="store_true", help="replace a previous demo")
    return parser


def run_crawl(seeds: Sequence[str], settings: Any) -> bool:
    """Run one crawl in this process; True when it ran to completion."""
    from scrapy.crawler import CrawlerProcess

    from tdm_crawler.spiders.tdm import TdmSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(TdmSpider)
    process.crawl(crawler, urls=list(seeds))
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return reason in ("finished", "closespider_pagecount", "closespider_itemcount")


def _read_records(out: Path) -> list[dict[str, Any]]:
    from tdm_crawler.store import iter_records

    path = out / "decisions.jsonl"
    return list(iter_records(path)) if path.exists() else []


def summary_table(records: Sequence[dict[str, Any]], elapsed: float) -> str:
    """Counts per decision and reason, and URLs decided per second."""
    counts = Counter((r["decision"], r["reason"]) for r in records)
    stored = sum(1 for r in records if r["stored"])
    rate = len(records) / elapsed if elapsed > 0 else 0.0
    lines = [
        f"{len(records)} URLs decided in {elapsed:.1f} s ({rate:.1f} URLs/s), {stored} stored",
        f"{'decision':<12} {'reason':<26} {'count':>6}",
        f"{'-' * 12} {'-' * 26} {'-' * 6}",
    ]
    order = ["allowed", "reserved", "disallowed", "unknown", "error"]
    for (decision, reason), n in sorted(
        counts.items(), key=lambda kv: (order.index(kv[0][0]), -kv[1], kv[0][1])
    ):
        lines.append(f"{decision:<12} {reason:<26} {n:>6}")
    return "\n".join(lines)


def _settings_for(args: argparse.Namespace, out: Path, **extra: Any) -> Any:
    from tdm_crawler.crawl.settings import SettingError, crawl_settings, parse_assignments

    try:
        overrides = parse_assignments(args.settings)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    overrides = {**extra, **overrides}
    return crawl_settings(
        out=str(out),
        agent=args.agent,
        contact=args.contact,
        max_pages=getattr(args, "max_pages", 0),
        max_depth=getattr(args, "max_depth", -1),
        allow_private_networks=args.allow_private_networks,
        overrides=overrides,
    )


def cmd_crawl(args: argparse.Namespace) -> int:
    seeds = [_http_url(u) for u in args.urls]
    if args.seeds is not None:
        from tdm_crawler.spiders.tdm import read_seeds

        try:
            seeds += [_http_url(u) for u in read_seeds(args.seeds)]
        except OSError as exc:
            raise UsageError(f"cannot read --seeds {args.seeds}: {exc.strerror}") from None
    if not seeds:
        raise UsageError("no seed URLs: give URLs or --seeds FILE")
    if args.max_pages < 0:
        raise UsageError("--max-pages must be 0 (no limit) or more")
    _prepare_output(args.out, resume=args.resume, overwrite=args.overwrite)
    settings = _settings_for(args, args.out, JOBDIR=str(args.out / "state" / "job"))
    return _crawl_and_summarise(seeds, settings, args.out)


def _crawl_and_summarise(seeds: Sequence[str], settings: Any, out: Path) -> int:
    before = len(_read_records(out))
    started = time.monotonic()
    completed = run_crawl(seeds, settings)
    elapsed = time.monotonic() - started
    records = _read_records(out)
    print(summary_table(records[before:], elapsed))
    print(f"Output: {out}  (decisions.jsonl, content/, evidence/, manifest.json)")
    if not completed:
        print("tdm-crawl: the crawl did not complete; see the log above", file=sys.stderr)
        return 1
    return 0


def _unset(value: object) -> str:
    return "unset" if value is None else str(value)


def explain(record: dict[str, Any]) -> str:
    """The decision record as a person reads it: each signal on its own line."""
    lines = [
        f"URL        {record['url']}",
        f"final URL  {record['final_url']}  (HTTP {record['status']})",
        "",
    ]
    for signal in record["signals"]:
        value = json.dumps(signal["value"]) if signal["value"] is not None else "-"
        lines.append(f"  {signal['protocol']:<8} {signal['source']:<11} {value}")
        if signal["detail"]:
            lines.append(f"  {'':<8} {'':<11} {signal['detail']}")
    lines += [
        "",
        f"TDMRep     tdm-reservation={_unset(record['tdm_reservation'])} "
        f"tdm-policy={_unset(record['tdm_policy'])}",
        f"decision   {record['decision']} ({record['reason']})",
    ]
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    url = _http_url(args.url)
    with tempfile.TemporaryDirectory(prefix="tdm-check-") as tmp:
        out = Path(tmp)
        settings = _settings_for(
            args, out, TDM_MAX_DEPTH=0, LOG_LEVEL="WARNING", AUTOTHROTTLE_ENABLED=False
        )
        completed = run_crawl([url], settings)
        records = _read_records(out)
    if not completed or not records:
        print("tdm-crawl: the check could not run; see the log above", file=sys.stderr)
        return 1
    record = records[0]
    print(json.dumps(record, indent=2, ensure_ascii=False) if args.json else explain(record))
    return 0


def _fixture_server_class() -> Any:
    root = Path(__file__).resolve().parent.parent
    if not (root / "fixtures" / "server.py").exists():
        raise UsageError(
            "demo needs the fixtures/ directory of a source checkout; run `make demo` in a clone"
        )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from fixtures.server import FixtureServer

    return FixtureServer


def cmd_demo(args: argparse.Namespace) -> int:
    server_cls = _fixture_server_class()
    _prepare_output(args.out, resume=False, overwrite=args.overwrite)
    with server_cls() as server:
        seeds = server.seeds()
        print(f"Serving {len(server.sites)} fixture sites on loopback:")
        for site in server.sites:
            print(f"  {server.origin(site)}  {site}")
        args.agent, args.contact, args.allow_private_networks = "tdm-crawler", "", True
        args.settings = []
        settings = _settings_for(
            args,
            args.out,
            AUTOTHROTTLE_ENABLED=False,
            TDM_POLICY_RETRY_DELAYS=[0.2],
            CONCURRENT_REQUESTS_PER_DOMAIN=8,
            LOG_LEVEL="WARNING",
        )
        status = _crawl_and_summarise(seeds, settings, args.out)
    print(f"Decision records: {args.out / 'decisions.jsonl'}")
    return status


COMMANDS = {"crawl": cmd_crawl, "check": cmd_check, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"tdm-crawl {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
