"""Hostile response headers on one origin: repeated, conflicting, huge, non-ASCII,
floods of X-Robots-Tag and Link fields.
"""

from __future__ import annotations

import pytest

from tests.hostile.generate import (
    build_headers,
    category_suite,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

(
    server,
    outcome,
    test_case,
    test_nothing_non_allowed_is_written,
    test_memory_and_time_stay_bounded,
) = category_suite("headers", build_headers(), rss_bound_mib=200)
