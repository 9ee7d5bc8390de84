"""``changes.atom``: the Atom feed (RFC 4287) that tells rightsholders what changed.

One entry per publication of new facts: the first says the crawler was published, each
later one lists the facts that changed, old → new. Entries are never rewritten: a new
run reads the feed back (:func:`read_feed`, through the hardened XML parser, since the
file is on disk where anyone may have edited it) and renders it again with one entry
more, newest first.

Identifiers are ``urn:uuid:`` URIs (RFC 4122): the feed's is random, made at the first
publication and kept; an entry's is derived from the feed's, its number and the digest
of the facts it publishes (:func:`entry_id`), so a run that finds its entry already in
the feed (it stopped before writing ``agent.json``) knows not to add it twice.
Timestamps are RFC 3339 UTC, to the second.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import lxml.etree  # type: ignore[import-untyped, unused-ignore]

from tdm_crawler import __version__
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml
from tdm_crawler.store.manifest import TOOL_NAME

__all__ = ["ATOM", "Entry", "Feed", "FeedHead", "atom_time", "entry_id", "read_feed", "render_feed"]

ATOM: Final = "http://www.w3.org/2005/Atom"
_A: Final = f"{{{ATOM}}}"
#: A feed read back may be this large (years of entries are a few hundred KiB).
_MAX_BYTES: Final = 64 * 1024 * 1024
_UUID_URN: Final = "urn:uuid:"


@dataclass(frozen=True, slots=True)
class Entry:
    """One publication: ``lines`` is its text, one line per changed fact."""

    id: str
    updated: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Feed:
    """The feed's own id and its entries, oldest first."""

    id: str
    entries: tuple[Entry, ...]

    @classmethod
    def new(cls) -> Feed:
        return cls(f"{_UUID_URN}{uuid.uuid4()}", ())

    def with_entry(self, entry: Entry) -> Feed:
        return Feed(self.id, (*self.entries, entry))

    @property
    def updated(self) -> str | None:
        return self.entries[-1].updated if self.entries else None


@dataclass(frozen=True, slots=True)
class FeedHead:
    """What the feed says of itself, from the current facts: its title, its author (the
    crawler's operator, reached at ``contact``) and the page it belongs to."""

    title: str
    author: str
    contact: str = ""
    page_url: str = ""


def entry_id(feed: Feed, number: int, digest: str) -> str:
    """The id of entry ``number`` (1 for the first publication) publishing the facts
    whose ``agent.json`` has SHA-256 ``digest``."""
    namespace = uuid.UUID(feed.id.removeprefix(_UUID_URN))
    return f"{_UUID_URN}{uuid.uuid5(namespace, f'{number} {digest}')}"


def atom_time(moment: datetime) -> str:
    """An RFC 3339 timestamp in UTC, to the second (``2026-01-31T12:00:00Z``)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def render_feed(feed: Feed, head: FeedHead) -> bytes:
    """The feed as UTF-8 XML, newest entry first; the same input gives the same bytes."""
    if not feed.entries:
        raise ValueError("an Atom feed needs an updated time: publish an entry first")
    root = lxml.etree.Element(f"{_A}feed", nsmap={None: ATOM})
    _add(root, "id", feed.id)
    _add(root, "title", head.title)
    _add(root, "updated", feed.updated)
    author = _add(root, "author")
    _add(author, "name", head.author)
    if head.contact.startswith("mailto:"):
        _add(author, "email", head.contact.removeprefix("mailto:"))
    elif head.contact.startswith(("http://", "https://")):
        _add(author, "uri", head.contact)
    elif "@" in head.contact:
        _add(author, "email", head.contact)
    if head.page_url:
        _add(root, "link", rel="alternate", type="text/html", href=head.page_url)
    _add(root, "generator", TOOL_NAME, version=__version__)
    for entry in reversed(feed.entries):
        element = _add(root, "entry")
        _add(element, "id", entry.id)
        _add(element, "title", entry.title)
        _add(element, "updated", entry.updated)
        _add(element, "content", "\n".join(entry.lines), type="text")
    data: bytes = lxml.etree.tostring(
        root, xml_declaration=True, encoding="utf-8", pretty_print=True
    )
    return data


def _add(parent: Any, name: str, text: str | None = None, **attributes: str) -> Any:
    element = lxml.etree.SubElement(parent, f"{_A}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def read_feed(data: bytes) -> Feed:
    """The feed :func:`render_feed` wrote. ValueError, saying what is wrong, for anything
    else: not XML, not Atom, an entry without its id, time or title."""
    try:
        root = parse_xml(data, max_bytes=_MAX_BYTES)
    except UnsafeOrInvalidXml as exc:
        raise ValueError(f"not an Atom feed ({exc})") from None
    if root.tag != f"{_A}feed":
        raise ValueError(f"not an Atom feed (root element {root.tag!r})")
    feed_id = _text(root, "id", "the feed")
    if not feed_id.startswith(_UUID_URN):
        raise ValueError(f"the feed's id {feed_id!r} is not a urn:uuid: this command wrote")
    try:
        uuid.UUID(feed_id.removeprefix(_UUID_URN))
    except ValueError:
        raise ValueError(f"the feed's id {feed_id!r} is not a UUID") from None
    entries = []
    for number, element in enumerate(root.iterfind(f"{_A}entry"), start=1):
        where = f"entry {number}"
        content = element.find(f"{_A}content")
        text = (content.text or "") if content is not None else ""
        updated = _text(element, "updated", where)
        try:
            datetime.fromisoformat(updated)
        except ValueError:
            raise ValueError(f"{where}: updated {updated!r} is not an RFC 3339 time") from None
        lines = tuple(text.split("\n")) if text else ()
        entries.append(
            Entry(_text(element, "id", where), updated, _text(element, "title", where), lines)
        )
    if not entries:
        raise ValueError("the feed has no entry")
    return Feed(feed_id, tuple(reversed(entries)))  # the feed lists the newest first


def _text(element: Any, name: str, where: str) -> str:
    found = element.find(f"{_A}{name}")
    if found is None or not (found.text or "").strip():
        raise ValueError(f"{where} has no {name}")
    return str(found.text).strip()
