"""Transport faults from a raw-socket server: decompression bombs, stalls, resets, trickles,
endless bodies, malformed responses, on resources and on robots.txt / tdmrep.json.

``DOWNLOAD_MAXSIZE`` is 2 MiB and ``DOWNLOAD_TIMEOUT`` 2 s here, so every fault ends
within seconds. A resource that cannot be fetched is ``error`` (``too-large`` when a size
cap stopped it); a tdmrep.json that cannot be fetched makes its origin ``unknown``; a
robots.txt that cannot be fetched makes it ``disallowed`` (``robots-unreachable``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.hostile.generate import TRANSPORT_MAXSIZE, Case, build_transport
from tests.hostile.harness import CrawlOutcome, check_bounds, check_case, check_markers, params
from tests.hostile.rawserver import RawServer

#: The corpus; ``outcome`` (tests/hostile/conftest.py) crawls it once for the tests below,
#: on the raw-socket ``server`` of this module.
SITES = build_transport()
CASES = SITES.cases
CRAWL_SETTINGS: dict[str, Any] = {
    "DOWNLOAD_TIMEOUT": 2,
    "DOWNLOAD_MAXSIZE": TRANSPORT_MAXSIZE,
    "DOWNLOAD_WARNSIZE": TRANSPORT_MAXSIZE,
}

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture(scope="module")
def server() -> Iterator[RawServer]:
    with RawServer(SITES.behaviours()) as raw:
        yield raw


@pytest.mark.parametrize("case", params(CASES))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


def test_nothing_non_allowed_is_written(outcome: CrawlOutcome) -> None:
    check_markers(outcome)


def test_memory_and_time_stay_bounded(outcome: CrawlOutcome) -> None:
    check_bounds(outcome, rss_mib=300)


def test_failing_policy_files_are_retried_then_given_up(
    outcome: CrawlOutcome, server: RawServer
) -> None:
    """A transient failure is retried once (TDM_POLICY_RETRY_DELAYS=[0.05]), no more."""
    assert server.hits("tf-stall", "/.well-known/tdmrep.json") == 2
    assert server.hits("tf-reset", "/.well-known/tdmrep.json") == 2
    assert server.hits("rf-stall", "/robots.txt") == 2
    # Only one URL of each origin was crawled, and nothing of a disallowed origin.
    assert server.hits("rf-stall", "/page.html") == 0
    assert server.hits("tf-stall", "/page.html") == 0
