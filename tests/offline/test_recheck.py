"""tdm-crawl recheck: a site adds reservations after the crawl; the recheck moves those
URLs to the purge list, keeps the rest byte for byte, and never touches the original."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.offline.recheck import RecheckSpider, StoredUrl
from tests.crawling import markers_written, tdm_crawl, warc_records

FAST = [
    "--allow-private-networks",
    "--set", "AUTOTHROTTLE_ENABLED=False",
    "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]",
    "--set", "TDM_BACKOFF_BASE=0.05",
]  # fmt: skip


def write_site(root: Path) -> Path:
    site = root / "shop"
    (site / "root" / ".well-known").mkdir(parents=True)
    pages = {
        "index.html": '<a href="/a.html">a</a><a href="/b.html">b</a>'
        '<a href="/c.txt">c</a><a href="/d.html">d</a>',
        "a.html": "<p>MARKER-OK-shop-1</p>",
        "b.html": "<p>MARKER-OK-shop-2</p>",
        "d.html": "<p>MARKER-OK-shop-4</p>",
    }
    for name, body in pages.items():
        (site / "root" / name).write_text(f"<html><head></head><body>{body}</body></html>")
    (site / "root" / "c.txt").write_text("plain text MARKER-OK-shop-3\n")
    (site / "root" / ".well-known" / "tdmrep.json").write_text("[]")
    expected = {
        f"/{p}": ["allowed", "no-reservation"] for p in ("", "a.html", "b.html", "c.txt", "d.html")
    }
    spec = {"description": "recheck", "seeds": ["/"], "routes": {}, "expected": expected}
    (site / "site.json").write_text(json.dumps(spec))
    return site


def digests(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.e2e
def test_recheck_purges_new_reservations(tmp_path: Path) -> None:
    site = write_site(tmp_path / "sites")
    first, second = tmp_path / "first", tmp_path / "second"
    with FixtureServer(sites_dir=tmp_path / "sites") as server:
        crawl = tdm_crawl("crawl", server.url("shop", "/"), "--out", str(first), *FAST)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        before = digests(first)

        # After the crawl, the rightsholder opts out: a meta tag on b, a file rule for c.
        page = site / "root" / "b.html"
        page.write_text(page.read_text().replace(
            "<head></head>", '<head><meta name="tdm-reservation" content="1"></head>'
        ))  # fmt: skip
        (site / "root" / ".well-known" / "tdmrep.json").write_text(
            json.dumps([{"location": "/c.txt", "tdm-reservation": 1}])
        )
        recheck = tdm_crawl("recheck", str(first), "--out", str(second), *FAST)
        assert recheck.returncode == 0, recheck.stderr[-2000:]
        urls = {name: server.url("shop", f"/{name}") for name in ("a.html", "b.html", "c.txt")}
        diff = tdm_crawl("diff", str(first), str(second), "--json")

    assert digests(first) == before, "the original directory is never modified"
    assert "to purge" in recheck.stdout

    purge = [json.loads(line) for line in (second / "purge.jsonl").open()]
    by_url = {entry["url"]: entry for entry in purge}
    assert set(by_url) == {urls["b.html"], urls["c.txt"]}
    assert by_url[urls["b.html"]]["reason"] == "tdmrep-meta"
    assert by_url[urls["c.txt"]]["reason"] == "tdmrep-file"
    old = {json.loads(line)["url"]: json.loads(line) for line in (first / "decisions.jsonl").open()}
    for url, entry in by_url.items():
        assert entry["warc_record_id"] == old[url]["warc_record_id"]
        assert entry["content_sha256"] == old[url]["content_sha256"]

    # Kept content: the very records of the first crawl, copied unchanged.
    kept = {
        json.loads(line)["url"]: json.loads(line) for line in (second / "decisions.jsonl").open()
    }
    assert kept[urls["a.html"]]["stored"] and not kept[urls["b.html"]]["stored"]
    assert kept[urls["a.html"]]["warc_record_id"] == old[urls["a.html"]]["warc_record_id"]
    old_ids = {
        r.rec_headers.get_header("WARC-Record-ID") for _, _, r in warc_records(first, "content")
    }
    new_ids = {
        r.rec_headers.get_header("WARC-Record-ID") for _, _, r in warc_records(second, "content")
    }
    assert new_ids <= old_ids
    written = markers_written(second)
    assert {"MARKER-OK-shop-1", "MARKER-OK-shop-4"} <= written
    assert not {"MARKER-OK-shop-2", "MARKER-OK-shop-3"} & written, "purged content absent"

    changes = {u["url"]: u for u in json.loads(diff.stdout)["urls"]}
    assert changes[urls["b.html"]]["b"]["reason"] == "tdmrep-meta"
    assert changes[urls["c.txt"]]["b"]["decision"] == "reserved"

    verify = tdm_crawl("verify", str(second))
    assert verify.returncode == 0, verify.stdout + verify.stderr


def write_other_site(root: Path) -> Path:
    """A second origin with its own pages, one of which it will reserve too."""
    site = root / "other"
    (site / "root").mkdir(parents=True)
    pages = {
        "index.html": '<a href="/x.html">x</a><a href="/y.html">y</a>',
        "x.html": "<p>MARKER-OK-other-1</p>",
        "y.html": "<p>MARKER-OK-other-2</p>",
    }
    for name, body in pages.items():
        (site / "root" / name).write_text(f"<html><head></head><body>{body}</body></html>")
    expected = {f"/{p}": ["allowed", "no-reservation"] for p in ("", "x.html", "y.html")}
    spec = {"description": "recheck", "seeds": ["/"], "routes": {}, "expected": expected}
    (site / "site.json").write_text(json.dumps(spec))
    return site


def reserve_by_meta(page: Path) -> None:
    page.write_text(page.read_text().replace(
        "<head></head>", '<head><meta name="tdm-reservation" content="1"></head>'
    ))  # fmt: skip


def lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


@pytest.mark.e2e
def test_recheck_of_one_origin_asks_only_that_origin(tmp_path: Path) -> None:
    shop = write_site(tmp_path / "sites")
    other = write_other_site(tmp_path / "sites")
    first, purged, second = tmp_path / "first", tmp_path / "purged", tmp_path / "second"
    with FixtureServer(sites_dir=tmp_path / "sites") as server:
        seeds = [server.url("shop", "/"), server.url("other", "/")]
        crawl = tdm_crawl("crawl", *seeds, "--out", str(first), *FAST)
        assert crawl.returncode == 0, crawl.stderr[-2000:]
        y = server.url("other", "/y.html")
        (tmp_path / "y.txt").write_text(y + "\n")
        purge = tdm_crawl("purge", str(first), "--out", str(purged), "--urls",
                          str(tmp_path / "y.txt"), "--reason", "Other Ltd: remove y")  # fmt: skip
        assert purge.returncode == 0, purge.stderr

        # Both rightsholders opt out after the crawl; only the shop's is read now.
        reserve_by_meta(shop / "root" / "b.html")
        reserve_by_meta(other / "root" / "x.html")
        server.reset_hits()
        recheck = tdm_crawl("recheck", str(purged), "--out", str(second),
                            "--origin", server.origin("shop"), *FAST)  # fmt: skip
        assert recheck.returncode == 0, recheck.stderr[-2000:]
        assert server.site_hits("other") == 0, "not one request to another origin"
        assert server.hits("shop", "/robots.txt") == 1
        assert server.hits("shop", "/b.html") == 1
        x, b = server.url("other", "/x.html"), server.url("shop", "/b.html")
        other_urls = [server.url("other", "/"), x]

    assert (
        "5 stored URLs rechecked: 4 still allowed and kept, 2 of other origins carried over "
        "unchanged, 1 to purge"
    ) in recheck.stdout
    assert [json.loads(line)["url"] for line in lines(second / "purge.jsonl")] == [b]
    old = {json.loads(line)["url"]: line for line in lines(purged / "decisions.jsonl")}
    new = {json.loads(line)["url"]: line for line in lines(second / "decisions.jsonl")}
    # The other origin's stored URLs: the very lines, as the source decided them.
    carried = [url for url in new if url in other_urls]
    assert sorted(carried) == sorted(other_urls)
    assert all(new[url] == old[url] for url in carried)
    assert y not in new, "purged before: not stored, so neither rechecked nor carried"
    written = markers_written(second)
    assert "MARKER-OK-other-1" in written, "x's new reservation is not read: not rechecked"
    assert not {"MARKER-OK-shop-2", "MARKER-OK-other-2"} & written
    assert lines(second / "complaints.jsonl") == lines(purged / "complaints.jsonl")

    verify = tdm_crawl("verify", str(second), "--strict")
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest_twisted.ensureDeferred
async def test_head_only_where_no_in_content_signal_can_exist() -> None:
    stored = [
        StoredUrl("https://e.org/page", "<urn:uuid:1>", "0" * 64, "html"),
        StoredUrl("https://e.org/doc.pdf", "<urn:uuid:2>", "0" * 64, "pdf"),
        StoredUrl("https://e.org/notes.txt", "<urn:uuid:3>", "0" * 64, "other"),
    ]

    methods = [r.method async for r in RecheckSpider(stored=stored).start()]
    assert methods == ["GET", "GET", "HEAD"]
