"""The crawler's product token (RFC 9309 §2.2.1: letters, ``_`` and ``-`` only)."""

from __future__ import annotations

import pytest

from tdm_crawler.policy.product_token import product_token_problem


@pytest.mark.parametrize(
    "value",
    ["tdm-crawler", "FooBot", "a", "GPTBot", "Google-Extended", "my_bot", "-", "_x-Y_"],
)
def test_valid_tokens(value: str) -> None:
    assert product_token_problem(value) is None


# (value, token the message suggests, or None when no leading run of valid characters)
INVALID_CASES = [
    pytest.param("FooBot/2.1", "FooBot", id="version-suffix"),
    pytest.param("tdm-crawler/0.1.0 (+https://e.org)", "tdm-crawler", id="user-agent-string"),
    pytest.param("foo bot", "foo", id="space"),
    pytest.param("bot2", "bot", id="digit"),
    pytest.param("ai.bot", "ai", id="dot"),
    pytest.param("bot*", "bot", id="wildcard"),
    pytest.param("caf\u00e9bot", "caf", id="non-ascii"),
    pytest.param("tdm-crawler\n", "tdm-crawler", id="trailing-newline"),
    pytest.param("", None, id="empty"),
    pytest.param("*", None, id="star"),
    pytest.param("2bot", None, id="leading-digit"),
    pytest.param("/x", None, id="leading-slash"),
]


@pytest.mark.parametrize(("value", "token"), INVALID_CASES)
def test_invalid_tokens(value: str, token: str | None) -> None:
    problem = product_token_problem(value)
    assert problem is not None
    assert "\n" not in problem  # one line, for a usage error
    assert problem.startswith(f"{value!r} is not a robots.txt product token")
    assert "RFC 9309 §2.2.1" in problem
    if token is None:
        assert "; use " not in problem
    else:
        assert problem.endswith(f"; use {token!r}")
