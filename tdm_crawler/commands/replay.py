"""``tdm-crawl replay``: decide every URL of a crawl again, offline, from its evidence.

It answers "what would this crawl have decided with today's code or another setting?"
without touching the network, and with ``--out`` writes the corpus that answer keeps.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tdm_crawler.commands.directories import crawl_dir, prepare_output
from tdm_crawler.commands.options import add_profile_options, profile_settings
from tdm_crawler.exceptions import (
    NotACrawl,
    SettingError,
    UnreadableWarc,
    UnsafeOutput,
    UsageError,
)
from tdm_crawler.policy.ai_agents import manifest_fields

if TYPE_CHECKING:
    from tdm_crawler.offline.filtered import DerivedCorpus
    from tdm_crawler.offline.replay import ReplayConfig, ReplayResult

NAME = "replay"
HELP = "re-decide every URL of a crawl offline, from its recorded evidence"
DESCRIPTION = """Decide every URL of a crawl again, offline, from its recorded evidence (the
policy documents in evidence/ and each record's evidence field), with the crawl's own
decision functions. No network is used. The address check (DNS) is not repeated: such
records, records without evidence and URLs that would now be fetched keep their recorded
verdict and are counted as "not replayable".

Settings are the crawl's (manifest.json, including the AI-agent list and the purpose
profile it used) unless --set or --purpose/--operator/--region change them: with the
crawl's own, every decision must be reproduced; with another purpose, the changed
decisions are what that purpose decides differently. Prints a summary and writes a
report, one JSON object per changed or not replayable URL: {"url", "result": "changed",
"fields", "old", "new"} or {"url", "result": "not-replayable", "why", "detail", "old"};
old/new hold decision, reason, tdm_reservation, tdm_policy, final_url, status and
purpose. The crawl directory is never modified: the report goes to
./replay-<DIR name>-<time>.jsonl unless --report says where."""
EPILOG = """exit status: 0 no allowed URL is now excluded (other changes are printed),
1 some allowed URL would now be excluded, 2 bad usage or an unreadable crawl.

examples:
  tdm-crawl replay runs/ex
  tdm-crawl replay runs/ex --purpose search
  tdm-crawl replay runs/ex --set TDM_AI_AGENTS=+NewBot --out runs/ex-refiltered"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, metavar="DIR", help="a crawl's --out directory")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="decide with this setting changed: TDM_AGENT, TDM_AI_AGENTS (e.g. +NewBot), "
        "TDM_PURPOSE, TDM_OPERATOR, TDM_REGION, TDM_NOARCHIVE_RESERVES, TDM_ROBOTS_MAX_BYTES, "
        "TDM_TDMREP_MAX_BYTES, TDM_DOCUMENT_MAX_BYTES",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="report file (default ./replay-<DIR name>-<time>.jsonl)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="NEW_DIR",
        help="write a new crawl directory keeping only the content still allowed",
    )
    add_profile_options(parser)


def _replay_report(args: argparse.Namespace) -> Any:
    """Open the replay report: --report FILE, else a new ./replay-<DIR name>-<UTC time>.jsonl
    (never inside DIR: a crawl directory, once finished, is evidence and stays as it is)."""
    from tdm_crawler.store.safe_open import open_new, open_truncate

    if args.report is not None:
        try:
            return open_truncate(args.report, text=True)
        except UnsafeOutput as exc:
            raise UsageError(str(exc)) from None
        except OSError as exc:
            raise UsageError(f"cannot write --report {args.report} ({exc.strerror})") from None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(1, 100):
        stem = f"replay-{args.dir.resolve().name}-{stamp}"
        path = Path(f"{stem}.jsonl" if n == 1 else f"{stem}-{n}.jsonl")
        try:
            return open_new(path, text=True)
        except (FileExistsError, UnsafeOutput):
            continue  # a file or a link has the name: never written over, try the next
        except OSError as exc:
            raise UsageError(
                f"cannot write the report here ({exc.strerror}); pass --report FILE"
            ) from None
    raise UsageError("too many replay reports this second; pass --report FILE")


def _seal(
    sink: DerivedCorpus, manifest: dict[str, Any], config: ReplayConfig, result: ReplayResult
) -> None:
    """The re-filtered corpus's manifest: the replay's agent, AI-agent list, exclusion
    lists and settings, and what changed."""
    sink.seal(
        manifest,
        {
            "command": "replay",
            "settings_changed": config.changed,
            "not_replayable": dict(sorted(result.kept_by.items())),
        },
        agent=config.context.agent,
        profile=config.context.profile.to_json(),
        **manifest_fields(config.context.ai_agents),
        excluded_sources=config.context.excluded.to_json(),
        settings={**(manifest.get("settings") or {}), **config.settings},
    )


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.offline.filtered import DerivedCorpus
    from tdm_crawler.offline.replay import format_summary, replay_config, replay_crawl
    from tdm_crawler.report.escape import terminal
    from tdm_crawler.store import CrawlDir

    source = crawl_dir(args.dir)
    try:
        # A distributed crawl's settings are its first worker's (all workers share them).
        manifest = CrawlDir(source).parts()[0].load_manifest()
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    if manifest is None:
        raise UsageError(f"{source} has no manifest.json, so the crawl's settings are unknown")
    overrides: dict[str, Any] = profile_settings(args)
    if args.settings:
        from tdm_crawler.crawl.assignments import parse_assignments

        try:
            overrides.update(parse_assignments(args.settings))
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
        prepare_output(args.out, resume=False, overwrite=False, flags=())
        sink = DerivedCorpus(source, args.out)
    try:
        with _replay_report(args) as report:
            result = replay_crawl(source, config, report=report, sink=sink)
            report_name = report.name
        if sink is not None:
            sink.finish()
            _seal(sink, manifest, config, result)
    except (NotACrawl, UnreadableWarc) as exc:
        if sink is not None:
            sink.abort()
        raise UsageError(f"{exc}; run tdm-crawl verify {source}") from None
    print(terminal(format_summary(result, config, source), multiline=True))
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
