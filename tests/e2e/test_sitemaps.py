"""--sitemaps on a real crawl: robots.txt Sitemap: lines, an index, a gzipped sitemap and
the image and news extensions lead to pages no link reaches, each decided like a link;
URLs of other origins are not followed, sitemaps of other origins not fetched; every
sitemap fetched is in the evidence WARC and accounted for; without --sitemaps nothing
changes."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.offline.verify import verify_crawl
from tdm_crawler.store import CrawlDir
from tdm_crawler.store.evidence import SitemapEvidence, metadata_evidence
from tdm_crawler.store.warcread import metadata_json, scan
from tests.crawling import by_url, crawl, markers_written, warc_records

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ROBOTS = (
    "User-agent: *\nDisallow: /private/\n\n"
    "Sitemap: {{self}}/sitemap-index.xml\n"
    "Sitemap: {{origin:elsewhere}}/sitemap.xml\n"  # another origin's: not fetched
)
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
INDEX = (
    f"<sitemapindex {NS}>"
    "<sitemap><loc>{{self}}/sitemap-pages.xml</loc></sitemap>"
    "<sitemap><loc>{{self}}/sitemap-news.xml.gz</loc></sitemap>"
    "<sitemap><loc>{{self}}/private/sitemap.xml</loc></sitemap>"  # robots.txt disallows
    "</sitemapindex>"
)
PAGES = (
    f'<urlset {NS} xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
    "<url><loc>{{self}}/only-in-sitemap.html</loc>"
    "<image:image><image:loc>{{self}}/photo.png</image:loc></image:image></url>"
    "<url><loc>{{self}}/linked.html</loc></url>"
    "<url><loc>{{self}}/reserved.html</loc></url>"
    "<url><loc>{{origin:elsewhere}}/foreign.html</loc></url>"
    "<url><loc>/relative.html</loc></url>"
    "</urlset>"
)


def news_sitemap(origin: str) -> bytes:
    """The gzipped news sitemap (written once the origin's port is known: placeholders
    are not expanded inside compressed bytes)."""
    return gzip.compress(
        f'<urlset {NS} xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{origin}/news/story.html</loc><news:news><news:title>T</news:title>"
        "</news:news></url></urlset>".encode()
    )


def _page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def write_sites(root: Path) -> None:
    pages = {
        "index.html": _page('<a href="/linked.html">linked</a>'),
        "linked.html": _page("MARKER-OK-maps-1"),
        "only-in-sitemap.html": _page('MARKER-OK-maps-2 <a href="/behind.html">b</a>'),
        "behind.html": _page("MARKER-OK-maps-3"),
        "news/story.html": _page("MARKER-OK-maps-4"),
        "reserved.html": _page(
            "MARKER-BLOCKED-maps-5", '<meta name="tdm-reservation" content="1">'
        ),
        "relative.html": _page("MARKER-OK-maps-6"),
        "sitemap-index.xml": INDEX,
        "sitemap-pages.xml": PAGES,
        "private/sitemap.xml": f"<urlset {NS}><url><loc>{{{{self}}}}/x</loc></url></urlset>",
    }
    elsewhere = {"index.html": _page("MARKER-OK-elsewhere-1"),
                 "foreign.html": _page("MARKER-OK-elsewhere-2")}  # fmt: skip
    specs: dict[str, dict[str, Any]] = {
        "maps": {
            "routes": {
                "/robots.txt": {"body": ROBOTS, "headers": {"Content-Type": "text/plain"}},
                "/photo.png": {"generate": "make_png", "args": {"marker": "MARKER-OK-maps-7"}},
            },
        },
        "elsewhere": {"routes": {}},
    }
    for site, files in (("maps", pages), ("elsewhere", elsewhere)):
        for name, body in files.items():
            path = root / site / "root" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        expected = {"/": ["allowed", "no-reservation"]}
        spec = {"description": f"sitemaps: {site}", "seeds": ["/"], "expected": expected}
        (root / site / "site.json").write_text(json.dumps({**spec, **specs[site]}))


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("sitemap-sites")
    write_sites(root)
    with FixtureServer(sites_dir=root) as server:
        news = root / "maps" / "root" / "sitemap-news.xml.gz"
        news.write_bytes(news_sitemap(server.origin("maps")))
        yield server


def decided(out: Path, server: FixtureServer) -> dict[str, tuple[str, str]]:
    prefix = server.origin("maps")
    return {
        url.removeprefix(prefix): (r["decision"], r["reason"]) for url, r in by_url(out).items()
    }


@pytest_twisted.ensureDeferred
async def test_sitemap_urls_are_decided_like_links(sites: FixtureServer, tmp_path: Path) -> None:
    sites.reset_hits()
    out = tmp_path / "crawl"
    await crawl([sites.url("maps", "/")], out, TDM_SITEMAPS=True)

    assert decided(out, sites) == {
        "/": ("allowed", "no-reservation"),
        "/linked.html": ("allowed", "no-reservation"),
        "/only-in-sitemap.html": ("allowed", "no-reservation"),
        "/photo.png": ("allowed", "no-reservation"),  # the image extension's image:loc
        "/behind.html": ("allowed", "no-reservation"),  # linked from a sitemap page
        "/news/story.html": ("allowed", "no-reservation"),  # the gzipped news sitemap
        "/reserved.html": ("reserved", "tdmrep-meta"),
    }, "no relative <loc>, nothing of another origin"
    assert sites.site_hits("elsewhere") == 0, "its sitemap and its pages: never asked"
    assert sites.hits("maps", "/private/sitemap.xml") == 0, "robots.txt disallows it"
    assert sites.hits("maps", "/sitemap-index.xml") == 1

    written = markers_written(out)
    assert {f"MARKER-OK-maps-{n}" for n in (1, 2, 3, 4, 7)} <= written
    assert not {m for m in written if "BLOCKED" in m or "elsewhere" in m or m.endswith("-6")}

    # Every sitemap fetched is in the evidence WARC as received, and one record names them.
    fetched = {uri for kind, uri, _ in warc_records(out, "evidence") if kind == "response"}
    maps = sites.origin("maps")
    sitemap_files = ("/sitemap-index.xml", "/sitemap-pages.xml", "/sitemap-news.xml.gz")
    assert {f"{maps}{path}" for path in (*sitemap_files, "/sitemap.xml")} <= fetched
    (evidence,) = [
        found
        for path in CrawlDir(out).evidence_warcs()
        for member, payload in scan(path, metadata_json)
        if member.record_type == "metadata"
        for found in [metadata_evidence(payload)]
        if isinstance(found, SitemapEvidence)
    ]
    assert [ref.url for ref in evidence.sitemaps] == [
        f"{maps}/sitemap-index.xml",
        f"{maps}/sitemap.xml",  # absent: a 404, recorded as read
        f"{maps}/sitemap-pages.xml",
        f"{maps}/sitemap-news.xml.gz",
    ]
    assert evidence.urls == 5
    said = " ".join(evidence.problems)
    assert "/private/sitemap.xml: not fetched, robots.txt" in said
    assert "on another origin, not read" in said and "relative or not http(s)" in said
    result = verify_crawl(out, strict=True)
    assert result.ok, result.violations + result.warnings


@pytest_twisted.ensureDeferred
async def test_without_sitemaps_nothing_is_read(sites: FixtureServer, tmp_path: Path) -> None:
    sites.reset_hits()
    out = tmp_path / "crawl"
    await crawl([sites.url("maps", "/")], out)
    assert decided(out, sites) == {
        "/": ("allowed", "no-reservation"),
        "/linked.html": ("allowed", "no-reservation"),
    }
    for path in ("/sitemap-index.xml", "/sitemap.xml", "/sitemap-pages.xml"):
        assert sites.hits("maps", path) == 0
    fetched = {uri for kind, uri, _ in warc_records(out, "evidence") if kind == "response"}
    assert not [uri for uri in fetched if "sitemap" in uri]


@pytest_twisted.ensureDeferred
async def test_the_caps_bound_what_is_read(sites: FixtureServer, tmp_path: Path) -> None:
    """Two files, depth 0: the index is read but not followed; and a seeds-only crawl
    reads no sitemap at all (its URLs would be depth 1)."""
    sites.reset_hits()
    out = tmp_path / "capped"
    await crawl(
        [sites.url("maps", "/")],
        out,
        TDM_SITEMAPS=True,
        TDM_SITEMAP_MAX_FILES=2,
        TDM_SITEMAP_MAX_DEPTH=0,
    )
    assert set(decided(out, sites)) == {"/", "/linked.html"}
    assert sites.hits("maps", "/sitemap-index.xml") == 1
    assert sites.hits("maps", "/sitemap-pages.xml") == 0
    assert verify_crawl(out, strict=True).ok

    sites.reset_hits()
    await crawl([sites.url("maps", "/")], tmp_path / "seeds-only", TDM_SITEMAPS=True, max_depth=0)
    assert sites.hits("maps", "/sitemap-index.xml") == 0
