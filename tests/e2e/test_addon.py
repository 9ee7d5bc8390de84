"""The Scrapy add-on in someone else's project: examples/addon_project crawls the
fixture sites; decisions match the fixtures' tables and nothing reserved is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fixtures.server import FixtureServer
from tests.crawling import MARKER, markers_written
from tests.paths import REPO

PROJECT = REPO / "examples" / "addon_project"
SITES = ["tdmrep-file", "tdmrep-header-meta", "noai", "robots-rules"]


def test_addon_project_crawl(fixture_server: FixtureServer, tmp_path: Path) -> None:
    out = tmp_path / "addon-out"
    items = tmp_path / "items.jsonl"
    result = subprocess.run(
        [
            sys.executable, "-m", "scrapy", "crawl", "pages",
            "-a", f"start={','.join(fixture_server.seeds(SITES))}",
            "-s", f"TDM_OUTPUT_DIR={out}", "-s", "TDM_ALLOW_PRIVATE_NETWORKS=True",
            "-s", "TDM_POLICY_RETRY_DELAYS=0.05", "-s", "AUTOTHROTTLE_ENABLED=False",
            "-s", "TDM_BACKOFF_BASE=0.05",
            "-o", f"{items}:jsonlines",
        ],
        capture_output=True, text=True, timeout=180, cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(PROJECT.parent.parent)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert (
        "RobotsTxtMiddleware" not in result.stderr.split("Enabled downloader middlewares")[1][:2000]
    )

    records = [json.loads(line) for line in (out / "decisions.jsonl").open()]
    got = {r["url"]: (r["decision"], r["reason"]) for r in records}
    assert len(got) == len(records), "each URL decided once"
    expected = fixture_server.expected(SITES)
    # The example spider follows every same-origin link; our expected tables list them all.
    assert got == expected

    # The spider only ever saw allowed pages.
    seen = {json.loads(line)["url"] for line in items.open()}
    allowed_final = {r["final_url"] for r in records if r["decision"] == "allowed"}
    assert seen <= allowed_final

    written = markers_written(out)
    assert not [m for m in written if m.startswith("MARKER-BLOCKED-")]
    allowed_bodies = {
        m.decode()
        for url, (decision, _) in expected.items()
        if decision == "allowed"
        for m in MARKER.findall(_body(fixture_server, url))
    }
    assert allowed_bodies <= written


def _body(server: FixtureServer, url: str) -> bytes:
    for site in server.sites:
        origin = server.origin(site)
        if url.startswith(origin):
            return server.body(site, url[len(origin) :])
    raise KeyError(url)
