"""The facts agent-info publishes: what is compared between runs, and a crawler without
a C2PA reader saying so."""

from __future__ import annotations

from dataclasses import replace

from tdm_crawler.agentinfo.facts import AgentFacts, changed_facts
from tdm_crawler.agentinfo.feed import Entry, Feed
from tdm_crawler.agentinfo.page import render_page
from tdm_crawler.policy.ai_agents import load_agents
from tdm_crawler.policy.purposes import Profile, Purpose

FACTS = AgentFacts(
    token="ExampleBot",
    user_agent="ExampleBot/0.1.0",
    contact="",
    info_url="",
    profile=Profile(),
    agents=load_agents(),
    ip_ranges=(),
    reads_c2pa=True,
)


def test_changed_facts_lists_each_differing_leaf_old_to_new() -> None:
    old = {"a": 1, "b": {"x": "1", "y": [1, 2]}, "gone": None, "c": "same"}
    new = {"a": 2, "b": {"x": "1", "y": [1, 3], "z": True}, "c": "same"}
    assert [str(change) for change in changed_facts(old, new)] == [
        "a: 1 → 2",
        "b.y: 1, 2 → 1, 3",
        "b.z: (absent) → true",
        "gone: (none) → (absent)",  # a field dropped is a change too
    ]
    assert changed_facts(new, new) == []


def test_the_same_facts_are_the_same_json() -> None:
    assert FACTS.to_json() == replace(FACTS).to_json()
    other = replace(FACTS, profile=Profile(Purpose.SEARCH))
    paths = [change.path for change in changed_facts(FACTS.to_json(), other.to_json())]
    assert paths[0] == "purpose"


def test_without_a_c2pa_reader_c2pa_is_not_claimed() -> None:
    without = replace(FACTS, reads_c2pa=False)
    data = without.to_json()
    assert "c2pa" not in data["protocols"] and "c2pa" in FACTS.to_json()["protocols"]
    assert any("no C2PA reader" in item for item in data["not_read"])
    entry = Entry("urn:uuid:00000000-0000-0000-0000-000000000000", "2026-01-01T00:00:00Z", "t", ())
    page = render_page(without, Feed.new().with_entry(entry))
    assert 'id="c2pa"' not in page and "no C2PA reader is installed" in page
