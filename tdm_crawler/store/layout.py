"""The crawl directory: the one place that names its files.

A crawl directory is what the product delivers, and every reader and writer finds its
parts through :class:`CrawlDir`, so a name is spelled once::

    DIR/
      decisions.jsonl     one decision record per URL the crawl meant to fetch
      manifest.json       what ran, with which versions and settings, what it produced
      content/*.warc.gz   the allowed responses, exactly as received
      evidence/*.warc.gz  the policy documents read, and one record per origin naming them
      purge.jsonl         (recheck, purge) the stored URLs to delete downstream
      complaints.jsonl    (purge) every rightsholder request answered, append-only
      report.html         (report) the default place of the HTML report
      workers/<id>/       (distributed crawl) one crawl directory per worker

No Scrapy, no parsing: paths, and which of them exist. Which files of a directory a crawl
wrote (what ``--overwrite`` may delete) is :mod:`.ownership`'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.store.manifest import read_manifest
from tdm_crawler.store.warc import FILE_SUFFIX

__all__ = ["CrawlDir"]

_DECISIONS: Final = "decisions.jsonl"
_MANIFEST: Final = "manifest.json"
_CONTENT: Final = "content"
_EVIDENCE: Final = "evidence"
_PURGE: Final = "purge.jsonl"
_COMPLAINTS: Final = "complaints.jsonl"
_REPORT: Final = "report.html"
_WORKERS: Final = "workers"
_WARC_GLOB: Final = f"*{FILE_SUFFIX}"


@dataclass(frozen=True, slots=True)
class CrawlDir:
    """The paths of one crawl directory (which need not exist yet)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))

    # -- the layout ------------------------------------------------------------------

    @property
    def decisions(self) -> Path:
        return self.root / _DECISIONS

    @property
    def manifest(self) -> Path:
        return self.root / _MANIFEST

    @property
    def content(self) -> Path:
        """The content WARC directory; its files are named after it (``content-*``)."""
        return self.root / _CONTENT

    @property
    def evidence(self) -> Path:
        """The evidence WARC directory; its files are named after it (``evidence-*``)."""
        return self.root / _EVIDENCE

    @property
    def purge(self) -> Path:
        return self.root / _PURGE

    @property
    def complaints(self) -> Path:
        return self.root / _COMPLAINTS

    @property
    def report(self) -> Path:
        return self.root / _REPORT

    @property
    def workers(self) -> Path:
        return self.root / _WORKERS

    def worker(self, worker_id: str) -> CrawlDir:
        """The crawl directory of one worker of a distributed crawl."""
        return CrawlDir(self.workers / worker_id)

    def relative(self, path: Path) -> str:
        """``path`` as named inside the crawl directory (POSIX form), for messages and
        the manifest's digests."""
        return Path(path).relative_to(self.root).as_posix()

    # -- what is there ---------------------------------------------------------------

    def content_warcs(self) -> list[Path]:
        """The content WARC files in name order (= writing order)."""
        return _warcs(self.content)

    def evidence_warcs(self) -> list[Path]:
        """The evidence WARC files in name order (= writing order)."""
        return _warcs(self.evidence)

    def digested_files(self) -> list[Path]:
        """The outputs whose SHA-256 the finished manifest records: the WARC files, the
        decision log and the complaint log (not the manifest itself, nor what report
        and recheck add: the purge list is a copy of what the log already says)."""
        logs = [path for path in (self.decisions, self.complaints) if path.is_file()]
        return [*self.content_warcs(), *self.evidence_warcs(), *logs]

    @property
    def holds_crawl(self) -> bool:
        """Whether this directory has a decision log of its own."""
        return self.decisions.is_file()

    @property
    def is_distributed(self) -> bool:
        """Whether this is the top directory of a distributed crawl (workers, no log)."""
        return not self.holds_crawl and bool(self.worker_dirs())

    def worker_dirs(self) -> list[CrawlDir]:
        """The workers' directories that hold a decision log, sorted."""
        if not self.workers.is_dir():
            return []
        found = (CrawlDir(path) for path in sorted(self.workers.iterdir()))
        return [part for part in found if part.holds_crawl]

    def require(self) -> CrawlDir:
        """This directory, if it holds a crawl or a distributed crawl's workers; else
        :class:`NotACrawl` with a one-line message saying what to give instead."""
        self.parts()
        return self

    def parts(self) -> list[CrawlDir]:
        """The crawl directories this one stands for: itself when it holds a crawl, else
        the workers' directories of a distributed crawl. :class:`NotACrawl` when neither."""
        if not self.root.is_dir():
            raise NotACrawl(f"{self.root} is not a directory; give the --out directory of a crawl")
        if self.holds_crawl:
            return [self]
        found = self.worker_dirs()
        if not found:
            raise NotACrawl(
                f"{self.root} holds no crawl (no {_DECISIONS}, no {_WORKERS}/*/{_DECISIONS}); "
                "give a crawl's --out directory"
            )
        return found

    def evidence_sources(self) -> list[CrawlDir]:
        """The crawl directories whose evidence this crawl's decisions may point to: its
        :meth:`parts`, and for one worker of a distributed crawl all its fellow workers
        (one worker fetches an origin's policy documents for all)."""
        parts = self.parts()
        if len(parts) == 1 and self.root.parent.name == _WORKERS:
            try:
                manifest = self.load_manifest() or {}
            except NotACrawl:
                manifest = {}
            if manifest.get("worker_id"):
                return CrawlDir(self.root.parent.parent).parts()
        return parts

    def load_manifest(self) -> dict[str, Any] | None:
        """The manifest, or None when there is none; :class:`NotACrawl` when unreadable."""
        if not self.manifest.exists():
            return None
        try:
            return read_manifest(self.manifest)
        except (OSError, ValueError) as exc:
            raise NotACrawl(
                f"{self.manifest} cannot be read ({exc}); run tdm-crawl verify {self.root}"
            ) from None


def _warcs(directory: Path) -> list[Path]:
    """The WARC files of ``directory``, sorted; none when it does not exist."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.glob(_WARC_GLOB) if path.is_file())
