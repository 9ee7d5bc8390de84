"""Hostile robots.txt files, one origin each, decided in one crawl.

Binary garbage, a 10 MiB file (read up to 512 KiB), a BOM, CRLF and bare CR line ends,
huge lines, ten thousand groups, wildcard storms, UTF-16, an HTML page, redirect loops
and chains. Expected outcomes per RFC 9309 as the README states it: a 2xx file is parsed
leniently, an unfinished redirect chain makes everything disallowed.
"""

from __future__ import annotations

import pytest

from tests.hostile.generate import (
    build_robots,
    category_suite,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

(
    server,
    outcome,
    test_case,
    test_nothing_non_allowed_is_written,
    test_memory_and_time_stay_bounded,
) = category_suite("robots", build_robots(), rss_bound_mib=300)
