"""The robots directives about AI use: DeviantArt's ``noai`` / ``noimageai`` and Bing's
``noarchive`` / ``nocache`` (protocols §3).

They ride on the robots directive syntax of ``X-Robots-Tag`` headers and ``<meta
name="robots">`` tags: comma-separated, case-insensitive, and in the header optionally
scoped to one crawler (``googlebot: noindex, nofollow`` scopes every directive up to the
next ``token:``). ``noai`` reserves the resource, ``noimageai`` reserves images only,
both for every purpose (the purpose table's vocabulary ``noai``).

Bing documents ``noarchive`` / ``nocache`` as its opt-out from use in its AI answers and
model training. They are Bing's, not a general convention, so they are read where Bing
reads them (unscoped, in ``<meta name="bingbot">`` or scoped ``bingbot:``, and where our
own token is named), always recorded as a ``bing`` signal, and reserve (for the
purposes of the table's vocabulary ``bing``) only when the crawl asks for it
(``TDM_NOARCHIVE_RESERVES``). ``noindex``, ``nofollow``, ``none`` and the rest are about
search engines, not mining, so they are recorded but never count as a reservation.

One reader parses a source's directives once for both: a ``noai`` reserves every
purpose, so when it reserves its reason decides, and Bing's reason only otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from tdm_crawler.policy.purposes import Reservations, reservations
from tdm_crawler.policy.types import Finding, Reason, Signal

# A "token:" prefix names a crawler, unless the token is a directive that takes a value.
_SCOPE = re.compile(r"([A-Za-z0-9_.*-]+)[ \t]*:(.*)", re.DOTALL)
_VALUED = frozenset({"unavailable_after", "max-snippet", "max-image-preview", "max-video-preview"})
# Bing's directives about AI use, and the crawler whose directives they are.
_BING = ("noarchive", "nocache")
_BINGBOT = "bingbot"
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
    #: Bing's directives that apply: ``noarchive``, or ``bingbot: noarchive`` when
    #: addressed to Bing.
    bing: list[str] = field(default_factory=list)

    def read(self, value: str, agent: str, scope: str | None = None) -> None:
        """Add one header field value or meta content; the scope (``scope`` at the start:
        the crawler a meta is named after) resets per value."""
        own = agent.strip().lower()
        for raw_piece in value.split(","):
            piece = raw_piece.strip()
            scoped = _SCOPE.fullmatch(piece)
            if scoped is not None and scoped.group(1).lower() not in _VALUED:
                scope = scoped.group(1).lower()
                piece = scoped.group(2).strip()
            if not piece:
                continue
            directive = " ".join(piece.lower().split())
            # "noai noimageai" (space-separated) says the same; read each word.
            words = directive.split()
            if scope is not None and scope != own:
                _add(self.others, f"{scope}: {directive}")
                if scope == _BINGBOT:
                    for word in _BING:
                        if word in words:
                            _add(self.bing, f"{_BINGBOT}: {word}")
                continue
            _add(self.ours, directive)
            self.noai = self.noai or "noai" in words
            self.noimageai = self.noimageai or "noimageai" in words
            for word in _BING:
                if word in words:
                    _add(self.bing, word)


def x_robots_finding(
    headers: Mapping[str, Sequence[str]],
    agent: str,
    *,
    is_image: bool,
    noarchive_reserves: bool,
) -> Finding:
    """Read every ``X-Robots-Tag`` field of a response (names case-insensitive).

    Directives unscoped or scoped to ``agent`` apply; those scoped to another crawler are
    listed in the detail and ignored (but ``bingbot: noarchive`` is Bing's opt-out, read
    as Bing's). Always one signal (``protocol="noai"``, ``source="header"``) whose value
    lists the directives that apply to us, then a ``bing`` signal when Bing's directives
    were read; they reserve only when ``noarchive_reserves``.
    """
    values = [
        value
        for name, field_values in headers.items()
        if name.lower() == "x-robots-tag"
        for value in field_values
    ]
    if not values:
        return Finding((Signal("noai", "header", [], "no X-Robots-Tag header"),))
    directives = _Directives()
    for value in values:
        directives.read(value, agent)
    reasons = (Reason.X_ROBOTS_NOAI, Reason.X_ROBOTS_NOARCHIVE)
    return _finding(directives, is_image, noarchive_reserves, "header", "X-Robots-Tag", reasons)


def meta_robots_finding(
    metas: Sequence[tuple[str, str]],
    agent: str,
    *,
    is_image: bool,
    noarchive_reserves: bool,
) -> Finding:
    """Read ``<meta name="robots">``, ``<meta name="<agent>">`` and (for Bing's
    directives only) ``<meta name="bingbot">`` from the head's metas.

    ``metas`` are ``(name, content)`` pairs as
    :func:`~tdm_crawler.policy.html_meta.head_meta` returns them; names compare
    case-insensitively, trimmed. ``is_image`` is
    normally False for an HTML page, so ``noimageai`` there is recorded, not applied:
    it speaks of the images, which are other resources. Always one signal
    (``protocol="noai"``, ``source="meta"``), then a ``bing`` signal when Bing's
    directives were read.
    """
    own = agent.strip().lower()
    directives = _Directives()
    found = False
    for raw_name, content in metas:
        name = raw_name.strip().lower()
        if name in ("robots", own):
            directives.read(content, agent)
        elif name == _BINGBOT:
            directives.read(content, agent, scope=_BINGBOT)
        else:
            continue
        found = True
    if not found:
        detail = f'no <meta name="robots"> or <meta name="{agent}">'
        return Finding((Signal("noai", "meta", [], detail),))
    reasons = (Reason.META_ROBOTS_NOAI, Reason.META_ROBOTS_NOARCHIVE)
    return _finding(directives, is_image, noarchive_reserves, "meta", "robots meta", reasons)


def _finding(
    directives: _Directives,
    is_image: bool,
    noarchive_reserves: bool,
    source: str,
    what: str,
    reasons: tuple[Reason, Reason],
) -> Finding:
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
    read_elsewhere = {"noai", "noimageai", *_BING}
    others = [d for d in directives.ours if not read_elsewhere & set(d.split())]
    if others:
        notes.append(f"{', '.join(others)}: not TDM reservations")
    if directives.others:
        notes.append(f"ignored, scoped to other crawlers: {'; '.join(directives.others)}")
    if directives.bing:
        notes.append(f"{', '.join(directives.bing)}: Bing's, see the bing signal")
    if not notes:
        notes.append("no directives")
    detail = f"{what}: " + "; ".join(notes)
    signals = [Signal("noai", source, list(directives.ours), detail)]
    noai_reason, bing_reason = reasons
    if not directives.bing:
        return Finding(tuple(signals), noai_reason if reserved else None, reserved.purposes)
    bing = _bing_reservations(directives.bing) if noarchive_reserves else Reservations()
    said = f"{what}: {', '.join(directives.bing)}, Bing's opt-out from its AI answers and training"
    if bing:
        said += f"; reserved by {bing.describe()} (TDM_NOARCHIVE_RESERVES)"
    else:
        said += "; recorded, not a reservation (TDM_NOARCHIVE_RESERVES is off)"
    signals.append(Signal("bing", source, list(directives.bing), said))
    # noai reserves every purpose: when it reserves, nothing Bing reserves lies outside.
    reason = noai_reason if reserved else bing_reason if bing else None
    return Finding(tuple(signals), reason, reserved.purposes | bing.purposes)


def _bing_reservations(directives: Iterable[str]) -> Reservations:
    """Bing's directives (``noarchive``, ``bingbot: nocache``) as the table's statements."""
    return reservations("bing", (d.rpartition(": ")[2] for d in directives))


def _add(kept: list[str], directive: str) -> None:
    """Keep a directive once, and at most ``_KEEP`` of them (the verdict is unaffected)."""
    if len(directive) > _LONGEST:
        directive = directive[:_LONGEST] + "..."
    if len(kept) < _KEEP and directive not in kept:
        kept.append(directive)
