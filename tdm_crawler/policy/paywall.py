"""Content marked as not freely accessible: schema.org ``isAccessibleForFree`` (protocols §10).

A paywalled article is published for subscribers, not for whoever fetches it: the Code of
Practice (Measure 1.3(1)) asks a crawler not to get around such access control, and
publishers mark the pages behind one with schema.org's ``isAccessibleForFree: false``
(the markup search engines read for "flexible sampling"), on the page's item or on a
``hasPart`` naming the paywalled part. Such a page is not stored, whatever the purpose:
decision ``disallowed``, reason ``paywalled``.

Where it is read, in the HTML document (up to ``Limits.paywall_html_bytes``):

- JSON-LD (``<script type="application/ld+json">``): a top-level object, each member of
  an array or of ``@graph``, and (ours) the items reached from those through ``hasPart``
  or ``mainEntity`` (the page's main content), at any depth of those two. An item
  elsewhere (an ``ItemList`` of other articles, a ``publisher``) speaks of something
  else and is not read.
- microdata (``itemprop="isAccessibleForFree"``): on a top-level item (``itemscope``
  without ``itemprop``), or an item that is the ``hasPart`` or ``mainEntity`` of one;
  a property outside any item speaks of the page (ours). Its value is the ``content``
  attribute, else the ``href`` of a link, the ``value`` of ``data``, or the text.

A value is schema.org's Boolean: JSON ``false``/``true``, or the text ``False``/``True``
in any case, bare or as ``https://schema.org/False`` (``http://``, ``schema:``). Any other
value is recorded and does not decide. One ``false`` anywhere read decides.

Names are matched as schema.org spells them (they are case-sensitive): the property
``isAccessibleForFree``, bare, prefixed (``schema:``) or as an IRI, and ``hasPart`` and
``mainEntity`` likewise.

**Cost.** A document whose bytes never say ``isAccessibleForFree`` is not parsed: one
search in C (lower-casing the bytes to search them case-blind would cost more than the
search). The bytes are searched as they came, so a UTF-16 or UTF-32 document is always
parsed. Nothing here raises, and the walk over JSON and elements is bounded.
"""

from __future__ import annotations

import re
from typing import Any

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]
import orjson

from tdm_crawler.policy.html_meta import parse_document
from tdm_crawler.policy.purposes import EVERY_PURPOSE
from tdm_crawler.policy.types import Finding, Reason, Signal

__all__ = ["MAX_STATEMENTS", "paywall_finding"]

#: A finding keeps at most this many statements (a listing page may repeat them).
MAX_STATEMENTS = 8
_MAX_JSON_LD = 1024 * 1024  # characters of one JSON-LD script read
_MAX_NODES = 10_000  # JSON nodes or elements walked per document
_MAX_VALUE = 100  # characters of a value kept in the record

#: What a document must say to be parsed (schema.org names are case-sensitive).
_NEEDLE = b"isAccessibleForFree"
_PROPERTY = "isAccessibleForFree"
_WIDE = re.compile(r"utf-?(?:16|32)", re.IGNORECASE)
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")
#: Properties through which an item is still the page's own content.
_PARTS = frozenset({"hasPart", "mainEntity"})
_SCHEMA_PREFIXES = ("https://schema.org/", "http://schema.org/", "schema:")
#: Every element carrying a microdata property, in document order.
_PROPERTIES = lxml.etree.XPath("descendant::*[@itemprop]")


def _local(name: str) -> str:
    """``schema:hasPart``, ``https://schema.org/hasPart`` -> ``hasPart``."""
    return name.rpartition("/")[2].rpartition(":")[2]


def _boolean(value: Any) -> bool | None:
    """A schema.org Boolean, or None when ``value`` is none."""
    if isinstance(value, bool):
        return value
    if isinstance(value, dict):
        return _boolean(value.get("@value", value.get("@id")))
    if isinstance(value, str):
        text = value.strip()
        for prefix in _SCHEMA_PREFIXES:
            if text.lower().startswith(prefix):
                text = text[len(prefix) :]
        return {"false": False, "true": True}.get(text.lower())
    return None


def _kept(value: Any) -> Any:
    """The value as the record keeps it: JSON scalars as they are, the rest as text."""
    if isinstance(value, bool) or value is None:
        return value
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text[:_MAX_VALUE]


def _type_of(node: dict[str, Any]) -> str:
    types = node.get("@type")
    names = types if isinstance(types, list) else [types]
    return "/".join(name for name in names if isinstance(name, str))[:_MAX_VALUE] or "item"


class _Reading:
    """The statements found in one document, in order, bounded."""

    def __init__(self) -> None:
        self.signals: list[Signal] = []
        self.reserved = False
        self.walked = 0

    @property
    def full(self) -> bool:
        return len(self.signals) >= MAX_STATEMENTS or self.walked >= _MAX_NODES

    def add(self, source: str, value: Any, where: str) -> None:
        if len(self.signals) >= MAX_STATEMENTS:
            return
        said = _boolean(value)
        if said is False:
            self.reserved = True
            meaning = "not freely accessible: paywalled, not stored"
        elif said is True:
            meaning = "freely accessible"
        else:
            meaning = "not a schema.org Boolean: does not decide"
        detail = f"isAccessibleForFree {_kept(value)!r} on {where}: {meaning}"
        self.signals.append(Signal("paywall", source, _kept(value), detail))

    def json_ld(self, text: str) -> None:
        text = text.strip()
        if len(text) > _MAX_JSON_LD:
            return
        text = text.removeprefix("<!--").removesuffix("-->").strip()
        text = text.removeprefix("<![CDATA[").removesuffix("]]>").strip()
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            return
        # (node, how it is reached): the page's items, then their parts.
        stack: list[tuple[Any, str]] = [(data, "")]
        while stack and not self.full:
            node, path = stack.pop()
            self.walked += 1
            if isinstance(node, list):
                stack.extend((item, path) for item in reversed(node))
                continue
            if not isinstance(node, dict):
                continue
            where = f"{path}the page's {_type_of(node)}" if path else f"the {_type_of(node)}"
            children: list[tuple[Any, str]] = []
            for key, value in node.items():
                if not isinstance(key, str):
                    continue
                local = _local(key)
                if local == _PROPERTY:
                    for item in value if isinstance(value, list) else [value]:
                        self.add("json-ld", item, where)
                elif key == "@graph" and not path:
                    children.append((value, ""))
                elif local in _PARTS:
                    children.append((value, f"a {key} of "))
            stack.extend(reversed(children))

    def microdata(self, root: Any) -> None:
        for element in _PROPERTIES(root):
            self.walked += 1
            if self.full:
                return
            names = {_local(name) for name in (element.get("itemprop") or "").split()}
            if _PROPERTY not in names or element.get("itemscope") is not None:
                continue
            where = _microdata_scope(element)
            if where is not None:
                self.add("microdata", _microdata_value(element), where)


def _owner(element: Any) -> Any | None:
    """The item a property belongs to: its nearest ancestor with ``itemscope``."""
    parent = element.getparent()
    while parent is not None and parent.get("itemscope") is None:
        parent = parent.getparent()
    return parent


def _microdata_scope(element: Any) -> str | None:
    """Where a property sits, when that is the page or a part of it; else None."""
    item = _owner(element)
    if item is None:
        return "the page (outside any item)"
    hops: list[str] = []
    for _ in range(64):  # items nest; a deeper chain is not the page's content
        kind = (item.get("itemtype") or "item").strip().rpartition("/")[2] or "item"
        props = {_local(name) for name in (item.get("itemprop") or "").split()}
        if not props:
            return "".join(hops) + f"the {kind[:_MAX_VALUE]}"
        if not props & _PARTS:
            return None
        hops.append(f"a {'/'.join(sorted(props & _PARTS))} ({kind[:_MAX_VALUE]}) of ")
        item = _owner(item)
        if item is None:
            return "".join(hops) + "the page"
    return None


def _microdata_value(element: Any) -> str:
    """A microdata property's value (the HTML microdata rules, for the elements met)."""
    if element.get("content") is not None:
        return str(element.get("content"))
    tag = element.tag.lower()
    if tag in ("a", "area", "link") and element.get("href") is not None:
        return str(element.get("href"))
    if tag in ("data", "meter") and element.get("value") is not None:
        return str(element.get("value"))
    return str(element.text_content())


def paywall_finding(
    html: bytes, *, content_type: str | None = None, max_bytes: int
) -> Finding | None:
    """What an HTML document says of its own accessibility, read from its first
    ``max_bytes``: None when it says nothing; a finding reserving (``paywalled``) when
    any statement read says it is not freely accessible."""
    data = html[:max_bytes]
    wide = data.startswith(_WIDE_BOMS) or bool(content_type and _WIDE.search(content_type))
    if not wide and _NEEDLE not in data:
        return None
    root = parse_document(data, content_type=content_type, max_bytes=max_bytes)
    if root is None:
        return None
    reading = _Reading()
    for script in root.iter("script"):
        kind = (script.get("type") or "").split(";", 1)[0].strip().lower()
        if kind == "application/ld+json" and script.text:
            reading.json_ld(script.text)
    reading.microdata(root)
    if not reading.signals:
        return None
    reserves = Reason.PAYWALLED if reading.reserved else None
    return Finding(tuple(reading.signals), reserves, EVERY_PURPOSE)
