"""Shared fixtures, and the markers a test gets from where it lives or what it uses.

``make test-fast`` runs ``-m "not e2e and not redis and not browser and not archive"``. So
that a slow test cannot be forgotten, the marks are added here rather than by hand where a
rule can say it: every test under ``tests/e2e/`` and ``tests/hostile/`` is ``e2e`` (those
modules crawl for real), every test under ``tests/archive/`` is ``archive`` (a real pywb,
py-wacz's validator), a test using the ``redis_url`` fixture is ``redis``, one using
``browser`` is ``browser``. A test elsewhere that runs a crawl carries ``@pytest.mark.e2e`` itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.server import FixtureServer

TESTS = Path(__file__).resolve().parent
MARK_OF_DIR = {"e2e": pytest.mark.e2e, "hostile": pytest.mark.e2e, "archive": pytest.mark.archive}
MARK_OF_FIXTURE = {"redis_url": pytest.mark.redis, "browser": pytest.mark.browser}


@pytest.hookimpl(tryfirst=True)  # before ``-m`` deselects by mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        mark = MARK_OF_DIR.get(item.path.relative_to(TESTS).parts[0])
        if mark is not None:
            item.add_marker(mark)
        used = getattr(item, "fixturenames", ())
        for fixture, mark in MARK_OF_FIXTURE.items():
            if fixture in used:
                item.add_marker(mark)


@pytest.fixture(scope="session")
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server
