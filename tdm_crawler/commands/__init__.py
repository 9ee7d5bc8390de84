"""The sub-commands of ``tdm-crawl``, one module each (the ``scrapy/commands`` model).

A command module says what it is for in its docstring and has ``NAME``, ``HELP`` (the
line in ``tdm-crawl --help``), ``DESCRIPTION`` and ``EPILOG`` (its own ``--help``),
``add_arguments(parser)`` and ``run(args) -> int`` (the exit status). A command reports
bad usage by raising :class:`tdm_crawler.exceptions.UsageError`; :mod:`tdm_crawler.cli`
turns it into one line and exit status 2. Adding a command is one module and one line in
:data:`COMMANDS`.

What several commands share lives in one module each: :mod:`.options` (crawl options and
the settings they build), :mod:`.directories` (output and input directories),
:mod:`.running` (run a crawl, print its summary), :mod:`.distributed` (``crawl --redis``
and ``worker``).
"""

from __future__ import annotations

import argparse
from typing import Protocol

from tdm_crawler.commands import (
    agents,
    check,
    crawl,
    demo,
    diff,
    purge,
    recheck,
    replay,
    report,
    verify,
    wacz,
    worker,
)


class Command(Protocol):
    """What :mod:`tdm_crawler.cli` needs of a command module."""

    @property
    def NAME(self) -> str: ...
    @property
    def HELP(self) -> str: ...
    @property
    def DESCRIPTION(self) -> str | None: ...
    @property
    def EPILOG(self) -> str: ...

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace) -> int: ...


#: Every command, in the order ``tdm-crawl --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    crawl,
    worker,
    check,
    recheck,
    purge,
    demo,
    report,
    replay,
    diff,
    verify,
    wacz,
    agents,
)
