"""Registrable domain names, for lists of the sites a corpus came from.

The AI Act's training-content summary lists "domain names", and a rightsholder knows
their site as ``example.co.uk``, not as ``www.example.co.uk:443``. The registrable part
of a host is what the Public Suffix List says: one label under the longest public
suffix, private suffixes included (``alice.github.io`` and ``bob.github.io`` are two
sites, as browsers keep them apart). A host with no public suffix (an address literal,
``localhost``, a name under a suffix the list does not know) is its own domain.

The list is the snapshot ``tldextract`` ships, read with no network: a summary written
today and one written from the same crawl next year must list the same domains, and
the report must work offline. The snapshot is dated by the installed ``tldextract``
release (the summary names it).
"""

from __future__ import annotations

import functools
from importlib import metadata

import tldextract

__all__ = ["psl_snapshot", "registrable_domain"]


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # No suffix list URL and no cache directory: the bundled snapshot, never the network.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True
    )


@functools.lru_cache(maxsize=65_536)
def registrable_domain(host: str) -> str:
    """The registrable domain of ``host`` (lower-cased, without a trailing dot), or the
    host itself when the Public Suffix List gives it none."""
    name = host.strip().rstrip(".").lower()
    if name.startswith("[") and name.endswith("]"):
        return name  # an IPv6 literal as URLs write it
    found = _extractor()(name, include_psl_private_domains=True)
    return found.top_domain_under_public_suffix or name


def psl_snapshot() -> str:
    """Which Public Suffix List is used: the ``tldextract`` release that ships it."""
    return f"the Public Suffix List snapshot of tldextract {metadata.version('tldextract')}"
