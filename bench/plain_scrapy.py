"""The plain-Scrapy baseline of the crawl benchmark: what tdm-crawler is compared with.

A minimal spider that follows same-origin ``<a href>`` links from the seeds (the same
scope rule as the ``tdm`` spider: host and explicit port), obeys robots.txt with Scrapy's
own ``RobotsTxtMiddleware`` (``ROBOTSTXT_OBEY=True``), and stores every response it gets
in a gzip WARC with warcio (request + response records), so both sides do storage work.
Each origin gets its own download slot, as tdm-crawler gives it, so that
``CONCURRENT_REQUESTS_PER_DOMAIN`` means the same on both sides.

    .venv/bin/python bench/plain_scrapy.py --seeds seeds.txt --out DIR \\
        [--concurrency 32] [--per-domain 8] [--log-level WARNING] [--naive-links]

Writes ``DIR/content.warc.gz`` and ``DIR/stats.json`` (Scrapy's stats, for the runner).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import AsyncIterator, Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import CrawlerProcess
from scrapy.http import HtmlResponse, Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def _scope(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    return (parts.hostname or "", parts.port)


def _slot(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class PlainSpider(Spider):
    name = "plain"

    def __init__(self, seed_urls: list[str], naive_links: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.seed_urls = seed_urls
        self.naive_links = naive_links
        self.seen: set[str] = set()

    async def start(self) -> AsyncIterator[Request]:
        for url in self.seed_urls:
            self.seen.add(url)
            yield Request(url, meta={"download_slot": _slot(url), "scope": _scope(url)})

    def parse(self, response: Response) -> Iterator[Any]:
        yield {"response": response}
        if not isinstance(response, HtmlResponse):
            return
        scope = response.meta["scope"]
        slot = response.meta["download_slot"]
        for href in response.xpath("//a/@href").getall():
            try:
                url = urldefrag(response.urljoin(href.strip())).url
            except ValueError:
                continue
            if urlsplit(url).scheme in ("http", "https") and _scope(url) == scope:
                if not self.naive_links:
                    # As the tdm spider does: a URL is requested once; without this,
                    # every link becomes a Request for Scrapy's dupefilter to drop.
                    if url in self.seen:
                        continue
                    self.seen.add(url)
                yield Request(url, meta={"download_slot": slot, "scope": scope})


class WarcPipeline:
    """Every response as a WARC request + response record pair, gzip, one file."""

    def __init__(self, out: str, crawler: Any) -> None:
        self.crawler = crawler
        self.path = Path(out) / "content.warc.gz"
        self.fh: Any = None
        self.writer: WARCWriter | None = None
        self.stored = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> WarcPipeline:
        return cls(crawler.settings.get("BENCH_OUT"), crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fh = self.path.open("wb")
        self.writer = WARCWriter(self.fh, gzip=True)

    def close_spider(self, spider: Spider | None = None) -> None:
        if self.fh is not None:
            self.fh.close()
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("bench/stored", self.stored)

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> dict[str, Any]:
        response: Response = item["response"]
        writer = self.writer
        assert writer is not None
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        protocol = response.protocol or "HTTP/1.1"
        status = StatusAndHeaders(f"{response.status} OK", headers, protocol=protocol)
        record = writer.create_warc_record(
            response.url, "response", payload=BytesIO(response.body), http_headers=status
        )
        req = response.request
        assert req is not None
        req_headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in req.headers.items()
            for v in values
        ]
        path = urlsplit(req.url).path or "/"
        req_status = StatusAndHeaders(f"GET {path} HTTP/1.1", req_headers, is_http_request=True)
        request_record = writer.create_warc_record(
            req.url, "request", payload=BytesIO(b""), http_headers=req_status
        )
        writer.write_request_response_pair(request_record, record)
        self.stored += 1
        return {"url": response.url}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*")
    parser.add_argument("--seeds")
    parser.add_argument("--out", required=True)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-domain", type=int, default=8)
    parser.add_argument("--log-level", default="WARNING")
    parser.add_argument(
        "--naive-links",
        action="store_true",
        help="yield every link and let Scrapy's dupefilter drop repeats (CrawlSpider style)",
    )
    args = parser.parse_args()
    seeds = list(args.urls)
    if args.seeds:
        seeds += [
            line.split("#", 1)[0].strip()
            for line in Path(args.seeds).read_text().splitlines()
            if line.split("#", 1)[0].strip()
        ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {
        "BOT_NAME": "plain-bench",
        "USER_AGENT": "plain-scrapy-bench/1.0",
        "ROBOTSTXT_OBEY": True,
        "ROBOTSTXT_USER_AGENT": "tdm-crawler",  # the same robots.txt group as tdm-crawler
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.per_domain,
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "RETRY_TIMES": 2,
        "LOG_LEVEL": args.log_level,
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "EXTENSIONS": {"scrapy.extensions.telnet.TelnetConsole": None},
        "ITEM_PIPELINES": {WarcPipeline: 100},
        "BENCH_OUT": str(out),
    }
    process = CrawlerProcess(settings, install_root_handler=True)
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler, seed_urls=seeds, naive_links=args.naive_links)
    started = time.monotonic()
    process.start()
    elapsed = time.monotonic() - started
    stats = {
        k: (v if isinstance(v, int | float | str) else str(v))
        for k, v in (crawler.stats.get_stats() if crawler.stats else {}).items()
    }
    stats["bench/elapsed"] = elapsed
    (out / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True))
    responses = stats.get("response_received_count", 0)
    forbidden = stats.get("robotstxt/forbidden", 0)
    print(
        f"plain scrapy: {responses} responses, {forbidden} forbidden by robots.txt, "
        f"{stats.get('bench/stored', 0)} stored in {elapsed:.1f} s"
    )


if __name__ == "__main__":
    main()
