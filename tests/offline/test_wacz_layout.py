"""Where each file of a crawl directory goes in a WACZ package and back: one crawl, a
distributed crawl's workers, and names a package of ours never holds (which verify must
never write anywhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tdm_crawler.exceptions import NotPackaged
from tdm_crawler.offline.wacz import crawl_files, unpacked_path
from tdm_crawler.store import CrawlDir

WARC = "content-20261207210410892-4355-00000.warc.gz"
EVIDENCE = "evidence-20261207210410892-4355-00000.warc.gz"


def _crawl(root: Path, manifest: str = "{}") -> CrawlDir:
    crawl = CrawlDir(root)
    crawl.content.mkdir(parents=True)
    crawl.evidence.mkdir()
    (crawl.content / WARC).write_bytes(b"w")
    (crawl.evidence / EVIDENCE).write_bytes(b"e")
    crawl.decisions.write_text("")
    crawl.manifest.write_text(manifest)
    return crawl


def _round_trip(crawl: CrawlDir, tmp_path: Path) -> dict[str, str]:
    rebuilt = CrawlDir(tmp_path / "rebuilt")
    names = {}
    for file in crawl_files(crawl):
        target = unpacked_path(file.name, rebuilt)
        assert target is not None, file.name
        assert rebuilt.relative(target) == crawl.relative(file.source)
        names[file.name] = crawl.relative(file.source)
    return names


def test_one_crawl(tmp_path: Path) -> None:
    names = _round_trip(_crawl(tmp_path / "c"), tmp_path)
    assert names == {
        "crawl/decisions.jsonl": "decisions.jsonl",
        "crawl/manifest.json": "manifest.json",
        f"archive/{WARC}": f"content/{WARC}",
        f"archive/{EVIDENCE}": f"evidence/{EVIDENCE}",
    }


def test_a_distributed_crawl_keeps_every_worker_apart(tmp_path: Path) -> None:
    top = CrawlDir(tmp_path / "d")
    for worker in ("host-1", "host.2"):
        _crawl(top.worker(worker).root, json.dumps({"worker_id": worker}))
    top.manifest.write_text("{}")
    names = _round_trip(top, tmp_path)
    assert names["crawl/manifest.json"] == "manifest.json"
    assert names["crawl~host-1/decisions.jsonl"] == "workers/host-1/decisions.jsonl"
    assert names[f"archive/host.2~{EVIDENCE}"] == f"workers/host.2/evidence/{EVIDENCE}"
    assert len(names) == 9
    # Every name flat enough for py-wacz's validator (it reads the last two components).
    assert all(name.count("/") == 1 for name in names)


def test_one_worker_alone_is_refused(tmp_path: Path) -> None:
    top = CrawlDir(tmp_path / "d")
    worker = _crawl(top.worker("w1").root, '{"worker_id": "w1"}')
    _crawl(top.worker("w2").root, '{"worker_id": "w2"}')
    with pytest.raises(NotPackaged, match="package the whole crawl"):
        crawl_files(worker)


def test_a_warc_file_the_crawl_did_not_write_is_refused(tmp_path: Path) -> None:
    crawl = _crawl(tmp_path / "c")
    (crawl.content / "copied.warc.gz").write_bytes(b"x")
    with pytest.raises(NotPackaged, match="not a file the crawl wrote"):
        crawl_files(crawl)


@pytest.mark.parametrize(
    "name",
    [
        "datapackage.json",
        "notes.txt",
        "archive/../../etc/passwd",
        f"archive/../{WARC}",
        f"archive/sub/{WARC}",
        f"archive/..~{WARC}",
        "archive/other-1.warc.gz",
        f"archive/{WARC[:-3]}",
        "crawl/../decisions.jsonl",
        "crawl~../decisions.jsonl",
        "crawl~/decisions.jsonl",
        "crawl/report.html",
        "crawl/decisions.jsonl/x",
        "/crawl/decisions.jsonl",
        "other/decisions.jsonl",
    ],
)
def test_names_no_package_of_ours_holds_go_nowhere(name: str, tmp_path: Path) -> None:
    assert unpacked_path(name, CrawlDir(tmp_path)) is None
