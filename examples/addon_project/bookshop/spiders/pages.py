"""A plain spider, unaware of TDM: it follows links and yields page titles.

With the add-on, responses whose TDM is reserved never reach ``parse``, and allowed
ones are archived to TDM_OUTPUT_DIR before it runs.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response


class PagesSpider(scrapy.Spider):
    name = "pages"

    def __init__(self, start: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_urls = [url for url in start.split(",") if url]

    def parse(self, response: Response) -> Iterator[Any]:
        if not isinstance(response, scrapy.http.HtmlResponse):
            return
        yield {"url": response.url, "title": response.css("title::text").get()}
        here = urlsplit(response.url).netloc
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc == here:
                yield scrapy.Request(url, callback=self.parse)
