"""``tdm-crawl report``: the streaming aggregation, the HTML page's data and the CSV.

Unit tests on hand-made records pin down the rules (what counts as using a protocol,
bounded memory, escaping); a real crawl of the fixture sites checks that the report
tells what the decision log and the evidence WARCs say.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.report import html_report
from tdm_crawler.report.html_report import CSV_COLUMNS, Interner, script_json, write_report
from tdm_crawler.report.summary import (
    CrawlSummary,
    TimeHistogram,
    origin_of,
    protocols_in_use,
    summarise,
)
from tdm_crawler.store import iter_records


def page_data(page: str, name: str) -> Any:
    """The JSON of one ``<script type="application/json">`` block of the report."""
    match = re.search(
        rf"<script type='application/json' id='tdm-{name}'>(.*?)</script>", page, re.S
    )
    assert match, f"no tdm-{name} block"
    return json.loads(match.group(1))


def signal(protocol: str, value: Any, source: str = "x", detail: str = "") -> dict[str, Any]:
    return {"protocol": protocol, "source": source, "value": value, "detail": detail}


def record(
    url: str, decision: str = "allowed", reason: str = "no-reservation", **extra: Any
) -> dict[str, Any]:
    base: dict[str, Any] = {
        "url": url,
        "final_url": url,
        "status": 200,
        "decision": decision,
        "reason": reason,
        "tdm_reservation": None,
        "tdm_policy": None,
        "signals": [signal("robots", "allow", "robots.txt", "group '*': no rule matches, allowed")],
        "stored": decision == "allowed",
        "content_sha256": "ab" * 32 if decision == "allowed" else None,
        "warc_record_id": "<urn:uuid:1>" if decision == "allowed" else None,
        "fetched_at": "2026-01-05T09:00:00.000000Z",
        "crawl_id": "test-crawl",
        "evidence": {
            "stage": "after",
            "url": url,
            "hops": [],
            "origins": {origin_of(url): "<urn:uuid:ev>"},
        },
    }
    base.update(extra)
    return base


# --- the rules -----------------------------------------------------------------------


def test_protocols_in_use_count_only_signals_that_say_something() -> None:
    nothing = [
        signal("robots", "allow", "robots.txt", "404: no robots.txt, everything allowed"),
        signal("robots-ai-agent", []),
        signal("tdmrep", {"tdm-reservation": None, "tdm-policy": None}, "file"),
        signal("tdmrep", None, "header"),
        signal("noai", ["noindex", "nofollow"], "meta"),
        signal("content-usage", None, "header"),
        signal("http", 200, "status"),
    ]
    assert protocols_in_use(nothing) == set()
    something = [
        signal("robots", "allow", "robots.txt", "group '*': no rule matches, allowed"),
        signal("robots-ai-agent", ["GPTBot"]),
        signal("tdmrep", {"tdm-reservation": 0, "tdm-policy": None}, "meta"),
        signal("noai", ["noai, noimageai"], "header"),
        signal("content-usage", "train-ai=n", "header"),
        signal("content-signal", ["ai-train=no"], "robots.txt"),
        signal("rsl", {"license_url": "https://e.example/l.xml"}),
        signal("c2pa", {"c2pa.ai_training": {"use": "notAllowed"}}),
        signal("tdm-policy", {"url": "https://e.example/p.json", "assigner": {}}),
    ]
    assert protocols_in_use(something) == {
        "robots",
        "robots-ai-agent",
        "tdmrep",
        "noai",
        "content-usage",
        "content-signal",
        "rsl",
        "c2pa",
        "tdm-policy",
    }
    assert protocols_in_use([signal("robots", "disallow", "robots.txt", "x")]) == {"robots"}


def test_origin_of_gives_the_evidence_keys() -> None:
    assert origin_of("http://Example.org/a?b#c") == "http://example.org:80"
    assert origin_of("https://example.org:8443") == "https://example.org:8443"
    assert origin_of("https://example.org?q=/x") == "https://example.org:443"
    assert origin_of("http://[::1]:8080/x") == "http://[::1]:8080"
    assert origin_of("http://127.0.0.1:1234/") == "http://127.0.0.1:1234"


def test_time_histogram_stays_bounded_and_exact() -> None:
    histogram = TimeHistogram(max_bins=64, initial_width=0.1)
    moments = [1_700_000_000 + i * 0.37 for i in range(10_000)]
    for index, moment in enumerate(moments):
        histogram.add(moment, index % 5)
    assert len(histogram.bins) <= 64
    start, width, bars = histogram.series(max_bars=40)
    assert len(bars) <= 40
    assert sum(map(sum, bars)) == 10_000
    assert [sum(bar[d] for bar in bars) for d in range(5)] == [2000] * 5
    assert start <= moments[0] < start + width
    assert moments[-1] < start + width * len(bars)


def test_interner_numbers_values_once_and_stays_bounded() -> None:
    sink = io.StringIO()
    interner = Interner(sink, limit=2)
    numbers = [interner.number(key, [key]) for key in ("a", "b", "a", "c", "a")]
    interner.close()
    table = json.loads(sink.getvalue())
    assert numbers[0] == numbers[2]  # seen again while remembered
    assert len(interner.index) <= 2
    assert [table[n] for n in numbers] == [["a"], ["b"], ["a"], ["c"], ["a"]]
    assert table.count(["a"]) == 2  # dropped, then written again: bounded, never wrong


def test_script_json_cannot_end_the_script_element() -> None:
    text = script_json({"url": "http://e.example/</script><script>alert(1)</script><!--"})
    assert "</" not in text and "<!--" not in text
    assert json.loads(text)["url"].endswith("</script><!--")


# --- the page from hand-made records -------------------------------------------------


def synthetic(n: int, origins: int = 50) -> Iterator[dict[str, Any]]:
    """Records like a crawl's: per-origin signals, some URL-specific details."""
    decisions = [
        ("allowed", "no-reservation"),
        ("reserved", "tdmrep-file"),
        ("disallowed", "robots-disallow"),
        ("unknown", "tdmrep-file-unavailable"),
        ("error", "http-status"),
    ]
    for i in range(n):
        host = f"http://site{i % origins}.example:8080"
        decision, reason = decisions[i % len(decisions) if i % 3 else 0]
        url = f"{host}/section/{i}?page={i % 7}"
        signals = [
            signal("robots", "allow", "robots.txt", "group '*': no rule matches, allowed"),
            signal("robots-ai-agent", []),
            signal(
                "tdmrep",
                {"tdm-reservation": 1, "tdm-policy": None},
                "file",
                f"no rule matches '/section/{i}'",
            ),
            signal("http", 200, "status", "HTTP 200"),
        ]
        seconds = i * 0.05
        yield record(
            url,
            decision,
            reason,
            signals=signals,
            fetched_at=f"2026-01-05T09:{int(seconds // 60) % 60:02d}:{seconds % 60:09.6f}Z",
        )


def test_report_from_records_without_warcs(tmp_path: Path) -> None:
    hostile = record(
        'http://evil.example/</script><script>alert(1)</script>?a,b="c"',
        "reserved",
        "tdmrep-meta",
        signals=[signal("tdmrep", {"tdm-reservation": 1, "tdm-policy": None}, "meta", "</script>")],
    )
    records = [*synthetic(300), hostile]
    html_path, csv_path = tmp_path / "out" / "r.html", tmp_path / "out" / "u.csv"
    result = write_report(tmp_path, html_path, csv_path=csv_path, records=iter(records))
    page = html_path.read_text(encoding="utf-8")

    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert not re.search(r"(src|href)=['\"]?https?:", page)
    assert "@import" not in page and "url(" not in page
    assert page.count("<script") == page.count("</script>") == 5  # 4 data blocks + the code

    rows = page_data(page, "rows")
    details = page_data(page, "details")
    values = page_data(page, "values")
    meta = page_data(page, "meta")
    assert len(rows) == len(details) == len(records) == result.summary.records
    for row, detail, source in zip(rows, details, records, strict=True):
        assert row[0] == source["url"]
        assert meta["decisions"][row[2]] == source["decision"]
        assert meta["reasons"][row[3]] == source["reason"]
        assert meta["origins"][row[1]] == origin_of(source["url"])
        assert [values[n] for n in detail[0]] == [
            [s["protocol"], s["source"], s["value"], s["detail"]] for s in source["signals"]
        ]
        assert [values[n][1] for n in detail[1]] == ["<urn:uuid:ev>"]
    assert len(values) < 3 * len(records)  # shared signals are written once

    with csv_path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == list(CSV_COLUMNS)
    assert [line["url"] for line in table] == [r["url"] for r in records]
    assert table[-1]["decision"] == "reserved" and table[-1]["stored"] == "false"
    assert table[0]["evidence_record_ids"] == "<urn:uuid:ev>"

    summary = result.summary
    assert summary.decisions == Counter(r["decision"] for r in records)
    assert len(summary.origins) == 51
    assert summary.stored_bytes == 0 and summary.stored_disk_bytes == 0


FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\uff1d1+1")


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_csv_cell_from_a_site_never_starts_a_formula(tmp_path: Path, formula: str) -> None:
    """The policy URL a site names (and its URLs) become text in a spreadsheet: a cell
    that would start a formula gets a leading ``'``; the crawler's own columns are as
    they were."""
    hostile = record(
        "http://evil.example/a", "reserved", "tdmrep-header", tdm_reservation=1,
        tdm_policy=formula, final_url=formula,
    )  # fmt: skip
    csv_path = tmp_path / "u.csv"
    write_report(tmp_path, tmp_path / "r.html", csv_path=csv_path, records=iter([hostile]))
    with csv_path.open(encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["tdm_policy"] == row["final_url"] == "'" + formula
    assert (row["url"], row["decision"], row["tdm_reservation"]) == (
        hostile["url"],
        "reserved",
        "1",
    )


def test_report_memory_does_not_grow_with_the_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shrink the two caches (100,000 values, 8,192 signal lists) so that they fill up
    # within the small crawl: then nothing else may grow with the number of records.
    monkeypatch.setattr(html_report, "_VALUE_LIMIT", 500)
    monkeypatch.setattr(html_report, "_LIST_CACHE", 100)

    def peak(n: int) -> int:
        tracemalloc.start()
        try:
            write_report(tmp_path, tmp_path / f"r{n}.html", records=synthetic(n, origins=20))
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(1_000), peak(10_000)
    assert large < small + 2**20, (small, large)  # ten times the records, same memory


# --- a real crawl --------------------------------------------------------------------


@pytest.mark.e2e
def test_report_tells_what_the_crawl_recorded(
    crawl: Path, crawl_sites: tuple[str, ...], fixture_server: FixtureServer
) -> None:
    result = write_report(crawl, csv_path=crawl / "urls.csv")
    assert result.html_path == crawl / "report.html"
    page = result.html_path.read_text(encoding="utf-8")
    records = list(iter_records(crawl / "decisions.jsonl"))
    manifest = json.loads((crawl / "manifest.json").read_text())
    summary = result.summary

    assert summary.records == len(records) == manifest["counts"]["records"]
    assert dict(summary.decisions) == manifest["counts"]["decision"]
    assert summary.stored == manifest["counts"]["stored"]
    assert f">{len(records):,}<" in page and manifest["crawl_id"] in page
    assert summary.stored_bytes and summary.stored_disk_bytes

    origin = {site: origin_of(fixture_server.origin(site)) for site in crawl_sites}
    origins = {site: summary.origins[key] for site, key in origin.items()}
    assert "unreachable" in origins["robots-5xx"].robots_text
    assert origins["robots-rules"].robots_text.startswith("200")
    assert "unreachable" in origins["tdmrep-5xx"].tdmrep_text
    assert (origins["tdmrep-file"].rules or 0) > 0
    assert origins["tdmrep-file"].contacts.most_common()
    assert origins["open"].robots_text.startswith("404") or "present" in origins["open"].robots_text
    assert origins["tdmrep-file"].uses("tdmrep") and origins["tdmrep-file"].uses("tdm-policy")
    assert not origins["open"].uses("tdmrep")
    share = {name: used for name, _, used in summary.protocol_share()}
    assert share["tdmrep"] >= 2 and share["tdm-policy"] >= 1

    rows, details, values = (page_data(page, n) for n in ("rows", "details", "values"))
    meta = page_data(page, "meta")
    for row, detail, source in zip(rows, details, records, strict=True):
        assert (row[0], meta["reasons"][row[3]]) == (source["url"], source["reason"])
        assert len(detail[0]) == len(source["signals"])
        ids = {values[n][1] for n in detail[1]}
        assert set(source["evidence"]["origins"].values()) <= ids
    by_origin = {r[0]: r for r in meta["originRows"]}
    tdmrep_row = by_origin[origin_of(fixture_server.origin("tdmrep-file"))]
    assert tdmrep_row[1] == sum(
        1 for r in records if r["url"].startswith(fixture_server.origin("tdmrep-file"))
    )

    with (crawl / "urls.csv").open(encoding="utf-8", newline="") as handle:
        assert [line["url"] for line in csv.DictReader(handle)] == [r["url"] for r in records]


@pytest.mark.e2e
def test_summarise_equals_the_report_summary(crawl: Path) -> None:
    alone = summarise(crawl)
    with_page = write_report(crawl, crawl / "again.html").summary
    assert alone.decisions == with_page.decisions
    assert alone.reasons == with_page.reasons
    assert {o: s.protocols for o, s in alone.origins.items()} == {
        o: s.protocols for o, s in with_page.origins.items()
    }
    assert alone.policies.counts == with_page.policies.counts


@pytest.mark.e2e
def test_cli_report_prints_the_paths(crawl: Path, tmp_path: Path) -> None:
    html_path, csv_path, sheet = tmp_path / "r.html", tmp_path / "u.csv", tmp_path / "D.md"
    command = [sys.executable, "-m", "tdm_crawler.cli", "report", str(crawl)]
    command += ["--html", str(html_path), "--csv", str(csv_path), "--datasheet", str(sheet)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(html_path), str(csv_path), str(sheet)]
    assert html_path.stat().st_size and csv_path.stat().st_size and sheet.stat().st_size

    missing = subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", "report", str(tmp_path / "nothing")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1 and "--out" in missing.stderr


def test_empty_crawl_gives_a_page(tmp_path: Path) -> None:
    (tmp_path / "decisions.jsonl").write_text("")
    result = write_report(tmp_path)
    page = result.html_path.read_text(encoding="utf-8")
    assert page_data(page, "rows") == [] and "No timestamps" in page
    assert isinstance(result.summary, CrawlSummary) and result.summary.records == 0


def test_the_optional_orjson_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """orjson (when installed) only makes it faster: the page is the same with json."""
    import marshal

    from tdm_crawler.store import decisions as decisions_module

    crawl_dir = tmp_path / "crawl"
    crawl_dir.mkdir()
    with (crawl_dir / "decisions.jsonl").open("w", encoding="utf-8") as handle:
        for item in synthetic(500):
            handle.write(json.dumps(item) + "\n")

    def page_without_date(name: str) -> str:
        page = write_report(crawl_dir, tmp_path / name).html_path.read_text(encoding="utf-8")
        return re.sub(r"<dt>Generated</dt><dd>[^<]*</dd>", "", page)

    first = page_without_date("a.html")
    monkeypatch.setattr(decisions_module, "_loads", json.loads)
    monkeypatch.setattr(html_report, "_list_key", marshal.dumps)
    assert page_without_date("b.html") == first
