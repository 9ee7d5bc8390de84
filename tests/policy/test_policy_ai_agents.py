"""The AI-agent list: packaged data, its version, and the user's ways to change it
(protocols §1.1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tdm_crawler.policy.ai_agents import (
    CATEGORIES,
    USER_OPERATOR,
    USER_SOURCE,
    AgentList,
    agent_list_info,
    agents_from_json,
    agents_from_manifest,
    load_agents,
    manifest_fields,
    packaged_agents,
)

#: The commit of ai.robots.txt the packaged list was made from (tests/data/ai-robots-txt).
COMMUNITY_COMMIT = "738c80df2169027ce0e07c9976fd3f2f57dd8f7b"

REQUIRED = [
    "GPTBot",
    "CCBot",
    "Google-Extended",
    "ClaudeBot",
    "anthropic-ai",
    "Claude-Web",
    "Applebot-Extended",
    "meta-externalagent",
    "FacebookBot",
    "Bytespider",
    "cohere-training-data-crawler",
    "cohere-ai",
    "AI2Bot",
    "Ai2Bot-Dolma",
    "PanguBot",
    "Diffbot",
    "img2dataset",
    "omgili",
    "Timpibot",
    "Webzio-Extended",
    "PerplexityBot",
    "Amazonbot",
    "YouBot",
]


def tokens(agents: AgentList) -> list[str]:
    return [agent.token for agent in agents]


@pytest.mark.parametrize("token", REQUIRED)
def test_packaged_list_has(token: str) -> None:
    assert token in tokens(packaged_agents())


def test_packaged_list_is_well_formed() -> None:
    agents = packaged_agents()
    lowered = [agent.token.lower() for agent in agents]
    assert len(lowered) == len(set(lowered)), "tokens unique case-insensitively"
    for agent in agents:
        assert agent.purpose in CATEGORIES
        assert agent.operator.strip()
        assert agent.source == agents.source


def test_packaged_list_says_its_version_date_and_source() -> None:
    info = agent_list_info()
    assert info == {
        "version": "v1.50-10-g738c80d",
        "date": "2026-08-22",
        "source": f"https://github.com/ai-robots-txt/ai.robots.txt/blob/{COMMUNITY_COMMIT}/robots.json",
        "tokens": len(packaged_agents()),
    }
    assert info["tokens"] >= 160, "the community list's training, scraping and AI crawlers"
    assert agent_list_info(load_agents("GPTBot"))["tokens"] == 1


@pytest.mark.parametrize(
    ("token", "purpose"),
    [
        pytest.param("GPTBot", "ai-training", id="gptbot-training"),
        pytest.param("CCBot", "dataset", id="ccbot-dataset"),
        pytest.param("PerplexityBot", "ai-search", id="perplexity-search"),
        pytest.param("OAI-SearchBot", "ai-search", id="oai-searchbot-search-not-training"),
        pytest.param("YouBot", "ai-search", id="youbot-search"),
        pytest.param("ChatGPT-User", "ai-assistant", id="chatgpt-user-assistant"),
        pytest.param("ChatGPT Agent", "ai-assistant", id="spaced-token"),
        pytest.param("iaskspider/2.0", "ai-assistant", id="token-with-version"),
        pytest.param("DeepSeekBot", "ai-training", id="deepseekbot-training"),
        pytest.param("Claude-Web", "unknown", id="undocumented-unknown"),
    ],
)
def test_purposes_are_honest(token: str, purpose: str) -> None:
    by_token = {agent.token: agent for agent in packaged_agents()}
    assert by_token[token].purpose == purpose


def test_list_round_trips_through_json() -> None:
    data = packaged_agents().to_json()
    assert json.loads(json.dumps(data)) == data
    assert agents_from_json(data) == packaged_agents()
    bare = agents_from_json(data["agents"], source="somewhere")
    assert (bare.agents, bare.version, bare.date, bare.source) == (
        packaged_agents().agents,
        None,
        None,
        "somewhere",
    )


def test_manifest_records_the_list_and_reads_it_back() -> None:
    agents = load_agents("+MyBot")
    fields = manifest_fields(agents)
    assert fields["ai_agents_list"] == {
        "version": "v1.50-10-g738c80d",
        "date": "2026-08-22",
        "source": f"{packaged_agents().source}, plus TDM_AI_AGENTS '+MyBot'",
        "tokens": len(packaged_agents()) + 1,
    }
    assert agents_from_manifest(json.loads(json.dumps(fields))) == agents


def test_a_manifest_without_the_list_version_stays_readable() -> None:
    """Manifests written before ``ai_agents_list`` existed (tests/data/crawl-0.1.0)."""
    recorded = manifest_fields(load_agents("GPTBot,CCBot"))["ai_agents"]
    agents = agents_from_manifest({"ai_agents": recorded})
    assert agents is not None
    assert tokens(agents) == ["GPTBot", "CCBot"]
    assert (agents.version, agents.date) == (None, None)
    assert agents_from_manifest({}) is None
    with pytest.raises(ValueError, match="ai_agents_list must be an object"):
        agents_from_manifest({"ai_agents": recorded, "ai_agents_list": []})


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param(None, None, id="none-packaged"),
        pytest.param("", None, id="empty-packaged"),
        pytest.param("  ", None, id="blank-packaged"),
        pytest.param("GPTBot,CCBot", ["GPTBot", "CCBot"], id="replace"),
        pytest.param(" gptbot , CCBOT ", ["GPTBot", "CCBot"], id="replace-known-spelling"),
        pytest.param("GPTBot,gptbot,GPTBOT", ["GPTBot"], id="replace-deduplicated"),
        pytest.param("MyBot", ["MyBot"], id="replace-unknown"),
        pytest.param("GPTBot,,CCBot,", ["GPTBot", "CCBot"], id="empty-items-skipped"),
        pytest.param("ChatGPT  Agent,x", ["ChatGPT Agent", "x"], id="spaced-known-token"),
        pytest.param("iaskspider/2.0", ["iaskspider/2.0"], id="token-with-version"),
        pytest.param("My Bot 2.0", ["My Bot 2.0"], id="spaced-unknown-token"),
    ],
)
def test_token_list_specs(spec: str | None, expected: list[str] | None) -> None:
    agents = load_agents(spec)
    assert tokens(agents) == (tokens(packaged_agents()) if expected is None else expected)


def test_plus_adds_to_packaged_list() -> None:
    agents = load_agents("+MyBot, other_bot, gptbot")
    assert tokens(agents) == [*tokens(packaged_agents()), "MyBot", "other_bot"]
    added = agents[-1]
    assert (added.operator, added.purpose, added.source) == (
        USER_OPERATOR,
        "unknown",
        USER_SOURCE,
    )


def test_known_token_keeps_packaged_metadata() -> None:
    (agent,) = load_agents("perplexitybot")
    assert agent == next(a for a in packaged_agents() if a.token == "PerplexityBot")


AGENT_FILE = [
    {"token": "FooBot", "operator": "Foo Inc.", "purpose": "dataset", "source": "https://f.o"},
    {"token": "BarBot", "operator": "Bar", "purpose": "ai-search", "source": "https://b.a"},
]


@pytest.mark.parametrize("as_path", [True, False], ids=["Path", "str"])
def test_json_file_spec(tmp_path: Path, as_path: bool) -> None:
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(AGENT_FILE), "utf-8")
    agents = load_agents(path if as_path else str(path))
    assert [agent.to_json() for agent in agents] == AGENT_FILE


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param("GPT#Bot", "not a robots.txt User-agent value", id="comment-sign"),
        pytest.param("GPT*", "not a robots.txt User-agent value", id="wildcard"),
        pytest.param("+*", "not a robots.txt User-agent value", id="star-group"),
        pytest.param("Bot\u00e9", "not a robots.txt User-agent value", id="non-ascii"),
        pytest.param("Bot\x01", "not a robots.txt User-agent value", id="control-character"),
        pytest.param("/etc/agents", "a list file must end in .json", id="path-without-json"),
        pytest.param(",", "empty AI-agent list", id="only-commas"),
        pytest.param("+", "empty AI-agent list", id="plus-nothing"),
        pytest.param("missing.json", "cannot read AI-agent list", id="missing-file"),
    ],
)
def test_bad_specs_raise_helpfully(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_agents(spec)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not valid UTF-8 JSON", id="invalid-json"),
        pytest.param('{"token": "x"}', "unknown keys token", id="object-not-a-list"),
        pytest.param('"GPTBot"', "must be a JSON array", id="string-not-array"),
        pytest.param('{"source": "s", "agents": {}}', "must be a JSON array", id="agents-object"),
        pytest.param('{"agents": []}', "source '' must be a non-empty string", id="no-source"),
        pytest.param(
            '{"source": "s", "date": "2026-02-30", "agents": []}',
            "date '2026-02-30' is not a YYYY-MM-DD date",
            id="impossible-date",
        ),
        pytest.param(
            '{"source": "s", "version": " ", "agents": []}',
            "version ' ' must be a non-empty string",
            id="blank-version",
        ),
        pytest.param('["GPTBot"]', "expected an object", id="string-entry"),
        pytest.param('[{"token": "A"}]', "missing or non-string operator", id="missing-keys"),
        pytest.param(
            '[{"token": "A", "operator": "o", "purpose": "fun", "source": "s"}]',
            "purpose 'fun' is not one of",
            id="bad-purpose",
        ),
        pytest.param(
            '[{"token": "A", "operator": "o", "purpose": "dataset", "source": "s", "x": 1}]',
            "unknown keys x",
            id="unknown-key",
        ),
        pytest.param(
            '[{"token": "A", "operator": "o", "purpose": "dataset", "source": "s"},'
            ' {"token": "a", "operator": "o", "purpose": "dataset", "source": "s"}]',
            "token 'a' repeats entry 1",
            id="duplicate-case-insensitive",
        ),
        pytest.param(
            '[{"token": "A#B", "operator": "o", "purpose": "dataset", "source": "s"}]',
            "not a robots.txt User-agent value",
            id="bad-token",
        ),
    ],
)
def test_bad_files_raise_helpfully(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "agents.json"
    path.write_text(content, "utf-8")
    with pytest.raises(ValueError, match=message):
        load_agents(path)


def test_non_utf8_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "agents.json"
    path.write_bytes(b"\xff\xfe[]")
    with pytest.raises(ValueError, match="not valid UTF-8 JSON"):
        load_agents(path)
