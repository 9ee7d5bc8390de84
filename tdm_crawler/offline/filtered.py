"""The crawl directory a command derives from another: ``replay --out``, ``purge``.

Why a directory shaped like a crawl: every other tool (report, verify, diff, a second
replay or purge) then works on it unchanged. What it holds:

- ``decisions.jsonl``: the records the command gives (:meth:`DerivedCorpus.__call__`);
  ``stored`` stays true only where the command kept the stored response;
- ``content/``: for each source file with something kept, a file of the same name with
  its warcinfo and the kept responses with their request and metadata records, copied
  as raw gzip members, so every WARC digest still proves what the server sent;
- ``evidence/``: its WARC files copied as they are (the decisions still rest on them);
- ``manifest.json``: the source manifest, with ``derived_from`` (the command, source
  directory and crawl id, when, by which tool, and the command's own facts), sealed
  with its own counts and file digests.

The source directory is only read. Every file is created new (never through a symbolic
link, :mod:`tdm_crawler.store.safe_open`), and a command that fails removes exactly the
files it created.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from tdm_crawler.store import CrawlDir, DecisionLog, iter_records
from tdm_crawler.store.manifest import manifest_time, save_manifest, tool
from tdm_crawler.store.safe_open import copy_new, make_dir
from tdm_crawler.store.warcread import ExchangeCopier

__all__ = ["DerivedCorpus"]


class DerivedCorpus:
    """Receives the new directory's records one by one (a replay ``sink``), then copies
    the kept content and the evidence (:meth:`finish`) and writes the manifest
    (:meth:`seal`)."""

    def __init__(self, source: Path, dest: Path) -> None:
        self.source = CrawlDir(source)
        self.dest = CrawlDir(dest)
        dest.mkdir(parents=True, exist_ok=True)
        #: The files created in the new directory, in order: what :meth:`abort` removes
        #: (a command writing more there, such as purge's lists, adds them).
        self.written: list[Path] = [self.dest.decisions]
        self._log = DecisionLog(self.dest.decisions)
        self._keep: set[str] = set()
        #: The crawl id of the records (a manifest without one takes it).
        self.crawl_id: str | None = None
        #: Stored responses the decisions name but the source content/ lacks.
        self.missing: list[str] = []
        self.copied = 0

    def __call__(self, record: dict[str, Any]) -> None:
        self._log.write(record)
        if self.crawl_id is None:
            self.crawl_id = record.get("crawl_id")
        if record["stored"]:
            self._keep.add(record["warc_record_id"])

    def finish(self) -> None:
        """Copy the kept content and the evidence; a response the source lacks is
        written as not stored."""
        self._log.close()
        found = self._copy_content()
        self.missing = sorted(self._keep - found)
        if self.missing:
            self._unmark_missing()
        for warc in self.source.evidence_warcs():
            copy = make_dir(self.dest.evidence) / warc.name
            copy_new(warc, copy)
            self.written.append(copy)

    def seal(
        self, manifest: Mapping[str, Any] | None, derived: Mapping[str, Any], **fields: Any
    ) -> None:
        """Write the manifest, last (so a directory without one is visibly incomplete):
        the source's, with ``fields`` replacing its own (a replay's agent and settings)
        and ``derived_from`` — ``derived`` (the command's facts) and what every derived
        directory says."""
        data = dict(manifest or {})
        source_crawl_id = data.get("crawl_id", self.crawl_id)
        settings = dict(fields.pop("settings", None) or data.get("settings") or {})
        settings["TDM_OUTPUT_DIR"] = str(self.dest.root)
        data.update(fields)
        data["settings"] = settings
        data["derived_from"] = {
            **derived,
            "source_dir": str(self.source.root.resolve()),
            "source_crawl_id": source_crawl_id,
            "created_at": manifest_time(),
            "tool": tool(),
            "stored_responses_missing": len(self.missing),
        }
        data.setdefault("crawl_id", self.crawl_id)
        save_manifest(self.dest, data, seal=True)

    def abort(self) -> None:
        """Remove what was written (:attr:`written`, and nothing else), so a failed
        command leaves no half corpus behind."""
        self._log.close()
        for path in reversed(self.written):
            path.unlink(missing_ok=True)
        for directory in (self.dest.content, self.dest.evidence):
            if directory.is_dir() and not any(directory.iterdir()):
                directory.rmdir()

    def _unmark_missing(self) -> None:
        """Say ``stored: false`` for responses the source lacks: the new directory must
        not claim content it does not hold (the source fails ``tdm-crawl verify``)."""
        missing = set(self.missing)
        path = self.dest.decisions
        tmp = path.with_name(f".{path.name}.tmp")
        self.written.append(tmp)
        with DecisionLog(tmp) as log:
            for record in iter_records(path):
                if record["stored"] and record["warc_record_id"] in missing:
                    record.update(stored=False, content_sha256=None, warc_record_id=None)
                log.write(record)
        tmp.replace(path)

    def _copy_content(self) -> set[str]:
        """Copy the kept exchanges of the source's content files, each into a file of
        the same name; return the response ids found."""
        sources = self.source.content_warcs()
        with closing(ExchangeCopier(sources, self.dest.content, wanted=self._keep)) as copier:
            try:
                self.copied = copier.copy_all()
            finally:
                self.written += copier.written
            return {record_id for record_id in self._keep if record_id in copier}
