"""CrawlDir: the layout of a crawl directory, and which crawl directories a DIR stands for."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tdm_crawler.exceptions import NotACrawl
from tdm_crawler.store import CrawlDir


def _crawl(path: Path, manifest: dict[str, str] | None = None) -> CrawlDir:
    """A directory holding a (here empty) decision log, and optionally a manifest."""
    crawl = CrawlDir(path)
    path.mkdir(parents=True, exist_ok=True)
    crawl.decisions.write_text("")
    if manifest is not None:
        crawl.manifest.write_text(json.dumps(manifest))
    return crawl


def test_the_layout_names_every_path_under_the_root(tmp_path: Path) -> None:
    crawl = CrawlDir(tmp_path)
    layout = (
        crawl.decisions,
        crawl.manifest,
        crawl.content,
        crawl.evidence,
        crawl.purge,
        crawl.complaints,
        crawl.report,
        crawl.workers,
    )
    names = [crawl.relative(path) for path in layout]
    assert names == [
        "decisions.jsonl",
        "manifest.json",
        "content",
        "evidence",
        "purge.jsonl",
        "complaints.jsonl",
        "report.html",
        "workers",
    ]
    assert crawl.worker("w1") == CrawlDir(tmp_path / "workers" / "w1")
    assert crawl.worker("w1").decisions == tmp_path / "workers" / "w1" / "decisions.jsonl"


def test_warc_files_in_writing_order(tmp_path: Path) -> None:
    crawl = _crawl(tmp_path)
    crawl.content.mkdir()
    for name in ("content-2.warc.gz", "content-1.warc.gz", "notes.txt"):
        (crawl.content / name).write_bytes(b"x")
    (crawl.content / "dir.warc.gz").mkdir()  # not a file
    assert [p.name for p in crawl.content_warcs()] == ["content-1.warc.gz", "content-2.warc.gz"]
    assert crawl.evidence_warcs() == []
    assert crawl.digested_files() == [*crawl.content_warcs(), crawl.decisions]
    crawl.complaints.write_text("")  # a purged crawl's complaint log is sealed too
    assert crawl.digested_files() == [*crawl.content_warcs(), crawl.decisions, crawl.complaints]


def test_parts_are_the_crawl_itself_or_its_workers(tmp_path: Path) -> None:
    single = _crawl(tmp_path / "single")
    assert single.holds_crawl and not single.is_distributed
    assert single.parts() == [single]
    assert single.require() is single

    top = CrawlDir(tmp_path / "multi")
    for name in ("b", "a"):
        _crawl(top.worker(name).root, {"crawl_id": "x", "worker_id": name})
    top.worker("empty").root.mkdir()
    assert not top.holds_crawl and top.is_distributed
    assert top.parts() == [top.worker("a"), top.worker("b")]
    # One worker's decisions may rest on evidence any worker fetched.
    assert top.worker("b").evidence_sources() == top.parts()
    assert top.worker("b").parts() == [top.worker("b")]


def test_a_lone_crawl_named_like_a_worker_has_only_its_own_evidence(tmp_path: Path) -> None:
    lone = _crawl(tmp_path / "workers" / "x", {"crawl_id": "x"})  # no worker_id
    _crawl(tmp_path / "workers" / "y", {"crawl_id": "y", "worker_id": "y"})
    assert lone.evidence_sources() == [lone]


def test_require_says_in_one_line_what_is_wrong(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    empty = tmp_path / "empty"
    no_worker_log = tmp_path / "no-worker-log"
    empty.mkdir()
    (no_worker_log / "workers" / "w1").mkdir(parents=True)
    cases = {missing: "is not a directory", empty: "holds no crawl", no_worker_log: "no crawl"}
    for path, message in cases.items():
        with pytest.raises(NotACrawl, match=message) as caught:
            CrawlDir(path).require()
        assert "\n" not in str(caught.value)


def test_load_manifest(tmp_path: Path) -> None:
    crawl = _crawl(tmp_path)
    assert crawl.load_manifest() is None
    crawl.manifest.write_text('{"crawl_id": "c"}')
    assert crawl.load_manifest() == {"crawl_id": "c"}
    crawl.manifest.write_text("[1]")
    with pytest.raises(NotACrawl, match="run tdm-crawl verify"):
        crawl.load_manifest()
