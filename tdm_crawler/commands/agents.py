"""``tdm-crawl agents``: the AI-agent list, shown (``list``) and made from the community's
(``import``).

The list says whose robots.txt groups count as reservations and for which purposes
(§1.1 of docs/protocols.md). ``list`` shows what a crawl would use; ``import`` turns a copy
of ai.robots.txt's ``robots.json`` that the user downloaded into a list file for
``TDM_AI_AGENTS``, with the same mapping the packaged list was made with, so a newer
community list can be used without waiting for a release (no network at run time).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tdm_crawler.exceptions import UsageError

if TYPE_CHECKING:
    from tdm_crawler.policy.ai_agents import AgentList

NAME = "agents"
HELP = "list the AI agents whose robots.txt groups reserve; import the community list"
DESCRIPTION = """The AI-agent list: the crawlers whose robots.txt groups count as reservations,
each with its operator, category (ai-training, ai-search, ai-assistant, dataset, unknown:
the purposes a block on it reserves follow from it) and source.

  list     print the list a crawl would use (the packaged one, or --agents SPEC, a
           TDM_AI_AGENTS value); --json prints it as a list file
  import   read a copy of ai.robots.txt's robots.json (downloaded by you from
           https://github.com/ai-robots-txt/ai.robots.txt) and write the list file it
           gives, for --set TDM_AI_AGENTS=FILE; an existing file is never overwritten

exit status: 0, 2 on bad usage (an unreadable or malformed file: one line saying why)."""
EPILOG = """examples:
  tdm-crawl agents list
  tdm-crawl agents list --json > agents.json
  tdm-crawl agents import robots.json --out agents.json --list-version v1.51 --list-date 2026-09-01
  tdm-crawl crawl https://example.org/ --out runs/ex --set TDM_AI_AGENTS=agents.json"""

# Columns of the text listing: an operator text can be a sentence.
_OPERATOR_WIDTH = 32


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="agents_command", metavar="SUBCOMMAND", required=True)
    listing = sub.add_parser(
        "list",
        help="print the AI-agent list",
        description="Print the AI-agent list: version, date, source, then token, operator, "
        "category and source of each agent.",
        epilog="example:\n  tdm-crawl agents list --agents +MyBot",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listing.add_argument(
        "--agents",
        metavar="SPEC",
        default="",
        help="a TDM_AI_AGENTS value: 'A,B', '+A,B' or a list file (default: the packaged list)",
    )
    listing.add_argument(
        "--json", action="store_true", help="print the list file format (TDM_AI_AGENTS reads it)"
    )
    importing = sub.add_parser(
        "import",
        help="turn a copy of ai.robots.txt's robots.json into a list file",
        description="Read ROBOTS_JSON, a copy of ai.robots.txt's robots.json, and write the "
        "AI-agent list it gives (tokens and operators as the file says, categories read from "
        "its function and description texts by the rule of docs/protocols.md §1.1). "
        "Without --out the list is printed.",
        epilog="example:\n  tdm-crawl agents import robots.json --out agents.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    importing.add_argument("robots_json", type=Path, metavar="ROBOTS_JSON")
    importing.add_argument(
        "--out", type=Path, metavar="FILE", help="write the list here (refused if it exists)"
    )
    importing.add_argument(
        "--list-version",
        metavar="TEXT",
        help="the copy's version, e.g. the release tag (default: sha256:<first 12 hex digits>)",
    )
    importing.add_argument(
        "--list-date",
        metavar="YYYY-MM-DD",
        help="the copy's date (default: the file's modification date, UTC)",
    )
    importing.add_argument(
        "--source",
        metavar="TEXT",
        help="where the copy comes from, e.g. its URL at a commit "
        "(default: 'ai.robots.txt robots.json, sha256 <digest>')",
    )


def run(args: argparse.Namespace) -> int:
    if args.agents_command == "list":
        return _list(args)
    return _import(args)


def _list(args: argparse.Namespace) -> int:
    from tdm_crawler.policy.ai_agents import load_agents

    try:
        agents = load_agents(args.agents or None)
    except ValueError as exc:
        raise UsageError(f"--agents: {exc}") from None
    if args.json:
        print(json.dumps(agents.to_json(), indent=2, ensure_ascii=False))
    else:
        print(format_list(agents))
    return 0


def format_list(agents: AgentList) -> str:
    """The text listing: a heading with what identifies the list, one line per agent."""
    token_width = max((len(agent.token) for agent in agents), default=5)
    lines = [
        f"AI-agent list: {describe(agents)}",
        f"source: {agents.source}",
        f"categories: {_counts(agents)}",
        "",
        f"{'token':<{token_width}}  {'operator':<{_OPERATOR_WIDTH}}  {'category':<12}  source",
    ]
    for agent in agents:
        operator = agent.operator
        if len(operator) > _OPERATOR_WIDTH:
            operator = operator[: _OPERATOR_WIDTH - 3] + "..."
        lines.append(
            f"{agent.token:<{token_width}}  {operator:<{_OPERATOR_WIDTH}}  "
            f"{agent.purpose:<12}  {agent.source}"
        )
    return "\n".join(lines)


def describe(agents: AgentList) -> str:
    """``163 agents, version v1.50, 2026-08-22`` (what the list does not say is left out)."""
    said = [f"{len(agents)} agents"]
    said += [f"version {agents.version}"] if agents.version else ["no version"]
    said += [agents.date] if agents.date else []
    return ", ".join(said)


def _counts(agents: AgentList) -> str:
    from tdm_crawler.policy.ai_agents import CATEGORIES

    counts = Counter(agent.purpose for agent in agents)
    return ", ".join(f"{category} {counts[category]}" for category in CATEGORIES)


def _import(args: argparse.Namespace) -> int:
    from tdm_crawler.policy.ai_robots_txt import COMMUNITY, import_robots_json, read_robots_json

    path: Path = args.robots_json
    out: Path | None = args.out
    if out is not None and not out.name.lower().endswith(".json"):
        raise UsageError(f"--out {out}: name the list file *.json, as TDM_AI_AGENTS reads it")
    if out is not None and (out.exists() or out.is_symlink()):
        raise UsageError(f"{out} exists; give another --out (an existing file is never replaced)")
    try:
        data, digest = read_robots_json(path)
        agents = import_robots_json(
            data,
            version=args.list_version or f"sha256:{digest[:12]}",
            date=args.list_date or _modified(path),
            source=args.source or f"{COMMUNITY}, sha256 {digest}",
            origin=str(path),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    text = json.dumps(agents.to_json(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        with out.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{out} exists; give another --out") from None
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {describe(agents)} ({_counts(agents)})")
    print(f"use it with: --set TDM_AI_AGENTS={out}")
    return 0


def _modified(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).date().isoformat()
