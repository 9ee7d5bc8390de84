"""``manifest.json``: what ran, with which versions and settings, and what it produced.

One builder for every manifest — a crawl's, each worker's of a distributed crawl, the
distributed crawl's top directory, and the corpus a replay derives: :func:`build_manifest`
gives the keys every manifest has (crawl id, tool, versions, status, times, seeds,
settings) plus the kind's own, and :func:`save_manifest` writes it, sealing a finished
crawl directory's manifest with the counts of its decision log and the digests of its
files (:func:`file_digests`, which lets ``verify`` prove the outputs were not altered).

The manifest is rewritten during and at the end of a crawl, so it is replaced atomically
(temporary file in the same directory, ``fsync``, rename; never over a symbolic link,
:mod:`.safe_open`): a reader or a crash sees the old manifest or the new one, never half
of one. Keys are sorted so two manifests
diff cleanly.
"""

from __future__ import annotations

import hashlib
import json
import platform
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from tdm_crawler import __version__
from tdm_crawler.store.decisions import iter_records
from tdm_crawler.store.safe_open import write_atomically

if TYPE_CHECKING:
    from tdm_crawler.store.layout import CrawlDir

__all__ = [
    "SOFTWARE",
    "TOOL_NAME",
    "build_manifest",
    "decision_counts",
    "dependency_versions",
    "file_digests",
    "manifest_time",
    "new_crawl_id",
    "read_manifest",
    "save_manifest",
    "tool",
    "write_manifest",
]

#: The distribution name, as manifests and WARC files name the tool that wrote them.
TOOL_NAME: Final = "tdm-crawler"
#: The ``software`` field of every warcinfo record.
SOFTWARE: Final = f"{TOOL_NAME}/{__version__}"

#: Distributions whose versions can change a crawl's outcome or its files.
_DISTRIBUTIONS: Final = ("scrapy", "twisted", "protego", "w3lib", "lxml", "warcio", "tdm-crawler")

_CHUNK: Final = 1024 * 1024


def write_manifest(path: Path, data: Mapping[str, Any]) -> None:
    """Atomically replace ``path`` with ``data`` as pretty-printed, key-sorted JSON
    (never through a symbolic link: :func:`~tdm_crawler.store.safe_open.write_atomically`)."""
    path = Path(path)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text + "\n")


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


def tool() -> dict[str, str]:
    """The manifest's ``tool``: which program and release wrote the directory."""
    return {"name": TOOL_NAME, "version": __version__}


def manifest_time(moment: datetime | None = None) -> str:
    """A manifest timestamp: RFC 3339 UTC to the second (now when not given)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_crawl_id() -> str:
    """A fresh crawl id: the UTC start time, sortable, and a random suffix."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def decision_counts(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The manifest's ``counts``: records, stored, and records per decision and reason."""
    decisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    stored = 0
    for record in records:
        decisions[record["decision"]] += 1
        reasons[record["reason"]] += 1
        stored += bool(record["stored"])
    return {
        "records": sum(decisions.values()),
        "stored": stored,
        "decision": dict(sorted(decisions.items())),
        "reason": dict(sorted(reasons.items())),
    }


def build_manifest(
    *,
    crawl_id: str,
    status: str,
    started_at: str,
    finished_at: str | None,
    seeds: Sequence[str],
    settings: Mapping[str, Any],
    **fields: Any,
) -> dict[str, Any]:
    """A manifest: the keys every manifest has, then the kind's own ``fields`` (a
    crawl's agent and sessions, a worker's id, a distributed crawl's Redis URL...)."""
    return {
        "crawl_id": crawl_id,
        "tool": tool(),
        "versions": dependency_versions(),
        "status": status,
        "started_at": started_at,
        "finished_at": finished_at,
        "seeds": list(seeds),
        "settings": dict(settings),
        **fields,
    }


def save_manifest(crawl: CrawlDir, manifest: Mapping[str, Any], *, seal: bool = False) -> None:
    """Write ``manifest`` as the crawl directory's (atomically).

    A directory holding a decision log gets ``counts`` and ``digests`` too: empty while
    its crawl runs; with ``seal`` (the files are closed, nothing more will be written),
    the counts of the whole log and the digest of every output, computed last so that
    ``tdm-crawl verify`` detects any later change.
    """
    data = dict(manifest)
    if crawl.holds_crawl:
        data["counts"] = decision_counts(iter_records(crawl.decisions)) if seal else {}
        data["digests"] = file_digests(crawl) if seal else {}
    write_manifest(crawl.manifest, data)
