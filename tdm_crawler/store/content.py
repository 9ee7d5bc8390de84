"""Stored responses found by their record id, in about the order a decision log names them.

A replay and the attribution command read the payload of every stored work, named by the
``warc_record_id`` of its decision record. Indexing every response of ``content/`` first
would hold one entry per stored work (hundreds of MB for a million); but the crawl
writes each response just before its decision line, and every tool that copies content
(recheck, replay ``--out``) keeps that order, so records and responses come in the same
order. :class:`StoredPayloads` therefore scans the content files forward, only as far as
the record asked for, keeping the responses it passed in case they are asked for later:
in log order it holds almost nothing; in any other order it degrades to a full index, and
stays correct.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tdm_crawler.store.warcread import Member, Payload, read_payload, scan

__all__ = ["StoredPayloads"]


class StoredPayloads:
    """The response records of ``files`` (content WARCs, in order), by record id."""

    def __init__(self, files: Iterable[Path]) -> None:
        self._members = self._responses(list(files))
        self._passed: dict[str, Member] = {}

    @staticmethod
    def _responses(files: list[Path]) -> Iterator[Member]:
        for path in files:
            for member, _ in scan(path):
                if member.record_type == "response":
                    yield member

    def find(self, record_id: str) -> Member | None:
        """The response record ``record_id``; None when no content file holds it.
        Raises UnreadableWarc on a damaged file, after every record before the damage."""
        found = self._passed.pop(record_id, None)
        if found is not None:
            return found
        for member in self._members:
            if member.record_id == record_id:
                return member
            self._passed[member.record_id] = member
        return None

    def payload(self, record_id: str) -> Payload | None:
        """The payload of response ``record_id`` with its ``Content-Encoding`` undone
        (the body the crawl's readers saw); None when it is not stored."""
        member = self.find(record_id)
        return None if member is None else read_payload(member)

    def __len__(self) -> int:
        """Responses passed and not yet asked for (what the lookup holds in memory)."""
        return len(self._passed)
