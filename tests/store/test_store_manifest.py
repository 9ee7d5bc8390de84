"""manifest.json: atomic, sorted, readable; dependency versions; output digests."""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

import pytest

from tdm_crawler import __version__
from tdm_crawler.store import (
    CrawlDir,
    build_manifest,
    decision_counts,
    dependency_versions,
    file_digests,
    iter_records,
    read_manifest,
    save_manifest,
    write_manifest,
)
from tdm_crawler.store import manifest as manifest_module


def test_write_and_read_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    data = {"crawl_id": "c1", "counts": {"reserved": 2, "allowed": 1}, "agent": "tdm-é"}
    write_manifest(path, data)
    assert read_manifest(path) == data
    text = path.read_text(encoding="utf-8")
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert text.index('"agent"') < text.index('"counts"') < text.index('"crawl_id"')
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_write_replaces_existing(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, {"v": 1})
    write_manifest(path, {"v": 2})
    assert read_manifest(path) == {"v": 2}
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_failed_replace_keeps_old_manifest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, {"v": 1})

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_manifest(path, {"v": 2})
    assert read_manifest(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["manifest.json"]  # temp file cleaned up


def test_unserialisable_data_keeps_old_manifest(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    write_manifest(path, {"v": 1})
    with pytest.raises(ValueError):
        write_manifest(path, {"v": float("nan")})
    assert read_manifest(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_read_manifest_refuses_non_object(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ValueError, match="JSON object"):
        read_manifest(path)


def test_dependency_versions() -> None:
    versions = dependency_versions()
    assert list(versions) == [
        "python",
        "scrapy",
        "twisted",
        "protego",
        "w3lib",
        "lxml",
        "warcio",
        "tdm-crawler",
    ]
    assert versions["python"] == platform.python_version()
    assert versions["warcio"] == metadata.version("warcio")
    assert versions["scrapy"] == metadata.version("Scrapy")


def test_dependency_versions_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(manifest_module, "_DISTRIBUTIONS", ("no-such-dist-tdm-test",))
    assert dependency_versions()["no-such-dist-tdm-test"] == "not installed"


def test_file_digests(tmp_path: Path) -> None:
    files = {
        "content/content-1.warc.gz": b"content one",
        "content/content-2.warc.gz": os.urandom(3 * 1024 * 1024 + 7),  # several chunks
        "evidence/evidence-1.warc.gz": b"evidence",
        "decisions.jsonl": b'{"url": "x"}\n',
    }
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "content" / "notes.txt").write_text("ignored")
    (tmp_path / "content" / "dir.warc.gz").mkdir()  # not a regular file

    digests = file_digests(CrawlDir(tmp_path))
    assert digests == {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    assert list(digests) == sorted(digests)


def test_file_digests_empty_directory(tmp_path: Path) -> None:
    assert file_digests(CrawlDir(tmp_path)) == {}


def _log(crawl: CrawlDir, *decided: tuple[str, str, bool]) -> None:
    lines = [
        json.dumps({"url": f"u{i}", "decision": d, "reason": r, "stored": s})
        for i, (d, r, s) in enumerate(decided)
    ]
    crawl.decisions.write_text("".join(line + "\n" for line in lines))


def test_every_manifest_has_the_same_core_keys_then_its_own() -> None:
    manifest = build_manifest(
        crawl_id="c1",
        status="running",
        started_at="2026-01-02T03:04:05Z",
        finished_at=None,
        seeds=("https://example.org/",),
        settings={"TDM_AGENT": "tdm-crawler"},
        worker_id="w1",
    )
    assert manifest["tool"] == {"name": "tdm-crawler", "version": __version__}
    assert manifest["versions"] == dependency_versions()
    assert manifest["seeds"] == ["https://example.org/"]
    assert set(manifest) == {
        "crawl_id",
        "tool",
        "versions",
        "status",
        "started_at",
        "finished_at",
        "seeds",
        "settings",
        "worker_id",
    }


def test_decision_counts() -> None:
    records = [
        {"decision": "allowed", "reason": "no-reservation", "stored": True},
        {"decision": "reserved", "reason": "tdmrep-header", "stored": False},
        {"decision": "allowed", "reason": "no-reservation", "stored": False},
    ]
    assert decision_counts(records) == {
        "records": 3,
        "stored": 1,
        "decision": {"allowed": 2, "reserved": 1},
        "reason": {"no-reservation": 2, "tdmrep-header": 1},
    }


def test_a_crawl_manifest_is_sealed_with_counts_and_digests(tmp_path: Path) -> None:
    crawl = CrawlDir(tmp_path)
    _log(crawl, ("allowed", "no-reservation", True), ("error", "fetch-failed", False))
    manifest = {"crawl_id": "c1", "status": "running"}
    save_manifest(crawl, manifest)
    assert read_manifest(crawl.manifest) == {**manifest, "counts": {}, "digests": {}}
    save_manifest(crawl, {**manifest, "status": "finished"}, seal=True)
    sealed = read_manifest(crawl.manifest)
    assert sealed["counts"] == decision_counts(iter_records(crawl.decisions))
    assert sealed["digests"] == file_digests(crawl) and list(sealed["digests"]) == [
        "decisions.jsonl"
    ]


def test_a_directory_without_a_log_gets_neither(tmp_path: Path) -> None:
    top = CrawlDir(tmp_path)  # a distributed crawl's top directory
    save_manifest(top, {"crawl_id": "c1", "status": "finished"}, seal=True)
    assert read_manifest(top.manifest) == {"crawl_id": "c1", "status": "finished"}
