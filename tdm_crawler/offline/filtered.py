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
  crawl id, settings changed), recomputed counts and fresh file digests.

The source directory is only read.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tdm_crawler import __version__
from tdm_crawler.offline.replay import ReplayConfig, ReplayResult
from tdm_crawler.report.crawldir import read_decisions
from tdm_crawler.report.warcfiles import Member, copy_members, scan, skip_body, warc_files
from tdm_crawler.store import DecisionLog, file_digests, write_manifest

__all__ = ["FilteredCorpus"]


class FilteredCorpus:
    """Receives replayed records (a replay ``sink``), then copies content and evidence."""

    def __init__(self, source: Path, dest: Path) -> None:
        self.source = source
        self.dest = dest
        dest.mkdir(parents=True, exist_ok=True)
        self._log = DecisionLog(dest / "decisions.jsonl")
        self._keep: set[str] = set()
        self._decisions: Counter[str] = Counter()
        self._reasons: Counter[str] = Counter()
        #: Stored responses the decisions name but the source content/ lacks.
        self.missing: list[str] = []
        self.copied = 0

    def __call__(self, record: dict[str, Any]) -> None:
        self._log.write(record)
        self._decisions[record["decision"]] += 1
        self._reasons[record["reason"]] += 1
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
        evidence = self.source / "evidence"
        if evidence.is_dir():
            shutil.copytree(evidence, self.dest / "evidence")
        self._write_manifest(dict(manifest or {}), config, result)

    def abort(self) -> None:
        """Remove what was written, so a failed replay leaves no half corpus behind."""
        self._log.close()
        for name in ("decisions.jsonl", "content", "evidence", "manifest.json"):
            path = self.dest / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def _unmark_missing(self) -> None:
        """Say ``stored: false`` for responses the source lacks: the new directory must
        not claim content it does not hold (the source fails ``tdm-crawl verify``)."""
        missing = set(self.missing)
        path = self.dest / "decisions.jsonl"
        tmp = path.with_name(".decisions.jsonl.tmp")
        with DecisionLog(tmp) as log:
            for record in read_decisions(path):
                if record["stored"] and record["warc_record_id"] in missing:
                    record.update(stored=False, content_sha256=None, warc_record_id=None)
                log.write(record)
        tmp.replace(path)

    def _copy_content(self) -> set[str]:
        """Copy each source content file's kept records; return the response ids found."""
        found: set[str] = set()
        target = self.dest / "content"
        for path in warc_files(self.source / "content"):
            members: list[Member] = []
            info: Member | None = None
            for member, _, _ in scan(path, skip_body, http=False):
                if member.rec_type == "warcinfo" and info is None:
                    info = member
                elif member.rec_type == "response" and member.record_id in self._keep:
                    members.append(member)
                    found.add(member.record_id)
                elif member.rec_type in ("request", "metadata") and member.refers_to in self._keep:
                    members.append(member)
            if members:
                target.mkdir(exist_ok=True)
                head = [info] if info is not None else []
                copy_members([*head, *members], target / path.name)
                self.copied += sum(m.rec_type == "response" for m in members)
        return found

    def _write_manifest(
        self, manifest: dict[str, Any], config: ReplayConfig, result: ReplayResult
    ) -> None:
        settings = dict(manifest.get("settings") or {})
        settings.update(config.settings)
        settings["TDM_OUTPUT_DIR"] = str(self.dest)
        manifest.update(
            {
                "derived_from": {
                    "command": "replay",
                    "source_dir": str(self.source.resolve()),
                    "source_crawl_id": manifest.get("crawl_id", result.crawl_id),
                    "settings_changed": config.changed,
                    "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "tool": {"name": "tdm-crawler", "version": __version__},
                    "not_replayable": dict(sorted(result.kept_by.items())),
                    "stored_responses_missing": len(self.missing),
                },
                "agent": config.context.agent,
                "profile": config.context.profile.to_json(),
                "ai_agents": [agent.to_json() for agent in config.context.ai_agents],
                "settings": settings,
                "counts": {
                    "records": sum(self._decisions.values()),
                    "stored": len(self._keep) - len(self.missing),
                    "decision": dict(sorted(self._decisions.items())),
                    "reason": dict(sorted(self._reasons.items())),
                },
            }
        )
        manifest.setdefault("crawl_id", result.crawl_id)
        manifest["digests"] = file_digests(self.dest)
        write_manifest(self.dest / "manifest.json", manifest)
