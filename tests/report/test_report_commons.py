"""The report's and the datasheet's commons sections on a crawl of the licensed fixture
sites, against numbers computed here from the sites' own tables and bodies."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.corpus.commons import CommonsTally
from tdm_crawler.report.datasheet import render_datasheet
from tdm_crawler.report.html_report import write_report
from tdm_crawler.report.summary import origin_of
from tests.conftest import LICENSED_SITES
from tests.crawling import records

pytestmark = pytest.mark.e2e


def expected_works(fixture_server: FixtureServer) -> tuple[Counter[str], Counter[str]]:
    """Stored works and their bytes (the bodies the server sends) by class, from the
    sites' ``expected_license`` tables: every page is allowed but the reserved one."""
    works: Counter[str] = Counter()
    size: Counter[str] = Counter()
    decided = fixture_server.expected(LICENSED_SITES)
    for site in LICENSED_SITES:
        for url, (_, license_class, _) in fixture_server.expected_license([site]).items():
            if decided[url][0] != "allowed":
                continue
            path = url.removeprefix(fixture_server.origin(site))
            works[license_class] += 1
            size[license_class] += len(fixture_server.body(site, path))
    return works, size


def test_the_fixture_sites_make_these_classes(fixture_server: FixtureServer) -> None:
    """The hand count the other tests rely on."""
    works, _ = expected_works(fixture_server)
    assert works == {
        "open": 15,
        "public-domain": 4,
        "restricted": 3,
        "partial": 2,
        "unstated": 4,
        "other": 1,
    }


def tally_of(crawl: Path) -> CommonsTally:
    tally = CommonsTally()
    for record in records(crawl):
        tally.add(record, origin_of(record["url"]))
    return tally


def test_the_tally_counts_works_bytes_and_words_by_class(
    licensed_crawl: Path, fixture_server: FixtureServer
) -> None:
    works, size = expected_works(fixture_server)
    tally = tally_of(licensed_crawl)
    assert {c: e.works for c, e in tally.classes()} == works
    assert {c: e.bytes for c, e in tally.classes()} == size
    by_url = {r["url"]: r for r in records(licensed_crawl)}
    # Counted by hand: meta.html's body text is 30 words, notes.txt's 10.
    assert by_url[fixture_server.url("licenses", "/meta.html")]["size"]["words"] == 30
    assert by_url[fixture_server.url("credits", "/notes.txt")]["size"]["words"] == 10
    assert tally.stored.uncounted == 3  # the PDF, the EPUB and the PNG
    assert tally.stored.words == sum((r["size"] or {}).get("words") or 0 for r in by_url.values())
    assert (tally.reserved_read, dict(tally.reserved_open)) == (1, {"CC-BY-4.0": 1})
    licences = {item.key: item.extent.works for item in tally.licences()}
    assert licences["CC-BY-4.0"] == 8  # 6 on licenses (PDF included), 2 on credits
    assert "(unstated)" not in licences and len(tally.by_origin) == 2


def cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f"id='{table_id}'", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1])
    return [
        [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r)] for r in rows
    ]


def test_the_html_report_shows_the_commons(
    licensed_crawl: Path, fixture_server: FixtureServer, tmp_path: Path
) -> None:
    works, size = expected_works(fixture_server)
    total_works, total_bytes = sum(works.values()), sum(size.values())
    page = tmp_path / "report.html"
    write_report(licensed_crawl, page)
    html = page.read_text(encoding="utf-8")
    section = html.split("<section id='commons'>", 1)[1].split("</section>", 1)[0]
    assert "What the corpus draws from the commons" in section
    rows = {row[0]: row for row in cells(section, "by-class")}
    assert list(rows) == ["public-domain", "open", "restricted", "other", "partial", "unstated"]
    for name, row in rows.items():
        assert int(row[1]) == works[name]
        assert row[2] == f"{100 * works[name] / total_works:.1f} %"
        assert row[4] == f"{100 * size[name] / total_bytes:.1f} %"
    commons = works["open"] + works["public-domain"]
    assert f"{100 * commons / total_works:.1f} %" in section  # the open share card
    assert cells(section, "reserved-open") == [
        ["CC-BY-4.0 (Creative Commons Attribution 4.0 International)", "1"]
    ]
    assert (
        section.count("<svg") == 2
        and "http" not in section.split("<svg", 1)[1].split("xmlns", 1)[0]
    ), "no external asset"


def test_the_datasheet_has_the_commons_and_the_ledger(
    licensed_crawl: Path, fixture_server: FixtureServer
) -> None:
    from tdm_crawler.report.summary import summarise
    from tdm_crawler.store import read_manifest

    works, _ = expected_works(fixture_server)
    summary = summarise(licensed_crawl)
    sheet = render_datasheet(
        summary, read_manifest(licensed_crawl / "manifest.json"), licensed_crawl
    )
    commons = sheet.split("## What the corpus draws from the commons", 1)[1].split("\n## ", 1)[0]
    total = sum(works.values())
    share = 100 * (works["open"] + works["public-domain"]) / total
    assert f"Of the **{total} stored works**" in commons
    assert f"**{share:.1f} % are public domain or openly licensed**" in commons
    assert f"| `open` | {works['open']} | {100 * works['open'] / total:.1f} % |" in commons
    assert "**1 reserved works carried an open or public-domain licence**" in commons
    assert "```\nworks\n  public-domain █" in commons  # the text chart
    ledger = sheet.split("## Contribution ledger", 1)[1].split("\n## ", 1)[0]
    words = summary.commons.stored.words
    assert f"| `127.0.0.1` | 2 | {total} | {words} | 100.0 % | 100.0 % |" in ledger
