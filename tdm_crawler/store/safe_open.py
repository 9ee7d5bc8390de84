"""Opening files for writing without ever following a symbolic link: the one place that does.

Why: the output directory belongs to the user. A symbolic link left (or planted, or
dangling) under a name the crawl writes — ``decisions.jsonl``, ``manifest.json``,
``content/x.warc.gz``, ``report.html`` — would make a plain ``open`` create, append to or
truncate a file somewhere else. So every file tdm-crawler creates or changes is opened
here, and each function fails closed with :class:`~tdm_crawler.exceptions.UnsafeOutput`
instead of writing through a link or into something that is not a regular file:

- :func:`open_new`: a file that must not exist yet (``O_CREAT | O_EXCL``, which never
  follows a link); the WARC files, copied WARC files, the purge list, replay reports.
- :func:`open_append`: ``O_APPEND`` with ``O_NOFOLLOW``; the decision log.
- :func:`open_existing`: read-write, ``O_NOFOLLOW``; cutting a torn WARC tail on resume.
- :func:`open_truncate`: create or empty, ``O_NOFOLLOW``; a report at a path the user named.
- :func:`write_atomically` / :func:`move_into_place`: a staged file in the same directory
  (created ``O_EXCL``), ``fsync``-ed, renamed over the target, whose ``lstat`` must show
  a regular file or nothing; the manifest, the HTML report, the CSV, the datasheet.
- :func:`make_dir`: a directory of the layout, which must be a real directory after
  ``mkdir`` (``lstat``), so ``O_NOFOLLOW`` on a file inside it means what it says.

``O_NOFOLLOW`` protects the last component of a path only; the directories the crawl
makes inside its output are checked by :func:`make_dir` (and the whole output directory,
before anything is written, by :mod:`tdm_crawler.store.ownership`). The output directory
itself may be a symbolic link: pointing ``--out`` elsewhere is the user's choice.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final, Literal, overload

from tdm_crawler.exceptions import UnsafeOutput

__all__ = [
    "STAGING_SUFFIX",
    "check_target",
    "copy_new",
    "make_dir",
    "move_into_place",
    "open_append",
    "open_existing",
    "open_new",
    "open_truncate",
    "staging_prefix",
    "write_atomically",
]

#: Every file opened here: never through a link, never inherited by a child process;
#: non-blocking so that a FIFO under a written name fails instead of waiting for a reader.
_FLAGS: Final = os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
#: How a staged file's name ends (``.<target name>.<random>.tmp``).
STAGING_SUFFIX: Final = ".tmp"
_COPY_CHUNK: Final = 1024 * 1024


def staging_prefix(target: Path) -> str:
    """How the staged file for ``target`` is named before its random part; the
    ownership survey recognises a leftover one (a crash between write and rename)."""
    return f".{Path(target).name}."


def check_target(path: Path) -> None:
    """Nothing, or a regular file, at ``path`` (not followed); else :class:`UnsafeOutput`."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise UnsafeOutput(path, "is a symbolic link")
    if not stat.S_ISREG(mode):
        raise UnsafeOutput(path, "is not a regular file")


def make_dir(path: Path) -> Path:
    """Make ``path`` (and its parents) a directory; :class:`UnsafeOutput` when it is a
    symbolic link or another kind of file. Returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path)
    mode = os.lstat(path).st_mode
    if stat.S_ISLNK(mode):
        raise UnsafeOutput(path, "is a symbolic link")
    if not stat.S_ISDIR(mode):
        raise UnsafeOutput(path, "is not a directory")
    return path


def _opener(name: str, flags: int) -> int:
    """The ``opener`` of every :func:`open` here: :data:`_FLAGS` added, and a link or a
    non-regular file refused (:class:`UnsafeOutput`) instead of written."""
    path = Path(name)
    try:
        fd = os.open(path, flags | _FLAGS, 0o666)
    except OSError:
        # ELOOP: O_NOFOLLOW met a link; EEXIST: O_EXCL met one; ENXIO: a FIFO.
        if path.is_symlink():
            raise UnsafeOutput(path, "is a symbolic link") from None
        if os.path.lexists(path) and not path.is_file():
            raise UnsafeOutput(path, "is not a regular file") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafeOutput(path, "is not a regular file")
    return fd


@overload
def open_new(path: Path, *, text: Literal[False] = False) -> IO[bytes]: ...
@overload
def open_new(path: Path, *, text: Literal[True]) -> IO[str]: ...
def open_new(path: Path, *, text: bool = False) -> IO[bytes] | IO[str]:
    """A new file for writing: :class:`FileExistsError` when a file has its name,
    :class:`UnsafeOutput` when a link (dangling or not) or a non-regular file has it."""
    if text:
        return open(path, "x", encoding="utf-8", newline="\n", opener=_opener)
    return open(path, "xb", opener=_opener)


@overload
def open_truncate(path: Path, *, text: Literal[False] = False) -> IO[bytes]: ...
@overload
def open_truncate(path: Path, *, text: Literal[True]) -> IO[str]: ...
def open_truncate(path: Path, *, text: bool = False) -> IO[bytes] | IO[str]:
    """``path`` created, or emptied when it is a regular file, for writing (looked at
    first: ``O_TRUNC`` must not reach a device)."""
    check_target(path)
    if text:
        return open(path, "w", encoding="utf-8", newline="\n", opener=_opener)
    return open(path, "wb", opener=_opener)


def open_append(path: Path) -> IO[bytes]:
    """``path`` for appending (created when absent), binary."""
    return open(path, "ab", opener=_opener)


def open_existing(path: Path) -> IO[bytes]:
    """An existing regular file for reading and writing in place (``r+b``)."""
    return open(path, "r+b", opener=_opener)


def copy_new(source: Path, dest: Path) -> None:
    """Copy ``source`` (read as usual) into the new file ``dest`` (:func:`open_new`)."""
    with Path(source).open("rb") as reader, open_new(dest) as writer:
        shutil.copyfileobj(reader, writer, _COPY_CHUNK)


@contextlib.contextmanager
def _staged(dest: Path, mode: int | None) -> Iterator[str]:
    """A staged file next to ``dest``; on success it replaces ``dest`` by a rename
    (checked first: never over a link or a non-regular file), else it is removed."""
    dest = Path(dest)
    check_target(dest)
    fd, staging = tempfile.mkstemp(
        dir=dest.parent, prefix=staging_prefix(dest), suffix=STAGING_SUFFIX
    )
    os.close(fd)
    try:
        yield staging
        if mode is not None:
            os.chmod(staging, mode)
        check_target(dest)
        os.replace(staging, dest)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    _fsync_directory(dest.parent)


def write_atomically(path: Path, text: str, *, mode: int | None = None) -> None:
    """Replace ``path`` with ``text`` (UTF-8, LF) atomically: a reader or a crash sees
    the old file or the new one, never half of one. ``mode``: its permission bits (the
    staged file's are ``0o600``)."""
    with (
        _staged(Path(path), mode) as staging,
        open(staging, "w", encoding="utf-8", newline="\n", opener=_opener) as handle,
    ):
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def move_into_place(source: Path, dest: Path, *, mode: int | None = None) -> None:
    """Put the finished file ``source`` at ``dest`` atomically (a same-directory rename
    at the end, whatever file system ``source`` is on)."""
    with _staged(Path(dest), mode) as staging:
        shutil.move(source, staging)


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
