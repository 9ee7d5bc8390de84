"""Which resolved addresses count as non-public (SSRF guard)."""

from __future__ import annotations

import pytest

from tdm_crawler.policy import non_public_addresses


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.215.14", True),
        ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True),
        ("127.0.0.1", False),
        ("127.8.9.10", False),
        ("::1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata endpoint
        ("fe80::1%eth0", False),
        ("fc00::1", False),
        ("224.0.0.1", False),
        ("ff02::1", False),
        ("0.0.0.0", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
        ("100.64.0.1", False),  # carrier-grade NAT
        ("not-an-address", False),
    ],
)
def test_non_public_addresses(address: str, public: bool) -> None:
    assert (non_public_addresses([address]) == []) is public


def test_keeps_input_order_and_only_bad_ones() -> None:
    assert non_public_addresses(["10.0.0.1", "8.8.8.8", "::1"]) == ["10.0.0.1", "::1"]


def test_allowed_networks_are_opened_on_purpose() -> None:
    addresses = ["127.0.0.1", "127.0.0.2", "10.1.2.3"]
    assert non_public_addresses(addresses, ["127.0.0.1/32"]) == ["127.0.0.2", "10.1.2.3"]
    assert non_public_addresses(addresses, ["127.0.0.0/8", "10.0.0.0/8"]) == []
