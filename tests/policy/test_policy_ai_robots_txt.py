"""ai.robots.txt's robots.json read as an AI-agent list: the category rule, the import,
and the packaged list being exactly that import of the pinned copy (protocols §1.1)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tdm_crawler.policy.ai_agents import AgentList, load_agents, packaged_agents
from tdm_crawler.policy.ai_robots_txt import (
    CUES,
    LABELS,
    categorise,
    import_robots_json,
    read_robots_json,
)
from tdm_crawler.policy.purposes import EVERY_PURPOSE, Purpose, reserved_purposes
from tests.paths import DATA

COMMUNITY = DATA / "ai-robots-txt"
PINNED = dict(
    version="v1.50-10-g738c80d",
    date="2026-08-22",
    source="https://github.com/ai-robots-txt/ai.robots.txt/blob/"
    "738c80df2169027ce0e07c9976fd3f2f57dd8f7b/robots.json",
)


def community(name: str = "robots.json") -> dict[str, dict[str, str]]:
    data, _ = read_robots_json(COMMUNITY / name)
    assert isinstance(data, dict)
    return data


# ------------------------------------------------------------------ the category rule

# (function, description, category): the community's own texts, for the cases the rule
# has to get right, and a few made-up ones for its edges.
RULE_CASES = [
    # The Known Agents classes, with nothing more said.
    pytest.param("AI Assistants", "", "ai-assistant", id="label-assistant"),
    pytest.param("AI Agents", "", "ai-assistant", id="label-agent"),
    pytest.param("AI Coding Agents", "", "ai-assistant", id="label-coding-agent"),
    pytest.param("AI Search Crawlers", "", "ai-search", id="label-search"),
    pytest.param("AI Data Scrapers", "", "ai-training", id="label-scraper"),
    pytest.param("AI Data Providers", "", "dataset", id="label-provider"),
    pytest.param("Undocumented AI Agents", "", "unknown", id="label-undocumented"),
    pytest.param("ai assistants ", "", "ai-assistant", id="label-case-and-space"),
    # Free texts of the older entries.
    pytest.param(
        "Scrapes data to train OpenAI's products.",
        "Data is used to train current and future models, removed paywalled data, PII "
        "and data that violates the company's policies.",
        "ai-training",
        id="gptbot",
    ),
    pytest.param(
        "Search result generation.",
        "Crawls sites to surface as results in SearchGPT.",
        "ai-search",
        id="oai-searchbot-search-not-training",
    ),
    pytest.param(
        "LLM training.",
        "Used to train Gemini and Vertex AI generative APIs. Does not impact a site's "
        "inclusion or ranking in Google Search.",
        "ai-training",
        id="google-extended-mentions-google-search",
    ),
    pytest.param(
        "Provides open crawl dataset, used for many purposes, including Machine Learning/AI.",
        "Web archive going back to 2008.",
        "dataset",
        id="ccbot",
    ),
    pytest.param(
        "Crawls sites to provide answers to user queries.",
        "Used to provide answers to user queries.",
        "ai-assistant",
        id="iaskspider",
    ),
    pytest.param(
        "Retrieves data to provide responses to user-initiated prompts.",
        "Retrieves data based on user prompts.",
        "ai-assistant",
        id="cohere-ai",
    ),
    # Several uses: the category that reserves for all of them.
    pytest.param(
        "Search engine using generative AI, AI Search Assistant",
        "Scrapes website and provides AI summary.",
        "ai-search",
        id="search-and-assistant",
    ),
    pytest.param(
        "Scrapes data to train and support AI technologies.",
        "provide data to third parties, including commercial companies",
        "dataset",
        id="training-and-third-parties",
    ),
    pytest.param(
        "Scrapes data for use in training LLMs.",
        "Makes data available for training AI models.",
        "dataset",
        id="training-data-made-available",
    ),
    pytest.param("train models", "and a search engine", "dataset", id="training-and-search"),
    # A text that doubts itself, or says no use: unknown (every purpose).
    pytest.param(
        "Service improvement and enabling answers for Alexa users.",
        "Includes references to crawled website when surfacing answers via Alexa; does "
        "not clearly outline other uses.",
        "unknown",
        id="amazonbot-doubts",
    ),
    pytest.param(
        "Training language models",
        'Officially used for training Meta "speech recognition technology," unknown if '
        "used to train Meta AI specifically.",
        "unknown",
        id="facebookbot-doubts",
    ),
    pytest.param(
        "AI Data Scrapers",
        "Awario is an AI data scraper operated by Awario. It's not currently known to be "
        "artificially intelligent or AI-related.",
        "unknown",
        id="label-contradicted",
    ),
    pytest.param("Unclear at this time.", "", "unknown", id="unclear"),
    pytest.param(
        "AI Learning Companion",
        "BuddyBot is a voice-controlled AI learning companion",
        "unknown",
        id="no-use-named",
    ),
    pytest.param("", "", "unknown", id="empty"),
    pytest.param("Scrapes data.", "", "unknown", id="scraping-for-what"),
]


@pytest.mark.parametrize(("function", "description", "category"), RULE_CASES)
def test_category_rule(function: str, description: str, category: str) -> None:
    assert categorise(function, description) == category


def test_every_label_and_cue_names_a_category_of_the_purpose_table() -> None:
    categories = {*LABELS.values(), *(category for category, _ in CUES)}
    for category in categories:
        assert reserved_purposes("ai-agent", category), category
    assert reserved_purposes("ai-agent", "unknown") == EVERY_PURPOSE


def test_a_category_never_reserves_less_than_the_uses_named() -> None:
    """Fail closed: the category read from several cues reserves every purpose each
    single cue's category reserves."""
    single = {
        "ai-training": "train",
        "dataset": "dataset",
        "ai-search": "search engine",
        "ai-assistant": "on behalf of",
    }
    for first, cue_a in single.items():
        for second, cue_b in single.items():
            chosen = categorise(cue_a, cue_b)
            wanted = reserved_purposes("ai-agent", first) | reserved_purposes("ai-agent", second)
            assert wanted <= reserved_purposes("ai-agent", chosen), (first, second, chosen)


# ---------------------------------------------------------------------------- import

SMALL = {
    # token (first spelling) -> (operator, category)
    "Amazonbot": ("Amazon", "unknown"),
    "Andibot": ("Andi", "ai-search"),
    "bigsur.ai": (  # the operator text carries over as the list has it
        "Big Sur AI that fetches website content to enable AI-powered web agents, sales "
        "assistants, and content marketing solutions for busi\u2026",
        "ai-assistant",
    ),
    "BuddyBot": ("BuddyBotLearning", "unknown"),
    "CCBot": ("Common Crawl Foundation", "dataset"),
    "ChatGPT Agent": ("OpenAI", "ai-assistant"),
    "Claude-Web": ("Anthropic", "unknown"),
    "Code": ("unknown", "ai-assistant"),
    "GPTBot": ("OpenAI", "ai-training"),
    "iaskspider/2.0": ("iAsk", "ai-assistant"),
    "Kangaroo Bot": ("unknown", "ai-training"),
    "meta-externalagent": ("Meta", "ai-training"),
    "OAI-SearchBot": ("OpenAI", "ai-search"),
    # Webzio-Extended sells its data; its lower-case twin says no more than "scraper".
    "Webzio-Extended": ("unknown", "dataset"),
}


def small_list() -> AgentList:
    return import_robots_json(
        community("small-robots.json"), version="v1", date="2026-01-02", source="copy"
    )


def test_import_of_a_small_copy() -> None:
    agents = small_list()
    assert {agent.token: (agent.operator, agent.purpose) for agent in agents} == SMALL
    assert [agent.token for agent in agents] == list(SMALL), "in the file's order"
    assert {agent.source for agent in agents} == {"copy"}
    assert (agents.version, agents.date, agents.source) == ("v1", "2026-01-02", "copy")


def test_twins_in_other_case_are_one_agent_of_the_wider_category() -> None:
    data = {
        "a-bot": {"function": "LLM training.", "operator": "Unclear at this time."},
        "A-Bot": {"function": "Search result generation.", "operator": "[A](https://a.example)"},
        "B-Bot": {"function": "AI Assistants"},
        "b-bot": {"function": "Scrapes data."},  # says no use: unknown wins
    }
    agents = import_robots_json(data, version=None, date=None, source="s")
    assert [(a.token, a.operator, a.purpose) for a in agents] == [
        ("a-bot", "A", "dataset"),
        ("B-Bot", "unknown", "unknown"),
    ]


def test_import_round_trips_through_a_list_file(tmp_path: Path) -> None:
    agents = small_list()
    path = tmp_path / "agents.json"
    path.write_text(json.dumps(agents.to_json()), "utf-8")
    assert load_agents(str(path)) == agents
    assert load_agents(path) == agents


def test_the_packaged_list_is_the_import_of_the_pinned_community_copy() -> None:
    """So it holds nothing the mapping did not give: moving to a newer community list is
    one import (tests/data/ai-robots-txt/README.md)."""
    assert import_robots_json(community(), **PINNED) == packaged_agents()


def test_the_packaged_list_covers_the_community_list() -> None:
    tokens = {agent.token.lower() for agent in packaged_agents()}
    assert tokens == {token.lower() for token in community()}
    assert len(tokens) >= 160


@pytest.mark.parametrize(
    ("purpose", "reserving"),
    [
        (Purpose.AI_TRAINING, ["GPTBot", "meta-externalagent", "DeepSeekBot", "Kangaroo Bot"]),
        (Purpose.SEARCH, ["OAI-SearchBot", "PerplexityBot", "Claude-SearchBot"]),
        (Purpose.AI_INPUT, ["ChatGPT-User", "ChatGPT Agent", "OAI-SearchBot", "Claude-User"]),
        (Purpose.TDM, ["CCBot", "Claude-Web", "Amazonbot", "Webzio-Extended"]),
    ],
)
def test_packaged_categories_reserve_for_their_purposes(
    purpose: Purpose, reserving: list[str]
) -> None:
    """A sample: a block on each of these agents reserves ``purpose``."""
    by_token = {agent.token: agent for agent in packaged_agents()}
    for token in reserving:
        assert purpose in reserved_purposes("ai-agent", by_token[token].purpose), token


def test_a_search_bot_block_is_no_training_reservation() -> None:
    by_token = {agent.token: agent for agent in packaged_agents()}
    for token in ("OAI-SearchBot", "PerplexityBot", "Claude-SearchBot", "ChatGPT-User"):
        assert Purpose.AI_TRAINING not in reserved_purposes("ai-agent", by_token[token].purpose)


# ----------------------------------------------------------------------- bad files

BAD_FILES = [
    pytest.param(b"[]", "is not ai.robots.txt's robots.json", id="array"),
    pytest.param(b"{}", "is not ai.robots.txt's robots.json", id="empty-object"),
    pytest.param(b'{"GPTBot": "x"}', "entry 'GPTBot': expected an object", id="text-entry"),
    pytest.param(b'{"GPTBot": {"function": 1}}', "function must be a string", id="number"),
    pytest.param(b'{"GPT#Bot": {}}', "not a robots.txt User-agent value", id="bad-token"),
    pytest.param(b"{not json", "is not valid JSON", id="invalid-json"),
    pytest.param(b"\xff\xfe{}", "is not UTF-8 text", id="not-utf8"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "robots.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message) as raised:
        data, _ = read_robots_json(path)
        import_robots_json(data, version=None, date=None, source="s", origin=str(path))
    assert "\n" not in str(raised.value)


def test_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read .*missing\.json: No such file"):
        read_robots_json(tmp_path / "missing.json")


def test_the_digest_is_of_the_bytes_read() -> None:
    _, digest = read_robots_json(COMMUNITY / "small-robots.json")
    assert digest == hashlib.sha256((COMMUNITY / "small-robots.json").read_bytes()).hexdigest()
