"""``manifest.json``: what ran, with which versions and settings, and what it produced.

The manifest is rewritten during and at the end of a crawl, so it is replaced atomically
(temporary file in the same directory, ``fsync``, :func:`os.replace`): a reader or a crash
sees the old manifest or the new one, never half of one. Keys are sorted so two manifests
diff cleanly. :func:`file_digests` lets ``verify`` prove the outputs were not altered.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from tdm_crawler.store.layout import CrawlDir

__all__ = [
    "dependency_versions",
    "file_digests",
    "read_manifest",
    "write_manifest",
]

#: Distributions whose versions can change a crawl's outcome or its files.
_DISTRIBUTIONS: Final = ("scrapy", "twisted", "protego", "w3lib", "lxml", "warcio", "tdm-crawler")

_CHUNK: Final = 1024 * 1024


def write_manifest(path: Path, data: Mapping[str, Any]) -> None:
    """Atomically replace ``path`` with ``data`` as pretty-printed, key-sorted JSON."""
    path = Path(path)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a manifest; ValueError if it is not a JSON object."""
    with Path(path).open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a manifest must be a JSON object, got {type(data).__name__}")
    return data


def dependency_versions() -> dict[str, str]:
    """Python and each relevant distribution's version; ``"not installed"`` when absent."""
    versions = {"python": platform.python_version()}
    for name in _DISTRIBUTIONS:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def file_digests(crawl: CrawlDir) -> dict[str, str]:
    """SHA-256 (hex) of each of the crawl's :meth:`~CrawlDir.digested_files`.

    Keys are POSIX paths relative to the crawl directory, sorted; files are read in 1 MiB
    chunks.
    """
    digests = {}
    for name, file in sorted((crawl.relative(path), path) for path in crawl.digested_files()):
        digest = hashlib.sha256()
        with file.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        digests[name] = digest.hexdigest()
    return digests
