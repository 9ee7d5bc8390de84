"""``tdm-crawl report``: one self-contained HTML page (and optionally a CSV) for a crawl.

The page must open anywhere, offline and from an e-mail attachment, so everything is
inline: CSS and JS from ``assets/``, charts as SVG drawn here, and the per-URL data as
``<script type="application/json">`` blocks that the page's script reads. A Content
Security Policy forbids any fetch, which proves it needs none.

Memory stays bounded for any crawl size: the decision records are read one at a time
and each is written at once to temporary files (the per-URL rows, their details, the
CSV); only the counters of :class:`~tdm_crawler.report.summary.CrawlSummary` (one entry
per origin) and two caches of fixed size stay in memory. Signals repeat heavily across
URLs (same robots.txt verdict, same "no header"), so each distinct signal is written
once to a value table and rows refer to it by number; the table's index is bounded
(oldest out first), so a crawl with endless distinct signals only writes some values
twice. The page is assembled from the temporary files at the end, because the headline
figures that open it are only known after the last record.

Speed (100,000 records in a few seconds, ``bench/report_speed.py``) comes from doing
per record only what cannot be shared: whole signal lists are cached, rows are encoded
by hand, and the decision log is parsed with ``orjson`` when it is installed
(:func:`~tdm_crawler.store.decisions.decision_lines`).
"""

from __future__ import annotations

import csv
import html
import json
import marshal
import re
import shutil
import tempfile
from collections import Counter, OrderedDict
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any, Final

from tdm_crawler.report.escape import csv_cell
from tdm_crawler.report.summary import (
    DECISIONS,
    PROTOCOLS,
    CrawlSummary,
    SignalFact,
    crawl_records,
    evidence_ids,
    finish,
    signal_fact,
)
from tdm_crawler.store.evidence import DecisionEvidence, of_record
from tdm_crawler.store.safe_open import move_into_place

__all__ = [
    "CSV_COLUMNS",
    "Interner",
    "ReportResult",
    "script_json",
    "write_report",
]

#: Distinct signals whose number is remembered (about 30 MB at most).
_VALUE_LIMIT = 100_000
#: Signal lists remembered (about 10 MB at most); emptied when the interner drops a value.
_LIST_CACHE = 8192

#: Bytes that identify a list of signals exactly: orjson's (2 us) or marshal's (5 us).
_list_key: Callable[[Any], bytes]
try:
    from orjson import dumps as _list_key  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - depends on the installation
    _list_key = marshal.dumps

_DECISION_NUMBER: Final = {name: number for number, name in enumerate(DECISIONS)}

#: Colours of the five decisions, shared by the CSS, the SVG charts and the legend.
COLOURS: Final = {
    "allowed": "#2f8f4e",
    "reserved": "#c0392b",
    "disallowed": "#e08e0b",
    "unknown": "#7f8c8d",
    "error": "#6c3c97",
}

CSV_COLUMNS: Final = (
    "url",
    "origin",
    "decision",
    "reason",
    "status",
    "stored",
    "fetched_at",
    "final_url",
    "tdm_reservation",
    "tdm_policy",
    "content_sha256",
    "warc_record_id",
    "evidence_record_ids",
)
_CSV_COMMAS: Final = len(CSV_COLUMNS) - 1
_CSV_SPECIAL: Final = re.compile(r'["\r\n]')

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: ``<`` only occurs in strings, escaped."""
    return _encode(value).replace("<", "\\u003c")


def _scalar(value: Any) -> str:
    """JSON of one field value, fast for the usual str / int / None (``<`` not escaped:
    the caller escapes the whole row, where ``<`` can only be inside strings)."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is int:
        return str(value)
    return _encode(value)


#: Signal values hashable as they are; others are keyed by ``repr`` (equal dicts whose
#: keys differ in order get two entries: a few bytes more, never a wrong answer).
_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


class Interner:
    """Numbers distinct JSON values and streams each new one to a JSON array in ``sink``.

    :attr:`index` (key -> number) holds at most ``limit`` entries, the oldest dropped
    first: a dropped value seen again is written again under a new number, so memory
    stays bounded and the page only grows a little on pathological input. Callers on a
    hot path look keys up in :attr:`index` themselves and call :meth:`add` on a miss.
    """

    def __init__(
        self,
        sink: IO[str],
        limit: int = 100_000,
        on_evict: Callable[[int], object] | None = None,
    ) -> None:
        self._sink = sink
        self._limit = limit
        self._on_evict = on_evict
        # An OrderedDict, not a dict: dropping a dict's first key again and again is
        # quadratic (iteration skips the deleted slots), popitem(last=False) is O(1).
        self.index: OrderedDict[Hashable, int] = OrderedDict()
        self.count = 0
        sink.write("[")

    def add(self, key: Hashable, value: Any) -> int:
        """Write ``value`` as a new entry and remember its number under ``key``."""
        if len(self.index) >= self._limit:
            _, dropped = self.index.popitem(last=False)
            if self._on_evict is not None:
                self._on_evict(dropped)
        self._sink.write(("," if self.count else "") + script_json(value))
        self.index[key] = number = self.count
        self.count += 1
        return number

    def number(self, key: Hashable, value: Any) -> int:
        found = self.index.get(key)
        return self.add(key, value) if found is None else found

    def close(self) -> None:
        self._sink.write("]")


@dataclass(frozen=True, slots=True)
class ReportResult:
    """What :func:`write_report` wrote, and the aggregate it computed on the way."""

    summary: CrawlSummary
    html_path: Path
    csv_path: Path | None
    manifest: Mapping[str, Any]


class _RowWriter:
    """Streams each record to the rows, details and values tables (and the CSV)."""

    def __init__(self, stack: ExitStack, tmp: Path, csv_path: Path | None) -> None:
        def text(name: str) -> IO[str]:
            return stack.enter_context((tmp / name).open("w", encoding="utf-8"))

        self.rows, self.details = text("rows.json"), text("details.json")
        self.facts: dict[int, SignalFact] = {}
        self._lists: dict[bytes, tuple[list[int], list[SignalFact]]] = {}
        self._origin_refs: dict[tuple[Any, ...], tuple[list[tuple[str, str]], str]] = {}
        self.values = Interner(text("values.json"), _VALUE_LIMIT, on_evict=self._forget)
        self.reasons: dict[str, int] = {}
        self.count = 0
        self.rows.write("[")
        self.details.write("[")
        self.csv: Any = None
        self.csv_file: IO[str] | None = None
        if csv_path is not None:
            self.csv_file = stack.enter_context(csv_path.open("w", encoding="utf-8", newline=""))
            self.csv = csv.writer(self.csv_file)
            self.csv.writerow(CSV_COLUMNS)

    def _forget(self, number: int) -> None:
        """A value left the interner: cached lists that use its number must go too."""
        self.facts.pop(number, None)
        self._lists.clear()
        self._origin_refs.clear()

    def _evidence(self, evidence: DecisionEvidence | None) -> tuple[list[tuple[str, str]], str]:
        """The record's evidence ids and their numbers (as JSON list items).

        Most records rest on their origins' policy files only, and all URLs of an origin
        on the same ones, so that case is cached by the origins' record ids.
        """
        simple = evidence is not None and next(evidence.documents(), None) is None
        key = tuple(evidence.origins.items()) if simple and evidence and evidence.origins else None
        if key is not None:
            cached = self._origin_refs.get(key)
            if cached is not None:
                return cached
        found = evidence_ids(evidence)
        numbers = ",".join(str(self.values.number(pair, pair)) for pair in found)
        if key is not None:
            if len(self._origin_refs) >= _LIST_CACHE:
                self._origin_refs.clear()
            self._origin_refs[key] = found, numbers
        return found, numbers

    def signals(self, record: Mapping[str, Any]) -> tuple[list[int], list[SignalFact]]:
        """Number the record's signals; return the numbers and the facts among them.

        The hot loop of the report. URLs of one origin mostly carry the same signal list,
        so whole lists are cached under a faithful serialisation (``orjson`` or ``marshal``
        bytes: several times cheaper than numbering a list signal by signal). A list
        seen for the first time is numbered signal by signal, and a signal seen for the
        first time gets its facts (:func:`~tdm_crawler.report.summary.signal_fact`).
        """
        signals = record.get("signals") or ()
        try:
            list_key: bytes | None = _list_key(signals)
        except (TypeError, ValueError):  # not plain JSON data: number it without the cache
            list_key = None
        cached = self._lists.get(list_key) if list_key is not None else None
        if cached is not None:
            return cached
        index, facts = self.values.index, self.facts
        numbers = []
        for signal in signals:
            if type(signal) is not dict:
                continue
            get = signal.get
            value = get("value")
            kind = type(value)
            protocol, source, text = get("protocol"), get("source"), get("detail")
            key = (protocol, source, text, kind, value if kind in _SCALARS else repr(value))
            number = index.get(key)
            if number is None:
                number = self.values.add(key, [protocol, source, value, text])
                fact = signal_fact(signal)
                if fact is not None:
                    facts[number] = fact
            numbers.append(number)
        result = numbers, [facts[n] for n in numbers if n in facts]
        if list_key is not None:
            if len(self._lists) >= _LIST_CACHE:
                self._lists.clear()  # simplest bound; refilled from the next records
            self._lists[list_key] = result
        return result

    def write(
        self, record: Mapping[str, Any], origin: int, origin_name: str, numbers: list[int]
    ) -> None:
        """One record: its row, its details and its CSV line (hand-encoded: this runs for
        every record, and json.dumps costs several times more)."""
        get = record.get
        url = str(get("url") or "")
        decision, reason = str(get("decision")), str(get("reason"))
        reason_number = self.reasons.get(reason)
        if reason_number is None:
            reason_number = self.reasons[reason] = len(self.reasons)
        final, status, stored = get("final_url"), get("status"), get("stored")
        fetched = get("fetched_at")
        decision_number = _DECISION_NUMBER.get(decision, 4)
        other = _scalar(final) if final and final != url else "0"
        row = (
            f"[{_scalar(url)},{origin},{decision_number},{reason_number},{_scalar(status)},"
            f"{1 if stored else 0},{_scalar(fetched)},{other}]"
        )
        try:
            evidence = of_record(record)
        except ValueError:  # shown without its evidence; verify names the problem
            evidence = None
        found, evidence_numbers = self._evidence(evidence)
        stage = evidence.stage if evidence is not None else None
        hops = list(evidence.hops) if evidence is not None else []
        failure = evidence.failure if evidence is not None else None
        details = (
            f"[[{','.join(map(str, numbers))}],[{evidence_numbers}],"
            f"{_scalar(get('tdm_reservation'))},{_scalar(get('tdm_policy'))},"
            f"{_scalar(get('content_sha256'))},{_scalar(get('warc_record_id'))},"
            f"{_scalar(stage)},{script_json(hops) if hops else '[]'},"
            f"{_scalar(failure.detail if failure is not None else None)}]"
        )
        separator = "," if self.count else ""
        self.rows.write(separator + row.replace("<", "\\u003c"))
        self.details.write(separator + details.replace("<", "\\u003c"))
        self.count += 1
        if self.csv_file is not None:
            reservation = get("tdm_reservation")
            # Site data as cells a spreadsheet never evaluates (the other columns are
            # the crawler's own codes, digests, ids and numbers).
            fields = (
                csv_cell(url),
                csv_cell(origin_name),
                decision,
                reason,
                "" if status is None else str(status),
                "true" if stored else "false",
                str(fetched or ""),
                csv_cell(str(final or "")),
                "" if reservation is None else str(reservation),
                csv_cell(str(get("tdm_policy") or "")),
                str(get("content_sha256") or ""),
                str(get("warc_record_id") or ""),
                " ".join(record_id for _, record_id in found),
            )
            line = ",".join(fields)
            # The csv module costs more than the rest of this method; it is needed only
            # when a field holds a comma, a quote or a line break (rare in URLs).
            if line.count(",") == _CSV_COMMAS and not _CSV_SPECIAL.search(line):
                self.csv_file.write(line + "\r\n")
            else:
                self.csv.writerow(fields)

    def close(self) -> None:
        self.rows.write("]")
        self.details.write("]")
        self.values.close()


def write_report(
    out: Path,
    html_path: Path | None = None,
    *,
    csv_path: Path | None = None,
    top: int = 15,
    records: Iterator[Mapping[str, Any]] | None = None,
) -> ReportResult:
    """Read ``out`` (a crawl directory) once and write the HTML report (and CSV).

    ``html_path`` defaults to the crawl directory's report page. Files are written under a
    temporary name and renamed, so a reader never sees half a report. ``records`` replaces
    reading the decision log (tests, benchmarks).
    """
    from tdm_crawler.store import CrawlDir, read_manifest

    out = Path(out)
    crawl = CrawlDir(out)
    html_path = Path(html_path) if html_path is not None else crawl.report
    manifest: dict[str, Any] = read_manifest(crawl.manifest) if crawl.manifest.exists() else {}
    summary = CrawlSummary()
    if records is None:
        records = crawl_records(out)  # every worker's, for a distributed crawl
    with tempfile.TemporaryDirectory(prefix="tdm-report-") as tmp_name, ExitStack() as stack:
        tmp = Path(tmp_name)
        csv_tmp = tmp / "urls.csv" if csv_path is not None else None
        writer = _RowWriter(stack, tmp, csv_tmp)
        for record in records:
            numbers, facts = writer.signals(record)
            stats = summary.add(record, facts)
            writer.write(record, stats.index, stats.origin, numbers)
        writer.close()
        stack.close()
        finish(summary, out)
        page_tmp = tmp / "page.html"
        with page_tmp.open("w", encoding="utf-8") as page:
            _write_page(page, tmp, summary, manifest, writer.reasons, out, top)
        _move(page_tmp, html_path)
        if csv_path is not None and csv_tmp is not None:
            _move(csv_tmp, Path(csv_path))
    return ReportResult(summary, html_path, Path(csv_path) if csv_path else None, manifest)


def _move(source: Path, dest: Path) -> None:
    """Put ``source`` at ``dest`` atomically, never over a symbolic link."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    move_into_place(source, dest, mode=0o644)


def _asset(name: str) -> str:
    return resources.files("tdm_crawler.report").joinpath("assets", name).read_text("utf-8")


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} B"  # pragma: no cover


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "—"


def _write_page(
    page: IO[str],
    tmp: Path,
    summary: CrawlSummary,
    manifest: Mapping[str, Any],
    reasons: Mapping[str, int],
    out: Path,
    top: int,
) -> None:
    crawl_id = manifest.get("crawl_id") or next(iter(summary.crawl_ids.counts), "")
    title = f"Crawl report {crawl_id}".strip()
    page.write(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"
        "<link rel='icon' href='data:,'>\n"
        f"<title>{_esc(title)}</title>\n<style>\n{_asset('report.css')}\n</style></head>\n"
        "<body>\n"
    )
    page.write(_header(summary, manifest, out, title))
    page.write(_headline(summary))
    page.write(_tables(summary))
    page.write(_charts(summary, top))
    page.write(_SECTIONS)
    reason_names = sorted(reasons, key=reasons.__getitem__)
    meta = {
        "decisions": list(DECISIONS),
        "colours": COLOURS,
        "reasons": reason_names,
        "reasonCounts": [
            sum(n for (_, r), n in summary.reasons.items() if r == name) for name in reason_names
        ],
        "origins": list(summary.origins),
        "originRows": [
            [
                s.origin,
                s.urls,
                s.stored,
                *s.decisions,
                s.robots_text,
                s.tdmrep_text,
                s.rules,
                " ".join(name for name, _ in PROTOCOLS if s.uses(name)),
                "; ".join(c for c, _ in s.contacts.most_common()),
                " ".join(u for u, _ in s.licenses.most_common()),
                s.files.record_ids if s.files else [],
            ]
            for s in summary.origins.values()
        ],
    }
    page.write(f"<script type='application/json' id='tdm-meta'>{script_json(meta)}</script>\n")
    for name in ("rows", "details", "values"):
        page.write(f"<script type='application/json' id='tdm-{name}'>")
        with (tmp / f"{name}.json").open(encoding="utf-8") as part:
            shutil.copyfileobj(part, page, 64 * 1024)
        page.write("</script>\n")
    page.write(f"<script>\n{_asset('report.js')}\n</script>\n</body></html>\n")


def _header(summary: CrawlSummary, manifest: Mapping[str, Any], out: Path, title: str) -> str:
    tool = manifest.get("tool") or {}
    started = manifest.get("started_at") or summary.first_fetch or "?"
    finished = manifest.get("finished_at") or summary.last_fetch or "?"
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    facts = [
        ("Crawl", f"{started} → {finished}"),
        ("Agent", manifest.get("agent", "?")),
        ("User-Agent", manifest.get("user_agent", "?")),
        ("Directory", str(out)),
        ("Tool", f"{tool.get('name', 'tdm-crawler')} {tool.get('version', '')}".strip()),
        ("Generated", generated),
    ]
    items = "".join(f"<div><dt>{_esc(k)}</dt><dd>{_esc(v)}</dd></div>" for k, v in facts)
    return f"<header><h1>{_esc(title)}</h1><dl class='facts'>{items}</dl></header>\n"


def _headline(summary: CrawlSummary) -> str:
    n = summary.records
    cards = [
        ("URLs decided", f"{n:,}", f"{len(summary.origins):,} origins"),
        ("Stored", f"{summary.stored:,}", _pct(summary.stored, n)),
        ("Excluded", f"{summary.excluded:,}", _pct(summary.excluded, n)),
        (
            "Lost to opt-outs",
            f"{summary.opted_out:,}",
            f"{_pct(summary.opted_out, n)} reserved or disallowed",
        ),
        (
            "Bytes stored",
            _bytes(summary.stored_bytes),
            f"{_bytes(summary.stored_disk_bytes)} of WARC on disk",
        ),
    ]
    body = "".join(
        f"<div class='card'><div class='label'>{_esc(label)}</div>"
        f"<div class='figure'>{_esc(figure)}</div><div class='sub'>{_esc(sub)}</div></div>"
        for label, figure, sub in cards
    )
    return f"<section id='headline' class='cards'>{body}</section>\n"


def _tables(summary: CrawlSummary) -> str:
    n = summary.records
    reason_rows = (
        "".join(
            f"<tr><td><span class='pill d-{_esc(d)}'>{_esc(d)}</span></td><td>{_esc(r)}</td>"
            f"<td class='num'>{c:,}</td><td class='num'>{_pct(c, n)}</td></tr>"
            for d, r, c in summary.reasons_by_count()
            if d != "allowed"
        )
        or "<tr><td colspan='4'>nothing excluded</td></tr>"
    )
    origins = len(summary.origins)
    protocol_rows = "".join(
        f"<tr><td>{_esc(label)}</td><td class='num'>{used:,}</td>"
        f"<td class='num'>{_pct(used, origins)}</td>"
        f"<td class='bar'><span style='width:{100 * used / origins if origins else 0:.1f}%'>"
        "</span></td></tr>"
        for _, label, used in summary.protocol_share()
    )
    return (
        "<section class='two'>"
        "<div><h2>Excluded by reason</h2><table class='plain' id='excluded'>"
        "<thead><tr><th>decision</th><th>reason</th><th>URLs</th><th>share</th></tr></thead>"
        f"<tbody>{reason_rows}</tbody></table></div>"
        "<div><h2>Protocols in use</h2><table class='plain' id='protocols'>"
        "<thead><tr><th>protocol</th><th>origins</th><th>share</th><th></th></tr></thead>"
        f"<tbody>{protocol_rows}</tbody></table>"
        "<p class='note'>An origin uses a protocol when any of its URLs had a signal of it "
        "that said something (a robots.txt with groups, a tdmrep.json with rules, a header "
        "or meta value, a licence...).</p></div></section>\n"
    )


_SECTIONS: Final = """<section id='origins-section'><h2>Origins</h2>
<p class='note'>Click an origin to filter the URL table by it.</p>
<div id='origins'></div></section>
<section id='urls-section'><h2>URLs</h2>
<form id='filters' autocomplete='off' onsubmit='return false'>
<label>Decision <select id='f-decision'><option value=''>all</option></select></label>
<label>Reason <select id='f-reason'><option value=''>all</option></select></label>
<label>Origin <select id='f-origin'><option value=''>all</option></select></label>
<label class='grow'>Search <input id='f-text' type='search' placeholder='part of the URL'></label>
<button type='button' id='f-clear'>Clear</button>
<span id='url-count' role='status'></span>
</form>
<div class='split'><div id='urls'></div>
<aside id='detail' hidden aria-live='polite'></aside></div>
</section>
<noscript><p>The tables need JavaScript; the figures above do not.</p></noscript>
"""


# --- charts: inline SVG, drawn here so they show without JavaScript ---------------------

_CHART_WIDTH: Final = 640
_LABEL_WIDTH: Final = 230
_BAR_HEIGHT: Final = 18
_GAP: Final = 6


def _svg(height: int, label: str, body: str, width: int = _CHART_WIDTH) -> str:
    return (
        f"<svg viewBox='0 0 {width} {height}' width='100%' role='img' "
        f"aria-label='{_esc(label)}' xmlns='http://www.w3.org/2000/svg'>{body}</svg>"
    )


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def _stacked_rows(rows: Sequence[tuple[str, Sequence[int], str]], label: str) -> str:
    """Horizontal bars, one per row, stacked by decision; ``rows``: (label, counts, tip)."""
    if not rows:
        return "<p class='note'>No data.</p>"
    biggest = max(sum(counts) for _, counts, _ in rows) or 1
    span = _CHART_WIDTH - _LABEL_WIDTH - 60
    parts: list[str] = []
    for row, (name, counts, tip) in enumerate(rows):
        y = row * (_BAR_HEIGHT + _GAP)
        parts.append(
            f"<text x='{_LABEL_WIDTH - 6}' y='{y + 13}' text-anchor='end'>"
            f"<title>{_esc(name)}</title>{_esc(_clip(name))}</text>"
        )
        x = float(_LABEL_WIDTH)
        for decision, n in zip(DECISIONS, counts, strict=False):
            if not n:
                continue
            width = max(1.0, span * n / biggest)
            parts.append(
                f"<rect x='{x:.1f}' y='{y}' width='{width:.1f}' height='{_BAR_HEIGHT}' "
                f"fill='{COLOURS[decision]}'><title>{_esc(tip)}: {n:,} {decision}</title></rect>"
            )
            x += width
        parts.append(f"<text x='{x + 5:.1f}' y='{y + 13}'>{sum(counts):,}</text>")
    return _svg(len(rows) * (_BAR_HEIGHT + _GAP), label, "".join(parts))


def _legend() -> str:
    items = "".join(
        f"<span><i style='background:{colour}'></i>{_esc(decision)}</span>"
        for decision, colour in COLOURS.items()
    )
    return f"<div class='legend'>{items}</div>"


def _reason_chart(summary: CrawlSummary) -> str:
    rows = []
    entries = summary.reasons_by_count()
    shared = Counter(reason for _, reason, _ in entries)
    for decision, reason, n in entries:
        counts = [n if d == decision else 0 for d in DECISIONS]
        label = f"{reason} ({decision})" if shared[reason] > 1 else reason
        rows.append((label, counts, label))
    return _stacked_rows(rows, "Decisions per reason")


def _origin_chart(summary: CrawlSummary, top: int) -> str:
    rows = [(s.origin, s.decisions, s.origin) for s in summary.top_origins(top)]
    return _stacked_rows(rows, f"Decisions per origin, top {top}")


def _time_label(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _timeline_chart(summary: CrawlSummary) -> str:
    start, width, bars = summary.timeline.series()
    if not bars:
        return "<p class='note'>No timestamps.</p>"
    height, axis, left, full = 170, 20, 44, 2 * _CHART_WIDTH
    span = full - left - 10
    biggest = max(sum(bar) for bar in bars) or 1
    step = span / len(bars)
    parts = [
        f"<line x1='{left}' y1='{height}' x2='{full - 10}' y2='{height}' class='axis'/>",
        f"<text x='{left - 4}' y='12' text-anchor='end'>{biggest:,}</text>",
        f"<text x='{left - 4}' y='{height}' text-anchor='end'>0</text>",
    ]
    for index, bar in enumerate(bars):
        x, y = left + index * step, float(height)
        when = _time_label(start + index * width)
        for decision, n in zip(DECISIONS, bar, strict=False):
            if not n:
                continue
            h = (height - 16) * n / biggest
            y -= h
            parts.append(
                f"<rect x='{x + 0.5:.1f}' y='{y:.1f}' width='{max(step - 1, 1):.1f}' "
                f"height='{h:.1f}' fill='{COLOURS[decision]}'>"
                f"<title>{when} (+{width:g} s): {n:,} {decision}</title></rect>"
            )
    end = _time_label(start + len(bars) * width)
    parts.append(f"<text x='{left}' y='{height + 15}'>{_time_label(start)}</text>")
    parts.append(f"<text x='{full - 10}' y='{height + 15}' text-anchor='end'>{end} UTC</text>")
    label = f"Decisions over time, {width:g} s per bar"
    chart = _svg(height + axis, label, "".join(parts), width=full)
    return chart + f"<p class='note'>{_esc(label)}.</p>"


def _charts(summary: CrawlSummary, top: int) -> str:
    return (
        f"<section id='charts'><h2>Charts</h2>{_legend()}<div class='charts'>"
        f"<figure><figcaption>Decisions per reason</figcaption>{_reason_chart(summary)}"
        "</figure>"
        f"<figure><figcaption>Decisions per origin (top {top})</figcaption>"
        f"{_origin_chart(summary, top)}</figure>"
        f"<figure class='wide'><figcaption>Decisions over time</figcaption>"
        f"{_timeline_chart(summary)}</figure></div></section>\n"
    )
