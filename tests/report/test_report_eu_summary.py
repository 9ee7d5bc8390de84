"""``tdm-crawl report DIR... --eu-summary``: the domain list against one computed by hand,
the SME cut-off, several crawls merged, the collection period, the counts, safe Markdown,
and the files it refuses to overwrite."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from tdm_crawler.cli import main
from tdm_crawler.report import domains
from tdm_crawler.report.domains import registrable_domain
from tdm_crawler.report.eu_summary import relevant_count
from tdm_crawler.store import CrawlDir, DecisionLog, HttpExchange, WarcWriter
from tdm_crawler.store.manifest import build_manifest, save_manifest
from tests.markdown import rendered
from tests.paths import DATA

OLD_CRAWL = DATA / "crawl-0.1.0"
WHEN = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Page:
    """A stored response of ``size`` body bytes."""

    url: str
    size: int
    content_type: str = "text/html; charset=utf-8"


def make_crawl(
    out: Path,
    pages: Sequence[Page],
    *,
    refused: Sequence[tuple[str, str, str]] = (),
    started: str = "2026-01-01T00:00:00Z",
    finished: str | None = "2026-01-02T00:00:00Z",
    manifest: dict[str, Any] | None = None,
) -> Path:
    """A crawl directory written with the store's own writers: ``pages`` stored, and
    ``refused`` as ``(url, decision, reason)`` records with nothing stored."""
    crawl = CrawlDir(out)
    writer = WarcWriter(crawl.content, "content", crawl_id="c", software="test")
    with DecisionLog(crawl.decisions) as log:
        for page in pages:
            stored = writer.write_exchange(
                HttpExchange(
                    url=page.url,
                    status=200,
                    response_headers=[("Content-Type", page.content_type)],
                    body=b"x" * page.size,
                    fetched_at=WHEN,
                )
            )
            log.write(
                record(
                    page.url, "allowed", "no-reservation", stored.record_id, stored.payload_sha256
                )
            )
        for url, decision, reason in refused:
            log.write(record(url, decision, reason))
    writer.close()
    fields = {
        "agent": "ExampleBot",
        "user_agent": "ExampleBot/0.1.0 (+mailto:ops@example.org)",
        "profile": {"purpose": "ai-training", "operator": "commercial", "region": None},
        **(manifest or {}),
    }
    data = build_manifest(
        crawl_id="c",
        status="finished" if finished else "interrupted",
        started_at=started,
        finished_at=finished,
        seeds=[],
        settings={"TDM_AGENT": "ExampleBot", "TDM_CONTACT": "mailto:ops@example.org"},
        **fields,
    )
    save_manifest(crawl, data, seal=True)
    return out


def record(
    url: str, decision: str, reason: str, warc_id: str | None = None, sha: str | None = None
) -> dict[str, Any]:
    return {
        "url": url,
        "final_url": url,
        "status": 200 if warc_id else None,
        "decision": decision,
        "reason": reason,
        "purpose": "ai-training",
        "tdm_reservation": None,
        "tdm_policy": None,
        "signals": [],
        "stored": warc_id is not None,
        "content_sha256": sha,
        "warc_record_id": warc_id,
        "fetched_at": "2026-01-01T12:00:00.000000Z",
        "crawl_id": "c",
        "evidence": None,
    }


#: Crawl A's and crawl B's stored pages. By hand, per registrable domain (PSL, private
#: suffixes included): bbc.co.uk 6000 + 1500 (B) = 7500; alice.github.io 7000;
#: example.com 3000 + 4000 (B) = 7000; bob.github.io 2000; 127.0.0.1 100; and the 20
#: filler domains site00.de..site19.de, 10..200 bytes. 25 domains in all.
A_PAGES = [
    Page("https://www.bbc.co.uk/news/1", 2500),
    Page("https://www.bbc.co.uk/news/2", 3500),
    Page("https://alice.github.io/", 7000),
    Page("https://bob.github.io/post", 2000, "text/plain"),
    Page("https://example.com/a.png", 3000, "image/png"),
    Page("http://127.0.0.1:8080/", 100),
]
B_PAGES = [
    Page("https://news.bbc.co.uk/x", 1500),
    Page("https://cdn.example.com/b.pdf", 4000, "application/pdf"),
    *(Page(f"https://www.site{n:02d}.de/", 10 * (n + 1)) for n in range(20)),
]
#: The top 10 % of 25 domains (3, rounded up), largest first, a tie in name order.
TOP = [("bbc.co.uk", 3), ("alice.github.io", 1), ("example.com", 2)]
#: The top 5 % of 25 (2, rounded up).
TOP_SME = TOP[:2]


@pytest.fixture
def two_crawls(tmp_path: Path) -> tuple[Path, Path]:
    a = make_crawl(
        tmp_path / "a",
        A_PAGES,
        refused=[
            ("https://www.bbc.co.uk/private", "disallowed", "robots-disallow"),
            ("https://www.bbc.co.uk/secret", "disallowed", "robots-disallow"),
            ("https://example.com/r", "reserved", "tdmrep-file"),
        ],
        started="2026-01-01T00:00:00Z",
        finished="2026-01-02T00:00:00Z",
    )
    b = make_crawl(
        tmp_path / "b",
        B_PAGES,
        refused=[
            ("https://news.bbc.co.uk/p", "disallowed", "robots-disallow"),
            ("https://cdn.example.com/u", "reserved", "content-usage"),
        ],
        started="2025-12-31T10:00:00Z",
        finished="2026-01-05T00:00:00Z",
    )
    return a, b


def summary(tmp_path: Path, *args: str) -> str:
    out = tmp_path / "EU-SUMMARY.md"
    assert main(["report", *args, "--eu-summary", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def section(text: str, heading: str) -> str:
    return text.split(f"{heading}\n", 1)[1].split("\n#", 1)[0]


def table(text: str, heading: str) -> list[list[str]]:
    """The cells of the first pipe table of the section under ``heading``."""
    block = section(text, heading).split("\n|", 1)[1].split("\n\n", 1)[0]
    lines = ("|" + block).splitlines()
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[2:]]


def listed(text: str) -> list[tuple[str, int]]:
    """``(domain, responses)`` of the domain list, in rank order."""
    rows = table(text, "### Most relevant domain names")
    assert [int(row[0]) for row in rows] == list(range(1, len(rows) + 1))
    return [(row[1].strip("`"), int(row[4])) for row in rows]


def test_the_domain_list_is_the_hand_computed_one(
    tmp_path: Path, two_crawls: tuple[Path, Path]
) -> None:
    a, b = two_crawls
    text = summary(tmp_path, str(a), str(b))
    assert listed(text) == TOP
    assert "3 of 25 domain names: the top 10 %" in text
    (bbc,) = [
        row for row in table(text, "### Most relevant domain names") if row[1] == "`bbc.co.uk`"
    ]
    assert bbc[2] == "7.3 KiB"  # 7500 bytes
    total = 7500 + 7000 + 7000 + 2000 + 100 + sum(10 * (n + 1) for n in range(20))
    assert bbc[3] == f"{100 * 7500 / total:.1f} %"


def test_sme_lists_the_top_5_percent(tmp_path: Path, two_crawls: tuple[Path, Path]) -> None:
    a, b = two_crawls
    out = tmp_path / "sme.md"
    assert main(["report", str(a), str(b), "--eu-summary", str(out), "--sme"]) == 0
    text = out.read_text(encoding="utf-8")
    assert listed(text) == TOP_SME
    assert "2 of 25 domain names: the top 5 %" in text and "at most 1,000" in text


def test_the_sme_share_is_capped_at_1000() -> None:
    assert [relevant_count(n, sme=False) for n in (0, 1, 9, 10, 11, 25)] == [0, 1, 1, 1, 2, 3]
    assert [relevant_count(n, sme=True) for n in (0, 1, 20, 21, 25)] == [0, 1, 1, 2, 2]
    assert relevant_count(19_999, sme=True) == 1000
    assert relevant_count(30_000, sme=True) == 1000
    assert relevant_count(30_000, sme=False) == 3000


def test_one_crawl_alone_lists_its_own_domains(
    tmp_path: Path, two_crawls: tuple[Path, Path]
) -> None:
    a, _ = two_crawls
    # Crawl A alone, by hand: alice.github.io 7000, bbc.co.uk 6000, example.com 3000,
    # bob.github.io 2000, 127.0.0.1 100: 5 domains, the top one listed.
    text = summary(tmp_path, str(a))
    assert listed(text) == [("alice.github.io", 1)]


def test_several_crawls_are_merged_period_and_counts(
    tmp_path: Path, two_crawls: tuple[Path, Path]
) -> None:
    a, b = two_crawls
    text = summary(tmp_path, str(a), str(b))
    period = section(text, "### Period of data collection")
    assert "From `2025-12-31T10:00:00Z` to `2026-01-05T00:00:00Z`" in period
    assert "Not every crawl finished" not in period
    measures = {
        row[2].strip("`"): int(row[3])
        for row in table(
            text, "## 3.1 Respect of reservations of rights: measures taken during collection"
        )
    }
    stored = len(A_PAGES) + len(B_PAGES)
    assert measures == {
        "no-reservation": stored,
        "robots-disallow": 3,
        "tdmrep-file": 1,
        "content-usage": 1,
    }
    assert f"Of {stored + 5:,} URLs, 5 were kept out" in text
    (crawler,) = table(text, "### Crawlers used")
    assert crawler[0] == "`ExampleBot`" and crawler[-1] == "2"  # one crawler, in both
    # By hand: A has 5 text pages (HTML and plain text) and a PNG; B 22 text (PDF too).
    modalities = {row[0]: int(row[1]) for row in table(text, "### Types of content and sources")}
    assert modalities == {"text": 27, "image": 1}
    kinds = section(text, "### Types of content and sources")
    assert "| `application/pdf` | text | 1 | 3.9 KiB |" in kinds
    assert "| `image/png` | image | 1 | 2.9 KiB |" in kinds


def test_an_unfinished_crawl_is_said_so(tmp_path: Path) -> None:
    crawl = make_crawl(tmp_path / "c", [Page("https://example.com/", 10)], finished=None)
    text = summary(tmp_path, str(crawl))
    assert "Not every crawl finished" in section(text, "### Period of data collection")


def test_the_file_says_what_it_does_not_fill(tmp_path: Path, two_crawls: tuple[Path, Path]) -> None:
    text = summary(tmp_path, str(two_crawls[0]))
    missing = section(text, "## Not filled here")
    for part in ("Section 1", "2.1, 2.2, 2.4, 2.5 and 2.6", "Section 3.2"):
        assert part in missing


def test_site_and_manifest_values_cannot_become_markup(tmp_path: Path) -> None:
    hostile = "text/html<script>alert(1)</script>"
    crawl = make_crawl(
        tmp_path / "c",
        [Page("https://a_b*c.example/", 10, hostile)],
        manifest={"user_agent": "Bot/1 (+[x](javascript:alert(1)) <img src=x>)"},
    )
    text = summary(tmp_path, str(crawl))
    html = rendered(text)
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<code>text/html&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html
    assert "<code>a_b*c.example</code>" in html  # listed, as it is, in a code span


def test_an_existing_file_is_never_overwritten(
    tmp_path: Path, two_crawls: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "EU.md"
    out.write_text("mine")
    assert main(["report", str(two_crawls[0]), "--eu-summary", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "exists" in err
    assert out.read_text() == "mine"
    assert not (two_crawls[0] / "report.html").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sme"], "--sme applies to --eu-summary only"),
        (["{b}"], "give one DIR"),
        (["{b}", "--eu-summary", "{tmp}/x.md", "--datasheet", "{tmp}/d.md"], "give one DIR"),
        (["{tmp}/nothing", "--eu-summary", "{tmp}/x.md"], "not a directory"),
    ],
)
def test_usage_errors(
    tmp_path: Path,
    two_crawls: tuple[Path, Path],
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a, b = two_crawls
    argv = ["report", str(a), *(x.format(b=b, tmp=tmp_path) for x in extra)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert not (tmp_path / "x.md").exists()


def test_a_real_crawl_counts_every_stored_response_and_byte(tmp_path: Path) -> None:
    """The fixture crawl of release 0.1.0 (one host, 127.0.0.1), counted here with warcio
    and the decision log directly, not with the summary's code."""
    stored = sum(
        json.loads(line)["stored"]
        for line in (OLD_CRAWL / "decisions.jsonl").read_text(encoding="utf-8").splitlines()
    )
    size = 0
    for path in sorted((OLD_CRAWL / "content").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for warc in ArchiveIterator(stream):
                if warc.rec_type == "response":
                    size += len(warc.raw_stream.read())
    text = summary(tmp_path, str(OLD_CRAWL))
    assert listed(text) == [("127.0.0.1", stored)]
    assert f"{stored:,} stored" in text
    assert "The content files hold" not in text  # responses and stored records agree
    assert f"{size:,} bytes" in text or f"{size / 1024:,.1f} KiB" in text


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("WWW.Example.COM.", "example.com"),
        ("alice.github.io", "alice.github.io"),
        ("a.b.c.example.org", "example.org"),
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "[::1]"),
        ("localhost", "localhost"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
        ("co.uk", "co.uk"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Every name look-up and connection attempted, refused."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield attempts


def test_the_public_suffix_list_is_read_without_the_network(no_network: list[object]) -> None:
    domains._extractor.cache_clear()
    domains.registrable_domain.cache_clear()
    assert registrable_domain("news.example.co.uk") == "example.co.uk"
    assert no_network == []
    assert re.fullmatch(
        r"the Public Suffix List snapshot of tldextract [\d.]+", domains.psl_snapshot()
    )


def test_a_distributed_crawl_is_read_with_all_its_workers(tmp_path: Path) -> None:
    top = CrawlDir(tmp_path / "dist")
    make_crawl(
        top.worker("w1").root, [Page("https://a.example.com/", 300)], started="2026-02-01T00:00:00Z"
    )
    make_crawl(
        top.worker("w2").root,
        [Page("https://b.example.com/", 200), Page("https://c.example.net/", 100)],
        started="2026-02-01T00:00:00Z",
    )
    manifest = build_manifest(
        crawl_id="c",
        status="finished",
        started_at="2026-01-31T00:00:00Z",
        finished_at="2026-02-03T00:00:00Z",
        seeds=[],
        settings={"TDM_AGENT": "ExampleBot", "USER_AGENT": "ExampleBot/0.1.0"},
        distributed=True,
        workers_dir="workers",
    )
    save_manifest(top, manifest)
    text = summary(tmp_path, str(top.root))
    # By hand: example.com 300 + 200, example.net 100: 2 domains, the top one listed.
    assert listed(text) == [("example.com", 2)]
    assert "From `2026-01-31T00:00:00Z` to `2026-02-03T00:00:00Z`" in text
    (crawler,) = table(text, "### Crawlers used")
    assert crawler[-1] == "1"  # the workers' one crawler, for the one directory given
