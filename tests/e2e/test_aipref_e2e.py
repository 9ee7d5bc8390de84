"""End-to-end: the aipref fixture site's current-version signals, crawled over real sockets.

The default crawl of every site (test_crawl_e2e.py) checks the site's ``expected`` table
and the no-leak scan with ``TDM_NOARCHIVE_RESERVES`` off. Here the aipref site is crawled
twice more, with the setting off and on: the records must carry what the readers kept
(the ``exceptions`` parameter, the alias, the global Content-Signal line, Bing's
directives), Bing's directives must reserve exactly when asked, nothing a crawl did not
allow may be written anywhere, and each crawl must replay unchanged offline, and
replay for the other setting as the other live crawl decided.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.offline.replay import COMPARED_FIELDS, replay_config, replay_crawl
from tdm_crawler.store import read_manifest
from tests.crawling import by_url, crawl, markers_written

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SITE = "aipref"
#: What Bing's directives decide when they reserve.
NOARCHIVE = {
    "/noarchive.html": ("reserved", "x-robots-noarchive"),
    "/bingbot-nocache.html": ("reserved", "meta-robots-noarchive"),
}


@pytest_twisted.async_fixture(scope="module")
async def crawls(
    fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[bool, Path]:
    """TDM_NOARCHIVE_RESERVES -> the directory of the live crawl of the aipref site."""
    root = tmp_path_factory.mktemp("aipref")
    outs = {}
    for setting in (False, True):
        outs[setting] = root / f"noarchive-{setting}"
        await crawl(fixture_server.seeds([SITE]), outs[setting], TDM_NOARCHIVE_RESERVES=setting)
    return outs


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def decided(out: Path) -> dict[str, tuple[str, str]]:
    return {path_of(url): (r["decision"], r["reason"]) for url, r in by_url(out).items()}


def record(out: Path, path: str) -> dict[str, Any]:
    (found,) = (r for url, r in by_url(out).items() if path_of(url) == path)
    return found


def signal(out: Path, path: str, protocol: str, source: str) -> dict[str, Any]:
    (found,) = (
        s
        for s in record(out, path)["signals"]
        if (s["protocol"], s["source"]) == (protocol, source)
    )
    return found


def expected(fixture_server: FixtureServer, noarchive_reserves: bool) -> dict[str, Any]:
    table = {path_of(url): tuple(v) for url, v in fixture_server.expected([SITE]).items()}
    return {**table, **NOARCHIVE} if noarchive_reserves else table


@pytest.mark.parametrize("setting", [False, True])
def test_each_url_is_decided_as_the_setting_says(
    crawls: dict[bool, Path], fixture_server: FixtureServer, setting: bool
) -> None:
    assert decided(crawls[setting]) == expected(fixture_server, setting)
    manifest = read_manifest(crawls[setting] / "manifest.json")
    assert manifest["settings"]["TDM_NOARCHIVE_RESERVES"] is setting


@pytest.mark.parametrize("setting", [False, True])
def test_nothing_the_crawl_did_not_allow_is_written(
    crawls: dict[bool, Path], fixture_server: FixtureServer, setting: bool
) -> None:
    """The no-leak scan of every byte written, against this crawl's own decisions."""
    written = markers_written(crawls[setting])
    for path, (decision, _) in decided(crawls[setting]).items():
        marker = fixture_server.marker(SITE, path)
        assert marker is not None, path
        if decision == "allowed":
            assert marker in written, f"{path}: allowed but not stored"
        else:
            assert marker not in written, f"{path}: {decision}, written"
    if setting:
        assert not {fixture_server.marker(SITE, path) for path in NOARCHIVE} & written


def test_the_records_keep_what_the_readers_read(crawls: dict[bool, Path]) -> None:
    out = crawls[False]
    params = signal(out, "/params.html", "content-usage", "header")
    assert params["value"]["parameters"] == {"train-ai": {"exceptions": "cc-cr"}}
    alias = signal(out, "/alias-last-n.html", "content-usage", "header")
    assert alias["value"]["preferences"] == {"train-ai": "n"}
    assert "(written ai-train)" in alias["detail"]
    root = signal(out, "/root-rule.html", "content-usage", "robots.txt")
    assert [(rule["path"], rule["field"]) for rule in root["value"]] == [("/", "train-ai=y")]
    global_line = signal(out, "/global/x.html", "content-signal", "robots.txt")
    assert [(rule["path"], rule["global"]) for rule in global_line["value"]] == [("/global/", True)]
    assert record(out, "/global/x.html")["status"] is None, "decided before fetching"
    use = signal(out, "/use-reference.html", "content-signal", "header")
    assert "use=reference (every purpose)" in use["detail"]
    for setting, out in crawls.items():
        header = signal(out, "/noarchive.html", "bing", "header")
        meta = signal(out, "/bingbot-nocache.html", "bing", "meta")
        assert (header["value"], meta["value"]) == (["noarchive"], ["bingbot: nocache"])
        assert ("TDM_NOARCHIVE_RESERVES is off" in header["detail"]) is not setting


@pytest.mark.parametrize("setting", [False, True])
def test_each_crawl_replays_unchanged(crawls: dict[bool, Path], setting: bool) -> None:
    config = replay_config(read_manifest(crawls[setting] / "manifest.json"), {})
    assert config.context.noarchive_reserves is setting and not config.changed
    result = replay_crawl(crawls[setting], config)
    assert (result.unchanged, result.changed, result.kept) == (result.records, 0, 0)


@pytest.mark.parametrize("setting", [False, True])
def test_replay_with_the_other_setting_decides_as_the_other_crawl(
    crawls: dict[bool, Path], setting: bool
) -> None:
    source, other = crawls[setting], crawls[not setting]
    manifest = read_manifest(source / "manifest.json")
    config = replay_config(manifest, {"TDM_NOARCHIVE_RESERVES": not setting})
    assert config.changed == {"TDM_NOARCHIVE_RESERVES": {"from": setting, "to": not setting}}
    replayed: list[dict[str, Any]] = []
    result = replay_crawl(source, config, sink=replayed.append)
    live = by_url(other)
    for new in replayed:
        assert {name: new[name] for name in COMPARED_FIELDS} == {
            name: live[new["url"]][name] for name in COMPARED_FIELDS
        }, new["url"]
    assert result.changed == len(NOARCHIVE)
