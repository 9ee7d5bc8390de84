"""Which URLs of a crawl a rightsholder's request names (``purge``, ``recheck --origin``).

A request names an origin (everything a site serves), URL prefixes (a section of a
site), or a list of URLs. A decision record is selected when its ``url`` *or* its
``final_url`` is named: the content stored for a URL is its final URL's, so a page that
redirected onto the complaining site is theirs, and a page of theirs that redirected
elsewhere is still what they asked about. Selecting too much costs a page; too little,
a complaint not answered.

Pure: strings in, booleans out; the JSON form goes into ``complaints.jsonl``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tdm_crawler.crawl.urls import read_url_list
from tdm_crawler.policy import origin_of

__all__ = ["Selector"]


def _http(text: str, what: str) -> str:
    """``text`` stripped, if it is an http(s) URL with a host; ValueError otherwise."""
    value = text.strip()
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(f"{what} {text!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {text!r} is not an http(s) URL such as https://example.org/")
    return value


@dataclass(frozen=True, slots=True)
class Selector:
    """The URLs one request names; build it with :meth:`origins`, :meth:`prefixes` or
    :meth:`url_file`."""

    #: ``scheme://host:port``, port always written (as the evidence keys origins).
    origin_set: frozenset[str] = frozenset()
    prefix_list: tuple[str, ...] = ()
    url_set: frozenset[str] = frozenset()
    #: What was asked for, as ``complaints.jsonl`` records it.
    described: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def origins(cls, values: Iterable[str]) -> Selector:
        """Every URL of these origins (``https://example.org`` = ``…:443``); a path
        after the host is refused, since it would be silently ignored."""
        found = []
        for value in values:
            url = _http(value, "origin")
            if urlsplit(url).path not in ("", "/") or "?" in url or "#" in url:
                raise ValueError(
                    f"origin {value!r} has a path; give scheme://host[:port], or use "
                    "--url-prefix for a part of a site"
                )
            found.append(origin_of(url))
        origins = tuple(dict.fromkeys(found))
        return cls(origin_set=frozenset(origins), described={"origins": list(origins)})

    @classmethod
    def prefixes(cls, values: Iterable[str]) -> Selector:
        """Every URL that starts with one of these strings, exactly as recorded."""
        prefixes = tuple(dict.fromkeys(_http(value, "URL prefix") for value in values))
        return cls(prefix_list=prefixes, described={"url_prefixes": list(prefixes)})

    @classmethod
    def url_file(cls, path: Path) -> Selector:
        """The URLs listed in ``path`` (one a line, ``#`` comments), exactly as recorded;
        the file is named in the description by path and SHA-256, the URLs counted."""
        data = Path(path).read_bytes()
        urls = frozenset(_http(line, f"{path}: URL") for line in read_url_list(path))
        if not urls:
            raise ValueError(f"{path} lists no URL")
        described = {
            "urls_file": str(path),
            "urls_sha256": hashlib.sha256(data).hexdigest(),
            "urls": len(urls),
        }
        return cls(url_set=urls, described=described)

    def names(self, url: str) -> bool:
        """Whether the request names ``url``."""
        if url in self.url_set or url.startswith(self.prefix_list):
            return True
        if not self.origin_set:
            return False
        try:
            return origin_of(url) in self.origin_set
        except ValueError:  # a URL no origin can be made of names no origin
            return False

    def selects(self, record: Mapping[str, Any]) -> bool:
        """Whether the request names this decision record's URL or its final URL."""
        final = record.get("final_url")
        return self.names(record["url"]) or (isinstance(final, str) and self.names(final))
