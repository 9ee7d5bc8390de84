"""Hostile HTML on one origin: no head, meta in body, unclosed tags and comments, a
50 MiB page, a head past the 256 KiB read cap, wrong and missing charsets, UTF-16.

Meta tags count only in <head> as a browser builds it; the encoding comes from the BOM,
then the header charset, then <meta charset> (WHATWG: a <meta> naming UTF-16 means
UTF-8, a header "utf-16" means UTF-16LE).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hostile.generate import Case, build_html, cases_of
from tests.hostile.harness import CrawlOutcome, check_bounds, check_case, check_markers, params

#: The corpus; ``outcome`` (tests/hostile/conftest.py) crawls it once for the tests below.
SITES = build_html()
CASES = cases_of(SITES)
CRAWL_SETTINGS: dict[str, Any] = {}

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    check_bounds(outcome, rss_mib=400)
