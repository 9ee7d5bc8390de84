"""ResumeState: what earlier sessions decided, read back from the crawl directory, and the
stored pages whose links the resumed crawl follows again."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tdm_crawler.crawl.resume import Prior, ResumeState
from tdm_crawler.policy import Decision, Reason, Verdict
from tdm_crawler.store import CrawlDir, DecisionLog, HttpExchange, WarcWriter, decision_record
from tdm_crawler.store.warcread import sound_members

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
SITE = "http://example.test"
ALLOWED = Verdict(Decision.ALLOWED, Reason.NO_RESERVATION)
PAGES = {
    "/a": ("text/html", b'<html><body><a href="/a1">1</a><a href="/a2">2</a></body></html>'),
    "/b": ("text/html; charset=utf-8", b'<html><body><a href="/b1">1</a></body></html>'),
    "/c.pdf": ("application/pdf", b"%PDF-1.4 not html"),
}


def build(root: Path, *, orphan: bool = False) -> CrawlDir:
    """A crawl that stored PAGES and decided /gone without storing it; with ``orphan``, a
    last page stored but never decided (the crawl was killed in between)."""
    crawl = CrawlDir(root)
    content = WarcWriter(crawl.content, crawl.content.name, crawl_id="c", software="test")
    with DecisionLog(crawl.decisions) as log:
        for path, (content_type, body) in PAGES.items():
            url = SITE + path
            exchange = HttpExchange(
                url=url,
                status=200,
                response_headers=[("Content-Type", content_type)],
                body=body,
                fetched_at=NOW,
            )
            stored = content.write_exchange(exchange)
            log.write(
                decision_record(
                    url=url,
                    final_url=url,
                    status=200,
                    verdict=ALLOWED,
                    stored=True,
                    content_sha256=stored.payload_sha256,
                    warc_record_id=stored.record_id,
                    fetched_at=NOW,
                    crawl_id="c",
                )
            )
        log.write(
            decision_record(
                url=f"{SITE}/gone",
                final_url=None,
                status=None,
                verdict=Verdict(Decision.ERROR, Reason.FETCH_FAILED),
                stored=False,
                content_sha256=None,
                warc_record_id=None,
                fetched_at=NOW,
                crawl_id="c",
            )
        )
        if orphan:
            content.write_exchange(
                HttpExchange(url=f"{SITE}/orphan", status=200, body=b"x", fetched_at=NOW)
            )
    content.close()
    return crawl


def links(state: ResumeState, path: str) -> list[str] | None:
    page = state.stored_page(state.decided[SITE + path])
    return None if page is None else page.xpath("//a/@href").getall()


def test_every_decided_url_is_known_and_stored_pages_give_their_links(tmp_path: Path) -> None:
    state = ResumeState.load(build(tmp_path))
    assert set(state.decided) == {SITE + p for p in [*PAGES, "/gone"]}
    assert state.decided[f"{SITE}/gone"] == Prior(f"{SITE}/gone", None)
    assert links(state, "/a") == ["/a1", "/a2"]
    assert links(state, "/b") == ["/b1"]
    assert links(state, "/c.pdf") is None, "not HTML: no links to read"
    assert links(state, "/gone") is None, "nothing stored"


def test_loading_cuts_what_the_crawl_must_write_again(tmp_path: Path) -> None:
    crawl = build(tmp_path, orphan=True)
    (warc,) = crawl.content_warcs()
    before = [m.target_uri for m in sound_members(warc)]
    assert before[-2:] == [f"{SITE}/orphan"] * 2
    state = ResumeState.load(crawl)
    assert [m.target_uri for m in sound_members(warc)] == before[:-2]
    assert links(state, "/a") == ["/a1", "/a2"]


def test_an_unreadable_stored_page_costs_its_links_not_the_crawl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crawl = build(tmp_path)
    state = ResumeState.load(crawl)
    (warc,) = crawl.content_warcs()
    target = state.decided[f"{SITE}/a"].record_id
    member = next(m for m in sound_members(warc) if m.record_id == target)
    data = bytearray(warc.read_bytes())
    data[member.offset : member.end] = b"\0" * member.length  # damaged after loading
    warc.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="tdm_crawler.crawl.resume"):
        assert links(state, "/a") is None
    assert f"{SITE}/a: the stored copy cannot be read" in caplog.text
    assert links(state, "/b") == ["/b1"], "the other pages still give their links"
