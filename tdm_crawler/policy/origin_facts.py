"""An origin's fetched policy documents turned into :class:`OriginFacts`, in one function.

The live crawl (``crawl/origin.py``) and an offline replay (``offline/evidence.py``) both
call these, with the documents as fetched and the same :class:`Limits`, so a replay reads
robots.txt, tdmrep.json and the RSL licences exactly as the crawl did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from tdm_crawler.policy.decide import License, OriginFacts
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.rsl import license_from_fetch
from tdm_crawler.policy.tdmrep import TdmRepFile


class Fetched(Protocol):
    """One document as fetched: the URL it came from (after redirects), the status
    (None when no response arrived), the body, and what went wrong, if anything."""

    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int | None: ...
    @property
    def body(self) -> bytes | None: ...
    @property
    def error(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class FetchedDocument:
    """A :class:`Fetched` built from anything else (e.g. a recorded evidence reference)."""

    url: str
    status: int | None
    body: bytes | None
    error: str | None


def read_policy_files(
    robots: Fetched, tdmrep: Fetched, limits: Limits
) -> tuple[RobotsFile, TdmRepFile]:
    """robots.txt and tdmrep.json as the decision reads them (robots.txt names the
    licences still to fetch, so the crawl reads these two first)."""
    return (
        RobotsFile.from_fetch(
            robots.status, robots.body, robots.error, max_bytes=limits.robots_bytes
        ),
        TdmRepFile.from_fetch(
            tdmrep.status, tdmrep.body, tdmrep.error, url=tdmrep.url, max_bytes=limits.tdmrep_bytes
        ),
    )


def read_license(document: Fetched, limits: Limits) -> License:
    """An RSL licence as fetched; a failed fetch is a problem, recorded and not obeyed."""
    return document.url, license_from_fetch(
        document.url,
        document.status,
        document.body,
        document.error,
        max_bytes=limits.document_bytes,
    )


def origin_facts(
    robots: Fetched,
    tdmrep: Fetched,
    licenses: Sequence[Fetched],
    limits: Limits,
    *,
    files: tuple[RobotsFile, TdmRepFile] | None = None,
) -> OriginFacts:
    """What an origin says, from its fetched documents. ``files`` are robots.txt and
    tdmrep.json already read by :func:`read_policy_files`, so they are not read twice."""
    robots_file, tdmrep_file = files or read_policy_files(robots, tdmrep, limits)
    read = tuple(read_license(document, limits) for document in licenses)
    return OriginFacts(robots_file, tdmrep_file, read)
