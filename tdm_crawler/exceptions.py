"""Every error tdm-crawler raises on purpose, in one hierarchy.

::

    TdmCrawlerError                 anything below; the command line prints its message
    ├── UsageError                  bad usage: the message says what to do (exit status 2)
    │   └── SettingError            a --set / TDM_* value of the wrong form
    ├── NotACrawl                   a directory that is not a (readable) crawl directory
    ├── UnreadableWarc              a WARC file that cannot be read past an offset
    ├── MissingEvidence             a decision that cannot be rebuilt offline
    ├── UnsafeOutput                a path to write that is a symbolic link, or not a file
    ├── NotPackaged                 a crawl that cannot be packaged as a WACZ as it is
    └── RedisUnavailable            the Redis server of a distributed crawl is unreachable

``SettingError`` and ``NotACrawl`` are also ``ValueError`` subclasses, so code that reads
values may catch them as such; ``UnsafeOutput`` is also an ``OSError``, so code that
writes files may catch it as one. The command line (``tdm_crawler.cli.main``, and nowhere else)
turns a ``TdmCrawlerError`` that reaches it into one line on stderr,
``tdm-crawl COMMAND: error: MESSAGE``, and exit status 2, so every command reports its
users' mistakes the same way. ``TornLineWarning`` (a warning, not an error) lives with
the decision-log reader in :mod:`tdm_crawler.store.decisions`.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "MissingEvidence",
    "NotACrawl",
    "NotPackaged",
    "RedisUnavailable",
    "SettingError",
    "TdmCrawlerError",
    "UnreadableWarc",
    "UnsafeOutput",
    "UsageError",
]


class TdmCrawlerError(Exception):
    """Base class: an error whose message is meant for the person running the command."""


class UsageError(TdmCrawlerError):
    """Bad usage: printed as one line, exit status 2."""


class SettingError(UsageError, ValueError):
    """A setting value of the wrong form; the message names the setting and the form."""


class NotACrawl(TdmCrawlerError, ValueError):
    """The directory given is not a (readable) crawl directory; the message says why."""


class UnreadableWarc(TdmCrawlerError):
    """A WARC file that cannot be read past ``offset`` (torn gzip, broken record)."""

    def __init__(self, path: Path, offset: int, detail: str) -> None:
        self.path = path
        self.offset = offset
        # warcio quotes the bytes it could not parse: keep a message a terminal can print.
        printable = "".join(c if c.isprintable() else "?" for c in " ".join(detail.split()))
        self.detail = printable if len(printable) <= 160 else printable[:160] + "..."
        super().__init__(f"{path}: unreadable from byte {offset}: {self.detail}")


class MissingEvidence(TdmCrawlerError):
    """A decision cannot be rebuilt offline. ``category`` is a short code for summaries:
    ``no-evidence`` (the crawl recorded none), ``missing-evidence`` (named but absent from
    evidence/), ``address-check`` (the origin was refused before anything was fetched)."""

    def __init__(self, category: str, detail: str) -> None:
        self.category = category
        self.detail = detail
        super().__init__(detail)


class UnsafeOutput(TdmCrawlerError, OSError):
    """A path tdm-crawler was about to write is a symbolic link (dangling or not) or not a
    regular file (a directory where a file belongs, a FIFO...): it is never written
    through (:mod:`tdm_crawler.store.safe_open`). ``why`` says which."""

    def __init__(self, path: Path, why: str) -> None:
        self.path = Path(path)
        self.why = why
        super().__init__(
            f"refusing to write {path}: it {why}; tdm-crawl never writes through a "
            "symbolic link or over what is not a regular file"
        )


class NotPackaged(TdmCrawlerError):
    """``tdm-crawl wacz`` refuses the crawl: its content WARCs hold a record no allowed
    decision names, a file differs from the manifest's digest, a WARC cannot be read...;
    the message names the file and says what to do."""


class RedisUnavailable(TdmCrawlerError):
    """The Redis server cannot be reached; the message says what to do."""
