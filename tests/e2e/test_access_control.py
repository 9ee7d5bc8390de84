"""Access control, as a server sees the crawler: a refusal (401, 402, 403, 451) is asked
once and taken, with the one User-Agent and no credentials; cookies go back only to the
origin that set them in this crawl, never with a policy document; a paywalled page is
never written."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.crawl.config import user_agent
from tests.crawling import by_url, crawl, markers_written
from tests.recording import RecordingServer, html

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

REFUSALS = (401, 402, 403, 451)


@pytest.fixture(scope="module")
def refusing() -> Iterator[RecordingServer]:
    links = " ".join(f'<a href="/{status}.html">{status}</a>' for status in REFUSALS)
    with RecordingServer({"/": html(links)}) as server:
        for status in REFUSALS:
            headers = [("Content-Type", "text/html")]
            if status == 401:
                headers.append(("WWW-Authenticate", 'Basic realm="members"'))
            if status == 403:
                headers.append(("Retry-After", "1"))
            body = f"<html><body>MARKER-BLOCKED-refused-{status}</body></html>".encode()
            server.routes[f"/{status}.html"] = (status, headers, body)
        yield server


@pytest_twisted.ensureDeferred
async def test_refusals_are_asked_once_and_taken(refusing: RecordingServer, tmp_path: Path) -> None:
    out = tmp_path / "out"
    await crawl([refusing.url("/")], out, TDM_CONTACT="mailto:ops@example.org")
    records = by_url(out)
    for status in REFUSALS:
        path = f"/{status}.html"
        assert len(refusing.received(path)) == 1, f"{path} requested {refusing.paths()}"
        record = records[refusing.url(path)]
        assert (record["decision"], record["reason"], record["status"]) == (
            "error",
            "http-status",
            status,
        )
    agents = {tuple(request.header("User-Agent")) for request in refusing.requests}
    assert agents == {(user_agent("tdm-crawler", "mailto:ops@example.org"),)}
    for request in refusing.requests:
        assert not request.header("Authorization") and not request.header("Cookie")
    assert not markers_written(out)


@pytest.fixture(scope="module")
def cookie_sites() -> Iterator[tuple[RecordingServer, RecordingServer]]:
    with RecordingServer() as first, RecordingServer() as second:
        page = html('<a href="/next.html">next</a> <a href="/go">go</a>')
        first.routes["/"] = (page[0], [*page[1], ("Set-Cookie", "sid=first; Path=/")], page[2])
        nxt = html("next")
        licence = ("Link", '</license.xml>; rel="license"; type="application/rsl+xml"')
        first.routes["/next.html"] = (nxt[0], [*nxt[1], licence], nxt[2])
        first.routes["/go"] = (302, [("Location", second.url("/landing"))], b"")
        landing = html('<a href="/more.html">more</a>')
        second.routes["/"] = (200, [*landing[1], ("Set-Cookie", "bsid=second")], landing[2])
        second.routes["/landing"] = html("landing")
        second.routes["/more.html"] = html("more")
        yield first, second


def _cookies(server: RecordingServer, path: str) -> list[str]:
    return [value for request in server.received(path) for value in request.header("Cookie")]


@pytest_twisted.ensureDeferred
async def test_cookies_go_back_only_to_the_origin_that_set_them(
    cookie_sites: tuple[RecordingServer, RecordingServer], tmp_path: Path
) -> None:
    first, second = cookie_sites
    # The two origins share a host (127.0.0.1): RFC 6265 cookies ignore ports, so one
    # shared jar, Scrapy's default, would send each origin's cookie to the other.
    await crawl(
        [first.url("/"), second.url("/")],
        tmp_path / "out",
        DEFAULT_REQUEST_HEADERS={"Cookie": "planted=1"},  # not received from anyone
    )
    assert _cookies(first, "/next.html") == ["sid=first"]  # a site's own cookie works
    assert "sid=first" not in " ".join(_cookies(second, "/landing"))  # the redirect hop
    assert all("sid=first" not in c and "planted" not in c for c in _cookies(second, "/more.html"))
    for server in (first, second):
        for request in server.requests:
            cookies = " ".join(request.header("Cookie"))
            assert "planted" not in cookies, request
            if request.path in ("/robots.txt", "/.well-known/tdmrep.json", "/license.xml"):
                assert not cookies, f"a policy document sent cookies: {request}"
    assert first.received("/license.xml"), "the licence was fetched after the cookie was set"


@pytest_twisted.ensureDeferred
async def test_a_paywalled_page_is_never_written(
    fixture_server: FixtureServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    await crawl(fixture_server.seeds(["paywall"]), out)
    records: dict[str, Any] = by_url(out)
    got = {url: (r["decision"], r["reason"]) for url, r in records.items()}
    assert got == fixture_server.expected(["paywall"])
    written = markers_written(out)
    for path in ("/article.html", "/graph.html", "/part.html", "/microdata.html"):
        marker = fixture_server.marker("paywall", path)
        assert marker is not None and marker not in written
        signals = records[fixture_server.url("paywall", path)]["signals"]
        assert any(
            s["protocol"] == "paywall" and s["source"] in ("json-ld", "microdata") for s in signals
        )
    for path in ("/", "/free.html", "/sample.html", "/listing.html"):
        assert fixture_server.marker("paywall", path) in written
