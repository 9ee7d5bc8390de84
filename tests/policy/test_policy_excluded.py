"""The exclusion lists: the format (table of lines refused, with FILE:LINE) and the matcher
(table of URLs against domains, hosts and URL prefixes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tdm_crawler.policy.excluded import (
    ExcludedSources,
    ExcludeListError,
    load_exclude_lists,
    parse_exclude_list,
)

HEADER = "# source: Test authority, https://authority.example/list\n# date: 2025-09-01\n"

LIST = (
    HEADER
    + """
# persistently infringing
pirate.example
=www.mirror.example          # this host only
https://shop.example/films/
http://shop.example:8080/x?y=
Bücher.example
=[2001:db8::1]
203.0.113.7
"""
)


@pytest.fixture(scope="module")
def sources() -> ExcludedSources:
    return ExcludedSources([parse_exclude_list(LIST, path="lists/a.txt")])


@pytest.mark.parametrize(
    ("url", "entry"),
    [
        ("https://pirate.example/", "pirate.example"),
        ("http://PIRATE.example./a", "pirate.example"),
        ("https://a.b.pirate.example/x", "pirate.example"),
        ("https://pirate.example:8443/x", "pirate.example"),
        ("https://notpirate.example/", None),
        ("https://pirate.example.org/", None),
        ("https://www.mirror.example/", "=www.mirror.example"),
        ("https://mirror.example/", None),
        ("https://a.www.mirror.example/", None),
        ("https://shop.example/films/", "https://shop.example/films/"),
        ("http://shop.example/films/new?page=2", "https://shop.example/films/"),
        ("https://shop.example:443/films/a", "https://shop.example/films/"),
        ("https://shop.example/films", None),
        ("https://shop.example/books/", None),
        ("https://shop.example:8443/films/", None),
        ("http://shop.example:8080/x?y=1", "http://shop.example:8080/x?y="),
        ("http://shop.example:8080/x", None),
        ("https://xn--bcher-kva.example/", "Bücher.example"),
        ("https://www.xn--bcher-kva.example/", "Bücher.example"),
        ("http://[2001:db8::1]:8080/", "=[2001:db8::1]"),
        ("http://[2001:db8:0::1]/", "=[2001:db8::1]"),
        ("http://203.0.113.7/", "203.0.113.7"),
        ("http://1.203.0.113.7.example/", None),
        ("http://113.7/", None),
        ("not a url", None),
        ("http://[::1/", None),
    ],
)
def test_matching(sources: ExcludedSources, url: str, entry: str | None) -> None:
    found = sources.match(url)
    assert (found.entry.written if found else None) == entry


def test_the_signal_names_the_list_and_the_entry(sources: ExcludedSources) -> None:
    found = sources.match("https://a.pirate.example/")
    assert found is not None
    signal = found.signal()
    assert (signal.protocol, signal.source) == ("excluded-source", "domain")
    assert signal.value == {
        "list": "lists/a.txt",
        "source": "Test authority, https://authority.example/list",
        "date": "2025-09-01",
        "sha256": hashlib.sha256(LIST.encode()).hexdigest(),
        "line": 5,
        "entry": "pirate.example",
    }
    assert "line 5 of lists/a.txt" in signal.detail


def test_the_first_list_and_line_that_match_are_named() -> None:
    first = parse_exclude_list(HEADER + "https://www.a.example/x/\n=www.a.example\n", path="one")
    second = parse_exclude_list(HEADER + "a.example\n", path="two")
    sources = ExcludedSources([first, second])
    found = sources.match("https://www.a.example/x/y")
    assert found is not None and (found.list.path, found.entry.line) == ("one", 3)
    found = sources.match("https://b.a.example/")
    assert found is not None and found.list.path == "two"
    assert not ExcludedSources() and ExcludedSources().match("https://a.example/") is None


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("pirate.example\n", "f:1", "no '# source: ...' header"),
        ("# source: x\npirate.example\n", "f:1", "no '# date: ...' header"),
        ("pirate.example\n" + HEADER, "f:1", "no '# source: ...' header"),
        ("# source: x\n# date: 1 Sept 2025\n", "f:2", "is not YYYY-MM-DD"),
        ("# source: x\n# date: 2025-02-30\n", "f:2", "is not YYYY-MM-DD"),
        (HEADER + "# source: y\n", "f:3", "a second '# source:' header"),
        (HEADER + "\n*.pirate.example\n", "f:4", "write 'pirate.example'"),
        (HEADER + ".pirate.example\n", "f:3", "includes its subdomains"),
        (HEADER + "pirate.example other.example\n", "f:3", "one entry per line"),
        (HEADER + "ftp://pirate.example/\n", "f:3", "must start with http:// or https://"),
        (HEADER + "pirate.example/films/\n", "f:3", "must start with http:// or https://"),
        (HEADER + "https://shop.example/a#b\n", "f:3", "has a fragment"),
        (HEADER + "https:///films/\n", "f:3", "names no host"),
        (HEADER + "https://shop.example:99999/\n", "f:3", "invalid port"),
        (HEADER + "pi_rate!.example\n", "f:3", "is not a host name"),
        (HEADER + "=\n", "f:3", "is not a host name"),
        (HEADER + "a..example\n", "f:3", "is not a host name"),
    ],
)
def test_bad_lists_are_refused_naming_file_and_line(text: str, where: str, message: str) -> None:
    with pytest.raises(ExcludeListError) as error:
        parse_exclude_list(text, path="f")
    assert str(error.value).startswith(f"{where}: ") and message in str(error.value)


def test_header_comments_and_blank_lines(tmp_path: Path) -> None:
    text = "\ufeff# Source:  Notices received  \n#DATE:2024-12-31\n\n# note\n\n"
    listed = parse_exclude_list(text, path="x")
    assert (listed.source, listed.date, listed.entries) == ("Notices received", "2024-12-31", ())


def test_loading_files(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_bytes((HEADER + "pirate.example\r\n").encode())
    sources = load_exclude_lists([good])
    assert sources.digests == (hashlib.sha256(good.read_bytes()).hexdigest(),)
    assert sources.match("http://pirate.example/") is not None
    latin = tmp_path / "latin.txt"
    latin.write_bytes(HEADER.encode() + "bücher.example\n".encode("latin-1"))
    with pytest.raises(ExcludeListError, match=r"latin\.txt: not UTF-8 text \(byte"):
        load_exclude_lists([latin])
    with pytest.raises(ExcludeListError, match=r"missing\.txt: cannot read the list"):
        load_exclude_lists([tmp_path / "missing.txt"])


def test_the_manifest_form_reads_back_and_checks_its_digest(sources: ExcludedSources) -> None:
    recorded = sources.to_json()
    assert recorded[0]["entries"] == 7 and recorded[0]["text"] == LIST
    again = ExcludedSources.from_json(recorded)
    assert again.digests == sources.digests
    assert again.match("https://pirate.example/") is not None
    assert not ExcludedSources.from_json(None)
    altered = [{**recorded[0], "text": LIST.replace("pirate", "pirat")}]
    with pytest.raises(ValueError, match="does not match its digest"):
        ExcludedSources.from_json(altered)
