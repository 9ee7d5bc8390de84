"""``tdm-crawl attribution`` and ``tdm-crawl ledger`` on a crawl of the licensed fixture
sites, and their one-line refusals."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tests.paths import DATA

OLD = DATA / "crawl-0.1.0"

#: Works whose licence requires credit, by site (class open or restricted, a licence
#: with the attribution flag): every one of the licenses site's but the public-domain,
#: partial, other and unstated pages; four of the credits site's.
CREDITED = {
    "licenses": {
        "/head-link.html": "CC-BY-4.0",
        "/header-link.html": "CC-BY-SA-4.0",
        "/footer-chooser.html": "CC-BY-NC-SA-4.0",
        "/body-link.html": "CC-BY-ND-3.0",
        "/json-ld-graph.html": "CC-BY-4.0",
        "/microdata.html": "CC-BY-SA-3.0-DE",
        "/rdfa.html": "CC-BY-4.0",
        "/meta.html": "CC-BY-SA-4.0",
        "/conflict.html": "CC-BY-4.0",
        "/url-variants.html": "CC-BY-4.0",
        "/gfdl.html": "GFDL-1.3-only",
        "/broken.html": "CC-BY-SA-4.0",
        "/paper.pdf": "CC-BY-4.0",
        "/book.epub": "CC-BY-SA-4.0",
    },
    "credits": {
        "/attribution-name.html": "CC-BY-4.0",
        "/json-ld-author.html": "CC-BY-SA-4.0",
        "/meta-author.html": "CC-BY-NC-4.0",
        "/no-author.html": "CC-BY-4.0",
    },
}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.e2e
def test_attribution_lists_every_work_to_credit(
    licensed_crawl: Path, fixture_server: FixtureServer, tmp_path: Path
) -> None:
    out = tmp_path / "release"
    assert main(["attribution", str(licensed_crawl), "--out", str(out)]) == 0
    rows = {row["url"]: row for row in read_csv(out / "ATTRIBUTION.csv")}
    expected = {
        fixture_server.url(site, path): licence
        for site, paths in CREDITED.items()
        for path, licence in paths.items()
    }
    assert {url: row["license_id"] for url, row in rows.items()} == expected
    credit = {path: rows[fixture_server.url("credits", path)] for path in CREDITED["credits"]}
    assert (
        credit["/attribution-name.html"]["author"],
        credit["/attribution-name.html"]["author_found_in"],
    ) == (
        "Ada Lovelace",
        "cc:attributionName",
    )
    assert credit["/json-ld-author.html"]["author"] == "Grace Hopper, Alan Turing"
    assert credit["/meta-author.html"]["author"] == "Katherine Johnson"
    assert (credit["/no-author.html"]["author"], credit["/no-author.html"]["author_found_in"]) == (
        "",
        "",
    )
    # a title that would be a formula is shown as text
    assert credit["/json-ld-author.html"]["title"].startswith("'=HYPERLINK(")
    by_sa = credit["/json-ld-author.html"]
    assert (by_sa["license_name"], by_sa["license_url"], by_sa["share_alike"]) == (
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
        "yes",
    )
    assert credit["/no-author.html"]["share_alike"] == "no"
    assert rows[fixture_server.url("licenses", "/paper.pdf")]["title"] == ""
    text = (out / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert "# Attribution: web corpus " in text
    assert "18 works in this corpus" in text
    assert "## Creative Commons Attribution 4\\.0 International (CC\\-BY\\-4\\.0)" in text
    assert "Ada Lovelace" in text and "*author not found*" in text
    assert "[see](" not in text and "<script>" not in text and "javascript:" not in text


@pytest.mark.e2e
def test_attribution_never_overwrites(
    licensed_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ATTRIBUTION.md").write_text("mine")
    assert main(["attribution", str(licensed_crawl), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "ATTRIBUTION.md exists" in err[0]
    assert not (tmp_path / "ATTRIBUTION.csv").exists()
    assert (tmp_path / "ATTRIBUTION.md").read_text() == "mine"


@pytest.mark.e2e
def test_ledger_shares_the_corpus_and_an_amount(
    licensed_crawl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "plain"
    assert main(["ledger", str(licensed_crawl), "--out", str(out)]) == 0
    (row,) = read_csv(out / "LEDGER.csv")  # both fixture origins are on 127.0.0.1
    assert (row["domain"], row["origins"], row["works"]) == ("127.0.0.1", "2", "29")
    assert (row["works_share"], row["words_share"], row["bytes_share"]) == ("1.000000",) * 3
    assert (row["works_open"], row["works_public-domain"], row["works_unstated"]) == (
        "15",
        "4",
        "4",
    )
    assert "amount" not in row
    paid = tmp_path / "paid"
    code = main(
        [
            "ledger",
            str(licensed_crawl),
            "--out",
            str(paid),
            "--amount",
            "1000.00",
            "--currency",
            "USD",
            "--by",
            "bytes",
        ]
    )
    assert code == 0
    (row,) = read_csv(paid / "LEDGER.csv")
    assert (Decimal(row["amount"]), row["currency"]) == (Decimal("1000.00"), "USD")
    assert "1000.00 USD shared by bytes over 1 domains" in capsys.readouterr().out


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--amount", "ten"], "--amount must be a number"),
        (["--amount", "-5"], "--amount must be zero or more"),
        (["--amount", "1.005"], "has more than 2 decimal places"),
        (["--amount", "10", "--currency", "euro"], "--currency must be an ISO 4217 code"),
        (["--amount", "10", "--decimals", "9"], "--decimals must be 0 to 6"),
    ],
)
def test_ledger_refuses_an_amount_it_cannot_share(
    licensed_crawl: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert main(["ledger", str(licensed_crawl), "--out", str(tmp_path), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "LEDGER.csv").exists()


@pytest.mark.parametrize("command", ["attribution", "ledger"])
def test_a_crawl_recorded_without_licences_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, str(OLD), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "recorded without licences (record format 1" in err[0], err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["attribution", "ledger"])
def test_nothing_is_written_into_the_crawl(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crawl = tmp_path / "crawl"
    shutil.copytree(OLD, crawl)
    manifest = crawl / "manifest.json"
    manifest.write_text(
        manifest.read_text().replace('"crawl_id"', '"record_format": 2, "crawl_id"', 1)
    )
    for out in (crawl, crawl / "sub"):
        assert main([command, str(crawl), "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "is inside the crawl directory" in err[0], err
    assert not (crawl / "sub").exists()


@pytest.mark.parametrize("command", ["attribution", "ledger"])
def test_not_a_crawl(command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"tdm-crawl {command}: error: "), err


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("command", "name"), [("attribution", "ATTRIBUTION.csv"), ("ledger", "LEDGER.csv")]
)
def test_a_link_where_a_file_goes_is_refused_and_a_linked_directory_is_used(
    licensed_crawl: Path,
    tmp_path: Path,
    command: str,
    name: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    target = tmp_path / "elsewhere.txt"
    out = tmp_path / "out"
    out.mkdir()
    (out / name).symlink_to(target)  # dangling: a plain open would create the target
    assert main([command, str(licensed_crawl), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{name} exists" in err[0], err
    assert not target.exists()
    real = tmp_path / "real"
    real.mkdir()
    linked = tmp_path / "linked"
    linked.symlink_to(real)
    assert main([command, str(licensed_crawl), "--out", str(linked)]) == 0
    assert (real / name).is_file()
