"""``tdm-crawl diff``: what changed, URL by URL, between two crawls (or a crawl and its
replay).

Why per URL and per origin: a corpus changes because a site changed its opt-out files
(same URL, new robots.txt digest, new reason) or because our rules changed (same
documents, new decision). Showing both side by side is what lets a reader tell them apart.

Compared per URL (by the requested ``url``): ``decision``, ``reason``,
``tdm_reservation``, ``tdm_policy`` and ``origin_documents``: for each origin the
decision rests on, each policy document's HTTP status and WARC payload digest as named by
the origin evidence record (``"200 sha1:..."``, or ``"error: ..."``). The JSON form
(:func:`diff_json`) is documented in ``tdm-crawl diff --help`` and stays stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.offline.evidence import EvidenceIndex, document_fingerprints
from tdm_crawler.policy import origin_of
from tdm_crawler.store import CrawlDir, iter_records
from tdm_crawler.store.evidence import of_record

__all__ = ["FIELDS", "FORMAT", "CrawlState", "diff_crawls", "format_diff", "load_state"]

#: The ``format`` value of the JSON output.
FORMAT: Final = "tdm-crawl-diff/1"
#: Compared fields, in output order.
FIELDS: Final = ("decision", "reason", "tdm_reservation", "tdm_policy", "origin_documents")

Documents = dict[str, dict[str, str]]  # origin -> document name -> "status digest"


@dataclass
class CrawlState:
    """Per URL what diff compares, and per origin its last-read documents."""

    path: Path
    crawl_id: str | None = None
    urls: dict[str, dict[str, Any]] = field(default_factory=dict)
    origins: Documents = field(default_factory=dict)


def load_state(path: Path) -> CrawlState:
    """Read a crawl's decisions (streamed) and its evidence metadata records."""
    crawl = CrawlDir(path)
    index = EvidenceIndex.build(crawl.evidence_sources())
    prints: dict[str, dict[str, str]] = {
        evidence_id: document_fingerprints(evidence)
        for evidence_id, evidence in index.metadata.items()
    }
    prints.update((evidence_id, {"evidence": "unreadable"}) for evidence_id in index.unreadable)
    state = CrawlState(path)
    for origin, ids in index.origins.items():
        state.origins[origin] = prints[ids[-1]]
    for part in crawl.parts():
        for record in iter_records(part.decisions, torn=[]):
            state.crawl_id = state.crawl_id or record.get("crawl_id")
            try:
                evidence = of_record(record)
            except ValueError as exc:
                raise NotACrawl(
                    f"{part.decisions}: the evidence of {record['url']} cannot be read ({exc})"
                ) from None
            documents: Documents = {}
            for origin, evidence_id in (evidence.origins if evidence else {}).items():
                if evidence_id is None:
                    documents[origin] = {"evidence": "not recorded"}
                else:
                    documents[origin] = prints.get(evidence_id, {"evidence": "missing"})
            state.urls[record["url"]] = {
                "decision": record.get("decision"),
                "reason": record.get("reason"),
                "tdm_reservation": record.get("tdm_reservation"),
                "tdm_policy": record.get("tdm_policy"),
                "origin_documents": documents,
            }
    return state


def _document_changes(a: Mapping[str, str] | None, b: Mapping[str, str] | None) -> dict[str, Any]:
    a, b = a or {}, b or {}
    return {
        name: {"a": a.get(name), "b": b.get(name)}
        for name in sorted(set(a) | set(b))
        if a.get(name) != b.get(name)
    }


def diff_crawls(a: CrawlState, b: CrawlState) -> dict[str, Any]:
    """The comparison, as the documented JSON structure (see ``tdm-crawl diff --help``)."""
    urls: list[dict[str, Any]] = []
    fields: Counter[str] = Counter()
    by_reason: Counter[tuple[Any, ...]] = Counter()
    by_origin: dict[str, Counter[str]] = {}
    counts: Counter[str] = Counter()
    for url in sorted(set(a.urls) | set(b.urls)):
        old, new = a.urls.get(url), b.urls.get(url)
        if old is None:
            change, changed = "added", list(FIELDS[:2])
        elif new is None:
            change, changed = "removed", list(FIELDS[:2])
        else:
            changed = [name for name in FIELDS if old[name] != new[name]]
            change = "changed" if changed else "unchanged"
        counts[change] += 1
        if change == "unchanged":
            continue
        by_origin.setdefault(origin_of(url), Counter())[change] += 1
        if change == "changed":
            fields.update(changed)
        if change != "changed" or {"decision", "reason"} & set(changed):
            by_reason[_reason_key(old), _reason_key(new)] += 1
        urls.append({"url": url, "change": change, "fields": changed, "a": old, "b": new})
    origins = []
    for origin in sorted(set(by_origin) | set(a.origins) | set(b.origins)):
        documents = _document_changes(a.origins.get(origin), b.origins.get(origin))
        changes = by_origin.get(origin, Counter())
        if not documents and not changes:
            continue
        origins.append(
            {
                "origin": origin,
                "added": changes["added"],
                "removed": changes["removed"],
                "changed": changes["changed"],
                "documents": documents,
            }
        )
    reasons = [
        {"from": _reason_dict(old), "to": _reason_dict(new), "urls": count}
        for (old, new), count in sorted(by_reason.items(), key=lambda kv: (-kv[1], str(kv[0])))
    ]
    return {
        "format": FORMAT,
        "a": {"dir": str(a.path), "crawl_id": a.crawl_id, "urls": len(a.urls)},
        "b": {"dir": str(b.path), "crawl_id": b.crawl_id, "urls": len(b.urls)},
        "counts": {name: counts[name] for name in ("added", "removed", "changed", "unchanged")},
        "fields": {name: fields[name] for name in FIELDS},
        "by_origin": origins,
        "by_reason": reasons,
        "urls": urls,
    }


def _reason_key(entry: Mapping[str, Any] | None) -> tuple[str, str] | None:
    return None if entry is None else (str(entry["decision"]), str(entry["reason"]))


def _reason_dict(key: tuple[str, str] | None) -> dict[str, str] | None:
    return None if key is None else {"decision": key[0], "reason": key[1]}


def _said(outcome: Mapping[str, Any] | None) -> str:
    return "(absent)" if outcome is None else f"{outcome['decision']} ({outcome['reason']})"


def _field_change(name: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    if name != "origin_documents":
        return f"{name} {old[name]} -> {new[name]}"
    parts = []
    for origin in sorted(set(old[name]) | set(new[name])):
        changes = _document_changes(old[name].get(origin), new[name].get(origin))
        parts += [f"{doc} {c['a']} -> {c['b']}" for doc, c in changes.items()]
    return "documents " + ", ".join(parts)


def format_diff(result: Mapping[str, Any], limit: int = 50) -> str:
    """The comparison for a person: counts, by origin, by reason, then changed URLs."""
    a, b, counts = result["a"], result["b"], result["counts"]
    lines = [
        f"A: {a['dir']}  (crawl {a['crawl_id']}, {a['urls']} URLs)",
        f"B: {b['dir']}  (crawl {b['crawl_id']}, {b['urls']} URLs)",
        "",
        ", ".join(f"{counts[name]} {name}" for name in counts),
        "changed fields: "
        + (", ".join(f"{name} {n}" for name, n in result["fields"].items() if n) or "none"),
    ]
    if result["by_origin"]:
        lines += ["", f"{'by origin':<32} {'added':>6} {'removed':>8} {'changed':>8}  documents"]
        for entry in result["by_origin"]:
            documents = ", ".join(entry["documents"]) or "-"
            lines.append(
                f"{entry['origin']:<32} {entry['added']:>6} {entry['removed']:>8} "
                f"{entry['changed']:>8}  {documents}"
            )
    if result["by_reason"]:
        lines += ["", "by reason (A -> B)"]
        for entry in result["by_reason"]:
            move = f"{_said(entry['from'])} -> {_said(entry['to'])}"
            lines.append(f"  {move:<70} {entry['urls']:>6}")
    shown = result["urls"] if limit <= 0 else result["urls"][:limit]
    if shown:
        more = len(result["urls"]) - len(shown)
        lines += [
            "",
            "URLs" + (f" (first {len(shown)}; --json or --limit 0 for all)" if more else ""),
        ]
        for entry in shown:
            if entry["change"] != "changed":
                side = entry["b"] if entry["change"] == "added" else entry["a"]
                lines.append(f"  {entry['change']:<8} {entry['url']}  {_said(side)}")
                continue
            detail = "; ".join(
                _field_change(name, entry["a"], entry["b"]) for name in entry["fields"]
            )
            lines.append(f"  changed  {entry['url']}  {detail}")
    return "\n".join(lines)
