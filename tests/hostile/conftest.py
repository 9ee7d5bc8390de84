"""The crawl each hostile category's tests judge: one per module, of all its cases.

A category module names its corpus at module level: ``SITES`` (the fixture sites its
``build_<category>()`` wrote), ``CASES`` (their cases, in order) and ``CRAWL_SETTINGS``
(what its crawl adds to :data:`tests.hostile.harness.HOSTILE_SETTINGS`).
``server`` serves ``SITES`` on loopback; ``outcome`` crawls every case URL on it once.
The transport module overrides ``server`` with its raw-socket server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tests.hostile.generate import write_sites
from tests.hostile.harness import CrawlOutcome, async_fixture, crawl_cases
from tests.hostile.rawserver import RawServer


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FixtureServer]:
    root = write_sites(request.module.SITES, tmp_path_factory.mktemp("sites"))
    with FixtureServer(sites_dir=root) as fixtures:
        yield fixtures


@async_fixture(scope="module")
async def outcome(
    request: pytest.FixtureRequest,
    server: FixtureServer | RawServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> CrawlOutcome:
    cases = request.module.CASES
    out: Path = tmp_path_factory.mktemp(cases[0].category) / "out"
    url_of = lambda case: server.url(case.site, case.path)  # noqa: E731
    return await crawl_cases(cases, url_of, out, **request.module.CRAWL_SETTINGS)
