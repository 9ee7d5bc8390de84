"""A crawl directory written by release 0.1.0 (tests/data/crawl-0.1.0, the demo crawl: 137
decisions) is read by today's replay, verify, diff, report and resume.

The directory is never written to: what writes (replay --out, report, a resumed crawl)
works on a copy or writes elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import pytest_twisted

from tdm_crawler.cli import main
from tdm_crawler.crawl.resume import ResumeState
from tdm_crawler.offline.diff import diff_crawls, load_state
from tdm_crawler.offline.replay import replay_config, replay_crawl
from tdm_crawler.offline.verify import verify_crawl
from tdm_crawler.report.datasheet import render_datasheet
from tdm_crawler.report.html_report import write_report
from tdm_crawler.store import CrawlDir, iter_records
from tests.crawling import crawl
from tests.paths import DATA

OLD = CrawlDir(DATA / "crawl-0.1.0")
RECORDS = 137
STORED = 71

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def _digests(crawl_dir: CrawlDir) -> dict[str, str]:
    files = sorted(path for path in crawl_dir.root.rglob("*") if path.is_file())
    return {
        crawl_dir.relative(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in files
    }


@pytest.fixture(scope="module", autouse=True)
def old_crawl_unchanged() -> object:
    """Every test here only reads tests/data: prove it after all of them ran."""
    before = _digests(OLD)
    yield
    assert _digests(OLD) == before, "tests/data/crawl-0.1.0 was modified"


@pytest.fixture
def copy(tmp_path: Path) -> CrawlDir:
    target = tmp_path / "crawl-0.1.0"
    shutil.copytree(OLD.root, target)
    return CrawlDir(target)


def test_it_is_a_0_1_0_crawl() -> None:
    manifest = OLD.load_manifest()
    assert manifest is not None
    assert manifest["tool"] == {"name": "tdm-crawler", "version": "0.1.0"}
    assert manifest["counts"]["records"] == RECORDS


def test_verify_finds_it_whole() -> None:
    result = verify_crawl(OLD.root, strict=True)
    assert result.ok, result.violations
    assert (result.decisions, result.stored, result.digests_checked) == (RECORDS, STORED, 3)
    assert result.warnings == []


def test_replay_decides_every_url_again(tmp_path: Path) -> None:
    """Every decision is replayable from the recorded evidence. (Today's rules may decide
    some differently: a change of a rule shows as a change, which is what replay is for.)"""
    manifest = OLD.load_manifest()
    assert manifest is not None
    result = replay_crawl(OLD.root, replay_config(manifest, {}))
    assert (result.records, result.kept, result.torn_lines) == (RECORDS, 0, [])
    assert result.unchanged + result.changed == RECORDS
    assert result.unchanged > RECORDS // 2


def test_replay_out_derives_a_corpus_that_verifies_and_diffs_against_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "replayed"
    report = tmp_path / "r.jsonl"
    code = main(["replay", str(OLD.root), "--report", str(report), "--out", str(out)])
    assert code in (0, 1), capsys.readouterr()  # 1: today's rules exclude an allowed URL
    assert "stored responses copied" in capsys.readouterr().out
    assert verify_crawl(out, strict=True).ok
    changed = {json.loads(line)["url"] for line in report.read_text().splitlines()}
    replayed = {r["url"]: r for r in iter_records(CrawlDir(out).decisions)}
    recorded = {r["url"]: r for r in iter_records(OLD.decisions)}
    assert set(replayed) == set(recorded)
    assert all(replayed[url] == recorded[url] for url in set(recorded) - changed)
    result = diff_crawls(load_state(OLD.root), load_state(out))
    assert (result["counts"]["added"], result["counts"]["removed"]) == (0, 0)


def test_diff_reads_its_origin_documents() -> None:
    state = load_state(OLD.root)
    assert len(state.urls) == RECORDS and len(state.origins) == 20
    documents = next(iter(state.urls.values()))["origin_documents"]
    ((origin, files),) = documents.items()
    assert set(files) == {"robots.txt", "tdmrep.json"} and origin.startswith("http://127.0.0.1:")
    assert all(value.split()[0].isdigit() for value in files.values())


def test_report_and_datasheet_read_it(tmp_path: Path) -> None:
    result = write_report(OLD.root, tmp_path / "report.html", csv_path=tmp_path / "urls.csv")
    summary = result.summary
    assert (summary.records, summary.stored) == (RECORDS, STORED)
    assert len(summary.origins) == 20
    assert all(stats.files is not None for stats in summary.origins.values())
    assert summary.stored_bytes and summary.stored_bytes > 0
    assert len((tmp_path / "urls.csv").read_text().splitlines()) == RECORDS + 1
    text = render_datasheet(summary, result.manifest, OLD.root)
    assert "# Datasheet: web corpus `20261207T210410Z-7d34b894`" in text


def test_resume_state_loads_from_it_without_cutting_anything(copy: CrawlDir) -> None:
    before = _digests(copy)
    state = ResumeState.load(copy)
    assert len(state.decided) == RECORDS
    assert _digests(copy) == before, "a finished crawl has nothing to repair"
    stored = [prior for prior in state.decided.values() if prior.record_id]
    assert len(stored) == STORED
    pages = [page for page in map(state.stored_page, stored) if page is not None]
    assert pages and any(page.xpath("//a/@href") for page in pages)


@pytest_twisted.ensureDeferred
async def test_a_crawl_resumed_on_it_decides_nothing_twice(copy: CrawlDir) -> None:
    manifest = copy.load_manifest()
    assert manifest is not None
    await crawl(manifest["seeds"], copy.root, LOG_LEVEL="WARNING")
    records = list(iter_records(copy.decisions))
    urls = [record["url"] for record in records]
    assert len(urls) == len(set(urls)), "no URL decided twice"
    assert records[:RECORDS] == list(iter_records(OLD.decisions))
    resumed = json.loads(copy.manifest.read_text())
    assert resumed["crawl_id"] == manifest["crawl_id"]
    assert [s["status"] for s in resumed["sessions"]] == ["finished", "finished"]
    assert resumed["counts"]["records"] == len(records)
    assert verify_crawl(copy.root, strict=True).ok, "the resumed crawl is whole"
