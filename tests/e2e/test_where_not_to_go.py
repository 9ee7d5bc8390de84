"""Where the crawler must not go: non-public addresses (also reached by a redirect), and
no file outside the output directory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest_twisted

from fixtures.server import FixtureServer
from tests.crawling import by_url, crawl


def write_site(root: Path) -> None:
    site = root / "jump"
    (site / "root").mkdir(parents=True)
    (site / "root" / "index.html").write_text(
        '<html><body><a href="/away">away</a><a href="/here.html">here</a></body></html>'
    )
    (site / "root" / "here.html").write_text("<html><body>MARKER-OK-jump-1</body></html>")
    spec = {
        "description": "a redirect to another loopback address",
        "seeds": ["/"],
        "routes": {"/away": {"status": 302, "headers": {"Location": "http://127.0.0.2:9/x"}}},
        "expected": {
            "/": ["allowed", "no-reservation"],
            "/here.html": ["allowed", "no-reservation"],
            "/away": ["error", "not-public-address"],
        },
    }
    (site / "site.json").write_text(json.dumps(spec))


@pytest_twisted.ensureDeferred
async def test_redirect_to_a_non_public_address_is_refused(tmp_path: Path) -> None:
    write_site(tmp_path / "sites")
    with FixtureServer(sites_dir=tmp_path / "sites") as server:
        await crawl(
            server.seeds(),
            tmp_path / "out",
            allow_private_networks=False,
            TDM_ALLOWED_NETWORKS=["127.0.0.1/32"],  # the site itself, not 127.0.0.2
        )
        expected = server.expected()
        away_url = server.url("jump", "/away")
    records = by_url(tmp_path / "out")
    assert {url: (r["decision"], r["reason"]) for url, r in records.items()} == expected
    away = records[away_url]
    assert away["final_url"] == "http://127.0.0.2:9/x"
    assert "127.0.0.2" in away["signals"][0]["detail"]


@pytest_twisted.ensureDeferred
async def test_nothing_is_written_outside_the_output_directory(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    out = work / "out"
    out.mkdir(parents=True)
    await crawl(
        [fixture_server.url("open", "/")],
        out,
        TDM_CRAWL_ID="../../escape/../attempt",
        TDM_AGENT="../agent",
    )
    outside = [p for p in tmp_path.rglob("*") if not p.is_relative_to(out) and p != out]
    assert outside == [work], f"written outside the output directory: {outside}"
    assert by_url(out)
