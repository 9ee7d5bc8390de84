"""``tdm-crawl replay --out NEW_DIR``: the corpus re-filtered by a replay, as a crawl dir.

Why a directory shaped like a crawl: every other tool (report, verify, diff, a second
replay) then works on it unchanged. What it holds:

- ``decisions.jsonl``: the replayed records; ``stored`` stays true only for URLs still
  allowed whose response the source crawl stored;
- ``content/``: for each source file with something kept, a file of the same name with
  its warcinfo and the kept responses with their request and metadata records, copied
  as raw gzip members, so every WARC digest still proves what the server sent;
- ``evidence/``: copied as is (the decisions still rest on it);
- ``manifest.json``: the source manifest, with ``derived_from`` (source directory and
  crawl id, settings changed), sealed with its own counts and file digests.

The source directory is only read.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from tdm_crawler.offline.replay import ReplayConfig, ReplayResult
from tdm_crawler.store import CrawlDir, DecisionLog, iter_records
from tdm_crawler.store.manifest import manifest_time, save_manifest, tool
from tdm_crawler.store.warcread import ExchangeCopier

__all__ = ["FilteredCorpus"]


class FilteredCorpus:
    """Receives replayed records (a replay ``sink``), then copies content and evidence."""

    def __init__(self, source: Path, dest: Path) -> None:
        self.source = CrawlDir(source)
        self.dest = CrawlDir(dest)
        dest.mkdir(parents=True, exist_ok=True)
        self._log = DecisionLog(self.dest.decisions)
        self._keep: set[str] = set()
        #: Stored responses the decisions name but the source content/ lacks.
        self.missing: list[str] = []
        self.copied = 0

    def __call__(self, record: dict[str, Any]) -> None:
        self._log.write(record)
        if record["stored"]:
            self._keep.add(record["warc_record_id"])

    def finish(
        self, manifest: Mapping[str, Any] | None, config: ReplayConfig, result: ReplayResult
    ) -> None:
        """Copy the kept content and the evidence, then write the manifest (last, so a
        directory without one is visibly incomplete)."""
        self._log.close()
        found = self._copy_content()
        self.missing = sorted(self._keep - found)
        if self.missing:
            self._unmark_missing()
        if self.source.evidence.is_dir():
            shutil.copytree(self.source.evidence, self.dest.evidence)
        self._write_manifest(dict(manifest or {}), config, result)

    def abort(self) -> None:
        """Remove what was written, so a failed replay leaves no half corpus behind."""
        self._log.close()
        for path in self.dest.existing_entries():
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def _unmark_missing(self) -> None:
        """Say ``stored: false`` for responses the source lacks: the new directory must
        not claim content it does not hold (the source fails ``tdm-crawl verify``)."""
        missing = set(self.missing)
        path = self.dest.decisions
        tmp = path.with_name(f".{path.name}.tmp")
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
            self.copied = copier.copy_all()
            return {record_id for record_id in self._keep if record_id in copier}

    def _write_manifest(
        self, manifest: dict[str, Any], config: ReplayConfig, result: ReplayResult
    ) -> None:
        settings = dict(manifest.get("settings") or {})
        settings.update(config.settings)
        settings["TDM_OUTPUT_DIR"] = str(self.dest.root)
        manifest.update(
            {
                "derived_from": {
                    "command": "replay",
                    "source_dir": str(self.source.root.resolve()),
                    "source_crawl_id": manifest.get("crawl_id", result.crawl_id),
                    "settings_changed": config.changed,
                    "created_at": manifest_time(),
                    "tool": tool(),
                    "not_replayable": dict(sorted(result.kept_by.items())),
                    "stored_responses_missing": len(self.missing),
                },
                "agent": config.context.agent,
                "profile": config.context.profile.to_json(),
                "ai_agents": [agent.to_json() for agent in config.context.ai_agents],
                "excluded_sources": config.context.excluded.to_json(),
                "settings": settings,
            }
        )
        manifest.setdefault("crawl_id", result.crawl_id)
        save_manifest(self.dest, manifest, seal=True)
