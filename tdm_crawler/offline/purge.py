"""``tdm-crawl purge``: a copy of a crawl without the content a rightsholder asked to remove.

The Code of Practice (Measure 1.5) asks a provider to answer rightsholders' complaints.
The answer to "remove my content" is a new crawl directory (the source is only read)
that every tool reads like any other and ``verify`` accepts:

- ``decisions.jsonl``: every record of DIR, in order. A stored record the request
  selects (:class:`~tdm_crawler.offline.selector.Selector`) becomes ``reserved``,
  reason ``purged``, ``stored: false``, without digest or record id, and gains a last
  signal ``{"protocol": "purge", "source": "complaint", "value": {"complaint_id",
  "reason", "purged_at"}}``: the URL stays decided, so whoever crawls next sees it was
  removed, when and why. Its other signals and its evidence (headers and in-content
  facts, never the body) stay: they say why it had been allowed. Every other record —
  a selected one that was never stored included, since it holds nothing to remove and
  its decision stays true — is copied unchanged;
- ``content/``: the exchanges still stored, copied byte for byte; the purged responses,
  their requests and metadata records are not there;
- ``evidence/``: copied as is (every decision, the purged ones too, rests on it);
- ``purge.jsonl``: DIR's purge list, then one entry per purged response (the source's
  record id and digest, to delete downstream copies);
- ``complaints.jsonl``: DIR's log, then this request's entry (append-only);
- ``manifest.json``: DIR's, with ``derived_from`` (``command: purge``, the complaint),
  sealed with fresh counts and digests — the complaint log among them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tdm_crawler.offline.filtered import DerivedCorpus
from tdm_crawler.offline.selector import Selector
from tdm_crawler.policy import Decision, Reason, Signal
from tdm_crawler.store import CrawlDir, iter_records
from tdm_crawler.store.manifest import manifest_time, tool
from tdm_crawler.store.purges import PurgeEntry, PurgeList, append_complaint, carry_complaints

__all__ = ["PurgeResult", "purge_crawl", "purged_record"]


@dataclass(frozen=True, slots=True)
class PurgeResult:
    """What one purge did: its complaint's id, and the counts it records."""

    complaint_id: int
    #: Decision records the request selected (stored or not).
    matched: int
    #: Stored responses removed.
    purged: int
    #: Stored responses the new directory still holds.
    kept: int


def purged_record(
    record: Mapping[str, Any], complaint_id: int, reason: str, purged_at: str
) -> dict[str, Any]:
    """``record`` with its stored content removed at complaint ``complaint_id``'s request."""
    signal = Signal(
        "purge",
        "complaint",
        {"complaint_id": complaint_id, "reason": reason, "purged_at": purged_at},
        f"content removed by tdm-crawl purge at {purged_at} (complaint {complaint_id}): {reason}",
    )
    return {
        **record,
        "decision": Decision.RESERVED.value,
        "reason": Reason.PURGED.value,
        "signals": [*record["signals"], signal.to_json()],
        "stored": False,
        "content_sha256": None,
        "warc_record_id": None,
    }


def purge_crawl(source: Path, dest: Path, selector: Selector, reason: str) -> PurgeResult:
    """Write ``dest``, the crawl ``source`` without the stored content ``selector`` names
    (see the module docstring). ``dest`` must be empty; on failure it is emptied again.
    Raises NotACrawl on a source log or complaint log that cannot be read."""
    crawl, out = CrawlDir(source), CrawlDir(dest)
    manifest = crawl.load_manifest()
    corpus = DerivedCorpus(source, dest)
    corpus.written += [out.complaints, out.purge]  # created new below; removed on failure
    try:
        complaint_id = carry_complaints(crawl.complaints, out.complaints) + 1
        purged_at = manifest_time()
        matched = 0
        with PurgeList(out.purge, carry_from=crawl.purge) as purge:
            for record in iter_records(crawl.decisions):
                if not selector.selects(record):
                    corpus(record)
                    continue
                matched += 1
                if not record["stored"]:
                    corpus(record)
                    continue
                new = purged_record(record, complaint_id, reason, purged_at)
                corpus(new)
                purge.write(
                    PurgeEntry(
                        record["url"],
                        record["warc_record_id"],
                        record["content_sha256"],
                        new["decision"],
                        new["reason"],
                        purged_at=purged_at,
                        complaint_id=complaint_id,
                        complaint=reason,
                    )
                )
        corpus.finish()
        result = PurgeResult(complaint_id, matched, purge.count, corpus.copied)
        counts = {"matched": result.matched, "purged": result.purged, "kept": result.kept}
        append_complaint(
            out.complaints,
            {
                "id": complaint_id,
                "at": purged_at,
                "reason": reason,
                "selector": dict(selector.described),
                "source_dir": str(crawl.root.resolve()),
                "source_crawl_id": (manifest or {}).get("crawl_id", corpus.crawl_id),
                "counts": counts,
                "tool": tool(),
            },
        )
        derived = {"command": "purge", "complaint_id": complaint_id, "reason": reason, **counts}
        corpus.seal(manifest, derived)
    except BaseException:
        corpus.abort()
        raise
    return result
