"""The licence readers on the ``licenses`` fixture site, fetched over loopback HTTP.

The site's ``expected_license`` table says what each page's licence reading must be;
this checks the readers against it from the bytes and headers the server really sends,
as the crawl will once the reading is wired into the decision record.
"""

from __future__ import annotations

import urllib.request

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.policy.license_statements import read_licenses

PATHS = [
    "/",
    "/head-link.html",
    "/header-link.html",
    "/footer-chooser.html",
    "/body-link.html",
    "/figure-only.html",
    "/caption-and-footer.html",
    "/json-ld-graph.html",
    "/microdata.html",
    "/rdfa.html",
    "/meta.html",
    "/conflict.html",
    "/url-variants.html",
    "/reserved-cc-by.html",
    "/unknown-licence.html",
    "/terms.html",
    "/gfdl.html",
    "/public-domain-mark.html",
    "/broken.html",
    "/paper.pdf",
    "/book.epub",
    "/photo.png",
]


def fetched(url: str) -> tuple[dict[str, list[str]], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        headers: dict[str, list[str]] = {}
        for name, value in response.headers.items():
            headers.setdefault(name, []).append(value)
        return headers, response.read()


def test_the_site_covers_every_class_and_carrier(fixture_server: FixtureServer) -> None:
    expected = fixture_server.expected_license(["licenses"])
    assert set(expected) == set(fixture_server.expected(["licenses"]))
    assert {fixture_server.url("licenses", path) for path in PATHS} == set(expected)
    classes = {license_class for _, license_class, _ in expected.values()}
    assert classes == {"public-domain", "open", "restricted", "other", "partial", "unstated"}
    assert any(disagreement for _, _, disagreement in expected.values())
    reserved = [
        url
        for url, (decision, _) in fixture_server.expected(["licenses"]).items()
        if decision == "reserved"
    ]
    assert [expected[url][:2] for url in reserved] == [("CC-BY-4.0", "open")]


@pytest.mark.parametrize("path", PATHS)
def test_each_page_reads_as_expected(fixture_server: FixtureServer, path: str) -> None:
    url = fixture_server.url("licenses", path)
    headers, body = fetched(url)
    content_type = headers["Content-Type"][0]
    reading = read_licenses(url, headers, body, content_type=content_type)
    assert (reading.id, reading.license_class.value, reading.disagreement) == (
        fixture_server.expected_license(["licenses"])[url]
    )
    assert reading.findings or reading.license_class.value == "unstated"
