"""The ledger's pure parts: registrable domains from the Public Suffix List (offline), the
grouping of origins, and an amount shared out so the parts sum exactly to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tdm_crawler.corpus.commons import Extent
from tdm_crawler.corpus.ledger import domain_rows, largest_remainder, origin_domain


@pytest.mark.parametrize(
    ("origin", "domain"),
    [
        ("https://a.example.co.uk:443", "example.co.uk"),
        ("http://b.example.co.uk:8080", "example.co.uk"),
        ("https://www.example.com:443", "example.com"),
        ("http://EXAMPLE.com.:80", "example.com"),
        ("https://news.bbc.co.uk:443", "bbc.co.uk"),
        ("https://alice.github.io:443", "alice.github.io"),  # a private suffix: each user's
        ("https://x.y.alice.github.io:443", "alice.github.io"),
        ("http://127.0.0.1:8000", "127.0.0.1"),
        ("http://[::1]:80", "::1"),
        ("http://localhost:80", "localhost"),
        ("http://intranet.example:80", "intranet.example"),  # no public suffix: the host
        ("(invalid URL)", "(invalid URL)"),
    ],
)
def test_origins_grouped_by_registrable_domain(origin: str, domain: str) -> None:
    assert origin_domain(origin) == domain


def extent(works: int, size: int, words: int) -> Extent:
    return Extent(works, size, words)


def test_origins_of_one_registrable_domain_are_one_row() -> None:
    rows = domain_rows(
        {
            "https://a.example.co.uk:443": {"open": extent(2, 200, 20)},
            "http://b.example.co.uk:80": {"open": extent(1, 50, 5), "unstated": extent(3, 30, 3)},
            "https://other.org:443": {"restricted": extent(1, 900, 90)},
        }
    )
    assert [(r.domain, len(r.origins), r.extent.works, r.extent.words) for r in rows] == [
        ("other.org", 1, 1, 90),
        ("example.co.uk", 2, 6, 28),
    ]
    assert rows[1].of_class("open") == Extent(3, 250, 25, 0)
    assert rows[1].of_class("public-domain") == Extent()
    by_works = domain_rows(
        {
            "https://a.example.co.uk:443": {"open": extent(2, 1, 1)},
            "https://z.org:443": {"open": extent(1, 9, 9)},
        },
        by="works",
    )
    assert [r.domain for r in by_works] == ["example.co.uk", "z.org"]


def test_largest_remainder_gives_the_leftover_units_to_the_largest_remainders() -> None:
    assert largest_remainder({"a": 1, "b": 1, "c": 1}, Decimal("100"), 2) == {
        "a": Decimal("33.34"),
        "b": Decimal("33.33"),
        "c": Decimal("33.33"),
    }
    # quotas 5.5, 3.3 and 1.2 units: floors 5, 3 and 1; the unit left goes to a (.5 left)
    assert largest_remainder({"a": 55, "b": 33, "c": 12}, Decimal("10"), 0) == {
        "a": Decimal("6"),
        "b": Decimal("3"),
        "c": Decimal("1"),
    }
    assert largest_remainder({"a": 0, "b": 5}, Decimal("1.00"), 2) == {
        "a": Decimal("0.00"),
        "b": Decimal("1.00"),
    }


@pytest.mark.parametrize(
    ("weights", "amount", "decimals", "message"),
    [
        ({"a": 1}, Decimal("-1"), 2, "must not be negative"),
        ({"a": 1}, Decimal("1.005"), 2, "more than 2 decimal places"),
        ({"a": 0, "b": 0}, Decimal("10"), 2, "nothing to share by"),
        ({}, Decimal("10"), 2, "nothing to share by"),
    ],
)
def test_what_cannot_be_shared_out(
    weights: dict[str, int], amount: Decimal, decimals: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        largest_remainder(weights, amount, decimals)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=5), st.integers(0, 10**9), min_size=1, max_size=40
    ),
    st.integers(0, 10**12),
    st.integers(0, 4),
)
def test_the_parts_sum_exactly_to_the_amount(
    weights: dict[str, int], units: int, decimals: int
) -> None:
    if not sum(weights.values()):
        weights = {**weights, "x": 1}
    amount = Decimal(units).scaleb(-decimals)
    parts = largest_remainder(weights, amount, decimals)
    assert sum(parts.values()) == amount
    whole = sum(weights.values())
    unit = Decimal(1).scaleb(-decimals)
    for key, weight in weights.items():
        quota = amount * weight / whole
        assert abs(parts[key] - quota) < unit  # within one unit of the exact share
        assert parts[key] >= 0
