"""Hostile HTML on one origin: no head, meta in body, unclosed tags and comments, a
50 MiB page, a head past the 256 KiB read cap, wrong and missing charsets, UTF-16.

Meta tags count only in <head> as a browser builds it; the encoding comes from the BOM,
then the header charset, then <meta charset> (WHATWG: a <meta> naming UTF-16 means
UTF-8, a header "utf-16" means UTF-16LE).
"""

from __future__ import annotations

import pytest

from tests.hostile.generate import (
    build_html,
    category_suite,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

(
    server,
    outcome,
    test_case,
    test_nothing_non_allowed_is_written,
    test_memory_and_time_stay_bounded,
) = category_suite("html", build_html(), rss_bound_mib=400)
