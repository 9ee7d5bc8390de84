"""Really Simple Licensing 1.0 with its 2026-05 errata: read a licence, apply it to one
URL for the crawl's profile (protocols §5).

An RSL file lists ``<content url="pattern">`` blocks, each with ``<license>`` terms:
``<permits>``/``<prohibits>`` of ``type`` ``usage``, ``user`` and ``geo``, a ``<payment
type>``, and optionally a licence ``server``. For a resource, the block whose pattern
covers it decides, for the profile (purpose, operator, region):

- a prohibited usage reserves the purposes the purpose table gives it (vocabulary
  ``rsl``: ``ai-train`` -> ai-training, ``search`` -> search, ``all`` -> every purpose,
  the pre-1.0 values with their meaning; a value outside the vocabulary reserves nothing);
- a ``<permits type="usage">`` list is exhaustive (errata): a usage it does not grant is
  not permitted, for the purposes needing it (vocabulary ``rsl-permits``: a crawl for
  ai-training needs ``ai-train``, for ai-input ``ai-input``, for search ``search``, for
  tdm ``all``). A value grants itself and what it names as a whole: ``all`` every usage,
  ``ai-all`` ``ai-train`` and ``ai-input``; the pre-1.0 ``train-ai`` and ``ai-use`` grant
  ``ai-train`` and ``ai-input``; ``train-genai`` (generative only), ``ai-summarize``
  (summaries only) and ``ai-index`` grant less than a purpose needs, so nothing (ours,
  fail closed);
- ``user`` terms are matched against the operator, ``geo`` terms (ISO 3166 codes)
  against the region: a licence whose ``permits`` list does not name them, or whose
  ``prohibits`` list does, grants nothing; an unset region matches no geo-restricted
  licence (it might be the excluded one: fail closed);
- a licence that must be paid for (any payment type but ``free`` and ``attribution``) or
  obtained from a licence server (RSL: "clients must obtain a license ... even if the
  license is free") means "licence needed": it grants nothing (never ``allowed``).

Several ``<license>`` elements in one block are alternatives (ours, RSL offers options
this way): a purpose is reserved unless one of them grants it (free, to this operator and
region, among its usages); a prohibition in any of them reserves regardless. A block
without ``<license>`` reserves nothing.

A ``url`` is a path pattern (RFC 9309: prefix, ``*``, ``$``; matched on path and query,
against whatever origin the file was found for) or a full URL (same origin, default port
made explicit, then its path part as a pattern). RSL does not say which of several
matching blocks applies; like robots.txt rules, the longest pattern wins (ours). A term
element without a ``type`` counts as ``usage`` (ours).

Parsing goes through :mod:`tdm_crawler.policy.safe_xml` and is liberal: the RSL namespace
or none, values separated by spaces or commas, any case. Nothing here raises.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from tdm_crawler.policy.pathmatch import (
    LocationPattern,
    compile_location,
    normalise,
    path_and_query,
)
from tdm_crawler.policy.purposes import (
    EVERY_PURPOSE,
    Profile,
    Purpose,
    describe_purposes,
    reservations,
)
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml
from tdm_crawler.policy.types import Finding, Reason, Signal

__all__ = [
    "FREE_PAYMENTS",
    "RSL_NAMESPACE",
    "RslContent",
    "RslDocument",
    "RslLicense",
    "RslPayment",
    "RslProblem",
    "parse_rsl",
    "rsl_finding",
]

RSL_NAMESPACE = "https://rslstandard.org/rsl"
# Spellings of the namespace seen in the wild; an element in no namespace counts too.
_NAMESPACES = frozenset({None, RSL_NAMESPACE, "http://rslstandard.org/rsl"})

#: Payment types that need no licence to be obtained.
FREE_PAYMENTS = frozenset({"free", "attribution"})

#: The usages a purpose needs (the ``rsl-permits`` rows, without ``not``), and which of
#: them each ``<permits type="usage">`` value grants (protocols §5).
NEEDED_USAGES = ("ai-train", "ai-input", "search", "all")
_GRANTS: dict[str, frozenset[str]] = {
    "all": frozenset(NEEDED_USAGES),
    "ai-all": frozenset({"ai-train", "ai-input"}),
    "ai-train": frozenset({"ai-train"}),
    "ai-input": frozenset({"ai-input"}),
    "search": frozenset({"search"}),
    "train-ai": frozenset({"ai-train"}),
    "ai-use": frozenset({"ai-input"}),
}

# Bounds (ours) so that a hostile 1 MiB file stays cheap to compile and to match.
_MAX_CONTENTS = 100_000
_MAX_LICENSES = 100
_MAX_TEXT = 300

_ABSOLUTE = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)(.*)", re.DOTALL)
_SEPARATORS = re.compile(r"[\s,]+")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class RslPayment:
    """One ``<payment>``: its type (``free`` when unset, as RSL defaults), an amount as
    written (``0.001 USD``) and the rate-card URL (``<standard>`` or ``<custom>``)."""

    type: str
    amount: str | None = None
    url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "amount": self.amount, "url": self.url}

    def describe(self) -> str:
        return f"{self.type} ({self.amount})" if self.amount else self.type


@dataclass(frozen=True, slots=True)
class RslLicense:
    """The terms of one ``<license>``; values lower-cased (geo upper-cased), in order.

    ``permits``/``prohibits`` are the ``usage`` terms; ``usage_listed`` says whether a
    ``<permits type="usage">`` element was there at all (an empty one grants nothing).
    """

    permits: tuple[str, ...] = ()
    prohibits: tuple[str, ...] = ()
    payments: tuple[RslPayment, ...] = ()
    server: str | None = None  # a server named on the <license> itself (older drafts)
    usage_listed: bool = False
    user_permits: tuple[str, ...] | None = None  # None: no <permits type="user">
    user_prohibits: tuple[str, ...] = ()
    geo_permits: tuple[str, ...] | None = None  # None: no <permits type="geo">
    geo_prohibits: tuple[str, ...] = ()

    def granted(self, profile: Profile) -> tuple[frozenset[Purpose], str | None]:
        """The purposes this licence grants the profile, and why it grants none or
        fewer than every purpose (None when it grants every purpose)."""
        needs = [f"payment {p.describe()}" for p in self.payments if p.type not in FREE_PAYMENTS]
        if self.server:
            needs.append(f"licence server {self.server}")
        if needs:
            return frozenset(), f"licence needed ({', '.join(needs)})"
        excluded = self._excluded(profile)
        if excluded is not None:
            return frozenset(), excluded
        if not self.usage_listed:
            return EVERY_PURPOSE, None
        granted = frozenset().union(*(_GRANTS.get(value, ()) for value in self.permits))
        missing = reservations(
            "rsl-permits", (f"not {u}" for u in NEEDED_USAGES if u not in granted)
        )
        if not missing:
            return EVERY_PURPOSE, None
        listed = ", ".join(self.permits) or "nothing"
        return EVERY_PURPOSE - missing.purposes, f"permits only {listed}: {missing.describe()}"

    def _excluded(self, profile: Profile) -> str | None:
        """Why the ``user``/``geo`` terms leave the profile out, or None."""
        operator = profile.operator.value
        if self.user_permits is not None and operator not in self.user_permits:
            return f"user terms permit {', '.join(self.user_permits) or 'nobody'}, not {operator}"
        if operator in self.user_prohibits:
            return f"user terms prohibit {operator}"
        region = profile.region
        if self.geo_permits is not None and region not in self.geo_permits:
            shown = region or "an unset region"
            return f"geo terms permit {', '.join(self.geo_permits) or 'nowhere'}, not {shown}"
        if self.geo_prohibits and (region is None or region in self.geo_prohibits):
            shown = region or "an unset region (it may be one of them)"
            return f"geo terms prohibit {', '.join(self.geo_prohibits)}: {shown}"
        return None


@dataclass(frozen=True, slots=True)
class RslContent:
    """One ``<content>`` block; ``index`` is its 1-based position in the file.

    ``origin`` is ``scheme://host:port`` for an absolute-URL pattern (matched against the
    resource's origin) and None for a path pattern (matched against any origin the file
    was found for); ``path_pattern`` is the path part, robots-style.
    """

    index: int
    url: str
    origin: str | None
    path_pattern: str
    server: str | None
    licenses: tuple[RslLicense, ...]

    @property
    def specificity(self) -> int:
        """Octets of the normalised path pattern, as robots.txt ranks rules."""
        return len(normalise(self.path_pattern))

    def matches_normalised(self, path: str) -> bool:
        """Whether the path pattern matches a path already passed through ``normalise``.

        A file may list thousands of blocks (one per article), so patterns are compiled
        only when their literal start already matches, and then cached.
        """
        return path.startswith(_literal_prefix(self.path_pattern)) and _compiled(
            self.path_pattern
        ).matches_normalised(path)


@functools.lru_cache(maxsize=4096)
def _compiled(path_pattern: str) -> LocationPattern:
    return compile_location(path_pattern)


@functools.lru_cache(maxsize=65536)
def _literal_prefix(path_pattern: str) -> str:
    """What every matching path starts with: the pattern up to its first ``*``."""
    body = path_pattern.removesuffix("$")
    return normalise(body.split("*", 1)[0])


@dataclass(frozen=True, slots=True)
class RslDocument:
    """A readable RSL file: its usable content blocks and what was skipped."""

    url: str
    contents: tuple[RslContent, ...]
    problems: tuple[str, ...] = ()

    def match(self, resource_url: str) -> RslContent | None:
        """The block covering ``resource_url``: the longest matching path pattern; on a
        tie an absolute-URL pattern (it names the origin) beats a path, then file order."""
        origin = _origin(resource_url)
        path = normalise(path_and_query(resource_url))
        best: RslContent | None = None
        best_rank = (-1, -1)
        for content in self.contents:
            if content.origin is not None and content.origin != origin:
                continue
            if not content.matches_normalised(path):
                continue
            rank = (content.specificity, content.origin is not None)
            if rank > best_rank:
                best, best_rank = content, rank
        return best


@dataclass(frozen=True, slots=True)
class RslProblem:
    """An RSL file that could not be read at all."""

    url: str
    detail: str


def parse_rsl(body: bytes, *, url: str, max_bytes: int = 1024 * 1024) -> RslDocument | RslProblem:
    """Read the RSL file fetched from ``url``; never raises.

    Malformed or unsafe XML (entity declarations, over ``max_bytes``) and a root other
    than ``<rsl>`` are an :class:`RslProblem`. A ``<content>`` without a usable ``url``
    is skipped with a problem line; the document may then have no blocks at all.
    """
    try:
        root = parse_xml(body, max_bytes=max_bytes)
    except UnsafeOrInvalidXml as error:
        return RslProblem(url, f"not a readable RSL file: {error}")
    namespace, name = _split_tag(root.tag)
    if name != "rsl" or namespace not in _NAMESPACES:
        shown = f"{{{namespace}}}{name}" if namespace else name
        return RslProblem(url, f"not an RSL file: root element is <{shown}>, not <rsl>")
    contents: list[RslContent] = []
    problems: list[str] = []
    blocks = _children(root, "content")
    if len(blocks) > _MAX_CONTENTS:
        problems.append(f"only the first {_MAX_CONTENTS} of {len(blocks)} <content> read")
    for index, element in enumerate(blocks[:_MAX_CONTENTS], start=1):
        content = _read_content(index, element, problems)
        if content is not None:
            contents.append(content)
    if not blocks:
        problems.append("no <content> element")
    return RslDocument(url, tuple(contents), tuple(problems))


def _read_content(index: int, element: Any, problems: list[str]) -> RslContent | None:
    raw_url = (element.get("url") or "").strip()
    prefix = f"content {index}"
    if not raw_url:
        problems.append(f"{prefix} skipped: no url")
        return None
    located = _split_pattern(raw_url)
    if located is None:
        problems.append(f"{prefix} skipped: url {_short(raw_url)!r} is neither a path nor http(s)")
        return None
    origin, path_pattern = located
    server = _text(element.get("server")) or _element_text(element, "server")
    license_elements = _children(element, "license")
    if len(license_elements) > _MAX_LICENSES:
        problems.append(f"{prefix}: only the first {_MAX_LICENSES} <license> read")
    licenses = tuple(_read_license(e) for e in license_elements[:_MAX_LICENSES])
    return RslContent(index, raw_url, origin, path_pattern, server, licenses)


def _split_pattern(raw: str) -> tuple[str | None, str] | None:
    """``(origin, path pattern)`` of a content ``url``; None if it cannot be matched.

    A full URL keeps its origin and everything after the authority as the pattern
    (``https://e.org`` -> ``/``); a fragment is dropped. A path must start with ``/``
    (or ``*``, which covers every path anyway).
    """
    absolute = _ABSOLUTE.fullmatch(raw)
    if absolute is None:
        return (None, raw) if raw.startswith(("/", "*")) else None
    scheme, authority, rest = absolute.groups()
    origin = _origin(f"{scheme}://{authority}/")
    if origin is None:
        return None
    rest = rest.split("#", 1)[0]
    if not rest.startswith("/"):
        rest = "/" + rest
    return origin, rest


def _origin(url: str) -> str | None:
    """``scheme://host:port`` with the default port made explicit, for http(s) only."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return f"{scheme}://{parts.hostname}:{port or _DEFAULT_PORTS[scheme]}"


def _read_license(element: Any) -> RslLicense:
    terms: dict[tuple[str, str], list[str]] = {}
    for child in _children(element, "permits", "prohibits"):
        kind = (child.get("type") or "usage").strip().lower()
        if kind not in ("usage", "user", "geo"):
            continue
        text = "".join(child.itertext())
        values = _SEPARATORS.split(text.upper() if kind == "geo" else text.lower())
        terms.setdefault((_split_tag(child.tag)[1], kind), []).extend(v for v in values if v)

    def listed(verb: str, kind: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(terms.get((verb, kind), ())))

    def permitted(kind: str) -> tuple[str, ...] | None:
        return listed("permits", kind) if ("permits", kind) in terms else None

    payments = tuple(_read_payment(p) for p in _children(element, "payment"))
    server = _text(element.get("server")) or _element_text(element, "server")
    return RslLicense(
        listed("permits", "usage"),
        listed("prohibits", "usage"),
        payments,
        server,
        usage_listed=("permits", "usage") in terms,
        user_permits=permitted("user"),
        user_prohibits=listed("prohibits", "user"),
        geo_permits=permitted("geo"),
        geo_prohibits=listed("prohibits", "geo"),
    )


def _read_payment(element: Any) -> RslPayment:
    kind = _text(element.get("type"))
    amount_element = next(iter(_children(element, "amount")), None)
    amount = None
    if amount_element is not None:
        value = _text("".join(amount_element.itertext()))
        currency = _text(amount_element.get("currency"))
        amount = " ".join(part for part in (value, currency) if part) or None
    url = _element_text(element, "standard") or _element_text(element, "custom")
    return RslPayment(kind.lower() if kind else "free", amount, url)


def rsl_finding(
    doc: RslDocument | RslProblem,
    resource_url: str,
    *,
    source: str,
    profile: Profile,
) -> Finding:
    """What the RSL file says about ``resource_url`` for ``profile``, as a :class:`Finding`.

    ``source`` says how the file was found (``robots.txt``, ``link``, ``inline``,
    ``feed``). The signal's value is ``None`` when no block applies (or the file is
    unreadable: recorded, not obeyed), else ``{license_url, content_url, permits,
    prohibits, payment, server}``, plus ``user`` and ``geo`` terms when there are any.
    """
    if isinstance(doc, RslProblem):
        return Finding((Signal("rsl", source, None, f"{doc.url}: {doc.detail}"),))
    content = doc.match(resource_url)
    if content is None:
        detail = f"no <content> of {doc.url} covers {path_and_query(resource_url)!r}"
        return Finding((Signal("rsl", source, None, detail),))
    licenses = content.licenses
    if content.server:
        # A server on the block applies to every licence in it.
        licenses = tuple(replace(lic, server=lic.server or content.server) for lic in licenses)
    value = _value(doc.url, content, licenses)
    where = f"content {content.url!r} of {doc.url}"
    if not licenses:
        return Finding((Signal("rsl", source, value, f"{where}: no <license>, no reservation"),))
    reasons: list[str] = []
    prohibited = reservations("rsl", value["prohibits"])
    if prohibited:
        reasons.append(f"prohibits {prohibited.describe()}")
    granted: frozenset[Purpose] = frozenset()
    for number, lic in enumerate(licenses, start=1):
        purposes, why = lic.granted(profile)
        granted |= purposes
        if why is not None:
            reasons.append(why if len(licenses) == 1 else f"licence {number}: {why}")
    reserved = prohibited.purposes | (EVERY_PURPOSE - granted)
    if reserved:
        said = "; ".join(reasons)
        detail = f"{where}: {said}; reserved for {describe_purposes(reserved)}"
        return Finding((Signal("rsl", source, value, detail),), Reason.RSL, reserved)
    terms = f"permits {', '.join(value['permits'])}" if value["permits"] else "no usage terms"
    detail = f"{where}: {terms}; no payment or licence server required, no reservation"
    return Finding((Signal("rsl", source, value, detail),))


def _value(
    license_url: str, content: RslContent, licenses: tuple[RslLicense, ...]
) -> dict[str, Any]:
    """The signal value: the block's terms, merged over its licences."""
    value: dict[str, Any] = {
        "license_url": license_url,
        "content_url": content.url,
        "permits": _union(lic.permits for lic in licenses),
        "prohibits": _union(lic.prohibits for lic in licenses),
        "payment": [p.to_json() for lic in licenses for p in lic.payments],
        "server": next((lic.server for lic in licenses if lic.server), None),
    }
    for kind in ("user", "geo"):
        permits = _union(getattr(lic, f"{kind}_permits") or () for lic in licenses)
        prohibits = _union(getattr(lic, f"{kind}_prohibits") for lic in licenses)
        if permits or prohibits:
            value[kind] = {"permits": permits, "prohibits": prohibits}
    return value


# --- XML helpers ---------------------------------------------------------------------


def _split_tag(tag: object) -> tuple[str | None, str]:
    """``(namespace, local name)`` of an lxml tag; comments and PIs have no string tag."""
    if not isinstance(tag, str):
        return None, ""
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def _children(element: Any, *names: str) -> list[Any]:
    """Child elements with one of ``names`` in the RSL namespace (or none), in order."""
    found = []
    for child in element:
        namespace, name = _split_tag(child.tag)
        if name in names and namespace in _NAMESPACES:
            found.append(child)
    return found


def _element_text(element: Any, name: str) -> str | None:
    child = next(iter(_children(element, name)), None)
    return None if child is None else _text("".join(child.itertext()))


def _text(raw: object) -> str | None:
    if not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    return _short(text) if text else None


def _short(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _union(groups: Iterable[Iterable[str]]) -> list[str]:
    return list(dict.fromkeys(value for group in groups for value in group))


def license_from_fetch(
    url: str, status: int | None, body: bytes | None, error: str | None, *, max_bytes: int
) -> RslDocument | RslProblem:
    """A licence as fetched: parsed when the fetch succeeded, else a problem saying why
    (recorded, not obeyed: only a machine-readable statement reserves)."""
    if status is None or not 200 <= status <= 299 or body is None:
        why = error or f"HTTP {status}"
        return RslProblem(url, f"licence could not be fetched: {why}")
    return parse_rsl(body, url=url, max_bytes=max_bytes)
