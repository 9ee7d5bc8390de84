"""``tdm-crawl``: argument parsing, friendly errors, and the end-of-crawl summary.

Exit status (interface.md): 0 when a crawl completed whatever its decisions, 2 on bad
usage (with a one-line message that says what to do), 1 when a crawl could not run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tdm_crawler import __version__
from tdm_crawler.exceptions import NotACrawl, SettingError, UnreadableWarc, UsageError

#: What a crawl writes into its output directory (and what --overwrite removes).

EXAMPLES = """examples:
  tdm-crawl crawl https://example.org/ --out runs/ex --max-pages 500
  tdm-crawl crawl --seeds seeds.txt --out runs/ex --contact mailto:me@example.org
  tdm-crawl check https://example.org/some/page
  tdm-crawl demo
"""


REPLAY_HELP = """Decide every URL of a crawl again, offline, from its recorded evidence (the
policy documents in evidence/ and each record's evidence field), with the crawl's own
decision functions. No network is used. The address check (DNS) is not repeated: such
records, records without evidence and URLs that would now be fetched keep their recorded
verdict and are counted as "not replayable".

Settings are the crawl's (manifest.json, including the AI-agent list it used) unless
--set changes them. Prints a summary and writes a report, one JSON object per changed
or not replayable URL: {"url", "result": "changed", "fields", "old", "new"} or
{"url", "result": "not-replayable", "why", "detail", "old"}; old/new hold decision,
reason, tdm_reservation, tdm_policy, final_url, status. The crawl directory is never
modified: the report goes to ./replay-<DIR name>-<time>.jsonl unless --report says where."""

REPLAY_EPILOG = """exit status: 0 no allowed URL is now excluded (other changes are printed),
1 some allowed URL would now be excluded, 2 bad usage or an unreadable crawl.

examples:
  tdm-crawl replay runs/ex
  tdm-crawl replay runs/ex --set TDM_AI_AGENTS=+NewBot --out runs/ex-refiltered"""

DIFF_HELP = """Compare two crawl directories URL by URL (by requested URL): decision, reason,
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

VERIFY_HELP = """Check a crawl directory: manifest file digests; every WARC record's block and
payload digests; decisions.jsonl well-formed (a torn last line fails), each URL decided
once; every content response belonging to an allowed, stored decision with the same
content_sha256, and every stored decision's response present; every evidence record a
decision names present. A manifest without digests (interrupted crawl) and evidence
records nothing refers to are warnings, violations with --strict.

exit status: 0 verified, 1 violations (each listed with file and line or record),
2 bad usage."""


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
    from tdm_crawler.store import CrawlDir

    crawl = CrawlDir(out)
    existing = crawl.existing_entries()
    if existing and not (resume or overwrite):
        raise UsageError(
            f"{out} already holds a crawl ({', '.join(map(crawl.relative, existing))}); "
            "pass --resume to continue it or --overwrite to start afresh"
        )
    if resume and not crawl.manifest.exists():
        raise UsageError(f"--resume: {out} holds no crawl to resume; drop --resume")
    if overwrite:
        for path in existing:
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
    crawl.add_argument(
        "--redis",
        metavar="REDIS_URL",
        help="distributed mode: share the crawl through this Redis (redis://HOST:PORT/DB); "
        "more processes join with tdm-crawl worker",
    )
    from tdm_crawler.cli_distributed import add_worker_parser

    add_worker_parser(sub, _add_crawl_options)

    check = sub.add_parser(
        "check",
        help="explain the decision for one URL, layer by layer",
        epilog="example:\n  tdm-crawl check https://example.org/some/page --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("url", metavar="URL")
    check.add_argument("--json", action="store_true", help="print the decision record")
    _add_crawl_options(check)

    recheck = sub.add_parser(
        "recheck",
        help="re-read today's opt-outs for every stored URL; keep only what is still allowed",
        description="Fetch today's robots.txt, tdmrep.json, licences and headers (HEAD where "
        "no in-content signal can exist, GET where one can) for every URL DIR stored, decide "
        "again, and write NEW_DIR: the still-allowed records copied unchanged from DIR, the "
        "new decisions and evidence, and purge.jsonl listing what to delete downstream. DIR "
        "is never modified.",
        epilog="example:\n  tdm-crawl recheck runs/ex --out runs/ex-2026-12",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    recheck.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    recheck.add_argument("--out", type=Path, required=True, metavar="NEW_DIR")
    recheck.add_argument("--overwrite", action="store_true", help="replace NEW_DIR")
    _add_crawl_options(recheck)

    demo = sub.add_parser(
        "demo",
        help="serve the bundled fixture sites on loopback and crawl them",
        epilog="example:\n  tdm-crawl demo --out runs/demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("--out", type=Path, default=Path("runs/demo"), help="output directory")
    demo.add_argument("--overwrite", action="store_true", help="replace a previous demo")

    report = sub.add_parser(
        "report",
        help="write a self-contained HTML report of a crawl (and a CSV, a datasheet)",
        epilog="example:\n  tdm-crawl report runs/ex --csv urls.csv --datasheet DATASHEET.md",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    report.add_argument("--html", type=Path, metavar="FILE", help="default DIR/report.html")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the URL table as CSV")
    report.add_argument(
        "--datasheet", type=Path, metavar="FILE.md", help="also write a Markdown datasheet"
    )
    report.add_argument("--top", type=int, default=15, help="origins in the per-origin chart")

    replay = sub.add_parser(
        "replay",
        help="re-decide every URL of a crawl offline, from its recorded evidence",
        description=REPLAY_HELP,
        epilog=REPLAY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    replay.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    replay.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="decide with this setting changed: TDM_AGENT, TDM_AI_AGENTS (e.g. +NewBot), "
        "TDM_ROBOTS_MAX_BYTES, TDM_TDMREP_MAX_BYTES, TDM_DOCUMENT_MAX_BYTES",
    )
    replay.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="report file (default ./replay-<DIR name>-<time>.jsonl)",
    )
    replay.add_argument(
        "--out",
        type=Path,
        metavar="NEW_DIR",
        help="write a new crawl directory keeping only the content still allowed",
    )

    diff = sub.add_parser(
        "diff",
        help="per-URL changes between two crawls, by origin and by reason",
        description=DIFF_HELP,
        epilog="example:\n  tdm-crawl diff runs/may runs/june --json > changes.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    diff.add_argument("dir_a", type=Path, metavar="DIR_A", help="the earlier crawl directory")
    diff.add_argument("dir_b", type=Path, metavar="DIR_B", help="the later crawl directory")
    diff.add_argument("--json", action="store_true", help="print the documented JSON structure")
    diff.add_argument(
        "--limit", type=int, default=50, help="URLs listed in the text output (0 = all)"
    )

    verify = sub.add_parser(
        "verify",
        help="check digests, WARC validity, and that only allowed content is stored",
        description=VERIFY_HELP,
        epilog="example:\n  tdm-crawl verify runs/ex",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    verify.add_argument(
        "--strict",
        action="store_true",
        help="also fail on a manifest without digests and on unreferenced evidence records",
    )
    return parser


def run_crawl(seeds: Sequence[str], settings: Any, spider_cls: Any = None, **kwargs: Any) -> bool:
    """Run one crawl in this process; True when it ran to completion."""
    from scrapy.crawler import CrawlerProcess

    from tdm_crawler.spiders.tdm import TdmSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls or TdmSpider)
    process.crawl(crawler, urls=list(seeds), **kwargs)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return reason in ("finished", "closespider_pagecount", "closespider_itemcount")


def _read_records(out: Path) -> list[dict[str, Any]]:
    from tdm_crawler.store import CrawlDir, iter_records

    path = CrawlDir(out).decisions
    return list(iter_records(path)) if path.exists() else []


def summary_table(records: Iterable[dict[str, Any]], elapsed: float) -> str:
    """Counts per decision and reason, and URLs decided per second (records streamed)."""
    counts: Counter[tuple[str, str]] = Counter()
    stored = 0
    for r in records:
        counts[(r["decision"], r["reason"])] += 1
        stored += bool(r["stored"])
    total = sum(counts.values())
    rate = total / elapsed if elapsed > 0 else 0.0
    lines = [
        f"{total} URLs decided in {elapsed:.1f} s ({rate:.1f} URLs/s), {stored} stored",
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
    from tdm_crawler.crawl.assignments import parse_assignments
    from tdm_crawler.crawl.settings import crawl_settings
    from tdm_crawler.policy.product_token import product_token_problem

    try:
        overrides = parse_assignments(args.settings)
    except SettingError as exc:
        raise UsageError(str(exc)) from None
    overrides = {**extra, **overrides}
    problem = product_token_problem(str(overrides.get("TDM_AGENT", args.agent)))
    if problem is not None:
        raise UsageError(f"--agent: {problem}")
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
    if not seeds and args.resume:
        seeds = _manifest_seeds(args.out)
    if not seeds:
        raise UsageError("no seed URLs: give URLs or --seeds FILE")
    if args.max_pages < 0:
        raise UsageError("--max-pages must be 0 (no limit) or more")
    if args.redis:
        from tdm_crawler.cli_distributed import run_distributed_crawl

        return run_distributed_crawl(args, seeds, _settings_for, _crawl_and_summarise)
    settings = _settings_for(args, args.out)  # refuses bad settings before writing
    _prepare_output(args.out, resume=args.resume, overwrite=args.overwrite)
    return _crawl_and_summarise(seeds, settings, args.out)


def _manifest_seeds(out: Path) -> list[str]:
    """The seeds an interrupted crawl started from, so `--resume` needs no URLs."""
    from tdm_crawler.store import CrawlDir, read_manifest

    try:
        return list(read_manifest(CrawlDir(out).manifest).get("seeds", []))
    except (OSError, ValueError):
        return []


def _records_after(out: Path, skip: int) -> Iterator[dict[str, Any]]:
    """The records of ``out/decisions.jsonl`` after the first ``skip``, streamed: a crawl
    of millions of URLs must not hold them in memory to print its summary."""
    from tdm_crawler.store import CrawlDir, iter_records

    path = CrawlDir(out).decisions
    if path.exists():
        yield from itertools.islice(iter_records(path), skip, None)


def _count_records(out: Path) -> int:
    return sum(1 for _ in _records_after(out, 0))


def _crawl_and_summarise(seeds: Sequence[str], settings: Any, out: Path) -> int:
    before = _count_records(out)
    started = time.monotonic()
    completed = run_crawl(seeds, settings)
    elapsed = time.monotonic() - started
    print(summary_table(_records_after(out, before), elapsed))
    print(f"Output: {out}  (decisions.jsonl, content/, evidence/, manifest.json)")
    if not completed:
        print("tdm-crawl: the crawl did not complete; see the log above", file=sys.stderr)
        return 1
    return 0


def _unset(value: object) -> str:
    return "unset" if value is None else str(value)


def explain(record: dict[str, Any]) -> str:
    """The decision record as a person reads it: per protocol, what was found and where."""
    lines = [
        f"URL        {record['url']}",
        f"final URL  {record['final_url']}  (HTTP {record['status'] or 'not fetched'})",
    ]
    by_protocol: dict[str, list[dict[str, Any]]] = {}
    for signal in record["signals"]:
        by_protocol.setdefault(signal["protocol"], []).append(signal)
    for protocol, signals in by_protocol.items():
        lines.append(f"\n{protocol}")
        for signal in signals:
            value = json.dumps(signal["value"]) if signal["value"] is not None else "-"
            lines.append(f"  {signal['source']:<14} {value}")
            if signal["detail"]:
                lines.append(f"  {'':<14} {signal['detail']}")
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
            args,
            out,
            TDM_MAX_DEPTH=0,
            LOG_LEVEL="WARNING",
            AUTOTHROTTLE_ENABLED=False,
            TDM_PROGRESS="off",  # one URL: a progress display would only flicker
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
            TDM_BACKOFF_BASE=0.05,  # the fixtures fail on purpose; do not wait on them
            CONCURRENT_REQUESTS_PER_DOMAIN=8,
            LOG_LEVEL="WARNING",
        )
        status = _crawl_and_summarise(seeds, settings, args.out)
    from tdm_crawler.store import CrawlDir

    print(f"Decision records: {CrawlDir(args.out).decisions}")
    if status == 0:
        from tdm_crawler.report.html_report import write_report

        print(f"Report: {write_report(args.out, None).html_path}  (open it in a browser)")
    return status


def _crawl_dir(path: Path) -> Path:
    """``path`` if it holds a crawl, or a distributed crawl's workers (``path/workers/*``)."""
    from tdm_crawler.store import CrawlDir

    try:
        CrawlDir(path).require()
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    return path


def _replay_report(args: argparse.Namespace) -> Any:
    """Open the replay report: --report FILE, else a new ./replay-<DIR name>-<UTC time>.jsonl
    (never inside DIR: a crawl directory, once finished, is evidence and stays as it is)."""
    if args.report is not None:
        try:
            return args.report.open("w", encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write --report {args.report} ({exc.strerror})") from None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(1, 100):
        stem = f"replay-{args.dir.resolve().name}-{stamp}"
        path = Path(f"{stem}.jsonl" if n == 1 else f"{stem}-{n}.jsonl")
        try:
            return path.open("x", encoding="utf-8")
        except FileExistsError:
            continue
        except OSError as exc:
            raise UsageError(
                f"cannot write the report here ({exc.strerror}); pass --report FILE"
            ) from None
    raise UsageError("too many replay reports this second; pass --report FILE")


def cmd_replay(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.filtered import FilteredCorpus
    from tdm_crawler.offline.replay import format_summary, replay_config, replay_crawl
    from tdm_crawler.store import CrawlDir

    source = _crawl_dir(args.dir)
    try:
        # A distributed crawl's settings are its first worker's (all workers share them).
        manifest = CrawlDir(source).parts()[0].load_manifest()
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    if manifest is None:
        raise UsageError(f"{source} has no manifest.json, so the crawl's settings are unknown")
    overrides: dict[str, Any] = {}
    if args.settings:
        from tdm_crawler.crawl.assignments import parse_assignments

        try:
            overrides = parse_assignments(args.settings)
        except SettingError as exc:
            raise UsageError(str(exc)) from None
    try:
        config = replay_config(manifest, overrides)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    sink = None
    if args.out is not None and CrawlDir(source).is_distributed:
        raise UsageError(
            "--out takes one crawl directory; replay each DIR/workers/<id> with its own --out"
        )
    if args.out is not None:
        out, src = args.out.resolve(), source.resolve()
        if out == src or src in out.parents:
            raise UsageError(
                "--out must be outside DIR: replay never writes into the crawl it reads"
            )
        _prepare_output(args.out, resume=False, overwrite=False)
        sink = FilteredCorpus(source, args.out)
    try:
        with _replay_report(args) as report:
            result = replay_crawl(source, config, report=report, sink=sink)
            report_name = report.name
        if sink is not None:
            sink.finish(manifest, config, result)
    except (NotACrawl, UnreadableWarc) as exc:
        if sink is not None:
            sink.abort()
        raise UsageError(f"{exc}; run tdm-crawl verify {source}") from None
    print(format_summary(result, config, source))
    print(f"Report: {report_name}  ({result.changed} changed, {result.kept} not replayable)")
    if sink is not None:
        print(f"Filtered corpus: {args.out}  ({sink.copied} stored responses copied)")
        if sink.missing:
            print(
                f"WARNING: {len(sink.missing)} stored responses are missing from "
                f"{CrawlDir(source).content}; run tdm-crawl verify {source}",
                file=sys.stderr,
            )
    return 1 if result.newly_excluded else 0


def cmd_diff(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.diff import diff_crawls, format_diff, load_state

    dirs = [_crawl_dir(args.dir_a), _crawl_dir(args.dir_b)]
    try:
        a, b = (load_state(path) for path in dirs)
    except (NotACrawl, UnreadableWarc) as exc:
        raise UsageError(f"{exc}; run tdm-crawl verify on it") from None
    result = diff_crawls(a, b)
    print(
        json.dumps(result, indent=2, ensure_ascii=False)
        if args.json
        else format_diff(result, args.limit)
    )
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.verify import format_result, verify_crawl
    from tdm_crawler.store import CrawlDir

    crawl = CrawlDir(args.dir)
    if not args.dir.is_dir():
        raise UsageError(f"{args.dir} is not a directory; give the --out directory of a crawl")
    if not (crawl.decisions.exists() or crawl.manifest.exists()):
        raise UsageError(
            f"{args.dir} holds no crawl (no {crawl.relative(crawl.decisions)} "
            f"or {crawl.relative(crawl.manifest)})"
        )
    result = verify_crawl(args.dir, strict=args.strict)
    print(format_result(result, args.dir))
    return 0 if result.ok else 1


def cmd_report(args: argparse.Namespace) -> int:
    from tdm_crawler.report.datasheet import render_datasheet, write_datasheet
    from tdm_crawler.report.html_report import write_report

    _crawl_dir(args.dir)
    if args.top < 1:
        raise UsageError("--top must be 1 or more")
    try:
        result = write_report(args.dir, args.html, csv_path=args.csv, top=args.top)
        print(result.html_path)
        if result.csv_path is not None:
            print(result.csv_path)
        if args.datasheet is not None:
            text = render_datasheet(result.summary, result.manifest, args.dir)
            write_datasheet(args.datasheet, text)
            print(args.datasheet)
    except (OSError, ValueError) as exc:
        print(f"tdm-crawl report: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_recheck(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.recheck import RecheckSpider, stored_urls, write_purge_list
    from tdm_crawler.store import CrawlDir, read_manifest

    source: Path = args.dir
    crawl = CrawlDir(source)
    if not crawl.manifest.exists() or not crawl.decisions.exists():
        raise UsageError(
            f"{source} holds no crawl (no {crawl.relative(crawl.manifest)} / "
            f"{crawl.relative(crawl.decisions)})"
        )
    if args.out.resolve() == source.resolve() or args.out.resolve().is_relative_to(
        source.resolve()
    ):
        raise UsageError("--out must be a new directory outside DIR: DIR is never modified")
    manifest = read_manifest(crawl.manifest)
    if args.agent == "tdm-crawler":  # not given: recheck as the original crawl's agent
        args.agent = manifest.get("agent", args.agent)
    _prepare_output(args.out, resume=False, overwrite=args.overwrite)
    urls = stored_urls(source)
    original = manifest.get("settings", {})
    settings = _settings_for(
        args,
        args.out,
        TDM_RECHECK_SOURCE=str(source),
        TDM_MAX_DEPTH=0,
        TDM_AI_AGENTS=original.get("TDM_AI_AGENTS", ""),
    )
    started = time.monotonic()
    completed = run_crawl([], settings, spider_cls=RecheckSpider, stored=urls)
    records = _read_records(args.out)
    print(summary_table(records, time.monotonic() - started))
    purged = write_purge_list(source, args.out)
    kept = sum(1 for r in records if r["stored"])
    print(f"{len(urls)} stored URLs rechecked: {kept} still allowed and kept, {purged} to purge")
    print(f"Purge list: {CrawlDir(args.out).purge}")
    print(f"Output: {args.out}")
    if not completed:
        print("tdm-crawl: the recheck did not complete; see the log above", file=sys.stderr)
        return 1
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from tdm_crawler.cli_distributed import cmd_worker as run_worker

    return run_worker(args)


COMMANDS = {
    "crawl": cmd_crawl,
    "worker": cmd_worker,
    "recheck": cmd_recheck,
    "check": cmd_check,
    "demo": cmd_demo,
    "report": cmd_report,
    "replay": cmd_replay,
    "diff": cmd_diff,
    "verify": cmd_verify,
}


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
