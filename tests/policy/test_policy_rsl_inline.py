"""RSL licences carried in a body: inline scripts of a page, the rsl: module of feeds."""

from __future__ import annotations

import pytest

from tdm_crawler.policy.content import ContentFacts, extract_content
from tdm_crawler.policy.decide import Context, OriginFacts, ResponseFacts, decide_after_fetch
from tdm_crawler.policy.limits import Limits
from tdm_crawler.policy.purposes import Profile, Purpose
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.rsl_inline import inline_rsl_from_html, rsl_from_feed
from tdm_crawler.policy.tdmrep import TdmRepFile
from tdm_crawler.policy.types import Decision, Reason

PAGE = "https://e.org/a/page"
SEARCH_ONLY = (
    '<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
    '<permits type="usage">search</permits></license></content></rsl>'
)


def html(*scripts: str, where: str = "head") -> bytes:
    tags = "".join(f'<script type="{kind}">{text}</script>' for kind, text in scripts)
    head, body = (tags, "") if where == "head" else ("", tags)
    return f"<!doctype html><html><head>{head}</head><body><p>x</p>{body}</body></html>".encode()


def inline(body: bytes, *, max_bytes: int = 4096, max_count: int = 4) -> tuple[str, ...]:
    return inline_rsl_from_html(
        body, content_type="text/html", html_bytes=1 << 20, max_bytes=max_bytes, max_count=max_count
    )


@pytest.mark.parametrize("where", ["head", "body"])
def test_inline_script_found_in_head_or_body(where: str) -> None:
    assert inline(html(("application/rsl+xml", SEARCH_ONLY), where=where)) == (SEARCH_ONLY,)


def test_inline_script_type_any_case_with_parameters() -> None:
    found = inline(html(("Application/RSL+XML; charset=utf-8", f"\n  {SEARCH_ONLY}\n")))
    assert found == (SEARCH_ONLY,)


def test_other_scripts_are_not_licences() -> None:
    body = html(("application/ld+json", "{}"), ("text/javascript", "var rsl = 1"))
    assert inline(body) == ()


def test_inline_bounded_in_number_and_size() -> None:
    body = html(*[("application/rsl+xml", SEARCH_ONLY)] * 6)
    assert len(inline(body, max_count=2)) == 2
    (cut,) = inline(html(("application/rsl+xml", SEARCH_ONLY)), max_bytes=20)
    assert len(cut.encode()) == 21


FEED_RSS = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:rsl="https://rslstandard.org/rsl">
  <channel><title>t</title>
    <rsl:rsl><rsl:content url="/"><rsl:license>
      <rsl:permits type="usage">search</rsl:permits>
    </rsl:license></rsl:content></rsl:rsl>
    <item><title>i</title><rsl:rsl><rsl:content url="/"/></rsl:rsl></item>
  </channel>
</rss>"""

FEED_ATOM = f"""<feed xmlns="http://www.w3.org/2005/Atom">
  <title>t</title>{SEARCH_ONLY}
  <entry><title>e</title></entry>
</feed>""".encode()


@pytest.mark.parametrize("feed", [FEED_RSS, FEED_ATOM], ids=["rss", "atom"])
def test_feed_level_licence_found_items_not(feed: bytes) -> None:
    (text,) = rsl_from_feed(feed, feed_bytes=1 << 20, max_bytes=4096, max_count=4)
    assert "search" in text


@pytest.mark.parametrize("body", [b"<rss><channel/></rss>", b"not xml", b"<html/>"])
def test_feed_without_licence(body: bytes) -> None:
    assert rsl_from_feed(body, feed_bytes=1 << 20, max_bytes=4096, max_count=4) == ()


#: An origin that says nothing: no robots.txt, no tdmrep.json.
ORIGIN = OriginFacts(
    RobotsFile.from_fetch(404, None, None),
    TdmRepFile.from_fetch(404, None, None, url="https://e.org/.well-known/tdmrep.json"),
)


def decide(content: ContentFacts, purpose: Purpose) -> tuple[Decision, Reason]:
    facts = ResponseFacts(PAGE, 200, {"content-type": ["text/html"]}, content)
    ctx = Context(profile=Profile(purpose))
    verdict = decide_after_fetch(PAGE, ctx, ORIGIN, facts)
    return verdict.decision, verdict.reason


CASES = [
    pytest.param(html(("application/rsl+xml", SEARCH_ONLY)), "text/html", "html", id="inline"),
    pytest.param(FEED_RSS, "application/rss+xml", "feed", id="rss"),
    pytest.param(FEED_ATOM, "application/atom+xml", "feed", id="atom"),
    pytest.param(FEED_ATOM, "text/xml", "feed", id="atom-as-xml"),
]


@pytest.mark.parametrize(("body", "content_type", "kind"), CASES)
def test_body_licence_decides_and_replays(body: bytes, content_type: str, kind: str) -> None:
    content = extract_content(body, content_type, PAGE, Limits())
    assert content.kind == kind
    assert ContentFacts.from_json(content.to_json()) == content
    assert decide(content, Purpose.AI_TRAINING) == (Decision.RESERVED, Reason.RSL)
    assert decide(content, Purpose.SEARCH) == (Decision.ALLOWED, Reason.NO_RESERVATION)


def test_page_without_inline_licence_keeps_its_evidence_shape() -> None:
    content = extract_content(html(), "text/html", PAGE, Limits())
    assert "rsl_documents" not in content.to_json()
