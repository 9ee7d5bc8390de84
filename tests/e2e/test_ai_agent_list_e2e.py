"""End-to-end: robots.txt groups naming agents of the community list, crawled for real.

A site names, in its robots.txt, agents whose tokens are no RFC 9309 product token
(``Kangaroo Bot``, ``iaskspider/2.0``) and agents of each category. Crawled over loopback
sockets for ``ai-training`` and ``ai-input`` with the packaged list, and for ``ai-input``
with a list file ``tdm-crawl agents import`` made: each group reserves for the purposes
of its agent's category, nothing not allowed is written, and the manifest records the
list's version. A replay reproduces the crawl with the recorded list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tdm_crawler.offline.replay import replay_config, replay_crawl
from tdm_crawler.policy.ai_agents import agent_list_info
from tdm_crawler.store import CrawlDir, read_manifest
from tests.crawling import by_url, crawl, markers_written
from tests.paths import DATA

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ROBOTS = """\
User-agent: Kangaroo Bot
Disallow: /spaced/

User-agent: iaskspider/2.0
Disallow: /versioned/

User-agent: OAI-SearchBot
Disallow: /search-bot/

User-agent: Claude-Web
Disallow: /undocumented/

User-agent: *
Disallow: /everyone/

User-agent: tdm-crawler
Allow: /
"""

#: path -> (the tokens whose group disallows it, the purposes of the crawls it is
#: reserved for: the category's purposes).
PAGES = {
    "/": ([], set()),
    "/spaced/x.html": (["Kangaroo Bot"], {"ai-training"}),  # AI Data Scrapers: training
    "/versioned/x.html": (["iaskspider/2.0"], {"ai-input"}),  # answers user queries
    "/search-bot/x.html": (["OAI-SearchBot"], {"ai-input"}),  # search: search and input
    "/undocumented/x.html": (["Claude-Web"], {"ai-training", "ai-input"}),  # unknown: all
    "/everyone/x.html": ([], set()),  # the * group is no AI reservation (we have our own)
}


def write_site(root: Path) -> None:
    site = root / "agents"
    links = "".join(f'<a href="{path}">{path}</a> ' for path in PAGES if path != "/")
    for number, path in enumerate(PAGES):
        file = site / "root" / (path.lstrip("/") or "index.html")
        file.parent.mkdir(parents=True, exist_ok=True)
        body = f"<p>MARKER-OK-agents-{number}</p>{links if path == '/' else ''}"
        file.write_text(f"<html><head><title>{path}</title></head><body>{body}</body></html>")
    spec = {
        "description": "robots.txt groups naming agents of the community AI-agent list",
        "seeds": ["/"],
        "routes": {"/robots.txt": {"body": ROBOTS, "headers": {"Content-Type": "text/plain"}}},
        "expected": {path: ["allowed", "no-reservation"] for path in PAGES},
    }
    (site / "site.json").write_text(json.dumps(spec))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FixtureServer]:
    root = tmp_path_factory.mktemp("agent-sites")
    write_site(root)
    with FixtureServer(sites_dir=root) as served:
        yield served


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The list file ``tdm-crawl agents import`` makes of the small community copy."""
    out = tmp_path_factory.mktemp("imported") / "agents.json"
    args = ["--list-version", "v-test", "--list-date", "2026-06-01", "--source", "a copy"]
    small = DATA / "ai-robots-txt" / "small-robots.json"
    assert main(["agents", "import", str(small), "--out", str(out), *args]) == 0
    return out


@pytest_twisted.async_fixture(scope="module")
async def crawls(
    server: FixtureServer, imported: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("agent-crawls")
    runs: dict[str, dict[str, Any]] = {
        "ai-training": {"TDM_PURPOSE": "ai-training"},
        "ai-input": {"TDM_PURPOSE": "ai-input"},
        "imported": {"TDM_PURPOSE": "ai-input", "TDM_AI_AGENTS": str(imported)},
    }
    outs = {}
    for name, settings in runs.items():
        outs[name] = root / name
        await crawl(server.seeds(), outs[name], **settings)
    return outs


@pytest.mark.parametrize("run", ["ai-training", "ai-input", "imported"])
def test_each_group_reserves_for_its_agent_s_category(
    crawls: dict[str, Path], server: FixtureServer, run: str
) -> None:
    purpose = "ai-training" if run == "ai-training" else "ai-input"
    records = by_url(crawls[run])
    written = markers_written(crawls[run])
    for number, (path, (tokens, reserved_for)) in enumerate(PAGES.items()):
        record = records[server.url("agents", path)]
        (signal,) = [s for s in record["signals"] if s["protocol"] == "robots-ai-agent"]
        assert signal["value"] == tokens, path
        if purpose in reserved_for:
            assert (record["decision"], record["reason"]) == ("reserved", "robots-ai-agent")
            assert f"MARKER-OK-agents-{number}" not in written, path
        else:
            assert (record["decision"], record["reason"]) == ("allowed", "no-reservation")
            assert f"MARKER-OK-agents-{number}" in written, path


def test_the_manifest_records_the_list_and_its_version(crawls: dict[str, Path]) -> None:
    packaged = read_manifest(crawls["ai-training"] / "manifest.json")
    assert packaged["ai_agents_list"] == agent_list_info()
    assert len(packaged["ai_agents"]) == agent_list_info()["tokens"]
    imported = read_manifest(crawls["imported"] / "manifest.json")
    assert imported["ai_agents_list"] == {
        "version": "v-test",
        "date": "2026-06-01",
        "source": "a copy",
        "tokens": 14,
    }
    assert "Kangaroo Bot" in [agent["token"] for agent in imported["ai_agents"]]


def test_replay_decides_with_the_recorded_list(crawls: dict[str, Path]) -> None:
    config = replay_config(read_manifest(CrawlDir(crawls["imported"]).manifest), {})
    assert config.agents_source == (
        "14 agents (version v-test, 2026-06-01), as recorded in the manifest"
    )
    result = replay_crawl(crawls["imported"], config)
    assert result.changed == 0 and result.unchanged == len(PAGES)
