"""The pin: every connection the crawl makes goes to an address that was checked.

Checking a name's addresses before a request, then letting the HTTP client resolve the
name again when it connects, leaves a gap: a DNS answer that changes in between (DNS
rebinding: public for the check, ``127.0.0.1`` for the connection) reaches an internal
host. So the check is made on the very answer the connection uses: Scrapy's HTTP/1.1
handler connects through Twisted's ``HostnameEndpoint``, which asks the reactor's
``nameResolver`` for the addresses to try; :class:`GuardedResolver` wraps that resolver
and drops every address a running crawl may not connect to before the endpoint sees it.
A name whose every address is dropped fails to connect as a name that does not resolve.

The reactor is shared by every crawl of the process, so each running crawl registers its
:class:`AddressCheck` and an address must pass all of them; with no crawl running the
resolver changes nothing. Two crawls with different network settings running at once
in one process therefore both get the stricter one.

What it cannot pin: through an HTTP proxy the connection goes to the proxy, which
resolves the target itself. The guard checks the target's addresses first (and never
hands the proxy a name it cannot resolve), but the proxy may get another answer.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IHostnameResolver, IResolutionReceiver
from zope.interface import implementer

from tdm_crawler.policy import non_public_addresses

if TYPE_CHECKING:
    from twisted.internet.interfaces import IAddress, IHostResolution

#: Twisted's resolvers and receivers are zope interfaces, which mypy cannot check a
#: provider against (no zope plugin here): they are typed as what they are, Any.
Provider = Any

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class AddressCheck:
    """One crawl's rule for where a connection may go (compared by identity: two crawls
    with equal settings are still two registrations).

    ``proxies`` are the host names of the HTTP proxies the crawl was configured with: a
    connection to the proxy is the operator's choice, whatever its address.
    """

    allow_private: bool
    allowed_networks: Sequence[str] = ()
    proxies: set[str] = field(default_factory=set)

    def refused(self, addresses: Sequence[str]) -> list[str]:
        """The addresses a request may not be sent to, in input order."""
        if self.allow_private:
            return []
        return non_public_addresses(addresses, self.allowed_networks)

    def refused_connection(self, host: str, addresses: Sequence[str]) -> list[str]:
        """The addresses of ``host`` a connection may not go to: those :meth:`refused`
        names, unless ``host`` is a configured proxy."""
        return [] if host.lower() in self.proxies else self.refused(addresses)


@implementer(IResolutionReceiver)
class _Admitting:
    """Collects an answer and passes on only the addresses every running check admits."""

    def __init__(self, receiver: Provider, host: str, checks: Sequence[AddressCheck]) -> None:
        self.receiver, self.host, self.checks = receiver, host, checks
        self.addresses: list[IAddress] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolution)

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        hosts = [str(getattr(address, "host", "")) for address in self.addresses]
        refused = {
            bad for check in self.checks for bad in check.refused_connection(self.host, hosts)
        }
        for address, text in zip(self.addresses, hosts, strict=True):
            if text not in refused:
                self.receiver.addressResolved(address)
        if refused:
            logger.warning(
                "Not connecting to %s at non-public address %s",
                self.host,
                ", ".join(sorted(refused)),
            )
        self.receiver.resolutionComplete()


@implementer(IResolutionReceiver)
class _Collecting:
    """Collects an answer into a Deferred (the guard's check before a request)."""

    def __init__(self) -> None:
        self.done: Deferred[list[str]] = Deferred()
        self.addresses: list[str] = []

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(str(getattr(address, "host", "")))

    def resolutionComplete(self) -> None:
        if not self.done.called:  # not given up on (the guard's DNS timeout)
            self.done.callback(self.addresses)


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver, with every address a running crawl may not connect
    to dropped from each answer (see the module docstring)."""

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.checks: list[AddressCheck] = []

    def register(self, check: AddressCheck) -> None:
        if not any(check is known for known in self.checks):
            self.checks.append(check)

    def unregister(self, check: AddressCheck) -> None:
        self.checks = [known for known in self.checks if known is not check]

    def resolveHostName(
        self,
        resolutionReceiver: Provider,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> Provider:
        receiver = _Admitting(resolutionReceiver, hostName, tuple(self.checks))
        return self.inner.resolveHostName(
            receiver, hostName, portNumber, addressTypes, transportSemantics
        )

    def addresses(self, host: str, port: int) -> Deferred[list[str]]:
        """Every address ``host`` resolves to, nothing dropped, from the resolver (and
        its cache) the connection will use: what the guard checks before a request."""
        receiver = _Collecting()
        self.inner.resolveHostName(receiver, host, port)
        return receiver.done


def guarded_resolver(reactor: Any) -> GuardedResolver:
    """The reactor's :class:`GuardedResolver`, installed over its current resolver if it
    is not there (Scrapy's ``CrawlerProcess`` installs its own resolver when it starts, so
    the guard calls this for every request rather than once)."""
    current = reactor.nameResolver
    if isinstance(current, GuardedResolver):
        return current
    guarded = GuardedResolver(current)
    reactor.installNameResolver(guarded)
    return guarded
