"""Hostile PDF and EPUB documents on one origin: truncated, encrypted, noise, a
flate bomb in the XMP stream, entity declarations, over the size cap, zip bombs, a zip
of 12 000 members. A document whose metadata cannot be read is unknown: nothing stored.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.hostile.generate import EMBEDDED_CAP, Case, build_documents, cases_of
from tests.hostile.harness import CrawlOutcome, check_bounds, check_case, check_markers, params

#: The corpus; ``outcome`` (tests/hostile/conftest.py) crawls it once for the tests below.
SITES = build_documents()
CASES = cases_of(SITES)
CRAWL_SETTINGS: dict[str, Any] = {"TDM_EMBEDDED_MAX_BYTES": EMBEDDED_CAP}

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    check_bounds(outcome, rss_mib=300)
