"""The purpose table and the crawl profile (policy/purposes.py, protocols §6.3).

The table below is the test's own reading of the specifications, written out again on
purpose: each (vocabulary, statement, purpose) cell is checked against the data the
readers use, so a row changed in one place and not the other fails.
"""

from __future__ import annotations

import pytest

from tdm_crawler.policy.purposes import (
    DEFAULT_PROFILE,
    EVERY_PURPOSE,
    VOCABULARIES,
    Operator,
    Profile,
    Purpose,
    describe_purposes,
    reservations,
    reserved_purposes,
)

#: Column letters: T ai-training, M tdm (mining), I ai-input, S search; "-" = not reserved.
LETTERS = {"T": Purpose.AI_TRAINING, "M": Purpose.TDM, "I": Purpose.AI_INPUT, "S": Purpose.SEARCH}
#: The key for "a statement the table does not list".
OTHERWISE = "(any other)"

EXPECTED: dict[str, dict[str, str]] = {
    "tdmrep": {"1": "TMIS", "0": "----", OTHERWISE: "----"},
    "noai": {"noai": "TMIS", "noimageai": "TMIS", OTHERWISE: "----"},
    "aipref": {
        "train-ai=n": "T---",
        "ai-use=n": "--I-",
        "search=n": "---S",
        "bots=n": "TMIS",
        "all=n": "TMIS",
        "tdm=n": "TMIS",
        "ai=n": "T---",
        "genai=n": "T---",
        "train-genai=n": "T---",
        OTHERWISE: "----",
    },
    "content-signal": {
        "ai-train=no": "T---",
        "ai-input=no": "--I-",
        "search=no": "---S",
        "use=immediate": "TMIS",
        "use=reference": "TMIS",
        "use=full": "----",
        OTHERWISE: "----",
    },
    "rsl": {
        "all": "TMIS",
        "ai-all": "TMI-",
        "ai-train": "T---",
        "ai-input": "--I-",
        "ai-index": "--IS",
        "search": "---S",
        "train-ai": "T---",
        "train-genai": "T---",
        "ai-use": "--I-",
        "ai-summarize": "--I-",
        OTHERWISE: "----",
    },
    "cawg": {
        "ai_training": "T---",
        "ai_generative_training": "T---",
        "data_mining": "TM--",
        "ai_inference": "--I-",
        OTHERWISE: "----",
    },
    "iptc": {
        "DMI-UNSPECIFIED": "----",
        "DMI-ALLOWED": "----",
        "DMI-PROHIBITED": "TMIS",
        "DMI-PROHIBITED-AIMLTRAINING": "T---",
        "DMI-PROHIBITED-GENAIMLTRAINING": "T---",
        "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": "TMI-",
        "DMI-PROHIBITED-SEECONSTRAINT": "TMIS",
        "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": "TMIS",
        "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": "TMIS",
        OTHERWISE: "TMIS",
    },
    "ai-agent": {
        "ai-training": "T---",
        "ai-search": "--IS",
        "ai-assistant": "--I-",
        "dataset": "TMIS",
        "unknown": "TMIS",
        OTHERWISE: "TMIS",
    },
    "bing": {"noarchive": "TMI-", "nocache": "TMI-", OTHERWISE: "----"},
}

#: A statement no vocabulary lists, to look up each vocabulary's "any other" row.
UNLISTED = "x-not-a-statement=n"

CELLS = [
    pytest.param(vocabulary, statement, purpose, id=f"{vocabulary}:{statement}:{purpose}")
    for vocabulary, rows in EXPECTED.items()
    for statement in rows
    for purpose in Purpose
]


def expected_purposes(vocabulary: str, statement: str) -> frozenset[Purpose]:
    marks = EXPECTED[vocabulary][statement]
    return frozenset(LETTERS[mark] for mark in marks if mark != "-")


@pytest.mark.parametrize(("vocabulary", "statement", "purpose"), CELLS)
def test_each_cell_of_the_table(vocabulary: str, statement: str, purpose: Purpose) -> None:
    looked_up = UNLISTED if statement == OTHERWISE else statement
    reserved = purpose in reserved_purposes(vocabulary, looked_up)
    assert reserved == (purpose in expected_purposes(vocabulary, statement))


def test_the_table_has_exactly_these_rows() -> None:
    """A row added to the data without a line above (or the reverse) fails here."""
    assert list(VOCABULARIES) == list(EXPECTED)
    for name, vocabulary in VOCABULARIES.items():
        assert [*vocabulary.statements, OTHERWISE] == list(EXPECTED[name]), name
        assert vocabulary.title and vocabulary.form and vocabulary.otherwise_why


def test_issue_rules() -> None:
    """The rules the issue states in words, each checked once more."""
    for every in (
        ("tdmrep", "1"),
        ("noai", "noai"),
        ("aipref", "bots=n"),
        ("iptc", "DMI-PROHIBITED"),
    ):
        assert reserved_purposes(*every) == EVERY_PURPOSE
    # train-ai is generative training only: no reservation for mining or search.
    assert reserved_purposes("aipref", "train-ai=n") == {Purpose.AI_TRAINING}
    # search=y does not lift another category: y statements reserve nothing, lift nothing.
    assert reserved_purposes("aipref", "search=y") == frozenset()
    # A storing crawl is reserved by use=immediate and use=reference, whatever it is for.
    assert reserved_purposes("content-signal", "use=reference") == EVERY_PURPOSE
    # Today a block on OAI-SearchBot (ai-search) counted as a training reservation.
    assert Purpose.AI_TRAINING not in reserved_purposes("ai-agent", "ai-search")


def test_unknown_vocabulary_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no purpose table for vocabulary 'robots'"):
        reserved_purposes("robots", "disallow")


def test_reservations_keep_table_order_then_read_order() -> None:
    found = reservations("aipref", ["x=n", "search=n", "train-ai=y", "tdm=n", "search=n", "y=n"])
    assert found.statements == ["search=n", "tdm=n"]
    assert found.purposes == EVERY_PURPOSE
    assert found.describe() == "search=n (search), tdm=n (every purpose)"
    nothing = reservations("aipref", ["train-ai=y"])
    assert not nothing and nothing.purposes == frozenset() and nothing.describe() == ""
    unknown = reservations("iptc", ["DMI-FUTURE", "DMI-ALLOWED"])
    assert unknown.statements == ["DMI-FUTURE"]


@pytest.mark.parametrize(
    ("purposes", "text"),
    [
        pytest.param(EVERY_PURPOSE, "every purpose", id="all"),
        pytest.param(frozenset(), "no purpose", id="none"),
        pytest.param({Purpose.SEARCH, Purpose.AI_TRAINING}, "ai-training, search", id="order"),
    ],
)
def test_describe_purposes(purposes: frozenset[Purpose], text: str) -> None:
    assert describe_purposes(purposes) == text


# --- the profile --------------------------------------------------------------------------


def test_default_profile() -> None:
    assert DEFAULT_PROFILE == Profile() == Profile.parse() == Profile.from_settings({})
    assert DEFAULT_PROFILE.to_json() == {
        "purpose": "ai-training",
        "operator": "commercial",
        "region": None,
    }


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(("tdm", None, None), Profile(Purpose.TDM), id="purpose"),
        pytest.param((" search ", "", ""), Profile(Purpose.SEARCH), id="trimmed-empty-default"),
        pytest.param(
            ("ai-input", "education", "de"),
            Profile(Purpose.AI_INPUT, Operator.EDUCATION, "DE"),
            id="region-upper-cased",
        ),
        pytest.param(
            (None, "non-commercial", " uk "),
            Profile(Purpose.AI_TRAINING, Operator.NON_COMMERCIAL, "UK"),
            id="reserved-code-accepted",
        ),
    ],
)
def test_parse(texts: tuple[str | None, str | None, str | None], expected: Profile) -> None:
    assert Profile.parse(*texts) == expected


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        pytest.param(
            ("training", None, None),
            "purpose 'training' is not one of ai-training, tdm, ai-input, search",
            id="purpose",
        ),
        pytest.param(("AI-Training", None, None), "purpose 'AI-Training'", id="case-sensitive"),
        pytest.param(
            (None, "company", None),
            "operator 'company' is not one of commercial, non-commercial, education, "
            "government, personal",
            id="operator",
        ),
        pytest.param((None, None, "DEU"), "region 'DEU' is not an ISO 3166-1 alpha-2", id="alpha3"),
        pytest.param((None, None, "d1"), "region 'D1'", id="digit"),
        pytest.param((None, None, "É"), "region 'É'", id="not-ascii"),
    ],
)
def test_parse_refuses(texts: tuple[str | None, str | None, str | None], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        Profile.parse(*texts)


def test_constructor_validates() -> None:
    with pytest.raises(ValueError, match="region 'de'"):
        Profile(region="de")  # the constructor takes the upper-case code only
    with pytest.raises(ValueError, match="purpose 'x'"):
        Profile.from_json({"purpose": "x"})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        pytest.param({"TDM_PURPOSE": "x"}, "TDM_PURPOSE (--purpose): purpose 'x'", id="purpose"),
        pytest.param({"TDM_OPERATOR": "x"}, "TDM_OPERATOR (--operator): operator 'x'", id="op"),
        pytest.param({"TDM_REGION": 12}, "TDM_REGION (--region): region '12'", id="region"),
    ],
)
def test_from_settings_names_the_setting(settings: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        Profile.from_settings(settings)


def test_from_settings_reads_each_field() -> None:
    settings = {"TDM_PURPOSE": "search", "TDM_OPERATOR": "government", "TDM_REGION": "fr"}
    assert Profile.from_settings(settings) == Profile(Purpose.SEARCH, Operator.GOVERNMENT, "FR")


def test_json_round_trip_and_old_manifests() -> None:
    profile = Profile(Purpose.TDM, Operator.PERSONAL, "CH")
    assert Profile.from_json(profile.to_json()) == profile
    assert Profile.from_json(None) == DEFAULT_PROFILE  # a crawl recorded before profiles
    assert Profile.from_json({"purpose": "search"}) == Profile(Purpose.SEARCH)
    with pytest.raises(ValueError, match="must be an object"):
        Profile.from_json(["search"])  # type: ignore[arg-type]
