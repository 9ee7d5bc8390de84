"""Helpers for end-to-end tests: run a real crawl in-process and read what it wrote."""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerRunner
from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.crawl.settings import crawl_settings
from tdm_crawler.spiders.tdm import TdmSpider

MARKER = re.compile(rb"MARKER-(?:OK|BLOCKED)-[A-Za-z0-9_-]+")

#: Fast and deterministic: no throttling, short back-off; loopback fixtures allowed.
TEST_OVERRIDES: dict[str, Any] = {
    "AUTOTHROTTLE_ENABLED": False,
    "TDM_POLICY_RETRY_DELAYS": [0.05, 0.05],
    "TDM_BACKOFF_BASE": 0.05,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "LOG_LEVEL": "INFO",
}


def tdm_crawl(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``tdm-crawl ARGS`` as a user runs it: a real process (a crawl needs its own reactor)."""
    return subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


async def crawl(seeds: Sequence[str], out: Path, **overrides: Any) -> Crawler:
    """Run one crawl over real sockets in the test's reactor; return the finished crawler."""
    allow_private = overrides.pop("allow_private_networks", True)
    max_depth = overrides.pop("max_depth", -1)
    max_pages = overrides.pop("max_pages", 0)
    settings = crawl_settings(
        out=str(out),
        max_depth=max_depth,
        max_pages=max_pages,
        allow_private_networks=allow_private,
        overrides={**TEST_OVERRIDES, **overrides},
    )
    runner = CrawlerRunner(settings)
    crawler = runner.create_crawler(TdmSpider)
    await runner.crawl(crawler, urls=list(seeds))
    return crawler


def records(out: Path) -> list[dict[str, Any]]:
    lines = (out / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def by_url(out: Path) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for record in records(out):
        assert record["url"] not in result, f"decided twice: {record['url']}"
        result[record["url"]] = record
    return result


def _file_views(path: Path) -> Iterable[bytes]:
    """Every way a file's bytes can be read: raw, gunzipped, and WARC payloads decoded."""
    raw = path.read_bytes()
    yield raw
    if raw[:2] == b"\x1f\x8b":
        try:
            unzipped = gzip.decompress(raw)
        except (OSError, EOFError):
            unzipped = b""  # a torn gzip file: the raw view above still counts
        yield unzipped
    if ".warc" in path.name:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                yield record.content_stream().read()


def markers_written(out: Path) -> set[str]:
    """Every fixture marker found anywhere under ``out``, however it is encoded."""
    found: set[str] = set()
    for path in out.rglob("*"):
        if path.is_file():
            for view in _file_views(path):
                found.update(m.decode() for m in MARKER.findall(view))
    return found


def warc_records(out: Path, kind: str) -> list[Any]:
    """(type, uri, headers) of every record in DIR/<kind>/*.warc.gz."""
    result = []
    for path in sorted((out / kind).glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                result.append(
                    (record.rec_type, record.rec_headers.get_header("WARC-Target-URI"), record)
                )
    return result
