"""Per-origin state stays bounded however many origins a crawl meets (bench/memory_origins.py
measures the whole crawler; these pin the bounds of each structure)."""

from __future__ import annotations

from types import SimpleNamespace

from scrapy.utils.test import get_crawler

from tdm_crawler.crawl.backoff import OriginBackoffMiddleware
from tdm_crawler.crawl.frontier import LocalFrontier
from tdm_crawler.crawl.middlewares import TdmGateMiddleware
from tdm_crawler.crawl.settings import crawl_settings


def _crawler(bound: int) -> object:
    settings = crawl_settings(out="unused", overrides={"TDM_ORIGIN_CACHE_MAX_ENTRIES": bound})
    return get_crawler(settings_dict=settings.copy_to_dict())


def test_backoff_forgets_the_oldest_failing_origins() -> None:
    backoff = OriginBackoffMiddleware(_crawler(3))  # type: ignore[arg-type]
    backoff._slot = lambda key: None  # type: ignore[method-assign]  # no engine: no slots
    for n in range(10):
        backoff._failed(f"http://o{n}", None, "HTTP 503")
    assert list(backoff.failures) == ["http://o7", "http://o8", "http://o9"]


def test_crawl_delay_slot_settings_are_bounded_lru() -> None:
    gate = TdmGateMiddleware(_crawler(3))  # type: ignore[arg-type]
    downloader = SimpleNamespace(slots={}, per_slot_settings={})
    for n in range(5):
        key = f"http://o{n}"
        downloader.per_slot_settings[key] = {"delay": 1.0}
        gate._forget_delays(downloader, key)
    assert sorted(downloader.per_slot_settings) == ["http://o2", "http://o3", "http://o4"]
    # An origin whose slot is in use is not dropped under it.
    downloader.slots["http://o2"] = object()
    downloader.per_slot_settings["http://o5"] = {"delay": 1.0}
    gate._forget_delays(downloader, "http://o5")
    assert "http://o2" in downloader.per_slot_settings


def test_local_frontier_remembers_urls_as_hashes_and_caps_pages() -> None:
    frontier = LocalFrontier(max_pages=3)
    assert frontier.admit(["http://a/1", "http://a/2", "http://a/1"]) == [True, True, False]
    assert frontier.admit(["http://a/3", "http://a/4"]) == [True, False]
    assert len(frontier) == 4
    assert all(isinstance(key, bytes) and len(key) == 8 for key in frontier._seen)
