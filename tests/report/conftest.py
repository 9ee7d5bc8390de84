"""One real crawl of the fixture sites that the HTML report, the datasheet and the browser
tests all read: run once per session by the ``tdm-crawl crawl`` process, as a user would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.server import FixtureServer

#: The fixture sites crawled: one per kind of robots.txt and tdmrep.json outcome.
SITES = ("open", "robots-5xx", "robots-rules", "tdmrep-5xx", "tdmrep-file", "tdmrep-header-meta")
FAST = ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]"]


@pytest.fixture(scope="session")
def crawl_sites() -> tuple[str, ...]:
    return SITES


@pytest.fixture(scope="session")
def crawl(fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The crawl directory of :data:`SITES`."""
    out = tmp_path_factory.mktemp("report") / "crawl"
    command = [sys.executable, "-m", "tdm_crawler.cli", "crawl", *fixture_server.seeds(SITES)]
    command += ["--out", str(out), "--allow-private-networks", *FAST]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return out
