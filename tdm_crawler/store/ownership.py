"""Which files of a directory a crawl wrote: what ``--overwrite`` may delete, and nothing else.

An output directory is the user's. tdm-crawler deletes a file there only when it can tell
the file is its own, and writes there only when nothing in it is someone else's, so a
command never loses a user's file and never writes through a symbolic link. The survey
walks the directory without following links and sorts every entry:

- *owned*: a regular file the crawl in the directory wrote —
  ``manifest.json``; the files its sealed manifest lists in ``digests`` (the decision log,
  the complaint log and every WARC file), or, for a crawl that was interrupted before
  sealing it, ``decisions.jsonl``, ``complaints.jsonl`` and the WARC files of
  ``content/`` and ``evidence/`` named the way
  :class:`~tdm_crawler.store.warc.WarcWriter` names them; ``report.html`` and
  ``purge.jsonl`` (written after sealing); a staged file left by a crash between writing
  and renaming one of those (:func:`~tdm_crawler.store.safe_open.staging_prefix`); and,
  under ``workers/``, each worker's directory surveyed the same way;
- the layout's own *directories* (``content/``, ``evidence/``, ``workers/``,
  ``workers/<id>/``), removed when emptied;
- *foreign*: everything else — a symbolic link (dangling or not) wherever it is, a file
  the manifest does not account for, an unknown directory (named, not entered), a
  worker directory without a manifest, and every entry of a directory that has no
  manifest at all.

A directory may be written into only when it has nothing foreign; ``--overwrite``
deletes exactly the owned files. Plain paths and ``lstat``; no Scrapy.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tdm_crawler.exceptions import NotACrawl, UnsafeOutput
from tdm_crawler.store.layout import CrawlDir
from tdm_crawler.store.safe_open import STAGING_SUFFIX, staging_prefix
from tdm_crawler.store.warc import is_writer_file

__all__ = ["Foreign", "Survey", "refuse_links", "remove_owned", "survey"]


@dataclass(frozen=True, slots=True)
class Foreign:
    """An entry that is not the crawl's: ``path``, and ``why`` in a few words."""

    path: Path
    why: str

    @property
    def is_link(self) -> bool:
        return self.why == "symbolic link"


@dataclass(slots=True)
class Survey:
    """What one directory holds, sorted (see the module docstring); a missing directory
    holds nothing, like an empty one."""

    root: Path
    #: Whether it holds a manifest of its own (it is, or was, a crawl directory).
    has_manifest: bool = False
    owned: list[Path] = field(default_factory=list)
    #: The layout's directories, deepest first (the order to remove them in).
    directories: list[Path] = field(default_factory=list)
    foreign: list[Foreign] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.has_manifest or self.owned or self.directories or self.foreign)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()


def survey(root: Path) -> Survey:
    """Sort every entry of ``root`` (which may itself be a symbolic link: pointing the
    output elsewhere is the user's choice). A manifest that cannot be read is foreign,
    and so is everything beside it."""
    result = Survey(Path(root))
    if not result.root.is_dir():
        return result
    _survey_crawl(CrawlDir(result.root), result)
    result.directories.sort(key=lambda path: len(path.parts), reverse=True)
    return result


def refuse_links(root: Path) -> None:
    """:class:`UnsafeOutput` for the first symbolic link inside ``root``'s layout: what a
    crawl started without the command line (Scrapy's ``crawl``, the add-on) checks, since
    it continues whatever crawl its directory holds and no command prepared it."""
    for entry in survey(root).foreign:
        if entry.is_link:
            raise UnsafeOutput(entry.path, "is a symbolic link")


def remove_owned(found: Survey) -> None:
    """Delete the owned files, then the layout's directories that are left empty.
    Only call it on a survey without foreign entries; nothing else is touched."""
    if found.foreign:
        raise ValueError(f"{found.root} holds files that are not the crawl's; nothing removed")
    for path in found.owned:
        path.unlink(missing_ok=True)
    for directory in found.directories:
        if not _entries(directory):
            directory.rmdir()


def _kind(path: Path) -> int:
    """The file type and mode of ``path`` itself (a link is not followed)."""
    return os.lstat(path).st_mode


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a real directory (not a link to one)."""
    try:
        return stat.S_ISDIR(_kind(path))
    except FileNotFoundError:
        return False


def _survey_crawl(crawl: CrawlDir, result: Survey) -> None:
    """Sort the entries of one crawl directory (the root, or a worker's) into ``result``."""
    try:
        manifest = _manifest(crawl)
    except NotACrawl:
        unreadable = Foreign(crawl.manifest, "manifest that cannot be read")
        result.foreign.append(unreadable)
        result.foreign += [_foreign(p) for p in _entries(crawl.root) if p != unreadable.path]
        return
    if manifest is None:
        result.foreign += [_foreign(path) for path in _entries(crawl.root)]
        return
    if crawl.root == result.root:
        result.has_manifest = True
    expected = _expected_files(crawl, manifest)
    layout_dirs = {crawl.content, crawl.evidence}
    for path in _entries(crawl.root):
        mode = _kind(path)
        if stat.S_ISREG(mode) and path in expected:
            result.owned.append(path)
        elif stat.S_ISDIR(mode) and path in layout_dirs:
            result.directories.append(path)
            for inner in _entries(path):
                if stat.S_ISREG(_kind(inner)) and inner in expected:
                    result.owned.append(inner)
                else:
                    result.foreign.append(_foreign(inner))
        elif stat.S_ISDIR(mode) and path == crawl.workers:
            result.directories.append(path)
            _survey_workers(crawl, result)
        else:
            result.foreign.append(_foreign(path))


def _survey_workers(top: CrawlDir, result: Survey) -> None:
    """Each entry of ``workers/`` must be a worker's crawl directory (or an empty one)."""
    for path in _entries(top.workers):
        if not stat.S_ISDIR(_kind(path)):
            result.foreign.append(_foreign(path))
            continue
        result.directories.append(path)
        _survey_crawl(CrawlDir(path), result)


def _manifest(crawl: CrawlDir) -> Mapping[str, Any] | None:
    """The directory's own manifest when it is a regular file (None when there is none,
    or a link or another kind of file stands there); :class:`NotACrawl` when unreadable."""
    try:
        if not stat.S_ISREG(_kind(crawl.manifest)):
            return None
    except FileNotFoundError:
        return None
    return crawl.load_manifest()


def _expected_files(crawl: CrawlDir, manifest: Mapping[str, Any]) -> set[Path]:
    """The paths of files this crawl wrote or may have written (see the module docstring)."""
    digests = manifest.get("digests")
    if isinstance(digests, Mapping) and digests:
        written = {crawl.root / name for name in digests if isinstance(name, str)}
    else:  # interrupted before sealing: the writers' own names
        written = {crawl.decisions, crawl.complaints}
        for directory in (crawl.content, crawl.evidence):
            if _is_dir(directory):
                written.update(
                    path
                    for path in _entries(directory)
                    if is_writer_file(path.name, directory.name)
                )
    # report.html and purge.jsonl are written after the manifest is sealed.
    layout_files = (crawl.manifest, crawl.decisions, crawl.report, crawl.purge)
    written.update((crawl.manifest, crawl.report, crawl.purge))
    written.update(_staged(crawl.root, layout_files))
    return written


def _staged(directory: Path, targets: Iterable[Path]) -> list[Path]:
    """Leftover staged files of ``targets`` (a crash between writing and renaming)."""
    prefixes = tuple(staging_prefix(target) for target in targets)
    return [
        path
        for path in _entries(directory)
        if path.name.startswith(prefixes) and path.name.endswith(STAGING_SUFFIX)
    ]


def _entries(directory: Path) -> list[Path]:
    """The entries of ``directory`` (a crawl's root, or a directory ``lstat`` showed to
    be a real one), sorted."""
    with os.scandir(directory) as found:
        return sorted(Path(entry.path) for entry in found)


def _foreign(path: Path) -> Foreign:
    mode = _kind(path)
    if stat.S_ISLNK(mode):
        return Foreign(path, "symbolic link")
    if stat.S_ISDIR(mode):
        return Foreign(path, "directory")
    if stat.S_ISREG(mode):
        return Foreign(path, "file")
    return Foreign(path, "special file")
