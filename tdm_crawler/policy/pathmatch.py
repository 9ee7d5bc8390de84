"""Robots-style path patterns: robots.txt Allow/Disallow and a TDMRep rule's ``location``.

RFC 9309 §2.2.2-2.2.3 defines the patterns and TDMRep's ``location`` follows them
(docs/protocols.md §1 and §2.1): a prefix match on octets, ``*`` for any run of
characters, a trailing ``$`` anchoring the end, case-sensitive. Before comparing, the
pattern and the URL's path and query are both brought to one spelling by
:func:`normalise`, so that the same rule can never be read two ways:

* ``%XX`` escapes of unreserved characters (RFC 3986: letters, digits, ``-._~``) are
  decoded, since they mean the same as the characters: ``%7E`` is ``~``;
* every other octet is compared percent-encoded (RFC 9309: "octets ... in the reserved
  range ... MUST be percent-encoded prior to comparison"), so ``;`` and ``%3B`` are the
  same octet, as are ``=`` and ``%3D``, ``$`` and ``%24``, ``é`` and ``%C3%A9``;
* except ``/`` and ``?``, which give a URL its shape (segments, the query) and stay as
  they are, while their escapes stay escapes: ``%2F`` is not ``/`` (RFC 9309's examples
  keep both delimiters; the TDMRep rules say ``%2F`` != ``/``).

Escapes keep upper-case hex (``%2f`` -> ``%2F``); a ``%`` that starts no escape is
``%25``. In a pattern, ``*`` and a trailing ``$`` are the wildcard and the anchor, so a
pattern names a literal ``*`` or ``$`` as ``%2A`` / ``%24`` (an inner ``$`` is literal).

One file is matched against every URL of its origin, possibly millions, so a pattern is
split and normalised once and matching a path costs one normalisation and a few plain
string searches. No regex is compiled per pattern: a hostile file of a hundred thousand
rules (well under the size cap) would otherwise spend seconds compiling them, on the
crawl's event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# RFC 3986 unreserved characters: their escapes mean the same as the characters.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX = frozenset("0123456789ABCDEFabcdef")
# A path needing no rewriting at all: the common case, answered by one C-level regex call.
_ALREADY_NORMAL = re.compile(r"[A-Za-z0-9\-._~/?]*").fullmatch
# Octets compared as they are: unreserved characters and the two delimiters.
_VERBATIM = _UNRESERVED | {"/", "?"}
# Every other octet, as the escape that spells it (for str.translate over a string
# holding one character per octet).
_ESCAPED = {octet: f"%{octet:02X}" for octet in range(256) if chr(octet) not in _VERBATIM}


def path_and_query(url: str) -> str:
    """Return what a pattern is matched against: path plus ``?query``, fragment dropped.

    An empty path is ``/``, as a client requests it. An empty query (``/a?``) is dropped
    like an absent one, so the two spellings of the same resource match alike.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def normalise(path: str) -> str:
    """Return the canonical spelling of a path (or of a pattern piece between ``*``).

    The rule is the module docstring's: escapes of unreserved characters decoded, every
    other octet but ``/`` and ``?`` percent-encoded (UTF-8, upper-case hex).
    """
    if _ALREADY_NORMAL(path):
        return path
    # One character per UTF-8 octet, so that str.translate (C speed) encodes them all.
    octets = path.encode("utf-8", "surrogatepass").decode("latin-1")
    if "%" not in octets:
        return octets.translate(_ESCAPED)
    first, *after_percent = octets.split("%")
    out = [first.translate(_ESCAPED)]
    for part in after_percent:
        pair = part[:2]
        if len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX:
            decoded = chr(int(pair, 16))
            out.append(decoded if decoded in _UNRESERVED else f"%{pair.upper()}")
            out.append(part[2:].translate(_ESCAPED))
        else:  # a "%" that starts no escape is itself an octet to encode
            out.append("%25")
            out.append(part.translate(_ESCAPED))
    return "".join(out)


def split_pattern(pattern: str) -> tuple[tuple[str, ...], bool]:
    """A robots-style pattern as its normalised literal pieces between ``*`` and whether a
    trailing ``$`` anchors it at the end."""
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    return tuple(normalise(piece) for piece in body.split("*")), anchored


def match_pieces(pieces: tuple[str, ...], anchored: bool, normalised_path: str) -> bool:
    """Whether the pieces of a split pattern match a normalised path.

    The pieces between ``*`` are found left to right, each at its leftmost place: that
    commitment is always a right choice for wildcard patterns, so matching never
    backtracks, a pattern full of ``*`` cannot stall the crawl on a long URL, and no
    regex is compiled (a file of a hundred thousand patterns costs nothing until used).
    """
    first = pieces[0]
    if not normalised_path.startswith(first):
        return False
    if len(pieces) == 1:
        return not anchored or len(normalised_path) == len(first)
    position, end = len(first), len(normalised_path)
    middle = pieces[1:]
    if anchored:
        last = pieces[-1]
        end -= len(last)
        if end < position or not normalised_path.endswith(last):
            return False
        middle = pieces[1:-1]
    for piece in middle:
        if piece:
            found = normalised_path.find(piece, position, end)
            if found < 0:
                return False
            position = found + len(piece)
    return True


@dataclass(frozen=True, slots=True)
class LocationPattern:
    """A compiled ``location``; ``pattern`` is the value as written in the file."""

    pattern: str
    _pieces: tuple[str, ...] = field(repr=False, compare=False)
    _anchored: bool = field(repr=False, compare=False)

    def matches(self, path_and_query: str) -> bool:
        """Whether the pattern matches a path (with query), given in any spelling."""
        return self.matches_normalised(normalise(path_and_query))

    def matches_normalised(self, normalised_path: str) -> bool:
        """Same as :meth:`matches` for a path already passed through :func:`normalise`.

        Lets a caller matching one URL against many rules normalise it only once.
        """
        return match_pieces(self._pieces, self._anchored, normalised_path)


def compile_location(pattern: str) -> LocationPattern:
    """Split a robots-style pattern at ``*`` (a trailing ``$`` anchors it) and bring each
    literal piece to the canonical spelling of :func:`normalise`."""
    pieces, anchored = split_pattern(pattern)
    return LocationPattern(pattern, pieces, anchored)
