"""One crawl of the fixture sites for every archive test: what pywb replays and what the
WACZ package holds are both checked against what that crawl stored. The crawl runs as
``tdm-crawl crawl`` in a child process, so one crawl serves both test modules (an
in-process crawl is bound to a module's reactor fixture)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tests.paths import REPO

FAST = [
    "AUTOTHROTTLE_ENABLED=False",
    "TDM_POLICY_RETRY_DELAYS=[0.05, 0.05]",
    "TDM_BACKOFF_BASE=0.05",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "TDM_PROGRESS=off",
]


@pytest.fixture(scope="session")
def fixture_crawl(fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("archive") / "crawl"
    settings = [arg for setting in FAST for arg in ("--set", setting)]
    command = [sys.executable, "-m", "tdm_crawler.cli", "crawl", *fixture_server.seeds()]
    command += ["--out", str(out), "--allow-private-networks", *settings]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return out
