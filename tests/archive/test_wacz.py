"""``tdm-crawl wacz`` on a crawl of the fixture sites: py-wacz's ``wacz validate`` passes,
the page list is the stored URLs, no byte of non-allowed content is inside, pywb replays
the package from its own index, and ``verify`` accepts it and refuses it changed."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from tdm_crawler.cli import main
from tests.archiving import (
    captures,
    expected_payloads,
    relisted,
    unzip,
    wacz_validate,
    wayback,
    write_zip,
    zip_entries,
)
from tests.crawling import by_url, markers_written
from tests.paths import DATA

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def package(fixture_crawl: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wacz") / "crawl.wacz"
    assert main(["wacz", str(fixture_crawl), "--out", str(out)]) == 0
    return out


def _page_list(package: Path, name: str) -> list[dict[str, object]]:
    header, *pages = zip_entries(package)[name].decode().splitlines()
    assert json.loads(header)["format"] == "json-pages-1.0"
    return [json.loads(line) for line in pages]


def test_wacz_validate_passes(package: Path) -> None:
    done = wacz_validate(package)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout


def test_the_package_holds_the_crawl(package: Path, fixture_crawl: Path) -> None:
    names = set(zip_entries(package))
    warcs = {f"archive/{p.name}" for p in fixture_crawl.glob("*/*.warc.gz")}
    assert warcs and warcs <= names
    assert {"crawl/decisions.jsonl", "crawl/manifest.json"} <= names
    assert {"indexes/index.cdx.gz", "indexes/index.idx", "datapackage-digest.json"} <= names
    entries = zip_entries(package)
    assert entries["crawl/decisions.jsonl"] == (fixture_crawl / "decisions.jsonl").read_bytes()
    for name in warcs:
        assert entries[name] == (fixture_crawl / name.split("-")[0][8:] / name[8:]).read_bytes()


def test_pages_list_the_stored_urls(package: Path, fixture_crawl: Path) -> None:
    stored = [r for r in by_url(fixture_crawl).values() if r["stored"]]
    pages = _page_list(package, "pages/pages.jsonl")
    assert sorted(str(p["url"]) for p in pages) == sorted(r["final_url"] for r in stored)
    ids = {f"<urn:uuid:{p['id']}>" for p in pages}
    assert ids == {r["warc_record_id"] for r in stored}
    documents = _page_list(package, "pages/extraPages.jsonl")
    evidence = [c for c in captures(fixture_crawl) if c.kind == "evidence"]
    assert sorted(str(p["url"]) for p in documents) == sorted(c.url for c in evidence)


def test_no_byte_of_non_allowed_content_inside(
    package: Path, fixture_crawl: Path, tmp_path: Path
) -> None:
    inside = markers_written(unzip(package, tmp_path / "unzipped"))
    leaked = sorted(m for m in inside if m.startswith("MARKER-BLOCKED-"))
    assert not leaked, f"non-allowed content in the package: {leaked}"
    assert inside and inside == markers_written(fixture_crawl)


def test_pywb_replays_the_package_from_its_own_index(
    package: Path, fixture_crawl: Path, tmp_path: Path
) -> None:
    found = captures(fixture_crawl)
    payloads = expected_payloads(found)
    with wayback(tmp_path, [package], unpack_wacz=True) as server:
        for capture in found:
            _, body = server.replay(capture.timestamp, capture.url)
            digest = hashlib.sha256(body).hexdigest()
            assert digest in payloads[(capture.url, capture.timestamp)], capture


def test_verify_accepts_the_package(package: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(package)]) == 0, capsys.readouterr().out
    assert "OK:" in capsys.readouterr().out


# -- a changed package ------------------------------------------------------------------


def _injected_response(warc: bytes, url: str) -> bytes:
    """``warc`` with one more response record: a page whose decision is not allowed."""
    extra = io.BytesIO()
    writer = WARCWriter(extra, gzip=True)
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
    body = io.BytesIO(b"<html>MARKER-BLOCKED-injected</html>")
    writer.write_record(writer.create_warc_record(url, "response", payload=body, http_headers=http))
    return warc + extra.getvalue()


def _content_warc(entries: dict[str, bytes]) -> str:
    return next(n for n in entries if n.startswith("archive/content-"))


def _reserved_url(entries: dict[str, bytes]) -> str:
    lines = entries["crawl/decisions.jsonl"].decode().splitlines()
    return next(r["url"] for r in map(json.loads, lines) if r["decision"] == "reserved")


def _drop_last_page(entries: dict[str, bytes]) -> None:
    lines = entries["pages/pages.jsonl"].splitlines(keepends=True)
    entries["pages/pages.jsonl"] = b"".join(lines[:-1])


def _drop_index_line(entries: dict[str, bytes]) -> None:
    lines = gzip.decompress(entries["indexes/index.cdx.gz"]).splitlines(keepends=True)
    entries["indexes/index.cdx.gz"] = gzip.compress(b"".join(lines[1:]))


def _inject(entries: dict[str, bytes]) -> None:
    name = _content_warc(entries)
    entries[name] = _injected_response(entries[name], _reserved_url(entries))


def _retitle(entries: dict[str, bytes]) -> None:
    package = json.loads(entries["datapackage.json"])
    package["title"] = "something else"
    entries["datapackage.json"] = json.dumps(package).encode()


def _climb(entries: dict[str, bytes]) -> None:
    entries["archive/../../escaped.warc.gz"] = entries[_content_warc(entries)]


#: name -> (change, relist the datapackage after it, what verify says)
CHANGES: dict[str, tuple[Callable[[dict[str, bytes]], None], bool, str]] = {
    "page list changed": (_drop_last_page, False, "differs from datapackage.json"),
    "page list changed and relisted": (
        _drop_last_page, True, "differs from the pages the WARC files hold"
    ),
    "index changed and relisted": (
        _drop_index_line, True, "differs from the index of the WARC files"
    ),
    "file added": (lambda e: e.update({"notes.txt": b"hello"}), False, "not listed"),
    "datapackage changed": (_retitle, False, "hash differs from datapackage.json's"),
    "non-allowed page injected, relisted": (_inject, True, "non-allowed content is stored"),
    "name climbing out": (_climb, True, "not a file of a tdm-crawler package"),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES)
def test_verify_refuses_a_changed_package(
    change: str, package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alter, relist, message = CHANGES[change]
    entries = zip_entries(package)
    alter(entries)
    changed = tmp_path / "changed.wacz"
    write_zip(changed, relisted(entries) if relist else entries)
    assert main(["verify", str(changed)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED") and message in out, out
    assert not (tmp_path.parent / "escaped.warc.gz").exists()


def test_an_injected_page_is_named_where_it_is_in_the_package(
    package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = zip_entries(package)
    _inject(entries)
    changed = tmp_path / "changed.wacz"
    write_zip(changed, relisted(entries))
    assert main(["verify", str(changed)]) == 1
    out = capsys.readouterr().out
    name = _content_warc(entries)
    assert f"{name}: SHA-256 differs from the manifest" in out
    assert f"{name} @" in out and _reserved_url(entries) in out


# -- what the command refuses ---------------------------------------------------------


def test_an_existing_file_is_never_overwritten(
    fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "taken.wacz"
    out.write_bytes(b"someone's file")
    assert main(["wacz", str(fixture_crawl), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "never overwritten" in err[0], err
    assert out.read_bytes() == b"someone's file"


def _copy(crawl: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "crawl"
    shutil.copytree(crawl, copy)
    return copy


def test_a_crawl_storing_what_no_allowed_decision_names_is_refused(
    fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl = _copy(fixture_crawl, tmp_path)
    lines = (crawl / "decisions.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    victim = next(r for r in records if r["stored"])
    victim["decision"], victim["reason"] = "reserved", "tdmrep-header"
    text = "".join(json.dumps(r) + "\n" for r in records)
    (crawl / "decisions.jsonl").write_text(text)
    out = tmp_path / "crawl.wacz"
    assert main(["wacz", str(crawl), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert victim["warc_record_id"] in err and "without an allowed decision" in err, err
    assert not out.exists() and not list(tmp_path.glob(".crawl.wacz.*"))


def test_a_file_changed_since_the_crawl_is_refused(
    fixture_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl = _copy(fixture_crawl, tmp_path)
    log = crawl / "decisions.jsonl"
    log.write_text(log.read_text() + log.read_text().splitlines(keepends=True)[-1])
    out = tmp_path / "crawl.wacz"
    assert main(["wacz", str(crawl), "--out", str(out)]) == 2
    assert "differs from the manifest's digests" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".crawl.wacz.*"))


def test_a_0_1_0_crawl_packages_and_replays_as_its_pages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The WARC files of release 0.1.0 go in unchanged, but their metadata records (with
    the page's URL) stay out of the index, so a player opens the pages."""
    old = DATA / "crawl-0.1.0"
    package = tmp_path / "old.wacz"
    assert main(["wacz", str(old), "--out", str(package)]) == 0, capsys.readouterr().err
    done = wacz_validate(package)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout
    assert main(["verify", str(package)]) == 0, capsys.readouterr().out
    found = captures(old)
    payloads = expected_payloads(found)
    with wayback(tmp_path / "pywb", [package], unpack_wacz=True) as server:
        for capture in found:
            _, body = server.replay(capture.timestamp, capture.url)
            assert hashlib.sha256(body).hexdigest() in payloads[(capture.url, capture.timestamp)]
