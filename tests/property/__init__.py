"""Property-based tests (Hypothesis) for the pure policy readers and matchers.

The profile ``tdm`` (loaded unless ``HYPOTHESIS_PROFILE`` names another) runs 200
examples per property, derandomised so that every run checks the same examples and a
failure reproduces; ``tdm-explore`` draws 2 000 fresh ones per property for a local hunt
(``HYPOTHESIS_PROFILE=tdm-explore pytest tests/property``). No example database is
written into the tree.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "tdm",
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "tdm-explore",
    max_examples=2000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tdm"))
