"""What an origin is: scheme, host and port (robots.txt and TDMRep are scoped to it)."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_of(url: str) -> str:
    """``scheme://host:port`` with the port always explicit, so that
    ``https://e.org/`` and ``https://e.org:443/`` are one origin."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}"
