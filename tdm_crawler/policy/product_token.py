"""The crawler's product token, as RFC 9309 §2.2.1 defines it.

robots.txt groups are matched on a product token: letters, ``_`` and ``-`` only. A value
such as ``FooBot/2.1`` is a User-Agent string, not a token: no ``User-agent: FooBot``
group would ever match it, so the crawler would ignore the rules written for it. The
command line refuses such a value instead of crawling under rules nobody wrote.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["product_token_problem"]

_TOKEN: Final = re.compile(r"[A-Za-z_-]+")
_LEADING: Final = re.compile(r"[A-Za-z_-]*")


def product_token_problem(value: str) -> str | None:
    """None when ``value`` is a valid product token, else a one-line reason that names
    the token to use (the leading run of valid characters, when there is one)."""
    if _TOKEN.fullmatch(value):
        return None
    suggestion = _LEADING.match(value)
    token = suggestion.group(0) if suggestion else ""
    hint = f"; use {token!r}" if token else ""
    return (
        f"{value!r} is not a robots.txt product token (RFC 9309 §2.2.1 allows only letters, "
        f"'_' and '-'){hint}"
    )
