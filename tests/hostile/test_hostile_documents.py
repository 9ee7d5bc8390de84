"""Hostile PDF and EPUB documents on one origin: truncated, encrypted, noise, a
flate bomb in the XMP stream, entity declarations, over the size cap, zip bombs, a zip
of 12 000 members. A document whose metadata cannot be read is unknown: nothing stored.
"""

from __future__ import annotations

import pytest

from tests.hostile.generate import (
    EMBEDDED_CAP,
    build_documents,
    category_suite,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

(
    server,
    outcome,
    test_case,
    test_nothing_non_allowed_is_written,
    test_memory_and_time_stay_bounded,
) = category_suite(
    "documents", build_documents(), rss_bound_mib=300, TDM_EMBEDDED_MAX_BYTES=EMBEDDED_CAP
)
