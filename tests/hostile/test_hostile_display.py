"""Site data shown to people never acts as markup there: the datasheet a publisher renders,
the CSV a spreadsheet opens, the terminal that shows ``check`` and the crawl's log.

One hostile origin puts the same payload everywhere it can — HTML (``<script>``), a
Markdown link to ``javascript:``, ``ESC[2J`` (clear the screen), an 8-bit CSI (``\\x9b``),
a right-to-left override, a spreadsheet formula — into a response header
(``X-Robots-Tag``), the page title, the name of the ``tdm-policy`` assigner, and the URL
of a second ``tdm-policy`` that does not exist (so the crawl logs it). Crawled, reported
and checked by real ``tdm-crawl`` processes.
"""

from __future__ import annotations

import csv
import json
import re
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.crawling import tdm_crawl
from tests.hostile import rawserver as raw
from tests.markdown import rendered

PAYLOAD = (
    "<script>alert(1)</script> [click](javascript:alert(1)) \x1b[2J \x9b31m "
    "\u202eevil\u202c =cmd|' /C calc'!A0"
)
#: What a terminal would act on: C0 but tab and line feed, DEL, C1, bidi controls.
ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FAST = [
    "--allow-private-networks",
    "--set", "AUTOTHROTTLE_ENABLED=False",
    "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]",
]  # fmt: skip


def _policy(origin: str) -> bytes:
    return json.dumps(
        {
            "@context": [
                "http://www.w3.org/ns/odrl.jsonld",
                {"vcard": "http://www.w3.org/2006/vcard/ns#"},
            ],
            "@type": "Offer",
            "profile": "http://www.w3.org/ns/tdmrep",
            "uid": f"{origin}/policy.json",
            "assigner": {"vcard:fn": PAYLOAD},
            "permission": [{"target": f"{origin}/", "action": "tdm:mine"}],
        }
    ).encode()


def _page(origin: list[str], policy: str) -> raw.Behaviour:
    """The page; its headers name ``policy`` on the origin, known once it listens."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("tdm-reservation", "1"),
            ("tdm-policy", (origin[0] + policy).encode()),
            ("X-Robots-Tag", f"noindex, {PAYLOAD}".encode()),
        ]
        meta = f'<meta name="robots" content="noindex, {PAYLOAD}">'
        body = f"<html><head><title>{PAYLOAD}</title>{meta}</head><body>x</body></html>"
        raw.respond(200, headers, body.encode())(conn, stop)

    return behaviour


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[raw.RawServer, list[str]]]:
    origin: list[str] = []
    routes = {
        "/robots.txt": raw.respond(200, [("Content-Type", "text/plain")], b"User-agent: *\n"),
        "/page.html": _page(origin, "/policy.json"),
        "/missing.html": _page(origin, f"/missing-{PAYLOAD}.json"),
    }
    routes["/policy.json"] = lambda conn, stop: raw.respond(
        200, [("Content-Type", "application/json")], _policy(origin[0])
    )(conn, stop)
    with raw.RawServer({"hd": routes}) as server:
        origin.append(server.origin("hd"))
        yield server, [server.url("hd", "/page.html"), server.url("hd", "/missing.html")]


@pytest.fixture(scope="module")
def crawled(
    site: tuple[raw.RawServer, list[str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str]:
    """The crawl directory and the crawl's whole log (DEBUG: every line Scrapy writes)."""
    out = tmp_path_factory.mktemp("display") / "crawl"
    _, seeds = site
    result = tdm_crawl(
        "crawl", *seeds, "--out", str(out), "--max-depth", "0", *FAST,
        "--set", "LOG_LEVEL=DEBUG", "--set", "TDM_PROGRESS=off",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stderr


def test_the_crawl_log_shows_site_data_escaped(crawled: tuple[Path, str]) -> None:
    _, log = crawled
    assert ACTING.findall(log) == []
    # The missing policy is logged with its URL (a header, read as Latin-1): the
    # payload is there, escaped.
    assert "missing-<script>alert(1)</script>" in log
    assert "\\u001b[2J" in log and "\\u009b31m" in log


def test_the_datasheet_renders_none_of_a_sites_markup(crawled: tuple[Path, str]) -> None:
    out, _ = crawled
    sheet = out.parent / "DATASHEET.md"
    table = out.parent / "urls.csv"
    result = tdm_crawl("report", str(out), "--datasheet", str(sheet), "--csv", str(table))
    assert result.returncode == 0, result.stderr
    text = sheet.read_text(encoding="utf-8")
    assert ACTING.findall(text) == []
    assert "<script" not in text and "](javascript" not in text
    html = rendered(text)
    assert "<script" not in html and "<a " not in html, "no element, no link from the site"
    shown = "&lt;script&gt;alert(1)&lt;/script&gt; [click](javascript:alert(1)) [2J 31m evil"
    assert shown in html, "the assigner's name shown as the text it is"
    rows = list(csv.DictReader(table.open(encoding="utf-8", newline="")))
    assert {row["decision"] for row in rows} == {"reserved"}
    for row in rows:
        assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row.values())


@pytest.mark.parametrize("mode", [[], ["--json"]], ids=["explained", "json"])
def test_check_shows_site_data_escaped(
    site: tuple[raw.RawServer, list[str]], mode: list[str]
) -> None:
    _, seeds = site
    result = tdm_crawl("check", seeds[0], *mode, *FAST)
    assert result.returncode == 0, result.stderr[-2000:]
    assert ACTING.findall(result.stdout) == [] and ACTING.findall(result.stderr) == []
    assert "<script>alert(1)</script>" in result.stdout  # shown, as text, not hidden
    if mode:
        record = json.loads(result.stdout)  # still JSON: the escapes are JSON's own
        details = " ".join(str(signal["detail"]) for signal in record["signals"])
        assert "\x1b[2J" in details and "\u202eevil" in details
    else:
        assert "\\u001b[2J" in result.stdout and "\\u202eevil" in result.stdout
