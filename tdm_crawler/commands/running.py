"""Run a crawl in this process and print what it decided.

``crawl``, ``worker``, ``check``, ``demo`` and ``recheck`` all run Scrapy the same way and
read their decisions back from the output directory; the end-of-crawl summary streams
the records, since a crawl of millions of URLs must not hold them in memory to print it.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any


def run_crawl(seeds: Sequence[str], settings: Any, spider_cls: Any = None, **kwargs: Any) -> bool:
    """Run one crawl in this process; True when it ran to completion."""
    from scrapy.crawler import CrawlerProcess

    from tdm_crawler.spiders.tdm import TdmSpider

    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider_cls or TdmSpider)
    process.crawl(crawler, urls=list(seeds), **kwargs)
    process.start()
    reason = crawler.stats.get_value("finish_reason") if crawler.stats else None
    return reason in ("finished", "closespider_pagecount", "closespider_itemcount")


def read_records(out: Path) -> list[dict[str, Any]]:
    from tdm_crawler.store import CrawlDir, iter_records

    path = CrawlDir(out).decisions
    return list(iter_records(path)) if path.exists() else []


def summary_table(records: Iterable[dict[str, Any]], elapsed: float) -> str:
    """Counts per decision and reason, and URLs decided per second (records streamed)."""
    counts: Counter[tuple[str, str]] = Counter()
    stored = 0
    for r in records:
        counts[(r["decision"], r["reason"])] += 1
        stored += bool(r["stored"])
    total = sum(counts.values())
    rate = total / elapsed if elapsed > 0 else 0.0
    lines = [
        f"{total} URLs decided in {elapsed:.1f} s ({rate:.1f} URLs/s), {stored} stored",
        f"{'decision':<12} {'reason':<26} {'count':>6}",
        f"{'-' * 12} {'-' * 26} {'-' * 6}",
    ]
    order = ["allowed", "reserved", "disallowed", "unknown", "error"]
    for (decision, reason), n in sorted(
        counts.items(), key=lambda kv: (order.index(kv[0][0]), -kv[1], kv[0][1])
    ):
        lines.append(f"{decision:<12} {reason:<26} {n:>6}")
    return "\n".join(lines)


def _records_after(out: Path, skip: int) -> Iterator[dict[str, Any]]:
    """The records of the crawl's decision log after the first ``skip``, streamed: a
    crawl of millions of URLs must not hold them in memory to print its summary."""
    from tdm_crawler.store import CrawlDir, iter_records

    path = CrawlDir(out).decisions
    if path.exists():
        yield from itertools.islice(iter_records(path), skip, None)


def _count_records(out: Path) -> int:
    return sum(1 for _ in _records_after(out, 0))


def crawl_and_summarise(seeds: Sequence[str], settings: Any, out: Path) -> int:
    before = _count_records(out)
    started = time.monotonic()
    completed = run_crawl(seeds, settings)
    elapsed = time.monotonic() - started
    print(summary_table(_records_after(out, before), elapsed))
    print(f"Output: {out}  (decisions.jsonl, content/, evidence/, manifest.json)")
    if not completed:
        print("tdm-crawl: the crawl did not complete; see the log above", file=sys.stderr)
        return 1
    return 0
