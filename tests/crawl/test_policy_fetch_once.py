"""Exactly one robots.txt and one tdmrep.json fetch per origin, however many pages and
however high the concurrency: counted on the server side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tests.crawling import by_url, crawl

PAGES = 120


def write_site(root: Path, name: str, *, tdmrep: str | None) -> None:
    """A generated site of PAGES pages, each linking to the next ten (many in flight)."""
    site = root / name
    (site / "root" / "p").mkdir(parents=True)
    expected = {"/": ["allowed", "no-reservation"]}
    links = "".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(PAGES))
    (site / "root" / "index.html").write_text(f"<html><body>{links}</body></html>")
    for i in range(PAGES):
        nxt = "".join(f'<a href="/p/{(i + k) % PAGES}.html">n</a>' for k in range(1, 11))
        marker = f"MARKER-OK-{name}-{i}"
        (site / "root" / "p" / f"{i}.html").write_text(
            f"<html><head><title>{i}</title></head><body><p>{marker}</p>{nxt}</body></html>"
        )
        expected[f"/p/{i}.html"] = ["allowed", "no-reservation"]
    routes = {"/robots.txt": {"status": 200, "body": "User-agent: *\nDisallow: /nothing\n"}}
    if tdmrep is not None:
        routes["/.well-known/tdmrep.json"] = {"status": 200, "body": tdmrep}
    spec = {"description": "generated", "seeds": ["/"], "routes": routes, "expected": expected}
    (site / "site.json").write_text(json.dumps(spec))


@pytest.fixture(scope="module")
def many_pages(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("sites")
    write_site(root, "many-a", tdmrep='[{"location": "/nothing", "tdm-reservation": 1}]')
    write_site(root, "many-b", tdmrep="[]")
    with FixtureServer(sites_dir=root) as server:
        yield server


@pytest.mark.e2e
@pytest_twisted.ensureDeferred
async def test_one_fetch_per_origin_at_concurrency_16(many_pages: FixtureServer, tmp_path: Path):
    out = tmp_path / "out"
    await crawl(
        many_pages.seeds(),
        out,
        CONCURRENT_REQUESTS=16,
        CONCURRENT_REQUESTS_PER_DOMAIN=16,
    )
    records = by_url(out)
    assert len(records) == 2 * (PAGES + 1)
    assert all(r["decision"] == "allowed" for r in records.values())
    for site in many_pages.sites:
        assert many_pages.hits(site, "/robots.txt") == 1, site
        assert many_pages.hits(site, "/.well-known/tdmrep.json") == 1, site
