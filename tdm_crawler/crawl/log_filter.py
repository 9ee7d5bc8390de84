"""Log lines carry site data (URLs, header values, failure messages); none of it may act on
the terminal that shows them.

A header value holding ``ESC[2J`` or a bidi override, logged as it was received by the
guard, the gate, the policy fetcher, the recorder or Scrapy itself ("Redirecting to
<GET ...>"), would clear the screen or reorder what the operator reads. So one
:class:`logging.Filter` is put on every handler of the root logger when a crawl session
starts and again when its spider opens, after Scrapy has put its own root handler in
place (:func:`install`, idempotent): it rewrites each record's arguments, and its
exception text, with :func:`~tdm_crawler.report.escape.terminal`, which shows every
control character as a ``\\uXXXX`` escape. A filter on a handler, unlike one on a logger,
sees the records of every logger that reach it, ours and Scrapy's; handlers added later
(a test's log capture, say) get it at the next crawl.

Numbers stay numbers (``%d`` still works); a string argument is escaped as one line (a
line feed in it cannot forge a log line); any other argument is formatted when the
record is, through a wrapper that escapes its ``str`` and ``repr``; the message template
keeps its own line feeds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from tdm_crawler.report.escape import terminal

__all__ = ["SiteDataFilter", "install"]

_PLAIN = (int, float, bool, type(None))


class _Escaped:
    """An argument formatted only when the record is, its text escaped for a terminal."""

    __slots__ = ("_value",)

    def __init__(self, value: object) -> None:
        self._value = value

    def __str__(self) -> str:
        return terminal(str(self._value))

    def __repr__(self) -> str:
        return terminal(repr(self._value))


def _escaped(value: object) -> object:
    if isinstance(value, str):
        return terminal(value)
    if isinstance(value, _PLAIN):
        return value
    return _Escaped(value)


class SiteDataFilter(logging.Filter):
    """Escapes control characters in every record's arguments and exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "tdm_escaped", False):
            return True  # a record reaches each handler: escape it once
        args: Any = record.args
        if isinstance(args, Mapping):
            record.args = {key: _escaped(value) for key, value in args.items()}
        elif isinstance(args, tuple):
            record.args = tuple(_escaped(value) for value in args)
        # The template is the program's, but an f-string would carry site data in it.
        if isinstance(record.msg, str):
            record.msg = terminal(record.msg, multiline=True)
        else:
            record.msg = _Escaped(record.msg)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = terminal(record.exc_text, multiline=True)
        record.tdm_escaped = True
        return True


def install(**_: Any) -> None:
    """Put one :class:`SiteDataFilter` on each handler of the root logger that has none
    yet (also as a signal handler, whose keyword arguments it ignores)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(found, SiteDataFilter) for found in handler.filters):
            handler.addFilter(SiteDataFilter())
