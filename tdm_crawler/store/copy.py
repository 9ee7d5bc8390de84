"""Copying a stored exchange's WARC records from one crawl directory to another, unchanged.

Used when a later pass (``recheck``) keeps content an earlier crawl stored: the raw gzip
members are copied byte for byte, so every digest still proves what the server sent.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

from tdm_crawler.store.layout import CrawlDir
from tdm_crawler.store.repair import Member, scan_members

__all__ = ["OriginalRecords"]


class OriginalRecords:
    """Copies the WARC records of a stored response from the source crawl, unchanged:
    the response, its request and its metadata record, after the file's warcinfo."""

    def __init__(self, source: CrawlDir, dest: Path) -> None:
        self.dest = dest
        self._exchanges: dict[str, tuple[Path, list[Member]]] = {}
        self._warcinfo: dict[Path, Member] = {}
        self._open: dict[Path, IO[bytes]] = {}
        for warc in source.content_warcs():
            members, _ = scan_members(warc)
            by_response: dict[str, list[Member]] = {}
            for member in members:
                if member.record_type == "warcinfo":
                    self._warcinfo.setdefault(warc, member)
                elif member.record_type == "response":
                    by_response.setdefault(member.record_id, []).insert(0, member)
                elif member.refers_to:
                    by_response.setdefault(member.refers_to, []).append(member)
            for record_id, group in by_response.items():
                self._exchanges[record_id] = (warc, group)

    def copy(self, record_id: str) -> bool:
        """Append the exchange's members to ``dest/<same file name>``; False if unknown."""
        found = self._exchanges.get(record_id)
        if found is None:
            return False
        warc, group = found
        out = self._open.get(warc)
        if out is None:
            self.dest.mkdir(parents=True, exist_ok=True)
            out = self._open[warc] = (self.dest / warc.name).open("xb")
            if warc in self._warcinfo:
                group = [self._warcinfo[warc], *group]
        with warc.open("rb") as source:
            for member in group:
                source.seek(member.offset)
                out.write(source.read(member.length))
        out.flush()
        return True

    def close(self) -> None:
        for handle in self._open.values():
            handle.close()
