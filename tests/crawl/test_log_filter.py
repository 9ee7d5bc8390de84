"""The log filter: site data in a log record (arguments, f-strings, exception text) is
shown escaped by every handler of the root logger, ours and Scrapy's records alike."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import pytest

from tdm_crawler.crawl import log_filter

ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
PAYLOAD = "http://evil.example/\x1b[2J\x9b31m\u202eevil"


class _Request:
    """Stands for a Scrapy request: formatted by ``%s`` when the record is."""

    def __str__(self) -> str:
        return f"<GET {PAYLOAD}>"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """A handler on the root logger writing to a string, the filter installed."""
    text = io.StringIO()
    handler = logging.StreamHandler(text)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        log_filter.install()
        log_filter.install()  # idempotent
        assert sum(isinstance(f, log_filter.SiteDataFilter) for f in handler.filters) == 1
        yield text
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.mark.parametrize(
    "emit",
    [
        pytest.param(lambda log: log.warning("Refused %s: %s", PAYLOAD, "x"), id="str-args"),
        pytest.param(
            lambda log: log.info("Crawled %(request)s", {"request": _Request()}), id="map"
        ),
        pytest.param(lambda log: log.info("Redirecting to %s", _Request()), id="object"),
        pytest.param(lambda log: log.info(f"Policy document {PAYLOAD}: 404"), id="f-string"),
        pytest.param(lambda log: log.info(_Request()), id="object-message"),
    ],
)
def test_site_data_reaches_the_handler_escaped(stream: io.StringIO, emit: object) -> None:
    for name in ("tdm_crawler.crawl.guard", "scrapy.downloadermiddlewares.redirect"):
        emit(logging.getLogger(name))  # type: ignore[operator]
    text = stream.getvalue()
    assert ACTING.findall(text) == []
    assert text.count("\\u001b[2J\\u009b31m\\u202eevil") == 2


def test_numbers_stay_numbers_and_line_feeds_of_arguments_are_escaped(
    stream: io.StringIO,
) -> None:
    logging.getLogger("tdm_crawler.crawl.origin").info(
        "%s: retrying in %.1fs (%d)\nsecond line", "a\nb", 1.25, 3
    )
    assert stream.getvalue() == "a\\u000ab: retrying in 1.2s (3)\nsecond line\n"


def test_exception_text_is_escaped(stream: io.StringIO) -> None:
    try:
        raise ValueError(f"bad header {PAYLOAD}")
    except ValueError:
        logging.getLogger("scrapy.core.scraper").exception("Error processing")
    text = stream.getvalue()
    assert "Traceback" in text and "ValueError: bad header" in text
    assert ACTING.findall(text) == [] and "\\u202eevil" in text
