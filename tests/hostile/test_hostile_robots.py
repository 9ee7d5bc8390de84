"""Hostile robots.txt files, one origin each, decided in one crawl.

Binary garbage, a 10 MiB file (read up to 512 KiB), a BOM, CRLF and bare CR line ends,
huge lines, ten thousand groups, wildcard storms, UTF-16, an HTML page, redirect loops
and chains. Expected outcomes per RFC 9309 as the README states it: a 2xx file is parsed
leniently, an unfinished redirect chain makes everything disallowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tests.hostile.generate import (
    Case,
    CrawlOutcome,
    MiB,
    async_fixture,
    build_robots,
    cases_of,
    check_case,
    check_markers,
    crawl_cases,
    params,
    write_sites,
)

SITES = build_robots()
CASES = cases_of(SITES)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = write_sites(SITES, tmp_path_factory.mktemp("robots-sites"))
    with FixtureServer(sites_dir=root) as fixtures:
        yield fixtures


@async_fixture(scope="module")
async def outcome(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlOutcome:
    out: Path = tmp_path_factory.mktemp("robots") / "out"
    return await crawl_cases(CASES, lambda case: server.url(case.site, case.path), out)


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    print(f"peak RSS growth {outcome.rss_growth / MiB:.0f} MiB, {outcome.seconds:.1f} s")
    assert outcome.rss_growth < 300 * MiB, f"peak RSS grew by {outcome.rss_growth / MiB:.0f} MiB"
    assert outcome.seconds < 60, f"crawl took {outcome.seconds:.1f} s"
