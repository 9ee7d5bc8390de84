"""Finding the RSL licence a response points to: ``Link`` headers and HTML ``<link>``.

RSL 1.0 attaches a licence to a resource with ``Link: <url>; rel="license";
type="application/rsl+xml"`` or the same as ``<link>`` in the HTML head (protocols §5;
robots.txt ``License:`` lines are read with robots.txt). Both need the ``type``: a
``rel="license"`` without it is, overwhelmingly, a link to a human-readable licence
(every Creative Commons badge has one), and fetching those as RSL would only produce
parse errors (ours). Nothing here raises on any input; what cannot be read is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urldefrag, urljoin, urlsplit

from tdm_crawler.policy.html_meta import Head, parse_head

__all__ = [
    "RSL_MEDIA_TYPE",
    "head_links",
    "is_rsl_link",
    "license_links_from_headers",
    "parse_link_header",
    "rsl_links_from_head",
    "rsl_links_from_headers",
    "rsl_links_from_html",
]

RSL_MEDIA_TYPE = "application/rsl+xml"

# RFC 9110 tchar: what a parameter name is made of.
_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_OWS = " \t"
_HTML_SPACE = "\t\n\f\r "


def parse_link_header(value: str) -> list[tuple[str, dict[str, str]]]:
    """Parse one ``Link`` field value (RFC 8288 §3) into ``(target, params)`` pairs.

    Parameter names are lower-cased; a repeated parameter keeps its first value (as
    RFC 8288 requires for ``rel``); a parameter without ``=`` has the value ``""``.
    The target is taken between ``<`` and ``>`` as written, so a comma inside it does
    not split links, nor does one inside a quoted value. A link-value that does not
    parse is dropped up to the next comma, and parsing carries on from there.
    """
    links: list[tuple[str, dict[str, str]]] = []
    i, end = 0, len(value)
    while i < end:
        while i < end and value[i] in ", \t":
            i += 1
        if i >= end:
            break
        if value[i] != "<":
            i = _next_comma(value, i)
            continue
        close = value.find(">", i + 1)
        if close == -1:
            break  # an unterminated target: nothing after it can be trusted
        target = value[i + 1 : close].strip()
        i = close + 1
        params: dict[str, str] = {}
        valid = True
        while True:
            i = _skip(value, i, _OWS)
            if i >= end or value[i] == ",":
                break
            if value[i] != ";":
                valid = False
                i = _next_comma(value, i)
                break
            i = _skip(value, i + 1, _OWS)
            start = i
            while i < end and value[i] in _TCHAR:
                i += 1
            name = value[start:i].lower()
            i = _skip(value, i, _OWS)
            param_value = ""
            if i < end and value[i] == "=":
                param_value, i = _param_value(value, _skip(value, i + 1, _OWS))
            if name:
                params.setdefault(name, param_value)
        if valid:
            links.append((target, params))
    return links


def _skip(text: str, i: int, chars: str) -> int:
    while i < len(text) and text[i] in chars:
        i += 1
    return i


def _param_value(text: str, i: int) -> tuple[str, int]:
    """A quoted-string (backslash escapes undone) or a run of token characters."""
    end = len(text)
    if i < end and text[i] == '"':
        out: list[str] = []
        i += 1
        while i < end and text[i] != '"':
            if text[i] == "\\" and i + 1 < end:
                i += 1
            out.append(text[i])
            i += 1
        return "".join(out), i + 1
    start = i
    while i < end and text[i] not in ";, \t":
        i += 1
    return text[start:i], i


def _next_comma(text: str, i: int) -> int:
    """The index after the next comma outside a quoted string and outside ``<...>``."""
    end = len(text)
    while i < end:
        char = text[i]
        if char == ",":
            return i + 1
        if char == '"':
            i += 1
            while i < end and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char == "<":
            close = text.find(">", i + 1)
            i = end if close == -1 else close
        i += 1
    return end


def rsl_links_from_headers(headers: Mapping[str, Sequence[str]], base_url: str) -> list[str]:
    """The RSL licence URLs a response's ``Link`` headers name, resolved, in order.

    Header names match case-insensitively; every field and every link in a field is
    read. A link counts when one of its space-separated ``rel`` values is ``license``
    (ASCII case-insensitive) and its ``type`` is ``application/rsl+xml`` (parameters
    ignored). A link with an ``anchor`` naming another resource describes that resource,
    not this one, and is skipped. Only http(s) URLs are kept, without fragment, each once.
    """
    found = [target for target, type_ in _license_links(headers, base_url) if _is_rsl_type(type_)]
    return _resolve_all(found, base_url)


def license_links_from_headers(headers: Mapping[str, Sequence[str]], base_url: str) -> list[str]:
    """The copyright-licence URLs of a response's ``Link: <url>; rel="license"`` headers:
    the same links as :func:`rsl_links_from_headers` reads, less those typed as RSL (an
    RSL file is a usage licence, read by :mod:`~tdm_crawler.policy.rsl`), resolved the
    same way."""
    found = [
        target for target, type_ in _license_links(headers, base_url) if not _is_rsl_type(type_)
    ]
    return _resolve_all(found, base_url)


def _license_links(
    headers: Mapping[str, Sequence[str]], base_url: str
) -> Iterable[tuple[str, str | None]]:
    """``(target, type)`` of every ``rel="license"`` link about this resource."""
    for name, values in headers.items():
        if name.strip().lower() != "link":
            continue
        for field in values:
            for target, params in parse_link_header(field):
                if not _has_license_rel(params.get("rel", "")):
                    continue
                if "anchor" in params and not _same_resource(params["anchor"], base_url):
                    continue
                yield target, params.get("type")


def head_links(
    html: bytes, *, content_type: str | None = None, max_bytes: int = 256 * 1024
) -> list[tuple[str, str, str]]:
    """Return ``(rel, type, href)`` of every ``<link href>`` in the head, in order.

    The head is found as for ``<meta>`` (:func:`~tdm_crawler.policy.html_meta.parse_head`);
    a missing ``rel`` or ``type`` is ``""``. Values are returned as written.
    """
    return list(parse_head(html, content_type=content_type, max_bytes=max_bytes).links)


def rsl_links_from_html(
    html: bytes,
    *,
    base_url: str,
    content_type: str | None = None,
    max_bytes: int = 256 * 1024,
) -> list[str]:
    """The RSL licence URLs of ``<link rel="license" type="application/rsl+xml">`` in the
    head; see :func:`rsl_links_from_head`."""
    head = parse_head(html, content_type=content_type, max_bytes=max_bytes)
    return rsl_links_from_head(head, base_url=base_url)


def rsl_links_from_head(head: Head, *, base_url: str) -> list[str]:
    """RSL links of an already parsed head, resolved against the document base: the
    first ``<base href>`` (itself resolved against ``base_url``) or else ``base_url``.
    Same filtering and output as :func:`rsl_links_from_headers`; a ``<link>`` in the body
    does not count.
    """
    base = _resolve(head.base_href, base_url, http_only=False) if head.base_href else None
    targets = [href for rel, type_, href in head.links if is_rsl_link(rel, type_)]
    return _resolve_all(targets, base or base_url)


def is_rsl_link(rel: str, type_: str | None) -> bool:
    """``rel`` contains ``license`` and the media type is RSL's (ASCII case-insensitive)."""
    return _has_license_rel(rel) and _is_rsl_type(type_)


def _has_license_rel(rel: str) -> bool:
    rels = rel.lower().split() if rel.isascii() else rel.split()
    return "license" in rels


def _is_rsl_type(type_: str | None) -> bool:
    if type_ is None:
        return False
    media = type_.split(";", 1)[0].strip(_HTML_SPACE)
    return media.isascii() and media.lower() == RSL_MEDIA_TYPE


def _same_resource(anchor: str, base_url: str) -> bool:
    resolved = _resolve(anchor, base_url, http_only=False)
    return resolved is not None and resolved == urldefrag(base_url).url


def _resolve_all(targets: Iterable[str], base_url: str) -> list[str]:
    """Resolve, keep http(s), de-duplicate. An empty reference would name the document
    itself, never an RSL file in practice, so it is skipped rather than fetched (ours)."""
    resolved = (
        _resolve(target, base_url, http_only=True)
        for target in targets
        if target.strip(_HTML_SPACE)
    )
    return list(dict.fromkeys(url for url in resolved if url is not None))


def _resolve(reference: str, base_url: str, *, http_only: bool) -> str | None:
    """``reference`` made absolute against ``base_url``, fragment dropped, or None if it
    cannot be (an invalid URL, or with ``http_only`` a non-http(s) URL or no host)."""
    reference = reference.strip(_HTML_SPACE)
    try:
        absolute = urldefrag(urljoin(base_url, reference)).url
        parts = urlsplit(absolute)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port out of range
    except ValueError:
        return None
    if http_only and (parts.scheme not in ("http", "https") or not host):
        return None
    return absolute
