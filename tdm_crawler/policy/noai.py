"""The ``noai`` / ``noimageai`` robots directives (DeviantArt's convention, protocols §3).

They ride on the robots directive syntax of ``X-Robots-Tag`` headers and ``<meta
name="robots">`` tags: comma-separated, case-insensitive, and in the header optionally
scoped to one crawler (``googlebot: noindex, nofollow`` scopes every directive up to the
next ``token:``). ``noai`` reserves the resource, ``noimageai`` reserves images only,
both for every purpose (the purpose table's vocabulary ``noai``).
``noindex``, ``nofollow``, ``none`` and the rest are about search engines, not mining, so
they are recorded but never count as a reservation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tdm_crawler.policy.purposes import reservations
from tdm_crawler.policy.types import Finding, Reason, Signal

# A "token:" prefix names a crawler, unless the token is a directive that takes a value.
_SCOPE = re.compile(r"([A-Za-z0-9_.*-]+)[ \t]*:(.*)", re.DOTALL)
_VALUED = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
# A hostile header can hold a million directives; records keep this many of each kind,
# each cut to this length.
_KEEP = 50
_LONGEST = 100


@dataclass(slots=True)
class _Directives:
    """Directives read from one or more values, split by whom they address."""

    ours: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)
    noai: bool = False
    noimageai: bool = False

    def read(self, value: str, agent: str) -> None:
        """Add one header field value or meta content; the scope resets per value."""
        own = agent.strip().lower()
        scope: str | None = None
        for raw_piece in value.split(","):
            piece = raw_piece.strip()
            scoped = _SCOPE.fullmatch(piece)
            if scoped is not None and scoped.group(1).lower() not in _VALUED:
                scope = scoped.group(1).lower()
                piece = scoped.group(2).strip()
            if not piece:
                continue
            directive = " ".join(piece.lower().split())
            if scope is not None and scope != own:
                _add(self.others, f"{scope}: {directive}")
                continue
            _add(self.ours, directive)
            # "noai noimageai" (space-separated) says the same; read each word.
            words = directive.split()
            self.noai = self.noai or "noai" in words
            self.noimageai = self.noimageai or "noimageai" in words


def x_robots_finding(
    headers: Mapping[str, Sequence[str]], agent: str, *, is_image: bool
) -> Finding:
    """Read every ``X-Robots-Tag`` field of a response (names case-insensitive).

    Directives unscoped or scoped to ``agent`` apply; those scoped to another crawler are
    listed in the detail and ignored. Always one signal (``protocol="noai"``,
    ``source="header"``) whose value lists the directives that apply to us.
    """
    values = [
        value
        for name, field_values in headers.items()
        if name.lower() == "x-robots-tag"
        for value in field_values
    ]
    if not values:
        return Finding((Signal("noai", "header", [], "no X-Robots-Tag header"),))
    return _finding(values, agent, is_image, "header", "X-Robots-Tag", Reason.X_ROBOTS_NOAI)


def meta_robots_finding(metas: Sequence[tuple[str, str]], agent: str, *, is_image: bool) -> Finding:
    """Read ``<meta name="robots">`` and ``<meta name="<agent>">`` from the head's metas.

    ``metas`` are ``(name, content)`` pairs as
    :func:`~tdm_crawler.policy.html_meta.head_meta` returns them; names compare
    case-insensitively, trimmed. ``is_image`` is
    normally False for an HTML page, so ``noimageai`` there is recorded, not applied:
    it speaks of the images, which are other resources. Always one signal
    (``protocol="noai"``, ``source="meta"``).
    """
    names = {"robots", agent.strip().lower()}
    values = [content for name, content in metas if name.strip().lower() in names]
    if not values:
        detail = f'no <meta name="robots"> or <meta name="{agent}">'
        return Finding((Signal("noai", "meta", [], detail),))
    return _finding(values, agent, is_image, "meta", "robots meta", Reason.META_ROBOTS_NOAI)


def _finding(
    values: Iterable[str], agent: str, is_image: bool, source: str, what: str, reason: Reason
) -> Finding:
    directives = _Directives()
    for value in values:
        directives.read(value, agent)
    notes: list[str] = []
    applied = ["noai"] if directives.noai else []
    if directives.noimageai and is_image:
        applied.append("noimageai")
    reserved = reservations("noai", applied)  # both reserve every purpose
    if directives.noai:
        notes.append("noai: TDM reserved for this resource")
    if directives.noimageai:
        notes.append(
            "noimageai: TDM reserved for this image"
            if is_image
            else "noimageai: applies to images only, this resource is not one"
        )
    others = [d for d in directives.ours if not {"noai", "noimageai"} & set(d.split())]
    if others:
        notes.append(f"{', '.join(others)}: not TDM reservations")
    if directives.others:
        notes.append(f"ignored, scoped to other crawlers: {'; '.join(directives.others)}")
    if not notes:
        notes.append("no directives")
    detail = f"{what}: " + "; ".join(notes)
    signal = Signal("noai", source, list(directives.ours), detail)
    return Finding((signal,), reason if reserved else None, reserved.purposes)


def _add(kept: list[str], directive: str) -> None:
    """Keep a directive once, and at most ``_KEEP`` of them (the verdict is unaffected)."""
    if len(directive) > _LONGEST:
        directive = directive[:_LONGEST] + "..."
    if len(kept) < _KEEP and directive not in kept:
        kept.append(directive)
