"""Sitemaps: urlsets, indexes, gzip, the image and news extensions; bad XML, entity
attacks and bombs refused; caps; relative and other-origin URLs dropped."""

from __future__ import annotations

import gzip

import pytest

from tdm_crawler.policy.robots_records import RobotsRecords, sitemap_urls
from tdm_crawler.policy.sitemaps import Sitemap, read_sitemap

SITE = "https://e.org"
URL = f"{SITE}/sitemap.xml"
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
IMAGE = 'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"'
NEWS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'


def urlset(*entries: str, attrs: str = NS) -> bytes:
    head = '<?xml version="1.0" encoding="UTF-8"?>'
    return f"{head}<urlset {attrs}>{''.join(entries)}</urlset>".encode()


def url(loc: str, extra: str = "") -> str:
    return f"<url><loc>{loc}</loc><lastmod>2026-01-02</lastmod>{extra}</url>"


def read(body: bytes, *, at: str = URL, max_bytes: int = 1 << 20, max_urls: int = 100) -> Sitemap:
    return read_sitemap(at, body, max_bytes=max_bytes, max_urls=max_urls)


CASES = [
    pytest.param(
        urlset(url(f"{SITE}/a"), url(f"  {SITE}/b\n "), url(f"{SITE}/a")),
        Sitemap("urlset", (f"{SITE}/a", f"{SITE}/b")),
        id="urlset-trimmed-each-once",
    ),
    pytest.param(
        f"<sitemapindex {NS}><sitemap><loc>{SITE}/s1.xml</loc></sitemap>"
        f"<sitemap><loc>{SITE}/s2.xml.gz</loc></sitemap></sitemapindex>".encode(),
        Sitemap("index", (f"{SITE}/s1.xml", f"{SITE}/s2.xml.gz")),
        id="index",
    ),
    pytest.param(
        urlset(url(f"{SITE}/a"), attrs=""),
        Sitemap("urlset", (f"{SITE}/a",)),
        id="no-namespace",
    ),
    pytest.param(
        urlset(
            url(
                f"{SITE}/gallery",
                f"<image:image><image:loc>{SITE}/p.jpg</image:loc>"
                "<image:caption>x</image:caption></image:image>",
            ),
            attrs=f"{NS} {IMAGE}",
        ),
        Sitemap("urlset", (f"{SITE}/gallery", f"{SITE}/p.jpg")),
        id="image-extension",
    ),
    pytest.param(
        urlset(
            url(
                f"{SITE}/story",
                "<news:news><news:publication><news:name>E</news:name>"
                "</news:publication><news:title>T</news:title></news:news>",
            ),
            attrs=f"{NS} {NEWS}",
        ),
        Sitemap("urlset", (f"{SITE}/story",)),
        id="news-sitemap-pages",
    ),
    pytest.param(
        urlset(url("/relative"), url("ftp://e.org/f"), url(""), url(f"{SITE}/ok")),
        Sitemap("urlset", (f"{SITE}/ok",), ("3 URLs dropped: relative or not http(s)",)),
        id="relative-and-other-schemes-dropped",
    ),
    pytest.param(
        urlset(
            url("https://other.org/x"),
            url("http://e.org/x"),
            url("https://e.org:8443/x"),
            url("https://E.org:443/y"),
        ),
        Sitemap("urlset", ("https://E.org:443/y",), ("3 URLs dropped: on another origin",)),
        id="other-origins-dropped",
    ),
    pytest.param(
        urlset(url("https://e.org:99999/x"), url(f"{SITE}/ok")),
        Sitemap("urlset", (f"{SITE}/ok",), ("1 URLs dropped: relative or not http(s)",)),
        id="invalid-port",
    ),
    pytest.param(
        b"<rss><channel><item><link>https://e.org/a</link></item></channel></rss>",
        Sitemap("invalid", (), ("not a sitemap: the root element is <rss>",)),
        id="not-a-sitemap",
    ),
]


@pytest.mark.parametrize(("body", "expected"), CASES)
def test_what_a_sitemap_names(body: bytes, expected: Sitemap) -> None:
    assert read(body) == expected


def test_a_gzipped_sitemap_reads_as_the_plain_one() -> None:
    body = urlset(url(f"{SITE}/a"), url(f"{SITE}/b"))
    assert read(gzip.compress(body), at=f"{SITE}/s.xml.gz") == read(body)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    b"<urlset><url><loc>https://e.org/&c;</loc></url></urlset>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b"<urlset><url><loc>https://e.org/&x;</loc></url></urlset>"
)


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        pytest.param(BILLION_LAUGHS, "declares entities", id="billion-laughs"),
        pytest.param(XXE, "declares entities", id="xxe"),
        pytest.param(b"<urlset><url><loc>https://e.org/a</loc></url>", "malformed", id="bad-xml"),
        pytest.param(b"", "empty", id="empty"),
        pytest.param(b"https://e.org/a\nhttps://e.org/b\n", "malformed", id="text-file"),
        pytest.param(gzip.compress(b"x" * 5000), "over 4096 bytes", id="gzip-bomb"),
        pytest.param(gzip.compress(urlset(url(f"{SITE}/a")))[:-12], "cut short", id="torn-gzip"),
        pytest.param(b"\x1f\x8b not gzip at all", "not a gzip stream", id="bad-gzip"),
        pytest.param(b"<urlset>" + b" " * 5000 + b"</urlset>", "larger than", id="over-cap"),
    ],
)
def test_what_is_refused_names_nothing(body: bytes, problem: str) -> None:
    sitemap = read(body, max_bytes=4096)
    assert (sitemap.kind, sitemap.urls) == ("invalid", ())
    (said,) = sitemap.problems
    assert said.startswith("not read: ") and problem in said, said


def test_a_gzip_bomb_is_not_inflated_past_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024))  # 64 MiB of zeros in ~64 KiB
    assert len(bomb) < 100_000
    sitemap = read(bomb, max_bytes=1 << 20)
    assert sitemap.kind == "invalid" and "once decompressed" in sitemap.problems[0]


def test_the_url_cap_keeps_the_first_urls() -> None:
    body = urlset(*(url(f"{SITE}/{n}") for n in range(10)), url(f"{SITE}/0"))
    assert read(body, max_urls=3) == Sitemap(
        "urlset", (f"{SITE}/0", f"{SITE}/1", f"{SITE}/2"), ("7 URLs dropped: over the URL cap",)
    )
    assert read(body, max_urls=0).urls == ()


def test_robots_txt_names_sitemaps_anywhere_resolved_against_it() -> None:
    records = RobotsRecords.parse(
        "Sitemap: https://e.org/s1.xml\nUser-agent: *\nDisallow: /x\nSitemap: /s2.xml.gz\n"
        "site-map: https://e.org/s1.xml\nUser-agent: other\nSitemap: https://cdn.e.org/s3.xml\n"
    )
    assert sitemap_urls(records, "https://e.org/robots.txt") == (
        "https://e.org/s1.xml",
        "https://e.org/s2.xml.gz",
        "https://cdn.e.org/s3.xml",
    )
    assert records.access_rule("*", "https://e.org/x") == ("disallow", "/x"), "still one group"
