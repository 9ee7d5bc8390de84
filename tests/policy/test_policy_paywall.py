"""The paywall reader: schema.org ``isAccessibleForFree`` in JSON-LD and microdata, on the
page or on a part of it (table), and what the decision makes of it."""

from __future__ import annotations

import json

import pytest

from tdm_crawler.policy import (
    ContentFacts,
    Context,
    OriginFacts,
    Reason,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_origin,
    extract_content,
    finish_after_fetch,
)
from tdm_crawler.policy.paywall import MAX_STATEMENTS, paywall_finding
from tdm_crawler.policy.purposes import Profile, Purpose

CAP = 4 * 1024 * 1024


def ld(data: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def page(head: str = "", body: str = "") -> bytes:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>".encode()


ARTICLE = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "h"}


def article(value: object) -> bytes:
    """A page whose JSON-LD article says ``isAccessibleForFree: value``."""
    return page(ld({**ARTICLE, "isAccessibleForFree": value}))


@pytest.mark.parametrize(
    ("html", "paywalled", "values"),
    [
        pytest.param(article(False), True, [False], id="ld-false"),
        pytest.param(article("False"), True, ["False"], id="ld-False"),
        pytest.param(article("false"), True, ["false"], id="ld-str"),
        pytest.param(
            article("https://schema.org/False"),
            True, ["https://schema.org/False"], id="ld-iri",
        ),
        pytest.param(article(True), False, [True], id="ld-true"),
        pytest.param(article("yes"), False, ["yes"], id="ld-other"),
        pytest.param(
            page(ld({**ARTICLE, "isAccessibleForFree": True, "hasPart": {
                "@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paywall"
            }})),
            True, [True, False], id="ld-haspart",
        ),
        pytest.param(
            page(ld({**ARTICLE, "hasPart": [{"@type": "WebPageElement"}, {
                "@type": "WebPageElement", "isAccessibleForFree": "False"}]})),
            True, ["False"], id="ld-haspart-array",
        ),
        pytest.param(
            page(ld({"@context": "https://schema.org", "@graph": [
                {"@type": "WebSite", "name": "s"},
                {**ARTICLE, "isAccessibleForFree": False},
            ]})),
            True, [False], id="ld-graph",
        ),
        pytest.param(
            page(ld([ARTICLE, {**ARTICLE, "isAccessibleForFree": False}])),
            True, [False], id="ld-array",
        ),
        pytest.param(
            page(ld({"@type": "WebPage", "mainEntity": {**ARTICLE, "isAccessibleForFree": False}})),
            True, [False], id="ld-mainentity",
        ),
        pytest.param(
            page(ld({"@type": "ItemList", "itemListElement": [
                {**ARTICLE, "isAccessibleForFree": False}]})),
            False, [], id="ld-listed-article-is-not-the-page",
        ),
        pytest.param(
            page(ld({"@type": "WebPage", "isAccessibleForFree": {"@value": False}})),
            True, ["{\"@value\":false}"], id="ld-value-object",
        ),
        pytest.param(
            page(body='<script type="application/ld+json">{"isAccessibleForFree": false,</script>'),
            False, [], id="ld-broken-json",
        ),
        pytest.param(
            page(body='<div itemscope itemtype="https://schema.org/NewsArticle">'
                 '<meta itemprop="isAccessibleForFree" content="False"><p>text</p></div>'),
            True, ["False"], id="microdata-meta",
        ),
        pytest.param(
            page(body='<div itemscope itemtype="https://schema.org/NewsArticle">'
                 '<link itemprop="isAccessibleForFree" href="http://schema.org/False"></div>'),
            True, ["http://schema.org/False"], id="microdata-link",
        ),
        pytest.param(
            page(body='<article itemscope itemtype="https://schema.org/Article">'
                 '<div itemprop="hasPart" itemscope itemtype="https://schema.org/WebPageElement">'
                 '<meta itemprop="isAccessibleForFree" content="false"></div></article>'),
            True, ["false"], id="microdata-haspart",
        ),
        pytest.param(
            page(body='<ul itemscope itemtype="https://schema.org/ItemList">'
                 '<li itemprop="itemListElement" itemscope itemtype="https://schema.org/Article">'
                 '<meta itemprop="isAccessibleForFree" content="False"></li></ul>'),
            False, [], id="microdata-listed-article",
        ),
        pytest.param(
            page(body='<meta itemprop="isAccessibleForFree" content="False">'),
            True, ["False"], id="microdata-outside-any-item",
        ),
        pytest.param(
            page(body='<div itemscope><span itemprop="isAccessibleForFree">True</span></div>'),
            False, ["True"], id="microdata-text-true",
        ),
        pytest.param(
            page(body="<p>isAccessibleForFree: false, said in prose</p>"), False, [], id="prose"
        ),
        pytest.param(page(body="<p>nothing</p>"), None, [], id="no-mention"),
    ],
)  # fmt: skip
def test_reading(html: bytes, paywalled: bool | None, values: list[object]) -> None:
    finding = paywall_finding(html, content_type="text/html", max_bytes=CAP)
    if not values:
        assert finding is None
        return
    assert finding is not None
    assert [signal.value for signal in finding.signals] == values
    assert {signal.protocol for signal in finding.signals} == {"paywall"}
    assert (finding.reserves is Reason.PAYWALLED) is paywalled


def test_utf16_pages_are_read() -> None:
    html = article(False).decode().encode("utf-16")
    finding = paywall_finding(html, content_type="text/html; charset=utf-16", max_bytes=CAP)
    assert finding is not None and finding.reserves is Reason.PAYWALLED


def test_bounded() -> None:
    many = "".join(
        '<div itemscope><meta itemprop="isAccessibleForFree" content="False"></div>'
        for _ in range(5000)
    )
    finding = paywall_finding(page(body=many), max_bytes=CAP)
    assert finding is not None and len(finding.signals) == MAX_STATEMENTS
    past = page(body="x" * 2000 + '<meta itemprop="isAccessibleForFree" content="False">')
    assert paywall_finding(past, max_bytes=1000) is None
    for hostile in (b"", b"\x00" * 100, b"isAccessibleForFree" * 10, b"<" * 10_000):
        assert paywall_finding(hostile, max_bytes=CAP) is None


def test_content_facts_carry_it_and_round_trip() -> None:
    html = article(False)
    facts = extract_content(html, "text/html", "https://e.org/a")
    assert facts.paywall is not None
    assert ContentFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts
    free = extract_content(page(body="<p>x</p>"), "text/html", "https://e.org/b")
    assert free.paywall is None and "paywall" not in free.to_json()


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_paywalled_page_is_disallowed_for_every_purpose(purpose: Purpose) -> None:
    ctx = Context(profile=Profile(purpose=purpose))
    url = "https://e.org/a"
    html = article(False)
    facts = ResponseFacts(
        url, 200, {"content-type": ["text/html"]}, extract_content(html, "text/html", url)
    )
    origin = OriginFacts(
        RobotsFile.from_fetch(404, None, None),
        TdmRepFile.from_fetch(404, None, None, url="https://e.org/.well-known/tdmrep.json"),
    )
    verdict = finish_after_fetch(decide_origin(url, ctx, origin), ctx, facts)
    assert (verdict.decision.value, verdict.reason) == ("disallowed", Reason.PAYWALLED)
    assert verdict.signals[-1].protocol == "paywall"
