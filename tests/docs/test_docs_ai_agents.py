"""docs/protocols.md §1.1 and the README describe the AI-agent list the package ships:
its version, date, source, size and the count of each category."""

from __future__ import annotations

from collections import Counter

from tdm_crawler.policy.ai_agents import CATEGORIES, agent_list_info, packaged_agents
from tests.paths import REPO

PROTOCOLS = (REPO / "docs" / "protocols.md").read_text(encoding="utf-8")
README = (REPO / "README.md").read_text(encoding="utf-8")
SECTION = PROTOCOLS.split("### 1.1 AI-agent groups", 1)[1].split("\n## ", 1)[0]


def test_protocols_give_the_list_s_version_date_source_and_size() -> None:
    info = agent_list_info()
    assert f"| version | `{info['version']}`" in SECTION
    assert f"| date | {info['date']} " in SECTION
    assert f"| source | `{info['source']}` |" in SECTION
    assert f"| tokens | {info['tokens']} " in SECTION


def test_protocols_and_readme_count_each_category() -> None:
    counts = Counter(agent.purpose for agent in packaged_agents())
    listed = ", ".join(f"{category} {counts[category]}" for category in CATEGORIES)
    assert f"| by category | {listed} |" in SECTION
    for category in CATEGORIES:
        assert f"| `{category}` | " in README and f" | {counts[category]} | " in README


def test_the_readme_examples_have_the_category_they_are_listed_under() -> None:
    by_token = {agent.token: agent.purpose for agent in packaged_agents()}
    for category in CATEGORIES:
        row = next(line for line in README.splitlines() if line.startswith(f"| `{category}` |"))
        examples = [name.strip(" `") for name in row.split("|")[4].split(",")]
        assert examples and all(by_token[name] == category for name in examples), row
