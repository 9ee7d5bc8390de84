"""Hostile HTML on one origin: no head, meta in body, unclosed tags and comments, a
50 MiB page, a head past the 256 KiB read cap, wrong and missing charsets, UTF-16.

Meta tags count only in <head> as a browser builds it; the encoding comes from the BOM,
then the header charset, then <meta charset> (WHATWG: a <meta> naming UTF-16 means
UTF-8, a header "utf-16" means UTF-16LE).
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
    build_html,
    cases_of,
    check_case,
    check_markers,
    crawl_cases,
    params,
    write_sites,
)

SITES = build_html()
CASES = cases_of(SITES)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = write_sites(SITES, tmp_path_factory.mktemp("html-sites"))
    with FixtureServer(sites_dir=root) as fixtures:
        yield fixtures


@async_fixture(scope="module")
async def outcome(server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> CrawlOutcome:
    out: Path = tmp_path_factory.mktemp("html") / "out"
    return await crawl_cases(CASES, lambda case: server.url(case.site, case.path), out)


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    print(f"peak RSS growth {outcome.rss_growth / MiB:.0f} MiB, {outcome.seconds:.1f} s")
    assert outcome.rss_growth < 400 * MiB, f"peak RSS grew by {outcome.rss_growth / MiB:.0f} MiB"
    assert outcome.seconds < 60, f"crawl took {outcome.seconds:.1f} s"
