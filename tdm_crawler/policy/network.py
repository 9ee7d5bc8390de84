"""Which addresses a crawler may connect to.

A crawler that follows links and redirects from the open web can be steered at the
machine it runs on or at the operator's internal network (server-side request forgery).
So after DNS resolution every address must be a public one unless the operator says
otherwise (tests and the demo crawl loopback fixtures with ``--allow-private-networks``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable


def non_public_addresses(addresses: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """The addresses that are not globally routable (loopback, private, link-local,
    multicast, reserved, unspecified), in input order; unparsable ones count as non-public.

    ``allowed`` lists networks (CIDR) an operator opened on purpose, e.g. an intranet.
    """
    networks = [ipaddress.ip_network(net, strict=False) for net in allowed]
    bad = []
    for text in addresses:
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])
        except ValueError:
            bad.append(text)
            continue
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in networks):
            continue
        if not address.is_global or address.is_multicast:
            bad.append(text)
    return bad
