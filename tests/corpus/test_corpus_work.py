"""A stored work's licence and size from what the decision read: its own statements,
the free RSL licences it or its origin links to, the CC signals of its Content-Usage
header; and its bytes and words."""

from __future__ import annotations

from tdm_crawler.corpus.work import decision_findings, read_work
from tdm_crawler.policy import (
    ContentFacts,
    Limits,
    OriginFacts,
    ResponseFacts,
    RobotsFile,
    RslDocument,
    TdmRepFile,
    parse_rsl,
)
from tdm_crawler.policy.license_reading import LicenseFinding, Location
from tdm_crawler.policy.spdx import LicenseClass

PAGE = "https://news.example/a.html"
BY = "https://creativecommons.org/licenses/by/4.0/"
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


def rsl(url: str, licence: str) -> RslDocument:
    body = (
        '<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
        '<permits type="usage">all</permits><payment type="attribution">'
        f"<standard>{licence}</standard></payment></license></content></rsl>"
    ).encode()
    doc = parse_rsl(body, url=url)
    assert isinstance(doc, RslDocument)
    return doc


def origin(*licences: tuple[str, RslDocument]) -> OriginFacts:
    return OriginFacts(
        RobotsFile.from_fetch(404, None, None),
        TdmRepFile.from_fetch(404, None, None, url="https://news.example/.well-known/tdmrep.json"),
        licences,
    )


def response(
    headers: dict[str, list[str]],
    *,
    rsl_links: tuple[str, ...] = (),
    licences: tuple[tuple[str, RslDocument], ...] = (),
    kind: str = "html",
    content_type: str = "text/html",
) -> ResponseFacts:
    content = ContentFacts(kind, content_type, rsl_links=rsl_links)
    return ResponseFacts(PAGE, 200, {"content-type": [content_type], **headers}, content, licences)


def test_what_the_decision_read_becomes_findings_where_it_was_read() -> None:
    linked = rsl("https://news.example/linked.xml", BY)
    headed = rsl("https://news.example/head.xml", BY)
    site = rsl("https://news.example/site.xml", BY_SA)
    read = response(
        {"content-usage": ["train-ai=n;exceptions=cc-cr"]},
        rsl_links=("https://news.example/head.xml",),
        licences=(
            ("https://news.example/linked.xml", linked),
            ("https://news.example/head.xml", headed),
        ),
    )
    found = decision_findings(read, origin(("https://news.example/site.xml", site)))
    assert found == [
        LicenseFinding("CC-BY-4.0", BY, Location.HEADER, "rsl"),
        LicenseFinding("CC-BY-4.0", BY, Location.HEAD, "rsl"),
        LicenseFinding("CC-BY-SA-4.0", BY_SA, Location.SITE, "rsl"),
        LicenseFinding(None, "cc-cr", Location.HEADER, "cc-signal"),
    ]


def test_a_page_under_a_free_rsl_licence_is_under_its_licence() -> None:
    site = rsl("https://news.example/site.xml", BY_SA)
    body = b"<html><body><p>four words of text</p></body></html>"
    work = read_work(response({}), origin(("https://news.example/site.xml", site)), body, Limits())
    assert (work.license.id, work.license.license_class) == ("CC-BY-SA-4.0", LicenseClass.OPEN)
    assert (work.size.bytes, work.size.words) == (len(body), 4)


def test_the_page_itself_says_more_than_the_site() -> None:
    site = rsl("https://news.example/site.xml", BY_SA)
    body = f'<html><head><link rel="license" href="{BY}"></head><body>x</body></html>'.encode()
    work = read_work(response({}), origin(("https://news.example/site.xml", site)), body, Limits())
    assert work.license.id == "CC-BY-4.0"
    assert work.license.disagreement is True  # the page and its site name two licences


def test_a_cc_signal_alone_names_no_licence() -> None:
    work = read_work(
        response({"content-usage": ["train-ai=n;exceptions=cc-cr"]}),
        origin(),
        b"<html><body>no statement</body></html>",
        Limits(),
    )
    assert work.license.license_class is LicenseClass.UNSTATED
    assert [f.source for f in work.license.findings] == ["cc-signal"]


def test_a_document_has_bytes_and_no_word_count() -> None:
    work = read_work(
        response({}, kind="pdf", content_type="application/pdf"), origin(), b"%PDF-", Limits()
    )
    assert (work.size.bytes, work.size.words) == (5, None)
