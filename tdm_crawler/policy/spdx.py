"""Licence URLs and names as SPDX identifiers, and what each licence lets a corpus do.

A licence statement on the web is a URL or a name, spelt a hundred ways: Creative Commons
alone is linked over http and https, with and without ``www.`` or a port, with or without
the trailing slash, to the deed (``deed.de``, ``deed.zh-hans``) or the legal code
(``legalcode``, ``legalcode.fr``, ``legalcode.txt``), to the generic licence or a
jurisdiction port (``/by/3.0/de/``). Corpus projects have matched these with regular
expressions after the fact; here every spelling is reduced to one SPDX identifier at
crawl time, so that a report can count works per licence and an attribution file can
name it.

- The known licences are data (``data/licenses.json``): SPDX id, name, canonical URL,
  class, whether attribution is required and whether the licence is share-alike. The
  Public Domain Mark has no SPDX id: it is ``LicenseRef-PDM``, as the issue that asked
  for this names it. ``LicenseRef-Public-Domain`` is a public-domain statement that names
  no instrument (XMP ``xmpRights:Marked="False"``).
- A Creative Commons jurisdiction port that SPDX has no id for (``/by-sa/3.0/fr/``) gets
  ``LicenseRef-CC-BY-SA-3.0-FR`` (ours), with the class and terms of its licence family:
  ports differ in legal wording, not in what they permit. A CC short name without a
  version (``CC BY-SA``) likewise becomes ``LicenseRef-CC-BY-SA``.
- GNU licences: a versioned URL (``fdl-1.3.html``) names that version and nothing more,
  so it is SPDX's ``-only``; the unversioned page (``fdl.html``, "the current version")
  and the bare name ``GFDL`` are ``-or-later`` (ours). Likewise GPL, LGPL, AGPL.
- Anything else is not recognised: :func:`licence_from_url` and :func:`licence_from_text`
  return None, and the caller keeps the URL or text as found (``id: null``); nothing is
  guessed from an unknown host.

Classes (:class:`LicenseClass`): ``public-domain`` (CC0, the Public Domain Mark, PDDL,
the Unlicense), ``open`` (conformant with the Open Definition 2.1: CC BY, CC BY-SA, GFDL,
ODC-By, ODbL, the OSI licences...), ``restricted`` (NC or ND: not open). ``unstated``,
``partial`` and ``other`` describe a whole work, not a licence (see
:mod:`tdm_crawler.policy.license_reading`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "KnownLicense",
    "LicenseClass",
    "known_licenses",
    "licence",
    "licence_from_text",
    "licence_from_url",
]


class LicenseClass(StrEnum):
    """What a licence (or, for the last three, a work's statements) lets a corpus do."""

    PUBLIC_DOMAIN = "public-domain"
    OPEN = "open"
    RESTRICTED = "restricted"
    OTHER = "other"  # a licence URL we do not recognise: terms unknown
    PARTIAL = "partial"  # the only statements sit inside a figure or caption
    UNSTATED = "unstated"  # no statement: all rights reserved by default


@dataclass(frozen=True, slots=True)
class KnownLicense:
    """One entry of the licence table."""

    id: str
    name: str
    url: str | None
    license_class: LicenseClass
    attribution: bool  # the licence requires credit to the author
    share_alike: bool  # adaptations must carry the same licence


# --- the table ---------------------------------------------------------------------------


@cache
def _entries() -> tuple[dict[str, Any], ...]:
    raw = resources.files("tdm_crawler.policy.data").joinpath("licenses.json").read_text("utf-8")
    return tuple(json.loads(raw))


@cache
def known_licenses() -> dict[str, KnownLicense]:
    """The packaged table, by SPDX id (loaded once)."""
    table: dict[str, KnownLicense] = {}
    for entry in _entries():
        table[entry["id"]] = KnownLicense(
            entry["id"],
            entry["name"],
            entry["url"],
            LicenseClass(entry["class"]),
            entry["attribution"],
            entry["share_alike"],
        )
    return table


def licence(license_id: str) -> KnownLicense | None:
    """The table entry of ``license_id`` (exact spelling), including the generated
    ``LicenseRef-CC-...`` ids of ports and unversioned CC names; None if unknown."""
    found = known_licenses().get(license_id)
    if found is not None:
        return found
    ref = _CC_REF.fullmatch(license_id)
    if ref is None:
        return None
    code, version, place = ref.group(1).lower(), ref.group(2), ref.group(3)
    if code not in _CC_FAMILIES or (version is None and place is not None):
        return None
    if version is not None and version not in _CC_VERSIONS:
        return None
    return _cc_ref(code, version, place and place.lower())


@cache
def _names() -> dict[str, str]:
    """Normalised id, name and alias -> SPDX id, for text lookups."""
    names: dict[str, str] = {}
    for entry in _entries():
        for spelling in (entry["id"], entry["name"], *entry.get("aliases", ())):
            names.setdefault(_text_key(spelling), entry["id"])
    return names


@cache
def _canonical_urls() -> dict[str, str]:
    """``host/path`` of each entry's URL (as :func:`_url_key` makes it) -> SPDX id; the
    first entry wins (``GFDL-1.3-only`` before ``-or-later``, which share a URL)."""
    urls: dict[str, str] = {}
    for entry in _entries():
        if entry["url"]:
            parts = urlsplit(entry["url"])
            urls.setdefault(_url_key(parts.hostname or "", _segments(parts.path)), entry["id"])
    return urls


def _segments(path: str) -> list[str]:
    """Path segments, lower-cased, empty ones and a final index page dropped."""
    segments = [part for part in path.lower().split("/") if part]
    if segments and segments[-1] in ("index.html", "index.htm", "index.php"):
        segments = segments[:-1]
    return segments


def _url_key(host: str, segments: list[str]) -> str:
    return "/".join([host.rstrip(".").removeprefix("www."), *segments])


# --- Creative Commons ------------------------------------------------------------------------

#: The CC licence families (URL path codes); 1.0 spelt NC-ND ``by-nd-nc``.
_CC_FAMILIES = ("by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd")
_CC_ALIASES = {"by-nd-nc": "by-nc-nd"}
_CC_VERSIONS = frozenset({"1.0", "2.0", "2.1", "2.5", "3.0", "4.0"})
_CC_NAMES = {
    "by": "Attribution",
    "by-sa": "Attribution-ShareAlike",
    "by-nc": "Attribution-NonCommercial",
    "by-nd": "Attribution-NoDerivatives",
    "by-nc-sa": "Attribution-NonCommercial-ShareAlike",
    "by-nc-nd": "Attribution-NonCommercial-NoDerivatives",
}
_CC_REF = re.compile(
    r"LicenseRef-CC-(BY(?:-(?:NC|ND|SA))*)(?:-(\d\.\d)(?:-([A-Z][A-Z-]*))?)?", re.IGNORECASE
)
# A jurisdiction segment: "de", "igo", "scotland", "es" ...
_PLACE = re.compile(r"[a-z]{2,}(?:-[a-z]+)?")
# The last path segment that names a rendering of the licence, not the licence.
_RENDERING = re.compile(r"(?:deed|legalcode)(?:\.[a-z]{2,3}(?:[-_][a-z0-9]+)*)?(?:\.txt)?|rdf")


def _cc_ref(code: str, version: str | None, place: str | None) -> KnownLicense:
    """A CC licence SPDX has no id for (a port, or no version): ours, family terms."""
    suffix = "".join(f"-{part.upper()}" for part in (version, place) if part)
    restricted = "nc" in code or "nd" in code
    name = f"Creative Commons {_CC_NAMES[code]}"
    if version:
        name += f" {version}"
    if place:
        name += f" ({place} port)"
    path = "/".join(part for part in (code, version, place) if part)
    return KnownLicense(
        f"LicenseRef-CC-{code.upper()}{suffix}",
        name,
        f"https://creativecommons.org/licenses/{path}/" if version else None,
        LicenseClass.RESTRICTED if restricted else LicenseClass.OPEN,
        True,
        "sa" in code,
    )


def _creative_commons(segments: list[str]) -> KnownLicense | None:
    """``/licenses/by-sa/4.0/deed.de`` and the like, split on ``/`` and lower-cased."""
    if segments and _RENDERING.fullmatch(segments[-1]):
        segments = segments[:-1]
    table = known_licenses()
    if segments[:3] == ["publicdomain", "zero", "1.0"] and len(segments) == 3:
        return table["CC0-1.0"]
    if segments[:3] == ["publicdomain", "mark", "1.0"] and len(segments) == 3:
        return table["LicenseRef-PDM"]
    if segments == ["licenses", "publicdomain"]:
        return table["CC-PDDC"]
    if len(segments) not in (3, 4) or segments[0] != "licenses":
        return None
    code = _CC_ALIASES.get(segments[1], segments[1])
    version = segments[2]
    place = segments[3] if len(segments) == 4 else None
    if code not in _CC_FAMILIES or version not in _CC_VERSIONS:
        return None
    if place is not None and (version == "4.0" or not _PLACE.fullmatch(place)):
        return None  # 4.0 has no ports
    spdx = f"CC-{code.upper()}-{version}" + (f"-{place.upper()}" if place else "")
    found = table.get(spdx)
    if found is not None:
        return found
    return _cc_ref(code, version, place) if place else None


# --- other licence hosts ----------------------------------------------------------------------

_GNU = re.compile(
    r"(fdl|gpl|lgpl|agpl)(?:-(\d\.\d))?(?:-standalone)?"
    r"(?:\.[a-z]{2}(?:[-_][a-z]+)?)?(?:\.(?:html|txt|md|texi|tex|xml))?"
)
_GNU_LATEST = {"fdl": "1.3", "gpl": "3.0", "lgpl": "3.0", "agpl": "3.0"}
_GNU_NAMES = {"fdl": "GFDL", "gpl": "GPL", "lgpl": "LGPL", "agpl": "AGPL"}
_ODC = {"by": "ODC-By-1.0", "odbl": "ODbL-1.0", "pddl": "PDDL-1.0"}
_OGL = re.compile(r"doc/open-government-licence/version/([123])")


def _gnu(segments: list[str]) -> KnownLicense | None:
    if not segments or segments[0] not in ("licenses", "copyleft"):
        return None
    match = _GNU.fullmatch(segments[-1])
    if match is None:
        return None
    family, version = match.group(1), match.group(2)
    scope = "only" if version else "or-later"
    return known_licenses().get(f"{_GNU_NAMES[family]}-{version or _GNU_LATEST[family]}-{scope}")


def _by_id_in_path(segments: list[str], prefixes: tuple[str, ...]) -> KnownLicense | None:
    """opensource.org/licenses/MIT, spdx.org/licenses/CC-BY-4.0.html and the like."""
    if len(segments) != 2 or segments[0] not in prefixes:
        return None
    name = re.sub(r"\.(?:html|json|txt|php)$", "", segments[1])
    return _lookup_name(name)


def _hosted(host: str, segments: list[str]) -> KnownLicense | None:
    """A table entry's own URL, else dispatch on the licence steward's host."""
    table = known_licenses()
    canonical = _canonical_urls().get(_url_key(host, segments))
    if canonical is not None:
        return table[canonical]
    if host == "creativecommons.org":
        return _creative_commons(segments)
    if host == "gnu.org":
        return _gnu(segments)
    if host == "opensource.org":
        return _by_id_in_path(segments, ("licenses", "license"))
    if host in ("spdx.org", "choosealicense.com"):
        return _by_id_in_path(segments, ("licenses",))
    if host == "apache.org" and segments[:1] == ["licenses"] and len(segments) == 2:
        return table["Apache-2.0"] if segments[1].startswith("license-2.0") else None
    if host == "opendatacommons.org" and len(segments) >= 2 and segments[0] == "licenses":
        rest = segments[2:]
        if segments[1] in _ODC and all(part in ("1-0", "1.0", "summary") for part in rest):
            return table[_ODC[segments[1]]]
        return None
    if host == "unlicense.org" and not segments:
        return table["Unlicense"]
    if host == "nationalarchives.gov.uk":
        ogl = _OGL.fullmatch("/".join(segments))
        return table[f"OGL-UK-{ogl.group(1)}.0"] if ogl else None
    if host == "artlibre.org" and segments[:2] == ["licence", "lal"] and len(segments) <= 3:
        return table["LAL-1.3"]
    return None


def licence_from_url(url: str) -> KnownLicense | None:
    """The licence a URL names, or None when it is not one this table knows.

    Scheme (http or https), ``www.``, port, user info, query, fragment, letter case of
    the path and a trailing slash or index page are ignored; a scheme-less
    ``//creativecommons.org/...`` or ``creativecommons.org/...`` is read as http.
    """
    text = url.strip().strip("<>").strip()
    if text.startswith("//"):
        text = "http:" + text
    elif not re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return _hosted(host.rstrip(".").removeprefix("www."), _segments(parts.path))


# --- names written as text ------------------------------------------------------------------

_URL_IN_TEXT = re.compile(
    r"(?:https?:)?//[^\s\"'<>()\[\]]+|(?:www\.)?creativecommons\.org/[^\s\"'<>()]+"
)
_CC_SHORT = re.compile(
    r"\bCC[\s_-]?(0|BY(?:[\s_-]+(?:NC|ND|SA))*)(?:[\s_-]+v?(\d\.\d))?\b", re.IGNORECASE
)
_CC_LONG = re.compile(
    r"\bCreative\s+Commons\s+(?:licen[cs]e\s+)?Attribution"
    r"((?:[\s-]+(?:Non-?Commercial|No-?Derivatives|No-?Derivs|Share-?Alike))*)"
    r"(?:\s+(?:licen[cs]e\s+)?v?(\d\.\d))?",
    re.IGNORECASE,
)
_CC_WORDS = (("noncommercial", "nc"), ("noderiv", "nd"), ("sharealike", "sa"))
_ORDER = ("nc", "nd", "sa")
_MAX_TEXT = 4096
_NOISE_WORDS = re.compile(
    r"\b(?:the|version|public license|license|international|unported|generic)\b"
)
_LOOKS_LIKE_URL = re.compile(r"(?:https?:)?//|(?:www\.)?[a-z0-9.-]+\.[a-z]{2,}/", re.IGNORECASE)


def _text_key(text: str) -> str:
    """A spelling reduced for comparison: case, punctuation, "licence"/"version" words,
    and the scope words CC adds (International, Unported, Generic) do not count."""
    key = text.lower().replace("licence", "license")
    key = re.sub(r"[^a-z0-9.+]+", " ", key)
    key = re.sub(r"(?<=\d)\.(?!\d)|(?<!\d)\.", " ", key)
    key = re.sub(r"\bv(?=\d)", "", key)
    key = re.sub(
        r"\b(?:the|version|public license|license|international|unported|generic)\b", " ", key
    )
    return " ".join(key.split())


def _lookup_name(text: str) -> KnownLicense | None:
    spdx = _names().get(_text_key(text))
    return None if spdx is None else known_licenses()[spdx]


def _cc_code(parts: list[str]) -> str:
    """``["nc", "sa"]`` in any order -> ``by-nc-sa`` (the order CC's paths use)."""
    wanted = set(parts)
    return "-".join(["by", *(part for part in _ORDER if part in wanted)])


def _cc_named(code: str, version: str | None) -> KnownLicense | None:
    if code not in _CC_FAMILIES:
        return None
    if version is None:
        return _cc_ref(code, None, None)
    return known_licenses().get(f"CC-{code.upper()}-{version}")


@lru_cache(maxsize=4096)
def licence_from_text(text: str) -> KnownLicense | None:
    """The licence a statement written as text names, or None.

    In order: the whole text as a URL; the whole text as an SPDX id (any case, deprecated
    spellings like ``GFDL-1.3`` included), a licence name or a known alias (``CC BY-SA
    4.0``, ``Creative Commons Attribution 4.0 International License``, ``CC0``,
    ``GNU Free Documentation License``); then, inside a longer text (``dc:rights`` is often
    a sentence), the first licence URL, CC short name (``CC BY-NC 4.0``) or CC long name
    that the table knows. Free text that names no licence ("All rights reserved") gives
    None. Cached: a crawl meets the same few hundred spellings on every page.
    """
    text = text.strip()[:_MAX_TEXT]
    if not text:
        return None
    found = licence_from_url(text.split()[0]) if _LOOKS_LIKE_URL.match(text) else None
    if found is None:
        found = _lookup_name(text)
    if found is not None:
        return found
    for url in _URL_IN_TEXT.findall(text):
        found = licence_from_url(url.rstrip(".,;:"))
        if found is not None:
            return found
    for match in _CC_SHORT.finditer(text):
        if match.group(1) == "0":
            return known_licenses()["CC0-1.0"]
        parts = re.split(r"[\s_-]+", match.group(1).lower())[1:]
        found = _cc_named(_cc_code(parts), match.group(2))
        if found is not None:
            return found
    for match in _CC_LONG.finditer(text):
        words = re.sub(r"[\s-]+", "", match.group(1).lower())
        parts = [code for word, code in _CC_WORDS if word in words]
        found = _cc_named(_cc_code(parts), match.group(2))
        if found is not None:
            return found
    return None
