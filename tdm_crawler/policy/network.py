"""Which addresses a crawler may connect to.

A crawler that follows links and redirects from the open web can be steered at the
machine it runs on or at the operator's internal network (server-side request forgery).
So every address a connection would go to must be a public one unless the operator says
otherwise (tests and the demo crawl loopback fixtures with ``--allow-private-networks``).

Python's ``is_global`` misses the IPv6 forms that carry an IPv4 address, which reach
that IPv4 host whatever their own prefix says. Each is decided explicitly (ours):

* IPv4-mapped ``::ffff:0:0/96``: the embedded IPv4 address is what a dual-stack socket
  connects to, so it is judged: ``::ffff:127.0.0.1`` is loopback, ``::ffff:8.8.8.8``
  public.
* NAT64 well-known prefix ``64:ff9b::/96`` (RFC 6052): a NAT64 gateway connects to the
  embedded IPv4 address, so it is judged. Refusing the prefix outright would stop a crawl
  on an IPv6-only network with DNS64, where every IPv4-only site resolves into it.
* 6to4 ``2002::/16`` (RFC 3056): packets go through a relay to the embedded IPv4
  address, so it is judged (``2002:7f00:1::`` is loopback, ``2002:808:808::`` public).
* refused outright, because the IPv4 address they carry is not where a connection goes,
  or they have no legitimate public use: local-use NAT64 ``64:ff9b:1::/48`` (RFC 8215,
  site-chosen embedding), IPv4-compatible ``::/96`` (deprecated, RFC 4291), SIIT
  IPv4-translated ``::ffff:0:0:0/96`` (RFC 2765), site-local ``fec0::/10`` (deprecated,
  RFC 3879) and the IETF protocol assignments ``192.0.0.0/24`` (RFC 6890), including the
  two ``is_global`` admits.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Refused whatever they embed (see the module docstring).
_REFUSED = tuple(
    ipaddress.ip_network(net)
    for net in ("64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96", "fec0::/10", "192.0.0.0/24")
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address a connection to ``address`` reaches: the one an IPv4-mapped,
    NAT64 (well-known prefix) or 6to4 address carries; None for any other address."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.sixtofour


def _is_public(address: IPAddress) -> bool:
    if any(address in network for network in _REFUSED):
        return False
    target = embedded_ipv4(address) or address
    if any(target in network for network in _REFUSED):
        return False
    return target.is_global and not target.is_multicast


def non_public_addresses(addresses: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The addresses that are not globally routable (loopback, private, link-local,
    multicast, reserved, unspecified, and the IPv6 forms above), in input order;
    unparsable ones count as non-public.

    ``allowed`` lists networks (CIDR) an operator opened on purpose, e.g. an intranet;
    an address counts as allowed when it, or the IPv4 address it embeds, is in one.
    """
    networks = [ipaddress.ip_network(net, strict=False) for net in allowed]
    bad = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            bad.append(text)
            continue
        candidates = [address, embedded_ipv4(address) or address]
        if any(a in network for a in candidates for network in networks):
            continue
        if not _is_public(address):
            bad.append(text)
    return bad


def parse_networks(value: object) -> tuple[str, ...]:
    """The networks (CIDR) ``value`` names, normalised (``2001:DB8::/32`` is
    ``2001:db8::/32``) and each once, in the order given: a list of strings, or one
    string of comma-separated networks (``--set TDM_IP_RANGES=192.0.2.0/24,2001:db8::/32``);
    None or empty: none.

    A ValueError says which entry is not a network; one with host bits set
    (``192.0.2.1/24``) is refused rather than guessed at, naming the network it is in.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[object] = [part.strip() for part in value.split(",")]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ValueError(f"expected a list of networks such as 192.0.2.0/24, got {value!r}")
    found: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"{item!r} is not a network: give CIDRs such as 192.0.2.0/24")
        text = item.strip()
        try:
            network = ipaddress.ip_network(text)
        except ValueError:
            try:
                loose = ipaddress.ip_network(text, strict=False)
            except ValueError:
                raise ValueError(
                    f"{text!r} is not a network: give CIDRs such as 192.0.2.0/24"
                ) from None
            raise ValueError(f"{text!r} has host bits set: did you mean {loose}?") from None
        found[str(network)] = None
    return tuple(found)


def is_private_literal(host: str) -> bool:
    """``host`` is an IP address literal (as a URL writes it, IPv6 in brackets or not)
    that is not public: a loopback or private address, never a name."""
    try:
        address = ipaddress.ip_address(host.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return not _is_public(address)
