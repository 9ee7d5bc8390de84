"""Robots-style path patterns, as used by a TDMRep rule's ``location`` (protocols §2.1).

TDMRep says ``location`` follows robots.txt path patterns: a prefix match on octets, ``*``
for any run of characters, a trailing ``$`` anchoring the end. Both sides are brought to
one spelling before comparing, so that the many ways of writing the same URL match alike
while URLs that differ in meaning (``%2F`` versus ``/``) stay apart.

One ``tdmrep.json`` is matched against every URL of its origin, possibly millions, so a
pattern is split and normalised once and matching a path costs one normalisation and a few
plain string searches. No regex is compiled: a hostile file of a hundred thousand rules
(well under the size cap) would otherwise spend seconds compiling them, on the crawl's
event loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# RFC 3986 unreserved characters: their escapes mean the same as the characters.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters kept verbatim in a normalised path. "$" and "*" are absent: a path's literal
# "$" or "*" is spelled "%24" / "%2A", the only way a pattern can name them, since in a
# pattern those two characters are the end anchor and the wildcard.
_VERBATIM = _UNRESERVED | frozenset(":/?#[]@!&'()+,;=")
_HEX = frozenset("0123456789ABCDEFabcdef")
# A path needing no rewriting at all: the common case, answered by one C-level regex call.
_ALREADY_NORMAL = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!&'()+,;=]*").fullmatch


def path_and_query(url: str) -> str:
    """Return what a location is matched against: path plus ``?query``, fragment dropped.

    An empty path is ``/``, as a client requests it. An empty query (``/a?``) is dropped
    like an absent one, so the two spellings of the same resource match alike.
    """
    parts = urlsplit(url)
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path


def normalise(path: str) -> str:
    """Return the canonical spelling of a path (or of a pattern piece between ``*``).

    Escapes of unreserved characters are decoded (``%7E`` -> ``~``), other escapes are
    kept with upper-case hex (``%2f`` -> ``%2F``), ``$``, ``*``, a ``%`` that starts no
    escape and every other character outside the URI syntax (spaces, non-ASCII) are
    percent-encoded as UTF-8 (``é`` -> ``%C3%A9``).
    """
    if _ALREADY_NORMAL(path):
        return path
    out: list[str] = []
    i, end = 0, len(path)
    while i < end:
        char = path[i]
        if char == "%" and _is_escape(path, i):
            decoded = chr(int(path[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else f"%{path[i + 1 : i + 3].upper()}")
            i += 3
            continue
        if char in _VERBATIM:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8", "surrogatepass"))
        i += 1
    return "".join(out)


def _is_escape(text: str, index: int) -> bool:
    """Whether ``text[index]`` (a ``%``) starts a well-formed ``%XX`` escape."""
    pair = text[index + 1 : index + 3]
    return len(pair) == 2 and pair[0] in _HEX and pair[1] in _HEX


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
