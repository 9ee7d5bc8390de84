"""Origins are scheme + host + port, the port always explicit."""

from __future__ import annotations

import pytest

from tdm_crawler.policy import origin_of


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://e.org/a?b", "https://e.org:443"),
        ("https://e.org:443/", "https://e.org:443"),
        ("http://E.ORG/", "http://e.org:80"),
        ("HTTP://e.org:8080/x", "http://e.org:8080"),
        ("http://[::1]:9/x", "http://[::1]:9"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin
