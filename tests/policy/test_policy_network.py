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
        # IPv6 forms carrying an IPv4 address: judged by it, or refused outright.
        ("::ffff:8.8.8.8", True),  # IPv4-mapped: judged by the embedded address
        ("64:ff9b::808:808", True),  # NAT64 well-known prefix: judged by 8.8.8.8
        ("64:ff9b::7f00:1", False),  # ... 127.0.0.1
        ("64:ff9b::a9fe:a9fe", False),  # ... 169.254.169.254
        ("64:ff9b::a00:1", False),  # ... 10.0.0.1
        ("2002:808:808::1", True),  # 6to4: judged by 8.8.8.8
        ("2002:7f00:1::1", False),  # ... 127.0.0.1
        ("2002:c0a8:101::1", False),  # ... 192.168.1.1
        ("2002::1", False),  # ... 0.0.0.0
        ("64:ff9b:1::808:808", False),  # local-use NAT64: refused, whatever it embeds
        ("64:ff9b:1::7f00:1", False),
        ("::8.8.8.8", False),  # IPv4-compatible: refused, whatever it embeds
        ("::127.0.0.1", False),
        ("::ffff:0:808:808", False),  # SIIT IPv4-translated: refused
        ("::ffff:0:7f00:1", False),
        ("fec0::1", False),  # site-local
        ("feff::1", False),
        ("192.0.0.9", False),  # IETF protocol assignments, is_global notwithstanding
        ("192.0.0.170", False),
        ("192.0.1.1", True),  # just outside 192.0.0.0/24
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2003::1", True),  # just outside 6to4
        ("64:ff9b:2::1", True),  # just outside local-use NAT64
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


def test_an_allowed_network_also_opens_the_ipv6_forms_embedding_it() -> None:
    embedded = ["::ffff:127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1", "2002:7f00:2::1"]
    assert non_public_addresses(embedded, ["127.0.0.1/32"]) == ["2002:7f00:2::1"]
    assert non_public_addresses(["fec0::1"], ["fec0::/10"]) == []
