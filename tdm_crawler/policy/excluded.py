"""Sources that must not be crawled: the operator's lists of domains, hosts and URL prefixes.

The GPAI Code of Practice (copyright chapter, Measure 1.2) asks a provider to exclude
from its crawls the websites that courts or authorities recognised as persistently
infringing, and a provider keeps lists of its own (a rightsholder's notice, a national
blocking list). Such a list is data the operator supplies (``--exclude FILE``,
``TDM_EXCLUDED_SOURCES``); none is shipped. A URL that one of them matches is decided
``disallowed`` (``excluded-source``) before any request goes to its origin, not even
robots.txt (the request guard asks :func:`~tdm_crawler.policy.decide.decide_excluded`).

The format, one entry per line (UTF-8)::

    # source: Example national blocking list, https://authority.example/list
    # date: 2025-09-01
    example.com                  # a domain: example.com and every name under it
    =www.example.org             # one host, exactly (an IP address is always one host)
    https://example.net/shop/    # a URL prefix: URLs of that host starting with it

- The comment lines before the first entry must name the list's ``source`` and ``date``
  (``YYYY-MM-DD``): a record that says "excluded" names the list, and the list names
  where it came from and of when it is.
- ``#`` at the start of a line or after a space starts a comment; blank lines are
  skipped.
- Host names are matched without regard to case or a final dot, internationalised names
  in their IDNA (``xn--``) form, whichever way the list writes them. A domain entry
  written ``*.example.com`` or ``.example.com`` is refused with a hint: ``example.com``
  already covers its subdomains.
- A URL prefix (ours where lists are silent) matches ``http`` and ``https`` alike (a list
  names a source, not a transport) on its host and port (a scheme's default port is no
  port), against the path and query as requested; a prefix without a path is the whole
  host. Characters a URL cannot hold are percent-encoded as a request's would be.

A line the format does not allow is an :class:`ExcludeListError` naming ``FILE:LINE``.

Matching costs a set look-up per label of the host, one per host, and a ``startswith``
over the prefixes of that host only: nothing that grows with the size of the lists
(``bench/exclusion_cost.py``).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote, urlsplit

from tdm_crawler.policy.types import Signal

__all__ = [
    "Entry",
    "ExcludeList",
    "ExcludeListError",
    "ExcludedSources",
    "Exclusion",
    "load_exclude_lists",
    "parse_exclude_list",
]

#: The kinds of entry, as the record's signal ``source`` names them.
DOMAIN: Final = "domain"
HOST: Final = "host"
URL_PREFIX: Final = "url-prefix"

_HEADER = re.compile(r"#\s*(source|date)\s*:\s*(.*?)\s*\Z", re.IGNORECASE)
_COMMENT = re.compile(r"(?:\A|\s)#")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443}
#: What a request URL's path and query keep unencoded (RFC 3986 pchar, ``/`` and ``?``).
_SAFE: Final = "/?%:@!$&'()*+,;=-._~"


class ExcludeListError(ValueError):
    """A list that does not follow the format; the message starts with ``FILE:LINE:``."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of a list: its kind, the normalised value matched, and as written."""

    kind: str  # DOMAIN, HOST or URL_PREFIX
    value: str  # domain or host (IDNA, lower case); for a prefix its path and query
    line: int
    written: str
    host: str = ""  # URL prefix: the host and port it applies to (``host`` or ``host:port``)


@dataclass(frozen=True, slots=True)
class ExcludeList:
    """One list as read: where from (``path`` as given), its header, its digest and its
    text (kept so that a replay matches again, offline, with exactly this list)."""

    path: str
    source: str
    date: str
    sha256: str
    text: str
    entries: tuple[Entry, ...]

    def to_json(self) -> dict[str, Any]:
        """The list as the manifest records it."""
        return {
            "path": self.path,
            "source": self.source,
            "date": self.date,
            "sha256": self.sha256,
            "entries": len(self.entries),
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ExcludeList:
        """A list from the manifest; ValueError when its text is not the one digested."""
        text, path = data["text"], data["path"]
        parsed = parse_exclude_list(text, path=path)
        if parsed.sha256 != data["sha256"]:
            raise ValueError(
                f"the manifest's exclusion list {path} does not match its digest "
                f"{data['sha256']}: the manifest was altered"
            )
        return parsed


@dataclass(frozen=True, slots=True)
class Exclusion:
    """Why a URL is excluded: the list, and its first entry that matches."""

    list: ExcludeList
    entry: Entry

    def signal(self) -> Signal:
        """The record's signal: which list (path, source, date, digest) and entry."""
        entry, listed = self.entry, self.list
        covers = {
            DOMAIN: f"the domain {entry.value} and every name under it",
            HOST: f"the host {entry.value}",
            URL_PREFIX: f"the URLs of {entry.host} starting with {entry.value}",
        }[entry.kind]
        value = {
            "list": listed.path,
            "source": listed.source,
            "date": listed.date,
            "sha256": listed.sha256,
            "line": entry.line,
            "entry": entry.written,
        }
        detail = (
            f"{entry.written!r} (line {entry.line} of {listed.path}: {listed.source}, "
            f"{listed.date}) excludes {covers}: nothing is requested from it"
        )
        return Signal("excluded-source", entry.kind, value, detail)


def _fail(path: str, line: int, message: str) -> ExcludeListError:
    return ExcludeListError(f"{path}:{line}: {message}")


def _idna(name: str, path: str, line: int) -> str:
    """A host name in the form request URLs carry it: IDNA, lower case, no final dot."""
    name = name.lower().rstrip(".")
    try:
        ascii_name = name.encode("idna").decode("ascii") if not name.isascii() else name
    except UnicodeError as exc:
        raise _fail(path, line, f"{name!r} is not a valid host name ({exc})") from None
    labels = ascii_name.split(".")
    if not ascii_name or not all(_LABEL.match(label) for label in labels):
        raise _fail(
            path,
            line,
            f"{name!r} is not a host name: write a domain (example.com), "
            "=host (=www.example.com) or a URL prefix (https://example.com/path/)",
        )
    return ascii_name


def _address(text: str) -> str | None:
    """An IP address literal (IPv6 with or without brackets), as URLs' hosts read."""
    if ":" not in text and not text.rpartition(".")[2].isdigit():
        return None  # a name (no top-level domain is all digits): spare the parse
    try:
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    except ValueError:
        return None


def _host_key(host: str, scheme: str, port: int | None) -> str:
    """``host`` or ``host:port``; a scheme's default port (either scheme's) is no port."""
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return host
    return f"{host}:{port}"


def _entry(text: str, path: str, line: int) -> Entry:
    lowered = text.lower()
    if lowered.startswith(("http://", "https://")):
        parts = urlsplit(text)
        try:
            port = parts.port
        except ValueError as exc:
            raise _fail(path, line, f"{text!r} has an invalid port ({exc})") from None
        if not parts.hostname:
            raise _fail(path, line, f"{text!r} names no host")
        if parts.fragment or text.endswith("#"):
            raise _fail(path, line, f"{text!r} has a fragment, which no request carries")
        host = _address(parts.hostname) or _idna(parts.hostname, path, line)
        prefix = quote(parts.path or "/", safe=_SAFE)
        if parts.query or text.endswith("?"):
            prefix += "?" + quote(parts.query, safe=_SAFE)
        return Entry(URL_PREFIX, prefix, line, text, _host_key(host, parts.scheme, port))
    if "://" in text or "/" in text:
        raise _fail(path, line, f"{text!r}: a URL prefix must start with http:// or https://")
    if text.startswith("="):
        name = text[1:]
        value = _address(name) or _idna(name, path, line)
        return Entry(HOST, value, line, text)
    if text.startswith(("*.", ".")):
        bare = text.lstrip("*.")
        raise _fail(path, line, f"{text!r}: write {bare!r}: a domain entry includes its subdomains")
    address = _address(text)
    if address is not None:
        return Entry(HOST, address, line, text)
    return Entry(DOMAIN, _idna(text, path, line), line, text)


def parse_exclude_list(text: str, *, path: str) -> ExcludeList:
    """Read one list (see the module docstring); ``path`` names it in errors and
    records. Raises :class:`ExcludeListError` on the first line the format refuses."""
    header: dict[str, tuple[str, int]] = {}
    entries: list[Entry] = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            found = _HEADER.match(stripped)
            if found and not entries:
                key = found.group(1).lower()
                if key in header:
                    raise _fail(path, number, f"a second '# {key}:' header line")
                header[key] = (found.group(2), number)
            continue
        content = _COMMENT.split(stripped, maxsplit=1)[0].strip()
        if len(content.split(maxsplit=1)) > 1:
            raise _fail(path, number, f"{content!r}: one entry per line, without spaces")
        entries.append(_entry(content, path, number))
    for key, example in (("source", "where the list comes from"), ("date", "2025-09-01")):
        if not header.get(key, ("", 0))[0]:
            raise _fail(path, 1, f"no '# {key}: ...' header line before the entries ({example})")
    written_date, date_line = header["date"]
    try:
        if not _DATE.match(written_date):
            raise ValueError(written_date)
        date.fromisoformat(written_date)
    except ValueError:
        raise _fail(path, date_line, f"date {written_date!r} is not YYYY-MM-DD") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ExcludeList(path, header["source"][0], written_date, digest, text, tuple(entries))


def load_exclude_lists(paths: Iterable[str | Path]) -> ExcludedSources:
    """The lists in these files, in order; ExcludeListError names an unreadable file."""
    lists = []
    for path in paths:
        name = str(path)
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ExcludeListError(f"{name}: cannot read the list: {exc.strerror}") from None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ExcludeListError(
                f"{name}: not UTF-8 text (byte {exc.start}); save the list as UTF-8"
            ) from None
        lists.append(parse_exclude_list(text, path=name))
    return ExcludedSources(lists)


def _url_keys(url: str) -> tuple[str, str, str] | None:
    """``(host, host key with port, path and query)`` of a request URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return None
    if ":" in host:
        host = _address(host) or host
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return host, _host_key(host, parts.scheme.lower(), port), target


#: An exclusion with its rank, (list index, line): the smallest rank is reported.
_Ranked = tuple[tuple[int, int], Exclusion]


class ExcludedSources:
    """Every list of a crawl, indexed for matching; empty: nothing is excluded."""

    def __init__(self, lists: Sequence[ExcludeList] = ()) -> None:
        self.lists = tuple(lists)
        # Each key keeps its first entry in list order, so a URL matched by several
        # entries names the same one every time: entries are ranked (list, line).
        self._domains: dict[str, _Ranked] = {}
        self._hosts: dict[str, _Ranked] = {}
        self._prefixes: dict[str, list[tuple[str, _Ranked]]] = {}
        for rank, listed in enumerate(self.lists):
            for entry in listed.entries:
                ranked = ((rank, entry.line), Exclusion(listed, entry))
                if entry.kind == DOMAIN:
                    self._domains.setdefault(entry.value, ranked)
                elif entry.kind == HOST:
                    self._hosts.setdefault(entry.value, ranked)
                else:
                    self._prefixes.setdefault(entry.host, []).append((entry.value, ranked))

    def __bool__(self) -> bool:
        return bool(self.lists)

    @property
    def digests(self) -> tuple[str, ...]:
        """The lists' SHA-256 digests, in order: equal digests, equal lists."""
        return tuple(listed.sha256 for listed in self.lists)

    def match(self, url: str) -> Exclusion | None:
        """The first entry (in list, then line order) that excludes ``url``, if any."""
        if not self.lists:
            return None
        keys = _url_keys(url)
        if keys is None:
            return None
        host, host_key, target = keys
        found: list[_Ranked] = []
        exact = self._hosts.get(host)
        if exact is not None:
            found.append(exact)
        if self._domains and ":" not in host and not host.rpartition(".")[2].isdigit():
            suffix = host  # a name, not an address: it and every domain above it
            while True:
                domain = self._domains.get(suffix)
                if domain is not None:
                    found.append(domain)
                dot = suffix.find(".")
                if dot < 0:
                    break
                suffix = suffix[dot + 1 :]
        for prefix, ranked in self._prefixes.get(host_key, ()):
            if target.startswith(prefix):
                found.append(ranked)
        return min(found, key=lambda ranked: ranked[0])[1] if found else None

    def to_json(self) -> list[dict[str, Any]]:
        """The manifest's ``excluded_sources``."""
        return [listed.to_json() for listed in self.lists]

    @classmethod
    def from_json(cls, data: Sequence[Mapping[str, Any]] | None) -> ExcludedSources:
        """The lists a manifest recorded (none recorded: nothing excluded)."""
        return cls([ExcludeList.from_json(item) for item in data or ()])
