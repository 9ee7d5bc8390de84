"""Shared fixtures: the loopback fixture server, started once per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures.server import FixtureServer


@pytest.fixture(scope="session")
def fixture_server() -> Iterator[FixtureServer]:
    with FixtureServer() as server:
        yield server
