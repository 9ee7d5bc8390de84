"""The fixture server, and the consistency of every fixture site with its expected table.

Two parts: the serving features (on a throw-away site directory built per test, so each
feature is checked in isolation), and the real sites under ``fixtures/sites`` fetched over
real sockets: every expected URL carries the marker of its decision, markers are unique
and never in links, and following links reaches exactly the expected URLs.
"""

from __future__ import annotations

import gzip
import http.client
import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from fixtures.documents import make_png
from fixtures.server import (
    DECISIONS,
    REASONS,
    FixtureServer,
    SiteFormatError,
    find_markers,
    load_site,
    missing_requirements,
)
from tests.paths import REPO

SITES_DIR = REPO / "fixtures" / "sites"

#: The sites the brief asks for (more may exist).
REQUIRED_SITES = {
    "open",
    "tdmrep-file",
    "tdmrep-header-meta",
    "robots-rules",
    "robots-5xx",
    "tdmrep-5xx",
    "invalid-files",
    "redirects",
    "tdmrep-invalid-values",
    "ai-agents",
    "noai",
    "aipref",
    "rsl",
    "documents",
}
#: Sites served only when an optional module is installed.
OPTIONAL_SITES = {"c2pa": "c2pa"}

#: Which reasons make sense with which decision.
REASONS_BY_DECISION = {
    "allowed": {"no-reservation"},
    "reserved": {
        "tdmrep-file",
        "tdmrep-header",
        "tdmrep-meta",
        "tdmrep-epub",
        "tdmrep-pdf",
        "robots-ai-agent",
        "x-robots-noai",
        "meta-robots-noai",
        "x-robots-noarchive",
        "meta-robots-noarchive",
        "content-usage",
        "content-signal",
        "rsl",
        "c2pa",
        "iptc-data-mining",
    },
    "disallowed": {"robots-disallow", "robots-unreachable", "excluded-source", "paywalled"},
    "unknown": {"tdmrep-file-unavailable", "tdmrep-pdf", "tdmrep-epub"},
    "error": {"http-status", "fetch-failed", "not-public-address", "too-large"},
}

# -- HTTP helpers -------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_FOLLOW = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_NO_FOLLOW = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


@dataclass
class Fetched:
    """One fetch: ``status`` is None when no final HTTP response arrived."""

    url: str
    status: int | None
    final_url: str
    headers: list[tuple[str, str]]
    body: bytes  # gzip already decoded
    error: str | None = None

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def header(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None


def _fetched(url: str, status: int, final_url: str, headers: Message, raw: bytes) -> Fetched:
    items = list(headers.items())
    encodings = [value for key, value in items if key.lower() == "content-encoding"]
    body = gzip.decompress(raw) if encodings == ["gzip"] else raw
    return Fetched(url, status, final_url, items, body)


def fetch(url: str, *, follow: bool = True, method: str = "GET") -> Fetched:
    """Fetch over the real socket, never through a proxy."""
    opener = _FOLLOW if follow else _NO_FOLLOW
    request = urllib.request.Request(url, method=method)
    try:
        with opener.open(request, timeout=10) as response:
            return _fetched(url, response.status, response.url, response.headers, response.read())
    except urllib.error.HTTPError as err:
        with err:
            if follow and 300 <= err.code < 400:
                return Fetched(url, None, url, [], b"", error=f"redirect loop: {err}")
            return _fetched(url, err.code, err.url or url, err.headers, err.read())
    except (OSError, http.client.HTTPException) as err:
        return Fetched(url, None, url, [], b"", error=repr(err))


class _PageParser(HTMLParser):
    """Collects ``<a href>`` links with their texts, attribute values and the title."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.attribute_values: list[str] = []
        self.title = ""
        self._href: str | None = None
        self._text: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attribute_values.extend(value for _, value in attrs if value)
        if tag == "a":
            self._href = dict(attrs).get("href")
            self._text = []
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text.append(data)
        if self._in_title:
            self.title += data


def _charset(content_type: str | None) -> str:
    match = re.search(r"charset=([\w-]+)", content_type or "")
    return match.group(1) if match else "utf-8"


def parse_page(body: bytes, content_type: str | None = None) -> _PageParser:
    parser = _PageParser()
    parser.feed(body.decode(_charset(content_type), errors="replace"))
    parser.close()
    return parser


def same_origin_links(page: Fetched, origin: str) -> set[str]:
    """Absolute same-origin http(s) links of a fetched HTML page, fragments removed."""
    if not (page.header("Content-Type") or "").startswith("text/html"):
        return set()
    links = set()
    for href, _ in parse_page(page.body, page.header("Content-Type")).links:
        absolute, _fragment = urldefrag(urljoin(page.final_url, href.strip()))
        parts = urlsplit(absolute)
        if parts.scheme in {"http", "https"} and f"{parts.scheme}://{parts.netloc}" == origin:
            links.add(absolute)
    return links


# -- a throw-away site directory for the serving features ------------------------------

ALPHA = {
    "description": "feature test site",
    "seeds": ["/"],
    "routes": {
        "/multi": {
            "body": "<p>multi {{self}}</p>",
            "headers": {"tdm-reservation": ["1", "0"], "Link": "<{{origin:beta}}/x>"},
        },
        "/gz.html": {"gzip": True},
        "/moved": {"status": 302, "headers": {"Location": "{{self}}/notes.txt"}},
        "/slow": {"body": "slow", "delay": 0.3},
        "/drop": {"drop": True},
        "/unavailable": {"status": 503},
        "/q?v=2": {"body": "query two"},
        "/q": {"body": "plain q"},
        "/latin": {
            "file": "latin.html",
            "headers": {"Content-Type": "text/html; charset=windows-1252"},
        },
        "/with-headers.html": {"headers": {"X-Extra": "yes"}},
        "/image.png": {
            "generate": "make_png",
            "args": {"width": 2, "height": 3, "marker": "MARKER-OK-alpha-2"},
            "headers": {"X-Robots-Tag": "{{self}}"},
        },
        "/gz.pdf": {
            "generate": "pdf_document",
            "args": {"marker": "MARKER-OK-alpha-3"},
            "gzip": True,
        },
    },
    "expected": {"/": ["allowed", "no-reservation"]},
}


@pytest.fixture
def sites_dir(tmp_path: Path) -> Path:
    sites = tmp_path / "sites"
    alpha = sites / "alpha" / "root"
    (alpha / "dir").mkdir(parents=True)
    (alpha / "~user").mkdir()
    (sites / "alpha" / "site.json").write_text(json.dumps(ALPHA))
    (alpha / "index.html").write_text(
        '<a href="{{self}}/notes.txt">n</a> beta is {{origin:beta}}. MARKER-OK-alpha-1\n'
    )
    (alpha / "gz.html").write_text("<p>compress me</p>\n" * 50)
    (alpha / "notes.txt").write_text("notes\n")
    (alpha / "data.json").write_text("[]\n")
    (alpha / "dir" / "index.html").write_text("<p>dir index</p>\n")
    (alpha / "~user" / "page.html").write_text("<p>tilde</p>\n")
    (alpha / "latin.html").write_bytes("<p>caf\u00e9</p>\n".encode("cp1252"))
    (alpha / "with-headers.html").write_text("<p>headers</p>\n")
    beta = sites / "beta" / "root"
    beta.mkdir(parents=True)
    (beta / "index.html").write_text("<p>beta</p>\n")
    (sites / "beta" / "site.json").write_text(
        json.dumps(
            {
                "description": "second site",
                "seeds": ["/"],
                "expected": {"/": ["allowed", "no-reservation"]},
            }
        )
    )
    return sites


@pytest.fixture
def server(sites_dir: Path) -> Iterator[FixtureServer]:
    with FixtureServer(sites_dir) as fixture:
        yield fixture


def raw_get(server: FixtureServer, site: str, target: str) -> tuple[int, list[tuple[str, str]]]:
    """GET an arbitrary request target (no client-side normalisation); status and headers."""
    port = urlsplit(server.origin(site)).port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def test_every_site_has_its_own_loopback_origin(server: FixtureServer) -> None:
    assert server.sites == ["alpha", "beta"]
    origins = [server.origin(site) for site in server.sites]
    assert len(set(origins)) == 2
    for origin in origins:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", origin)
    assert server.url("beta", "/x?y=1") == server.origin("beta") + "/x?y=1"
    assert server.seeds() == [server.origin("alpha") + "/", server.origin("beta") + "/"]
    assert server.expected(["beta"]) == {server.origin("beta") + "/": ("allowed", "no-reservation")}
    assert fetch(server.url("beta", "/")).body == b"<p>beta</p>\n"


def test_static_files_and_content_types(server: FixtureServer) -> None:
    cases = {
        "/": "text/html; charset=utf-8",
        "/notes.txt": "text/plain; charset=utf-8",
        "/data.json": "application/json",
        "/dir/": "text/html; charset=utf-8",
        "/latin": "text/html; charset=windows-1252",
        "/multi": "text/html; charset=utf-8",
    }
    for path, content_type in cases.items():
        got = fetch(server.url("alpha", path))
        assert (got.status, got.values("Content-Type")) == (200, [content_type]), path
    assert fetch(server.url("alpha", "/dir/")).body == b"<p>dir index</p>\n"
    assert fetch(server.url("alpha", "/%7Euser/page.html")).body == b"<p>tilde</p>\n"
    assert fetch(server.url("alpha", "/latin")).body == "<p>caf\u00e9</p>\n".encode("cp1252")
    with_headers = fetch(server.url("alpha", "/with-headers.html"))
    assert (with_headers.body, with_headers.header("X-Extra")) == (b"<p>headers</p>\n", "yes")


def test_placeholders_expand_in_bodies_and_headers(server: FixtureServer) -> None:
    alpha, beta = server.origin("alpha"), server.origin("beta")
    index = fetch(alpha + "/")
    assert index.body == (
        f'<a href="{alpha}/notes.txt">n</a> beta is {beta}. MARKER-OK-alpha-1\n'.encode()
    )
    assert server.body("alpha", "/") == index.body
    multi = fetch(alpha + "/multi")
    assert multi.body == f"<p>multi {alpha}</p>".encode()
    assert multi.values("Link") == [f"<{beta}/x>"]
    moved = fetch(alpha + "/moved", follow=False)
    assert (moved.status, moved.values("Location")) == (302, [f"{alpha}/notes.txt"])
    assert moved.body == b""
    assert fetch(alpha + "/moved").body == b"notes\n"


def test_a_list_header_is_sent_as_repeated_fields(server: FixtureServer) -> None:
    status, headers = raw_get(server, "alpha", "/multi")
    assert status == 200
    assert [value for name, value in headers if name == "tdm-reservation"] == ["1", "0"]


def test_gzip_routes_are_compressed_on_the_wire_only(server: FixtureServer) -> None:
    url = server.url("alpha", "/gz.html")
    with _FOLLOW.open(url, timeout=10) as response:
        raw = response.read()
        assert response.headers.get_all("Content-Encoding") == ["gzip"]
        assert int(response.headers["Content-Length"]) == len(raw)
    assert raw[:2] == b"\x1f\x8b"
    assert gzip.decompress(raw) == b"<p>compress me</p>\n" * 50
    assert server.body("alpha", "/gz.html") == b"<p>compress me</p>\n" * 50


def test_head_sends_the_headers_of_get_without_a_body(server: FixtureServer) -> None:
    got = fetch(server.url("alpha", "/notes.txt"), method="HEAD")
    assert (got.status, got.body, got.header("Content-Length")) == (200, b"", "6")


def test_unknown_paths_are_404_and_files_outside_root_unreachable(
    server: FixtureServer,
) -> None:
    missing = fetch(server.url("alpha", "/nope.html"))
    assert missing.status == 404
    assert 0 < len(missing.body) < 200 and not find_markers(missing.body)
    assert server.body("alpha", "/nope.html") == missing.body
    assert fetch(server.url("alpha", "/dir")).status == 404
    for target in ("/../site.json", "/%2e%2e/site.json", "/dir/../../site.json"):
        assert raw_get(server, "alpha", target)[0] == 404, target


def test_generated_documents_are_served_verbatim(server: FixtureServer) -> None:
    png = fetch(server.url("alpha", "/image.png"))
    assert png.status == 200
    assert png.body == make_png(2, 3, marker="MARKER-OK-alpha-2")
    assert png.values("Content-Type") == ["image/png"]
    assert png.values("X-Robots-Tag") == [server.origin("alpha")]  # headers still expand
    assert server.body("alpha", "/image.png") == png.body
    assert find_markers(png.body) == ["MARKER-OK-alpha-2"]
    pdf = fetch(server.url("alpha", "/gz.pdf"))
    assert pdf.values("Content-Encoding") == ["gzip"]
    assert pdf.header("Content-Type") == "application/pdf"
    assert pdf.body.startswith(b"%PDF-") and pdf.body == server.body("alpha", "/gz.pdf")
    assert find_markers(pdf.body) == ["MARKER-OK-alpha-3"]


def test_sites_whose_requirements_are_missing_are_skipped(sites_dir: Path) -> None:
    gamma = sites_dir / "gamma"
    (gamma / "root").mkdir(parents=True)
    (gamma / "root" / "index.html").write_text("<p>gamma</p>\n")
    spec = {
        "description": "needs a module nobody has",
        "requires": ["json", "no_such_module_for_tdm_fixtures"],
        "expected": {"/": ["allowed", "no-reservation"]},
    }
    (gamma / "site.json").write_text(json.dumps(spec))
    assert missing_requirements(gamma) == ["no_such_module_for_tdm_fixtures"]
    with pytest.raises(SiteFormatError, match="not installed"):
        load_site(gamma)
    fixture = FixtureServer(sites_dir)
    assert fixture.sites == ["alpha", "beta"]
    assert "no_such_module_for_tdm_fixtures" in fixture.skipped["gamma"]
    (gamma / "site.json").write_text(json.dumps({**spec, "requires": ["json"]}))
    assert FixtureServer(sites_dir).sites == ["alpha", "beta", "gamma"]


def test_status_routes_and_query_routes(server: FixtureServer) -> None:
    unavailable = fetch(server.url("alpha", "/unavailable"))
    assert (unavailable.status, unavailable.body) == (503, b"503 Service Unavailable\n")
    assert fetch(server.url("alpha", "/q?v=2")).body == b"query two"
    assert fetch(server.url("alpha", "/q?v=3")).body == b"plain q"
    assert fetch(server.url("alpha", "/q")).body == b"plain q"
    assert server.body("alpha", "/q?v=2") == b"query two"


def test_delay_and_dropped_connections(server: FixtureServer) -> None:
    started = time.monotonic()
    assert fetch(server.url("alpha", "/slow")).body == b"slow"
    assert time.monotonic() - started >= 0.3
    dropped = fetch(server.url("alpha", "/drop"))
    assert dropped.status is None and dropped.error


def test_hits_are_counted_per_site_and_path(server: FixtureServer) -> None:
    url = server.url("alpha", "/notes.txt")
    threads = [threading.Thread(target=fetch, args=(f"{url}?n={n}",)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.hits("alpha", "/notes.txt") == 30
    assert server.hits("alpha", "/notes.txt?anything") == 30
    assert server.hits("beta", "/notes.txt") == 0
    fetch(server.url("alpha", "/%7Euser/page.html"))
    fetch(server.url("alpha", "/missing"))
    fetch(server.url("alpha", "/moved"))
    assert server.hits("alpha", "/~user/page.html") == 1
    assert server.hits("alpha", "/%7Euser/page.html") == 1
    assert server.hits("alpha", "/missing") == 1
    assert server.hits("alpha", "/notes.txt") == 31  # the redirect target, once more
    server.reset_hits()
    assert server.hits("alpha", "/notes.txt") == 0
    with pytest.raises(KeyError, match="no fixture site"):
        server.hits("gamma", "/")


def test_the_server_is_quiet(server: FixtureServer, capfd: pytest.CaptureFixture[str]) -> None:
    for path in ("/", "/missing", "/drop", "/gz.html", "/unavailable"):
        fetch(server.url("alpha", path))
    raw_get(server, "alpha", "/../site.json")
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_start_stop_lifecycle(sites_dir: Path) -> None:
    fixture = FixtureServer(sites_dir)
    with pytest.raises(RuntimeError, match="not started"):
        fixture.origin("alpha")
    fixture.start()
    try:
        with pytest.raises(RuntimeError, match="already started"):
            fixture.start()
        origin = fixture.origin("alpha")
        assert fetch(origin + "/").status == 200
    finally:
        fixture.stop()
    fixture.stop()  # twice is fine
    assert fetch(origin + "/").status is None  # port released: connection refused
    with fixture:  # restartable
        assert fetch(fixture.url("alpha", "/")).status == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown keys"),
        ({"description": ""}, "description"),
        ({"expected": {"/": ["fine", "no-reservation"]}}, "unknown decision"),
        ({"expected": {"/": ["allowed", "because"]}}, "unknown reason"),
        ({"expected": {"/x": ["allowed", "no-reservation"]}}, "seed '/' has no entry"),
        ({"routes": {"/a": {"file": "missing.html"}}}, "does not exist"),
        ({"routes": {"/a": {"file": "a.html", "body": "x"}}}, "either file or body"),
        ({"routes": {"/a": {"statuss": 200}}}, "unknown keys"),
        ({"routes": {"/a": {"status": 302, "headers": {"Location": 5}}}}, "header 'Location'"),
        ({"routes": {"/a": {"status": 302, "body": "{{origin:nowhere}}"}}}, "placeholder"),
        ({"routes": {"/a": {"body": "x", "delay": -1}}}, "delay"),
        ({"routes": {"/a.png": {"generate": "os.system"}}}, "generate must name one of"),
        ({"routes": {"/a.png": {"generate": "make_png", "args": [1]}}}, "args must be an object"),
        ({"routes": {"/a.png": {"generate": "make_png", "args": {"depth": 1}}}}, "failed"),
        ({"routes": {"/a.png": {"generate": "make_png", "body": "x"}}}, "either file or body"),
        ({"routes": {"/a.png": {"body": "x", "args": {}}}}, "args go with generate"),
        ({"expected_license": []}, "expected_license"),
        ({"expected_license": {"/x": {"id": None, "class": "open"}}}, "no entry in"),
        ({"expected_license": {"/": {"id": "CC-BY-4.0"}}}, "must be"),
        ({"expected_license": {"/": {"id": 4, "class": "open"}}}, "id must be"),
        ({"expected_license": {"/": {"id": None, "class": "free"}}}, "unknown class"),
        ({"expected_license": {"/": {"id": None, "class": "open", "disagreement": 1}}}, "true"),
        ({"requires": "c2pa"}, "requires"),
        ({"requires": ["not a module"]}, "requires"),
    ],
)
def test_invalid_site_json_is_reported(
    sites_dir: Path, change: dict[str, Any], message: str
) -> None:
    (sites_dir / "beta" / "site.json").write_text(
        json.dumps(
            {
                "description": "broken",
                "seeds": ["/"],
                "expected": {"/": ["allowed", "no-reservation"]},
                **change,
            }
        )
    )
    with pytest.raises(SiteFormatError, match=message) as info:
        FixtureServer(sites_dir)
    assert "beta" in str(info.value)


def test_the_command_line_serves_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "fixtures.server", "--sites", "open"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        watchdog = threading.Timer(30, process.kill)
        watchdog.start()
        try:
            assert process.stdout is not None
            first = process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", first)
            assert first.startswith("open ") and match, first
            assert find_markers(fetch(match.group(0) + "/").body) == ["MARKER-OK-open-1"]
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=20)
        finally:
            watchdog.cancel()
            if process.poll() is None:  # never leave the test waiting on a stuck server
                process.kill()
        assert process.returncode == 0, err
    unknown = subprocess.run(
        [sys.executable, "-m", "fixtures.server", "--sites", "nowhere"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert unknown.returncode == 2 and "unknown sites" in unknown.stderr


# -- the real fixture sites ---------------------------------------------------------------

#: The sites served here: a site whose ``requires`` cannot be imported is skipped.
SITE_NAMES = sorted(
    path.parent.name
    for path in SITES_DIR.glob("*/site.json")
    if not missing_requirements(path.parent)
)


def test_the_required_sites_exist(fixture_server: FixtureServer) -> None:
    assert set(fixture_server.sites) >= REQUIRED_SITES
    assert fixture_server.sites == SITE_NAMES
    for site, module in OPTIONAL_SITES.items():
        try:
            __import__(module)
        except ImportError:
            assert site in fixture_server.skipped and site not in fixture_server.sites
        else:
            assert site in fixture_server.sites and not fixture_server.skipped
    decisions = {decision for decision, _ in fixture_server.expected().values()}
    assert decisions == DECISIONS


def test_expected_tables_use_the_public_vocabulary(fixture_server: FixtureServer) -> None:
    from tdm_crawler.policy.types import Decision, Reason

    assert {decision.value for decision in Decision} == DECISIONS
    assert {reason.value for reason in Reason} >= REASONS
    for url, (decision, reason) in fixture_server.expected().items():
        assert reason in REASONS_BY_DECISION[decision], (url, decision, reason)


def _site_resources(site: str) -> Iterable[tuple[str, bytes, int]]:
    """(where, bytes, status) of every static file, route body and generated document
    (``<site> generated <path>``) of a site."""
    directory = SITES_DIR / site
    root = directory / "root"
    for file in sorted(root.rglob("*")):
        if file.is_file():
            yield str(file.relative_to(SITES_DIR)), file.read_bytes(), 200
    config = json.loads((directory / "site.json").read_text(encoding="utf-8"))
    for path, route in config.get("routes", {}).items():
        if "body" in route:
            yield f"{site} route {path}", route["body"].encode(), route.get("status", 200)
    if any("generate" in route for route in config.get("routes", {}).values()):
        for path, loaded in load_site(directory).routes.items():
            if loaded.generated and loaded.body is not None:
                yield f"{site} generated {path}", loaded.body, loaded.status


def _is_page(where: str) -> bool:
    """Static HTML/text files that are content (not robots.txt nor well-known files)."""
    name = Path(where).name
    return (
        Path(where).suffix in {".html", ".txt"}
        and not name.startswith("robots")
        and "/.well-known/" not in where
    )


def test_markers_are_unique_and_only_in_content() -> None:
    seen: Counter[str] = Counter()
    for site in SITE_NAMES:
        for where, data, status in _site_resources(site):
            markers = find_markers(data)
            seen.update(markers)
            assert len(markers) == data.count(b"MARKER-"), f"malformed marker in {where}"
            if " route " in where:
                assert len(markers) <= 1, where
                if 300 <= status < 400 or status == 404:
                    assert not markers, where
            elif " generated " in where or _is_page(where):
                assert len(markers) == 1, f"{where} must have exactly one marker: {markers}"
            else:
                assert not markers, f"{where} is not content and must carry no marker"
            for marker in markers:
                assert re.fullmatch(rf"MARKER-(OK|BLOCKED)-{site}-\d+", marker), (where, marker)
    duplicated = sorted(marker for marker, count in seen.items() if count > 1)
    assert not duplicated, f"markers used twice: {duplicated}"


def test_markers_never_appear_in_links_attributes_or_titles() -> None:
    for site in SITE_NAMES:
        for where, data, _ in _site_resources(site):
            if not (where.endswith(".html") or " route " in where):
                continue
            charset = "cp1252" if b"windows-1252" in data else "utf-8"
            page = parse_page(data, f"text/html; charset={charset}")
            for href, text in page.links:
                assert "MARKER" not in href + text, (where, href, text)
            for value in page.attribute_values:
                assert "MARKER" not in value, (where, value)
            assert "MARKER" not in page.title, where


@pytest.mark.parametrize("site", SITE_NAMES)
def test_every_expected_url_carries_the_marker_of_its_decision(
    fixture_server: FixtureServer, site: str
) -> None:
    allowed_markers = set()
    for url, (decision, reason) in fixture_server.expected([site]).items():
        got = fetch(url)
        markers = find_markers(got.body)
        assert not [m for m in markers if m.startswith("MARKER-OK-") and decision != "allowed"]
        if decision == "error":
            if reason == "http-status":
                assert got.status is not None and got.status >= 400, url
            elif reason == "fetch-failed":
                assert got.status is None, f"{url} must fail to fetch, got {got.status}"
            continue
        assert got.status == 200, (url, got.status, got.error)
        assert len(markers) == 1, f"{url} must carry exactly one marker, found {markers}"
        assert markers[0].startswith(f"MARKER-{'OK' if decision == 'allowed' else 'BLOCKED'}-")
        assert markers[0].startswith(f"MARKER-OK-{site}-") or decision != "allowed"
        if decision == "allowed":
            allowed_markers.add(markers[0])
    every_ok = {
        marker
        for _, data, _ in _site_resources(site)
        for marker in find_markers(data)
        if marker.startswith("MARKER-OK-")
    }
    assert every_ok == allowed_markers, "an OK marker is not served by any allowed URL"


@pytest.mark.parametrize("site", SITE_NAMES)
def test_links_reach_exactly_the_expected_urls(fixture_server: FixtureServer, site: str) -> None:
    """Crawl the way the crawler does: same-origin <a href>, from allowed pages only."""
    expected = fixture_server.expected([site])
    origin = fixture_server.origin(site)
    for seed in fixture_server.seeds([site]):
        assert seed in expected
    reached = set(fixture_server.seeds([site]))
    queue = sorted(reached)
    while queue:
        url = queue.pop()
        if expected.get(url, ("",))[0] != "allowed":
            continue
        for link in same_origin_links(fetch(url), origin):
            if link not in reached:
                reached.add(link)
                queue.append(link)
    assert sorted(reached - set(expected)) == [], "linked but not in expected"
    assert sorted(set(expected) - reached) == [], "expected but not reachable by links"
    # Pages fetched but not stored must not lead anywhere new, whether or not a crawler
    # reads their links.
    for url, (decision, _) in expected.items():
        if decision in {"reserved", "unknown", "error"}:
            extra = same_origin_links(fetch(url), origin) - set(expected)
            assert not extra, f"{url} ({decision}) links outside expected: {sorted(extra)}"


def test_the_open_site_has_links_to_ignore(fixture_server: FixtureServer) -> None:
    page = parse_page(fixture_server.body("open", "/"))
    hrefs = [href for href, _ in page.links]
    for prefix in ("mailto:", "javascript:", "tel:", "ftp://", "#"):
        assert any(href.startswith(prefix) for href in hrefs), prefix
    assert any("#" in href and not href.startswith("#") for href in hrefs)
    others = [fixture_server.origin(site) for site in fixture_server.sites if site != "open"]
    assert any(href.startswith(tuple(others)) for href in hrefs)


@pytest.mark.parametrize(
    ("site", "path", "status"),
    [
        ("open", "/robots.txt", 404),
        ("open", "/.well-known/tdmrep.json", 404),
        ("tdmrep-header-meta", "/.well-known/tdmrep.json", 404),
        ("robots-5xx", "/robots.txt", 503),
        ("robots-429", "/robots.txt", 429),
        ("tdmrep-5xx", "/robots.txt", 404),
        ("tdmrep-5xx", "/.well-known/tdmrep.json", 500),
        ("tdmrep-429", "/.well-known/tdmrep.json", 429),
        ("tdmrep-loop", "/.well-known/tdmrep.json", 302),
        ("tdmrep-redirect", "/.well-known/tdmrep.json", 301),
        ("tdmrep-soft404", "/robots.txt", 403),
        ("tdmrep-soft404", "/.well-known/tdmrep.json", 200),
        ("tdmrep-invalid-values", "/robots.txt", 410),
        ("redirects", "/robots.txt", 301),
        ("redirects", "/robots-real.txt", 200),
        ("redirects", "/gone", 404),
        ("redirects", "/boom", 500),
        ("ai-agents", "/robots.txt", 200),
        ("aipref", "/robots.txt", 200),
        ("rsl", "/robots.txt", 200),
        ("rsl", "/license.xml", 200),
        ("rsl", "/paid.xml", 200),
        ("rsl", "/free.xml", 200),
        ("rsl", "/licence-terms.html", 404),
        ("documents", "/.well-known/tdmrep.json", 200),
        ("tdmrep-file", "/policy.json", 200),
        ("tdmrep-file", "/other-policy.json", 200),
    ],
)
def test_policy_files_answer_as_described(
    fixture_server: FixtureServer, site: str, path: str, status: int
) -> None:
    got = fetch(fixture_server.url(site, path), follow=False)
    assert got.status == status
    assert not find_markers(got.body) or path == "/boom"


def test_the_real_sites_exercise_what_they_claim(fixture_server: FixtureServer) -> None:
    def get(site: str, path: str) -> Fetched:
        return fetch(fixture_server.url(site, path))

    gz = get("open", "/gz.html")
    assert gz.values("Content-Encoding") == ["gzip"]
    for site, path in (("open", "/cp1252.html"), ("tdmrep-header-meta", "/cp1252-meta.html")):
        page = get(site, path)
        assert page.header("Content-Type") == "text/html; charset=windows-1252"
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        assert "\u20ac" in page.body.decode("cp1252")
    assert get("open", "/readme.txt").header("Content-Type") == "text/plain; charset=utf-8"

    headers = {
        "/conflicting-headers.html": ["1", "0"],
        "/same-repeated.html": ["1", "1"],
        "/header-reserved.html": ["1"],
        "/header0-meta1.html": ["0"],
    }
    for path, values in headers.items():
        assert get("tdmrep-header-meta", path).values("tdm-reservation") == values, path
    _, raw_headers = raw_get(fixture_server, "tdmrep-header-meta", "/header-case.html")
    assert ("TDM-Reservation", "1") in raw_headers
    assert get("tdmrep-header-meta", "/meta-gzip.html").values("Content-Encoding") == ["gzip"]
    assert get("tdmrep-file", "/premium/gz-article.html").values("Content-Encoding") == ["gzip"]

    origin = fixture_server.origin("tdmrep-file")
    rules = json.loads(get("tdmrep-file", "/.well-known/tdmrep.json").body)
    assert rules[0] == {
        "location": "/premium/",
        "tdm-reservation": 1,
        "tdm-policy": f"{origin}/policy.json",
    }
    assert json.loads(get("tdmrep-file", "/policy.json").body)["uid"] == f"{origin}/policy.json"
    assert get("tdmrep-file", "/premium/lifted-by-header").values("tdm-reservation") == ["0"]

    robots = get("invalid-files", "/robots.txt").body
    with pytest.raises(UnicodeDecodeError):
        robots.decode("utf-8")
    assert b"\nDisallow: /hidden/\n" in robots
    assert isinstance(json.loads(get("invalid-files", "/.well-known/tdmrep.json").body), dict)
    soft = get("tdmrep-soft404", "/.well-known/tdmrep.json")
    assert soft.header("Content-Type") == "text/html; charset=utf-8"
    redirected = get("tdmrep-redirect", "/.well-known/tdmrep.json")
    assert json.loads(redirected.body) == [{"location": "/members/", "tdm-reservation": 1}]
    assert get("robots-rules", "/robots.txt").body.count(b"User-agent:") == 5


def test_the_protocol_sites_exercise_what_they_claim(fixture_server: FixtureServer) -> None:
    from tdm_crawler.policy.odrl import PolicySummary, parse_policy
    from tdm_crawler.policy.rsl import RslDocument, parse_rsl

    def get(site: str, path: str) -> Fetched:
        return fetch(fixture_server.url(site, path))

    robots = get("ai-agents", "/robots.txt").body.decode()
    for line in ("User-agent: GPTBot", "User-agent: CCBot\nUser-agent: Google-Extended"):
        assert line in robots
    assert "User-agent: tdm-crawler\nDisallow: /not-for-us/" in robots

    assert get("noai", "/header-ours.html").values("X-Robots-Tag") == ["tdm-crawler: noai"]
    assert get("noai", "/header-repeated.html").values("X-Robots-Tag") == ["noindex", "NoAI"]
    both = get("noai", "/tdmrep0-and-noai.html")
    assert (both.values("tdm-reservation"), both.values("X-Robots-Tag")) == (["0"], ["noai"])
    image = get("noai", "/images/noimageai.png")
    assert image.header("Content-Type") == "image/png" and image.body.startswith(b"\x89PNG")
    assert image.values("X-Robots-Tag") == ["noimageai"]

    assert get("aipref", "/usage-n.html").values("Content-Usage") == ["train-ai=n"]
    assert get("aipref", "/signal-no.html").values("Content-Signal") == ["ai-train=no"]
    assert b"Content-Usage: /no-train/ train-ai=n" in get("aipref", "/robots.txt").body

    origin = fixture_server.origin("rsl")
    assert f"License: {origin}/license.xml".encode() in get("rsl", "/robots.txt").body
    paid_link = get("rsl", "/linked-paid.html").header("Link")
    assert paid_link == f'<{origin}/paid.xml>; rel="license"; type="application/rsl+xml"'
    for name in ("license", "paid", "free"):
        url = f"{origin}/{name}.xml"
        parsed = parse_rsl(get("rsl", f"/{name}.xml").body, url=url)
        assert isinstance(parsed, RslDocument) and parsed.contents and not parsed.problems

    docs = {
        "/pdf/reserved.pdf": ("application/pdf", b"%PDF-"),
        "/pdf/truncated.pdf": ("application/pdf", b"%PDF-"),
        "/epub/reserved.epub": ("application/epub+zip", b"PK\x03\x04"),
        "/epub/bomb.epub": ("application/epub+zip", b"PK\x03\x04"),
    }
    for path, (content_type, magic) in docs.items():
        got = get("documents", path)
        assert (got.header("Content-Type"), got.body[:5].startswith(magic)) == (content_type, True)
    assert b"%%EOF" not in get("documents", "/pdf/truncated.pdf").body

    for name in ("policy", "other-policy"):
        url = fixture_server.url("tdmrep-file", f"/{name}.json")
        policy = parse_policy(get("tdmrep-file", f"/{name}.json").body, url=url)
        assert isinstance(policy, PolicySummary) and not policy.problems, name
        assert policy.assigner.name and policy.assigner.email
        (permission,) = policy.permissions
        assert permission.purposes == ("research",)
        assert "obtainConsent" in [duty.action for duty in permission.duties]
