"""Hostile PDF and EPUB documents on one origin: truncated, encrypted, noise, a
flate bomb in the XMP stream, entity declarations, over the size cap, zip bombs, a zip
of 12 000 members. A document whose metadata cannot be read is unknown: nothing stored.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tests.hostile.generate import (
    EMBEDDED_CAP,
    Case,
    CrawlOutcome,
    MiB,
    async_fixture,
    build_documents,
    cases_of,
    check_case,
    check_markers,
    crawl_cases,
    params,
    write_sites,
)

SITES = build_documents()
CASES = cases_of(SITES)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = write_sites(SITES, tmp_path_factory.mktemp("documents-sites"))
    with FixtureServer(sites_dir=root) as fixtures:
        yield fixtures


@async_fixture(scope="module")
async def outcome(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlOutcome:
    out: Path = tmp_path_factory.mktemp("documents") / "out"
    return await crawl_cases(
        CASES,
        lambda case: server.url(case.site, case.path),
        out,
        TDM_EMBEDDED_MAX_BYTES=EMBEDDED_CAP,
    )


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    print(f"peak RSS growth {outcome.rss_growth / MiB:.0f} MiB, {outcome.seconds:.1f} s")
    assert outcome.rss_growth < 300 * MiB, f"peak RSS grew by {outcome.rss_growth / MiB:.0f} MiB"
    assert outcome.seconds < 60, f"crawl took {outcome.seconds:.1f} s"
