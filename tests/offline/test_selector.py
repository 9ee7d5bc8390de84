"""Which URLs a rightsholder's request names: origins, prefixes, listed URLs; a record is
selected by its URL or its final URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tdm_crawler.offline.selector import Selector


@pytest.mark.parametrize(
    ("given", "url", "named"),
    [
        ("https://e.org", "https://e.org/a", True),
        ("https://e.org/", "https://e.org:443/a", True),
        ("https://E.org:443", "https://e.org/", True),
        ("https://e.org", "http://e.org/a", False),  # another scheme, another origin
        ("https://e.org", "https://www.e.org/a", False),  # subdomains are origins of their own
        ("https://e.org", "https://e.org:8443/a", False),
        ("http://[::1]:8080", "http://[::1]:8080/x", True),
        ("https://e.org", "not a url", False),
    ],
)
def test_an_origin_names_every_url_of_that_origin(given: str, url: str, named: bool) -> None:
    assert Selector.origins([given]).names(url) is named


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("https://e.org/photos/", "has a path"),
        ("https://e.org/?q=1", "has a path"),
        ("e.org", r"not an http\(s\) URL"),
        ("ftp://e.org", r"not an http\(s\) URL"),
        ("https://e.org:99999", "not a valid URL"),
    ],
)
def test_what_is_no_origin_is_refused_saying_why(given: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Selector.origins([given])


def test_prefixes_match_urls_as_recorded() -> None:
    selector = Selector.prefixes(["https://e.org/photos/", "https://e.org/photos/"])
    assert selector.described == {"url_prefixes": ["https://e.org/photos/"]}
    assert selector.names("https://e.org/photos/1.jpg")
    assert not selector.names("https://e.org/photos")
    assert not selector.names("https://e.org:443/photos/1.jpg"), "as recorded, not normalised"


def test_a_url_file_lists_exact_urls(tmp_path: Path) -> None:
    listed = tmp_path / "urls.txt"
    listed.write_text("# complaint 17\n\nhttps://e.org/a  # the first\nhttps://e.org/b\n")
    selector = Selector.url_file(listed)
    assert selector.names("https://e.org/a") and not selector.names("https://e.org/a/")
    assert selector.described["urls"] == 2 and selector.described["urls_file"] == str(listed)
    (tmp_path / "empty.txt").write_text("# nothing\n")
    with pytest.raises(ValueError, match="lists no URL"):
        Selector.url_file(tmp_path / "empty.txt")
    (tmp_path / "bad.txt").write_text("https://e.org/a\ne.org/b\n")
    with pytest.raises(ValueError, match="not an http"):
        Selector.url_file(tmp_path / "bad.txt")


@pytest.mark.parametrize(
    ("url", "final_url", "selected"),
    [
        ("https://e.org/a", "https://e.org/a", True),
        ("https://news.org/go", "https://e.org/photo", True),  # redirected onto the origin
        ("https://e.org/old", "https://elsewhere.org/new", True),  # redirected away
        ("https://news.org/a", "https://news.org/a", False),
        ("https://news.org/a", None, False),
    ],
)
def test_a_record_is_selected_by_its_url_or_its_final_url(
    url: str, final_url: str | None, selected: bool
) -> None:
    record = {"url": url, "final_url": final_url}
    assert Selector.origins(["https://e.org"]).selects(record) is selected
