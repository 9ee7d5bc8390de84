"""A Markdown datasheet for the corpus a crawl produced, fit to publish with a dataset.

Researchers publish "datasheets for datasets" (Gebru et al.) and AI providers must
publish a summary of training content (AI Act Art. 53(1)(d)); both ask where the data
came from, when, under which rules it was collected and what was left out. Everything
here is computed from the crawl directory (the streamed
:class:`~tdm_crawler.report.summary.CrawlSummary` and ``manifest.json``), so the
datasheet can be regenerated and checked against the evidence at any time.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from tdm_crawler.corpus.commons import NOT_RECORDED, CommonsTally, Extent
from tdm_crawler.corpus.ledger import domain_rows
from tdm_crawler.policy.spdx import licence
from tdm_crawler.report.escape import (
    markdown_code,
    markdown_code_block,
    markdown_table_cell,
    markdown_text,
)
from tdm_crawler.report.summary import DECISIONS, CrawlSummary, OriginStats
from tdm_crawler.store.safe_open import write_atomically

__all__ = ["PROTOCOL_ROWS", "render_datasheet", "write_datasheet"]

#: (protocol, where it is read, what reserves or blocks, decision and reason, usage key):
#: the README's "How each protocol is read", one row per signal the crawler obeys.
PROTOCOL_ROWS: Final[tuple[tuple[str, str, str, str, str], ...]] = (
    (
        "robots.txt (RFC 9309)",
        "`/robots.txt` of each origin, before any resource",
        "path disallowed for our product token (exact group, else `*`; longest match)",
        "disallowed, `robots-disallow`",
        "robots",
    ),
    (
        "robots.txt status",
        "same file",
        "5xx, 429, network error, redirect loop: everything disallowed (4xx: allowed)",
        "disallowed, `robots-unreachable`",
        "",
    ),
    (
        "robots.txt AI-agent groups",
        "same file",
        "a group naming a known AI crawler (list in the manifest) disallows the path",
        "reserved, `robots-ai-agent`",
        "robots-ai-agent",
    ),
    (
        "TDMRep file (W3C)",
        "`/.well-known/tdmrep.json` of each origin, before any resource",
        "first rule whose `location` matches says `tdm-reservation: 1`",
        "reserved, `tdmrep-file`",
        "tdmrep",
    ),
    (
        "TDMRep file status",
        "same file",
        "5xx, 429, network error, too large, after retries: origin not fetched",
        "unknown, `tdmrep-file-unavailable`",
        "",
    ),
    (
        "TDMRep header",
        "`tdm-reservation` / `tdm-policy` response headers",
        "`1` (overrides the file, property by property)",
        "reserved, `tdmrep-header`",
        "",
    ),
    (
        "TDMRep meta",
        '`<meta name="tdm-reservation">` in the HTML `<head>`',
        "`1` (overrides file and header)",
        "reserved, `tdmrep-meta`",
        "",
    ),
    (
        "TDMRep in PDF / EPUB",
        "XMP of the PDF catalog; the EPUB package document",
        "`tdm:reservation` `1`",
        "reserved, `tdmrep-pdf` / `tdmrep-epub`",
        "",
    ),
    (
        "TDMRep policy (ODRL)",
        "the `tdm-policy` URL, fetched",
        "never lifts a reservation; read to record whom to ask and on which terms",
        "(recorded only)",
        "tdm-policy",
    ),
    (
        "noai / noimageai",
        '`X-Robots-Tag` header, `<meta name="robots">` or a meta named after our token',
        "`noai` (`noimageai` on images)",
        "reserved, `x-robots-noai` / `meta-robots-noai`",
        "noai",
    ),
    (
        "Bing noarchive / nocache",
        '`X-Robots-Tag` header, `<meta name="robots">` or `<meta name="bingbot">`',
        "`noarchive`, `nocache`, only with `TDM_NOARCHIVE_RESERVES` (always recorded)",
        "reserved, `x-robots-noarchive` / `meta-robots-noarchive`",
        "bing",
    ),
    (
        "Content-Usage (IETF aipref)",
        "`Content-Usage` header; robots.txt `Content-Usage` rules",
        "`n` on a training or mining category",
        "reserved, `content-usage`",
        "content-usage",
    ),
    (
        "Content-Signal",
        "`Content-Signal` header; robots.txt `Content-Signal` rules",
        "`ai-train=no`, `use=immediate`, `use=reference`",
        "reserved, `content-signal`",
        "content-signal",
    ),
    (
        "RSL 1.0",
        "`License:` in robots.txt, `Link` header, `<link rel=license>`",
        "prohibits `ai-train`/`ai-all`/`all`, or needs a paid licence or licence server",
        "reserved, `rsl`",
        "rsl",
    ),
    (
        "C2PA / CAWG",
        "training-and-mining assertion of an embedded manifest (needs `c2pa-python`)",
        "`notAllowed` or `constrained` on training or mining",
        "reserved, `c2pa`",
        "c2pa",
    ),
    (
        "Exclusion lists (Code of Practice, Measure 1.2)",
        "the operator's `--exclude` lists, before any request to the source",
        "a domain, host or URL prefix a list names: nothing of it is requested",
        "disallowed, `excluded-source`",
        "",
    ),
    (
        "Paywall markup (schema.org)",
        "`isAccessibleForFree` in the JSON-LD or microdata of an HTML page",
        "`false` on the page's item or on a part of it (`hasPart`)",
        "disallowed, `paywalled`",
        "",
    ),
)

_TOP_ORIGINS: Final = 20
_MAX_SOURCES: Final = 50


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], right: int = 0) -> str:
    """A pipe table of Markdown cells (site data in them already escaped, numbers as
    they are); the last ``right`` columns are right-aligned (numbers)."""
    align = ["---"] * (len(header) - right) + ["---:"] * right
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(markdown_table_cell(str(v)) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def _count(summary: CrawlSummary, decision: str) -> int:
    return summary.decisions.get(decision, 0)


def _main_reason(stats: OriginStats) -> str:
    excluded = [(n, r) for r, n in stats.reasons.items() if r != "no-reservation"]
    return max(excluded)[1] if excluded else "-"


def _summary(summary: CrawlSummary, manifest: Mapping[str, Any], tool: str) -> str:
    n = summary.records
    window = _window(summary, manifest)
    agent = manifest.get("agent") or "?"
    return (
        f"This corpus was collected by {markdown_code(tool)} with the agent token "
        f"{markdown_code(agent)} "
        f"({window}). Of **{n:,} URLs** on {len(summary.origins):,} origins, "
        f"**{summary.stored:,} ({_pct(summary.stored, n)}) were stored**. "
        f"{summary.excluded:,} ({_pct(summary.excluded, n)}) were excluded: "
        f"{_count(summary, 'reserved'):,} because a rightsholder reserved text and data mining, "
        f"{_count(summary, 'disallowed'):,} because robots.txt disallowed them, "
        f"{_count(summary, 'unknown'):,} because their opt-out status could not be "
        f"established, and {_count(summary, 'error'):,} because they could not be fetched.\n\n"
        "A resource was stored only when none of the protocols below reserved it "
        "(Art. 4(3) of Directive (EU) 2019/790); every decision, with every signal seen "
        "and the policy files as fetched, is recorded in the crawl directory."
    )


def _window(summary: CrawlSummary, manifest: Mapping[str, Any]) -> str:
    start = manifest.get("started_at") or summary.first_fetch or "?"
    end = manifest.get("finished_at") or summary.last_fetch or "?"
    return f"{markdown_code(start)} to {markdown_code(end)}"


def _sources(summary: CrawlSummary, manifest: Mapping[str, Any], tool: str) -> str:
    crawl_id = manifest.get("crawl_id") or ", ".join(summary.crawl_ids.counts) or "?"
    sessions = manifest.get("sessions") or []
    versions = manifest.get("versions") or {}
    agents = [str(a.get("token")) for a in manifest.get("ai_agents") or () if a.get("token")]
    settings = manifest.get("settings") or {}
    lines = [
        f"- **Crawl id:** {markdown_code(crawl_id)}",
        f"- **Crawl window:** {_window(summary, manifest)}"
        + (f" ({len(sessions)} session{'s' if len(sessions) != 1 else ''})" if sessions else ""),
        f"- **First / last decision:** {markdown_code(summary.first_fetch or '?')} / "
        f"{markdown_code(summary.last_fetch or '?')}",
        f"- **Tool:** {markdown_code(tool)}",
    ]
    if versions:
        pinned = ", ".join(markdown_code(f"{k} {v}") for k, v in sorted(versions.items()))
        lines.append(f"- **Versions:** {pinned}")
    lines.append(f"- **Agent token:** {markdown_code(manifest.get('agent') or '?')}")
    lines.append(f"- **User-Agent:** {markdown_code(manifest.get('user_agent') or '?')}")
    listed = manifest.get("ai_agents_list")
    if isinstance(listed, Mapping):
        said = [f"version {listed.get('version') or 'not stated'}"]
        said += [str(listed["date"])] if listed.get("date") else []
        lines.append(f"- **AI-agent list:** {', '.join(said)}; source {listed.get('source')}")
    if agents:
        lines.append(
            f"- **AI-agent tokens whose robots.txt groups count as reservations "
            f"({len(agents)}):** " + ", ".join(markdown_code(a) for a in agents)
        )
    bounds = [
        markdown_code(f"{name} = {settings[name]}")
        for name in ("TDM_MAX_DEPTH", "TDM_MAX_PAGES", "TDM_ORIGIN_CACHE_TTL")
        if name in settings
    ]
    if bounds:
        lines.append(f"- **Crawl bounds:** {', '.join(bounds)} (all settings in `manifest.json`)")
    rows = [
        (markdown_code(s.origin), s.urls, s.stored, s.excluded)
        for s in summary.top_origins(_MAX_SOURCES)
    ]
    more = len(summary.origins) - len(rows)
    table = _table(("origin", "URLs", "stored", "excluded"), rows, right=3)
    tail = f"\n\n…and {more:,} more origins (see `report.html` or the CSV)." if more > 0 else ""
    return "\n".join(lines) + f"\n\nOrigins crawled ({len(summary.origins):,}):\n\n{table}{tail}"


def _protocols(summary: CrawlSummary) -> str:
    origins = len(summary.origins)
    used = {name: n for name, _, n in summary.protocol_share()}
    rows = [
        (name, where, what, outcome, f"{used[key]:,} ({_pct(used[key], origins)})" if key else "")
        for name, where, what, outcome, key in PROTOCOL_ROWS
    ]
    header = ("protocol", "where it is read", "what reserves or blocks", "decision, reason")
    return (
        _table((*header, "origins using it"), rows)
        + "\n\nAcross protocols any reservation wins; within TDMRep, file → header → meta → "
        "PDF/EPUB, property by property. An origin counts as using a protocol when any of "
        "its URLs had a signal of it that stated something."
    )


def _exclusions(summary: CrawlSummary) -> str:
    n = summary.records
    by_reason = [
        (markdown_text(d), markdown_code(r), c, _pct(c, n))
        for d, r, c in summary.reasons_by_count()
        if d != "allowed"
    ]
    reason_table = (
        _table(("decision", "reason", "URLs", "share of all URLs"), by_reason, right=2)
        if by_reason
        else "Nothing was excluded."
    )
    worst = sorted(
        (s for s in summary.origins.values() if s.excluded),
        key=lambda s: (-s.excluded, s.origin),
    )[:_TOP_ORIGINS]
    origin_rows = [
        (
            markdown_code(s.origin),
            markdown_code(_main_reason(s)),
            s.urls,
            s.excluded,
            *(s.decisions[DECISIONS.index(d)] for d in DECISIONS[1:]),
        )
        for s in worst
    ]
    header = ("origin", "main reason", "URLs", "excluded", *DECISIONS[1:])
    origin_table = (
        _table(header, origin_rows, right=6) if origin_rows else "No origin lost any URL."
    )
    return (
        f"### By reason\n\n{reason_table}\n\n"
        f"### By origin (top {_TOP_ORIGINS} by URLs excluded)\n\n{origin_table}"
    )


def _licences(summary: CrawlSummary) -> str:
    parts: list[str] = []
    policies = [
        (markdown_code(url) if url else "-", markdown_text(assigner) if assigner else "-", n)
        for (url, _, assigner), n in (
            (key.partition("\t"), n) for key, n in summary.policies.most_common()
        )
    ]
    if policies:
        table = _table(("TDM policy", "assigner (whom to ask)", "URLs"), policies, right=1)
        parts.append(f"TDMRep policies that reserving sites point to:\n\n{table}")
    else:
        parts.append("No TDMRep policy (`tdm-policy`) was read.")
    licences = [(markdown_code(url), n) for url, n in summary.licenses.most_common()]
    if licences:
        table = _table(("RSL licence", "URLs it applied to"), licences, right=1)
        parts.append(f"RSL licence files seen:\n\n{table}")
    else:
        parts.append("No RSL licence file was seen.")
    dropped = summary.policies.dropped + summary.licenses.dropped
    if dropped:
        parts.append(f"({dropped:,} further mentions of other policies or licences not listed.)")
    return "\n\n".join(parts)


_BAR: Final = 40


def _size(n: int) -> str:
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


def _class_chart(classes: Sequence[tuple[str, Extent]], stored: Extent) -> str:
    """A text bar chart (a code block: it renders the same everywhere) of each class's
    share of the works, bytes and words."""
    width = max((len(c) for c, _ in classes), default=0)
    lines = []
    for name, label in (("works", "works"), ("bytes", "bytes"), ("words", "words")):
        whole = stored.measure(name)
        lines.append(label)
        for license_class, extent in classes:
            part = extent.measure(name)
            filled = round(_BAR * part / whole) if whole else 0
            bar = "█" * filled + "·" * (_BAR - filled)
            lines.append(f"  {license_class:<{width}} {bar} {_pct(part, whole):>7}")
    return "```\n" + "\n".join(lines) + "\n```"


def _commons(tally: CommonsTally) -> str:
    stored, commons = tally.stored, tally.commons
    if not stored.works:
        return "Nothing was stored."
    classes = tally.classes()
    lines = [
        f"Of the **{stored.works:,} stored works** ({_size(stored.bytes)}, {stored.words:,} "
        f"words), **{_pct(commons.works, stored.works)} are public domain or openly "
        f"licensed** ({_pct(commons.bytes, stored.bytes)} of the bytes, "
        f"{_pct(commons.words, stored.words)} of the words): the Open Definition set, "
        "CC0, the Public Domain Mark, CC BY, CC BY-SA, GFDL and the like. Each work's "
        "licence is the best guess over every machine-readable statement it carries "
        "(the `license` field of its decision record); a work without one is `unstated` "
        "(all rights reserved by default), one whose only statement covers a figure in it "
        "`partial`, one whose licence URL is not one we know `other`, and NC or ND "
        "licences are `restricted`. Words are those of the visible text of HTML and "
        "plain-text works."
        + (
            f" {stored.uncounted:,} works (PDF, EPUB, media) have no word count."
            if stored.uncounted
            else ""
        ),
    ]
    if NOT_RECORDED in tally.by_class:
        lines.append(
            f"{tally.by_class[NOT_RECORDED].works:,} works were recorded before licences "
            "were (record format 1): `not-recorded`."
        )
    lines.append(_class_chart(classes, stored))
    rows = [
        (
            f"`{c}`",
            e.works,
            _pct(e.works, stored.works),
            _size(e.bytes),
            _pct(e.bytes, stored.bytes),
            e.words,
            _pct(e.words, stored.words),
        )
        for c, e in classes
    ]
    header = ("class", "works", "share", "bytes", "share", "words", "share")
    lines.append("### By licence class\n\n" + _table(header, rows, right=6))
    licences = [
        (_licence_label(item.key), f"`{item.license_class}`", item.extent.works,
         _size(item.extent.bytes), item.extent.words)
        for item in tally.licences(_TOP_ORIGINS)
    ]  # fmt: skip
    if licences:
        table = _table(("licence", "class", "works", "bytes", "words"), licences, right=3)
        lines.append(f"### By licence (top {_TOP_ORIGINS} by works)\n\n{table}")
    origins = [
        (
            markdown_code(origin),
            e.works,
            _size(e.bytes),
            e.words,
            _pct(_open(tally, origin), e.works),
        )
        for origin, e in tally.origins(_TOP_ORIGINS, by="words")
    ]
    columns = ("origin", "works", "bytes", "words", "open or public-domain works")
    table = _table(columns, origins, right=4)
    lines.append(f"### By origin (top {_TOP_ORIGINS} by words)\n\n{table}")
    if tally.reserved_read:
        reserved = ", ".join(
            f"{_licence_label(key)}: {n:,}" for key, n in tally.reserved_open.most_common(10)
        )
        lines.append(
            f"**{tally.reserved_open_works:,} reserved works carried an open or public-domain "
            f"licence** (of {tally.reserved_read:,} reserved works whose content was read)"
            + (f" ({reserved})" if reserved else "")
            + ". A licence never lifts a TDM reservation: these works were not stored."
        )
    return "\n\n".join(lines)


def _open(tally: CommonsTally, origin: str) -> int:
    classes = tally.by_origin.get(origin, {})
    return sum(e.works for c, e in classes.items() if c in ("public-domain", "open"))


def _licence_label(key: str) -> str:
    known = licence(key)
    return (
        f"{markdown_code(key)} ({markdown_text(known.name)})"
        if known is not None
        else markdown_code(key)
    )


def _ledger(tally: CommonsTally) -> str:
    rows = domain_rows(tally.by_origin, by="words")
    if not rows:
        return "Nothing was stored."
    stored = tally.stored
    table_rows = []
    for row in rows[:_TOP_ORIGINS]:
        extent = row.extent
        commons = row.of_class("public-domain").words + row.of_class("open").words
        table_rows.append(
            (
                markdown_code(row.domain),
                len(row.origins),
                extent.works,
                extent.words,
                _pct(extent.words, stored.words),
                _pct(extent.bytes, stored.bytes),
                _pct(commons, extent.words),
            )
        )
    header = (
        "domain",
        "origins",
        "works",
        "words",
        "share of words",
        "share of bytes",
        "open or PD words",
    )
    more = len(rows) - len(table_rows)
    tail = f"\n\n…and {more:,} more domains." if more > 0 else ""
    return (
        "What each registrable domain (Public Suffix List) gave the corpus, so that a "
        "contribution back to the commons can be shared out by what was used. The full "
        "table, split by licence class, with any amount shared out exactly: "
        "`tdm-crawl ledger DIR --amount N --currency EUR`.\n\n"
        + _table(header, table_rows, right=6)
        + tail
    )


def _reproducibility(manifest: Mapping[str, Any], out: Path) -> str:
    digests = manifest.get("digests") or {}
    where = shlex.quote(str(out))
    lines = [
        "The crawl directory holds the evidence for every decision: `decisions.jsonl` "
        "(one record per URL, with every signal), `evidence/*.warc.gz` (every robots.txt, "
        "tdmrep.json, policy and licence response as fetched), `content/*.warc.gz` (the "
        "stored content, as received) and `manifest.json` (versions, settings, counts).",
        "",
        "- Check the files: save the digests below as `SHA256SUMS`, then "
        f"{markdown_code(f'cd {where} && sha256sum -c SHA256SUMS')}.",
        "- Check digests, WARC validity and that only allowed content is stored: "
        f"{markdown_code(f'tdm-crawl verify {where}')}.",
        "- Decide every URL again from the recorded evidence, offline: "
        f"{markdown_code(f'tdm-crawl replay {where}')}.",
    ]
    if digests:
        sums = "\n".join(f"{digest}  {name}" for name, digest in sorted(digests.items()))
        lines += [
            "",
            "SHA-256 of the crawl's files (from `manifest.json`):",
            "",
            markdown_code_block(sums),
        ]
    else:
        lines += ["", "The manifest records no file digests."]
    return "\n".join(lines)


def render_datasheet(
    summary: CrawlSummary,
    manifest: Mapping[str, Any],
    out: Path,
    *,
    generated: datetime | None = None,
) -> str:
    """The datasheet as Markdown text."""
    tool_info = manifest.get("tool") or {}
    tool = f"{tool_info.get('name', 'tdm-crawler')} {tool_info.get('version', '')}".strip()
    when = (generated or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    crawl_id = manifest.get("crawl_id") or next(iter(summary.crawl_ids.counts), "")
    sections = [
        f"# Datasheet: web corpus {markdown_code(crawl_id) if crawl_id else ''}".rstrip(),
        f"*Generated by {markdown_code(tool)} on {when} from the crawl directory "
        f"{markdown_code(out)}.*",
        "## Summary",
        _summary(summary, manifest, tool),
        "## Sources",
        _sources(summary, manifest, tool),
        "## Protocols honoured",
        _protocols(summary),
        "## Exclusions",
        _exclusions(summary),
        "## Licences and policies seen",
        _licences(summary),
        "## What the corpus draws from the commons",
        _commons(summary.commons),
        "## Contribution ledger",
        _ledger(summary.commons),
        "## Reproducibility",
        _reproducibility(manifest, out),
    ]
    return "\n\n".join(sections) + "\n"


def write_datasheet(path: Path, text: str) -> None:
    """Write the datasheet (UTF-8, LF) atomically, never through a symbolic link,
    creating the parent directory."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, text, mode=0o644)
