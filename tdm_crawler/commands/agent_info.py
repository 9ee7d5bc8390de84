"""``tdm-crawl agent-info``: write the crawler's public information site.

Given the options a crawl runs with (agent, contact, info URL, purpose profile,
``--set``), it writes ``index.html`` (for people), ``agent.json`` (for programs) and
``changes.atom`` (a feed that gains one entry whenever any of those facts changes) into
``--out``, for the operator to publish at the info URL (GPAI Code of Practice, Measure
1.3). It contacts no one.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tdm_crawler.commands.options import add_identity_options, settings_for
from tdm_crawler.exceptions import UsageError

NAME = "agent-info"
HELP = "write the crawler's public information page, agent.json and a feed of its changes"
DESCRIPTION = (
    "Write index.html, agent.json and changes.atom describing the crawler these options "
    "make; run it again with the crawl's options whenever they change, and the feed gains "
    "an entry saying what changed."
)
EPILOG = (
    "example:\n  tdm-crawl agent-info --out site/bot --agent ExampleBot "
    "--contact mailto:crawl@example.org \\\n"
    "      --info-url https://example.org/bot/ --set TDM_IP_RANGES=192.0.2.0/24"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="DIR",
        help="the site's directory: new, empty, or an earlier agent-info run's",
    )
    add_identity_options(parser)


def run(args: argparse.Namespace) -> int:
    from tdm_crawler.agentinfo.facts import AgentFacts
    from tdm_crawler.agentinfo.site import publish

    settings = settings_for(args, args.out)
    try:
        facts = AgentFacts.from_settings(settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    try:
        outcome = publish(args.out, facts)
    except OSError as exc:
        raise UsageError(
            f"cannot write to {args.out} ({exc.strerror}); choose another --out"
        ) from None
    print(f"{args.out}: {outcome}")
    return 0
