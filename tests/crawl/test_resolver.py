"""The pin, unit by unit: what the guarded resolver passes on, for which crawls, and how
it takes its place on the reactor (the crawls themselves: tests/hostile/test_hostile_ssrf.py)."""

from __future__ import annotations

from typing import Any

from twisted.internet.address import IPv4Address, IPv6Address

from tdm_crawler.crawl.resolver import AddressCheck, GuardedResolver, guarded_resolver


class StaticResolver:
    """Answers every name with fixed addresses, synchronously."""

    def __init__(self, *addresses: str) -> None:
        self.addresses = addresses
        self.asked: list[str] = []

    def resolveHostName(self, receiver: Any, hostName: str, portNumber: int = 0, *_: Any) -> Any:
        self.asked.append(hostName)
        receiver.resolutionBegan(None)
        for address in self.addresses:
            kind = IPv6Address if ":" in address else IPv4Address
            receiver.addressResolved(kind("TCP", address, portNumber))
        receiver.resolutionComplete()
        return None


class Receiver:
    def __init__(self) -> None:
        self.addresses: list[str] = []
        self.complete = False

    def resolutionBegan(self, resolution: Any) -> None:
        pass

    def addressResolved(self, address: Any) -> None:
        self.addresses.append(address.host)

    def resolutionComplete(self) -> None:
        self.complete = True


def _connect(resolver: GuardedResolver, host: str = "site.test") -> Receiver:
    receiver = Receiver()
    resolver.resolveHostName(receiver, host, 80)
    assert receiver.complete
    return receiver


def test_without_a_running_crawl_nothing_is_dropped() -> None:
    resolver = GuardedResolver(StaticResolver("127.0.0.1", "93.184.215.14"))
    assert _connect(resolver).addresses == ["127.0.0.1", "93.184.215.14"]


def test_a_connection_gets_only_the_addresses_its_crawl_admits() -> None:
    resolver = GuardedResolver(StaticResolver("127.0.0.1", "10.0.0.1", "93.184.215.14", "::1"))
    resolver.register(AddressCheck(False, ["10.0.0.0/8"]))
    assert _connect(resolver).addresses == ["10.0.0.1", "93.184.215.14"]


def test_every_answer_dropped_is_a_name_that_does_not_resolve() -> None:
    resolver = GuardedResolver(StaticResolver("127.0.0.3"))
    resolver.register(AddressCheck(False))
    receiver = _connect(resolver)
    assert receiver.addresses == [] and receiver.complete


def test_two_crawls_at_once_get_the_stricter_rule_until_one_stops() -> None:
    resolver = GuardedResolver(StaticResolver("127.0.0.1", "93.184.215.14"))
    lax, strict = AddressCheck(True), AddressCheck(False)
    resolver.register(lax)
    resolver.register(strict)
    resolver.register(strict)  # registered once, whatever the number of requests
    assert _connect(resolver).addresses == ["93.184.215.14"]
    resolver.unregister(strict)
    assert _connect(resolver).addresses == ["127.0.0.1", "93.184.215.14"]


def test_equal_settings_are_still_two_crawls() -> None:
    resolver = GuardedResolver(StaticResolver("127.0.0.1"))
    first, second = AddressCheck(False), AddressCheck(False)
    resolver.register(first)
    resolver.register(second)
    resolver.unregister(first)
    assert _connect(resolver).addresses == []


def test_a_configured_proxy_is_connected_to_but_never_admits_a_target() -> None:
    check = AddressCheck(False, proxies={"proxy.internal"})
    resolver = GuardedResolver(StaticResolver("10.1.1.1"))
    resolver.register(check)
    assert _connect(resolver, "proxy.internal").addresses == ["10.1.1.1"]
    assert _connect(resolver, "other.internal").addresses == []
    assert check.refused(["10.1.1.1"]) == ["10.1.1.1"]  # the guard's check of a target


def test_the_check_before_a_request_sees_the_whole_answer() -> None:
    inner = StaticResolver("127.0.0.1", "93.184.215.14")
    resolver = GuardedResolver(inner)
    resolver.register(AddressCheck(False))
    found: list[list[str]] = []
    resolver.addresses("site.test", 80).addCallback(found.append)
    assert found == [["127.0.0.1", "93.184.215.14"]]
    assert inner.asked == ["site.test"]


class Reactor:
    """The part of a reactor the pin uses: a replaceable name resolver."""

    def __init__(self, resolver: Any) -> None:
        self.nameResolver = resolver

    def installNameResolver(self, resolver: Any) -> Any:
        previous, self.nameResolver = self.nameResolver, resolver
        return previous


def test_installed_once_over_whatever_resolver_is_there() -> None:
    original = StaticResolver("93.184.215.14")
    reactor = Reactor(original)
    guarded = guarded_resolver(reactor)
    assert reactor.nameResolver is guarded and guarded.inner is original
    assert guarded_resolver(reactor) is guarded
    # Scrapy's CrawlerProcess installs its own resolver when it starts: wrapped again.
    replacement = StaticResolver("93.184.215.15")
    reactor.installNameResolver(replacement)
    again = guarded_resolver(reactor)
    assert again is not guarded and again.inner is replacement
