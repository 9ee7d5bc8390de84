"""TDMRep policies (ODRL 2.2 profile, JSON-LD): what the record says about whom to ask."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tdm_crawler.policy.odrl import (
    Assigner,
    Constraint,
    Duty,
    Permission,
    PolicyProblem,
    PolicySummary,
    parse_policy,
)

URL = "https://provider.com/policies/policy.json"

# The two "Full Examples" of the TDMRep CG final report, section "Expressing a TDM
# Policy", verbatim, including the trailing comma after "vcard:hasEmail" in the second.
SPEC_CONSENT = """
{
    "@context": [
      "http://www.w3.org/ns/odrl.jsonld",
      {"tdm": "http://www.w3.org/ns/tdmrep#"}
  ],

  "@type": "Offer",
  "profile": "http://www.w3.org/ns/tdmrep",
  "uid": "https://provider.com/policies/1",
  "assigner": {
    "uid": "https://provider.com",
    "vcard:fn": "Provider",
    "vcard:hasEmail": "mailto:contact@provider.com",
    "vcard:hasAddress": {
      "vcard:street-address": "111 Street Address",
      "vcard:postal-code": "5555",
      "vcard:locality": "Espérance",
      "vcard:country-name": "France"
    },
    "vcard:hasTelephone": "tel:+61755555555",
    "vcard:hasURL": "https://provider.com/tdm/licensing.html"
  },
  "permission": [{
    "action": "tdm:mine",
    "duty": [{
      "action": "obtainConsent"
      }
    ]
  }
]
}
"""

SPEC_COMPENSATE = """
{
    "@context": [
      "http://www.w3.org/ns/odrl.jsonld",
      {"tdm": "http://www.w3.org/ns/tdmrep#"}
  ],

  "@type": "Offer",
  "profile": "http://www.w3.org/ns/tdmrep",
  "uid": "https://provider.com/policies/1",
  "assigner": {
    "uid": "https://provider.com",
    "vcard:fn": "Provider",
    "vcard:hasEmail": "mailto:contact@provider.com",
  },
  "permission": [{
      "action": "tdm:mine",
      "duty": [{
        "action": "compensate"
        }
      ],
      "constraint": [{
        "leftOperand": "purpose",
        "operator": "eq",
        "rightOperand": "tdm:non-research"
        }
      ]
    }
  ]
}
"""

# The section examples ("Assigner", "target", "purpose"), completed into whole policies.
SPEC_ASSIGNER_NICKNAME = """
{
  "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
  "uid": "https://provider.com/policies/1",
  "@type": "Offer",
  "profile": "http://www.w3.org/ns/tdmrep",
  "assigner": {
    "uid": "https://provider.com",
    "vcard:fn": "Provider Name",
    "vcard:nickname": "PRV",
    "vcard:hasEmail": "mailto:contact@provider.com",
    "vcard:hasTelephone": "tel:+61755555555",
    "vcard:hasURL": "https://provider.com/tdm/licensing.html"
  },
  "permission": [{"target": "https://provider.com/research-papers", "action": "tdm:mine"}]
}
"""

SPEC_RESEARCH = """
{
  "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
  "@type": "Offer",
  "profile": "http://www.w3.org/ns/tdmrep",
  "uid": "https://provider.com/policies/1",
  "assigner": {"vcard:fn": "ACME", "vcard:hasEmail": "mailto:rights@acme.example"},
  "permission": [{
      "action": "tdm:mine",
      "duty": [{"action": "obtainConsent"}],
      "constraint": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}]
  }]
}
"""

# ODRL 2.2 Information Model's compensation example shape: a refined action.
ODRL_REFINED_COMPENSATE = {
    "@context": "http://www.w3.org/ns/odrl.jsonld",
    "@type": "Offer",
    "uid": "http://example.com/policy:88",
    "profile": "http://www.w3.org/ns/tdmrep",
    "assigner": "https://wwf.example.com",
    "permission": [
        {
            "action": "http://www.w3.org/ns/tdmrep#mine",
            "duty": [
                {
                    "action": [
                        {
                            "rdf:value": {"@id": "odrl:compensate"},
                            "refinement": [
                                {
                                    "leftOperand": "payAmount",
                                    "operator": "eq",
                                    "rightOperand": {"@value": "500.00", "@type": "xsd:decimal"},
                                    "unit": "http://dbpedia.org/resource/Euro",
                                }
                            ],
                        }
                    ],
                    "compensatedParty": "https://wwf.example.com",
                }
            ],
        }
    ],
}


def parse(data: object) -> PolicySummary:
    body = data.encode() if isinstance(data, str) else json.dumps(data).encode()
    result = parse_policy(body, url=URL)
    assert isinstance(result, PolicySummary), result
    return result


def offer(**fields: Any) -> dict[str, Any]:
    """A minimal valid policy, with fields replaced or added."""
    base: dict[str, Any] = {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": "https://e.org/policies/1",
        "assigner": {"fn": "ACME", "hasEmail": "mailto:rights@acme.example"},
        "permission": [{"action": "tdm:mine"}],
    }
    base.update(fields)
    return base


# --- the report's examples -----------------------------------------------------------


def test_spec_consent_example() -> None:
    policy = parse(SPEC_CONSENT)
    assert policy.url == URL
    assert policy.uid == "https://provider.com/policies/1"
    assert policy.assigner == Assigner(
        uid="https://provider.com",
        name="Provider",
        email="contact@provider.com",
        url="https://provider.com/tdm/licensing.html",
        phone="+61755555555",
        address="111 Street Address, 5555, Espérance, France",
    )
    assert policy.permissions == (Permission("tdm:mine", duties=(Duty("obtainConsent"),)),)
    assert policy.summary == (
        "TDM for any purpose, after obtaining consent from Provider <contact@provider.com>"
    )
    assert policy.problems == ()


def test_spec_compensate_example_with_its_trailing_comma() -> None:
    policy = parse(SPEC_COMPENSATE)
    assert policy.permissions == (
        Permission("tdm:mine", duties=(Duty("compensate"),), purposes=("non-research",)),
    )
    assert policy.assigner.email == "contact@provider.com"
    assert policy.summary == (
        "TDM for non-research purposes only, against compensation; "
        "contact Provider <contact@provider.com>"
    )
    assert policy.problems == ("trailing commas in JSON tolerated",)


def test_spec_assigner_and_target_example() -> None:
    policy = parse(SPEC_ASSIGNER_NICKNAME)
    assert policy.assigner.name == "Provider Name"
    assert policy.permissions[0].target == "https://provider.com/research-papers"
    assert policy.summary == (
        "TDM for any purpose, no duty stated; contact Provider Name <contact@provider.com>"
    )


def test_spec_research_example_gives_the_briefs_summary() -> None:
    policy = parse(SPEC_RESEARCH)
    assert policy.permissions[0].purposes == ("research",)
    assert policy.summary == (
        "TDM for research only, after obtaining consent from ACME <rights@acme.example>"
    )


def test_odrl_refined_compensation_keeps_amount_and_unit() -> None:
    policy = parse(ODRL_REFINED_COMPENSATE)
    duty = policy.permissions[0].duties[0]
    assert duty == Duty(
        "compensate",
        (Constraint("payAmount", "eq", "500.00", "http://dbpedia.org/resource/Euro"),),
    )
    assert policy.assigner == Assigner(uid="https://wwf.example.com")
    assert policy.summary == (
        "TDM for any purpose, against compensation (payAmount eq 500.00 Euro); "
        "contact https://wwf.example.com"
    )


def test_to_json_is_plain_json() -> None:
    policy = parse(SPEC_CONSENT)
    data = json.loads(json.dumps(policy.to_json()))
    assert data["assigner"]["email"] == "contact@provider.com"
    assert data["permissions"] == [
        {
            "action": "tdm:mine",
            "target": None,
            "duties": [{"action": "obtainConsent", "constraints": []}],
            "purposes": [],
            "constraints": [],
        }
    ]
    assert data["summary"].startswith("TDM for any purpose")
    problem = parse_policy(b"nope", url=URL)
    assert isinstance(problem, PolicyProblem)
    assert problem.to_json() == {"url": URL, "problem": "policy is not JSON"}


# --- liberal in what is accepted ------------------------------------------------------

MINE_SPELLINGS = [
    pytest.param("tdm:mine", "tdm:mine", id="prefixed"),
    pytest.param("http://www.w3.org/ns/tdmrep#mine", "tdm:mine", id="expanded-hash"),
    pytest.param("http://www.w3.org/ns/tdmrep/mine", "tdm:mine", id="expanded-slash"),
    pytest.param("mine", "tdm:mine", id="bare"),
    pytest.param({"@id": "tdm:mine"}, "tdm:mine", id="id-object"),
    pytest.param(["tdm:mine"], "tdm:mine", id="list"),
    pytest.param(["odrl:print", "tdm:mine"], "tdm:mine", id="second-in-list"),
    pytest.param("use", "use", id="odrl-use-includes-mine"),
    pytest.param("http://www.w3.org/ns/odrl/2/use", "use", id="odrl-use-expanded"),
]


@pytest.mark.parametrize(("action", "expected"), MINE_SPELLINGS)
def test_mine_action_spellings(action: object, expected: str) -> None:
    policy = parse(offer(permission=[{"action": action}]))
    assert [p.action for p in policy.permissions] == [expected]


TYPE_CASES = [
    pytest.param("Offer", (), id="Offer"),
    pytest.param("odrl:Offer", (), id="odrl-prefixed"),
    pytest.param("http://www.w3.org/ns/odrl/2/Offer", (), id="expanded"),
    pytest.param(["Offer"], (), id="list"),
    pytest.param("Policy", ("@type is Policy, not Offer",), id="Policy-noted"),
    pytest.param("Set", ("@type is Set, not Offer",), id="Set-noted"),
    pytest.param("odrl:Agreement", ("@type is Agreement, not Offer",), id="Agreement-noted"),
]


@pytest.mark.parametrize(("type_", "problems"), TYPE_CASES)
def test_policy_types(type_: object, problems: tuple[str, ...]) -> None:
    assert parse(offer(**{"@type": type_})).problems == problems


def test_type_alias_without_at_sign() -> None:
    data = offer()
    data["type"] = data.pop("@type")
    assert parse(data).problems == ()


CONTAINER_CASES = [
    pytest.param([offer()], id="array"),
    pytest.param([{"@id": "x"}, 3, offer()], id="array-with-noise"),
    pytest.param({"@context": "x", "@graph": [{"@id": "a"}, offer()]}, id="graph"),
    pytest.param([{"@type": "Set", "permission": []}, offer()], id="offer-preferred-over-set"),
]


@pytest.mark.parametrize("data", CONTAINER_CASES)
def test_policy_found_inside_containers(data: object) -> None:
    policy = parse(data)
    assert policy.uid == "https://e.org/policies/1"
    assert policy.permissions == (Permission("tdm:mine"),)


def test_untyped_object_with_permission_is_read_and_noted() -> None:
    data = offer()
    del data["@type"]
    assert parse(data).problems == ("@type is none, not Offer",)


ASSIGNER_CASES = [
    pytest.param(
        {"fn": "A", "hasEmail": "mailto:a@e.org", "hasURL": "https://e.org/tdm"},
        Assigner(name="A", email="a@e.org", url="https://e.org/tdm"),
        id="compact-vcard",
    ),
    pytest.param(
        {
            "http://www.w3.org/2006/vcard/ns#fn": "A",
            "http://www.w3.org/2006/vcard/ns#hasEmail": {"@id": "mailto:a@e.org"},
        },
        Assigner(name="A", email="a@e.org"),
        id="expanded-vcard-and-id-object",
    ),
    pytest.param(
        {"vcard:fn": {"@value": "A"}, "vcard:hasEmail": ["a@e.org", "b@e.org"]},
        Assigner(name="A", email="a@e.org"),
        id="value-object-and-list",
    ),
    pytest.param(
        {"@id": "https://e.org", "vcard:hasTelephone": "TEL:+331"},
        Assigner(uid="https://e.org", phone="+331"),
        id="at-id-and-upper-case-scheme",
    ),
    pytest.param(
        {"vcard:nickname": "PRV", "vcard:hasAddress": "1 Road, Town"},
        Assigner(name="PRV", address="1 Road, Town"),
        id="nickname-and-address-string",
    ),
    pytest.param("https://e.org", Assigner(uid="https://e.org"), id="plain-iri"),
    pytest.param("mailto:a@e.org", Assigner(uid="mailto:a@e.org", email="a@e.org"), id="mailto"),
    pytest.param({"fn": 5, "hasEmail": None, "hasURL": {}}, Assigner(), id="wrong-types"),
    pytest.param({"fn": "  A \n  B "}, Assigner(name="A B"), id="whitespace-collapsed"),
]


@pytest.mark.parametrize(("assigner", "expected"), ASSIGNER_CASES)
def test_assigner_forms(assigner: object, expected: Assigner) -> None:
    assert parse(offer(assigner=assigner)).assigner == expected


ASSIGNER_PROBLEMS = [
    pytest.param(None, "no assigner", id="missing"),
    pytest.param([], "no assigner", id="empty-list"),
    pytest.param(5, "assigner is neither an object nor an IRI", id="number"),
    pytest.param([{"fn": "A"}, {"fn": "B"}], "2 assigners, the first is used", id="two"),
]


@pytest.mark.parametrize(("assigner", "problem"), ASSIGNER_PROBLEMS)
def test_assigner_problems(assigner: object, problem: str) -> None:
    policy = parse(offer(assigner=assigner))
    assert problem in policy.problems


PURPOSE_CASES = [
    pytest.param(
        {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"},
        ("research",),
        "TDM for research only",
        id="research",
    ),
    pytest.param(
        {
            "odrl:leftOperand": {"@id": "odrl:purpose"},
            "odrl:operator": {"@id": "odrl:eq"},
            "odrl:rightOperand": {"@id": "http://www.w3.org/ns/tdmrep#non-research"},
        },
        ("non-research",),
        "TDM for non-research purposes only",
        id="prefixed-and-expanded",
    ),
    pytest.param(
        {
            "leftOperand": "purpose",
            "operator": "isAnyOf",
            "rightOperand": ["tdm:research", "tdm:non-research"],
        },
        ("research", "non-research"),
        "TDM for research and non-research purposes",
        id="is-any-of-both",
    ),
    pytest.param(
        {"leftOperand": "purpose", "operator": "eq", "rightOperand": "ex:journalism"},
        ("ex:journalism",),
        "TDM for purpose ex:journalism only",
        id="unknown-purpose-kept-verbatim",
    ),
]


@pytest.mark.parametrize(("constraint", "purposes", "phrase"), PURPOSE_CASES)
def test_purpose_constraints(constraint: object, purposes: tuple[str, ...], phrase: str) -> None:
    policy = parse(offer(permission=[{"action": "tdm:mine", "constraint": constraint}]))
    assert policy.permissions[0].purposes == purposes
    assert policy.summary.startswith(phrase + ", no duty stated")


def test_other_constraints_are_kept_not_taken_for_purposes() -> None:
    spatial = {
        "leftOperand": "spatial",
        "operator": "isPartOf",
        "rightOperand": ["urn:iso:3166:FRA"],
    }
    negated = {"leftOperand": "purpose", "operator": "neq", "rightOperand": "tdm:research"}
    policy = parse(offer(permission=[{"action": "tdm:mine", "constraint": [spatial, negated]}]))
    permission = policy.permissions[0]
    assert permission.purposes == ()
    assert permission.constraints == (
        Constraint("spatial", "isPartOf", "urn:iso:3166:FRA"),
        Constraint("purpose", "neq", "tdm:research"),
    )
    assert policy.summary.startswith(
        "TDM for any purpose (spatial isPartOf urn:iso:3166:FRA; purpose neq tdm:research)"
    )


DUTY_CASES = [
    pytest.param([{"action": "obtainConsent"}], ("obtainConsent",), id="consent"),
    pytest.param([{"action": "odrl:obtainConsent"}], ("obtainConsent",), id="prefixed"),
    pytest.param([{"action": "obtainconsent"}], ("obtainConsent",), id="case-folded"),
    pytest.param({"action": {"@id": "compensate"}}, ("compensate",), id="single-object"),
    pytest.param(["compensate"], ("compensate",), id="bare-string"),
    pytest.param([{"action": "attribute"}], ("attribute",), id="other-kept"),
    pytest.param([1, None, {"action": 5}, {}], (), id="junk-dropped"),
]


@pytest.mark.parametrize(("duties", "actions"), DUTY_CASES)
def test_duties(duties: object, actions: tuple[str, ...]) -> None:
    policy = parse(offer(permission={"action": "tdm:mine", "duty": duties}))
    assert tuple(d.action for d in policy.permissions[0].duties) == actions


def test_compensate_constraint_on_the_duty_is_kept() -> None:
    duty = {
        "action": "compensate",
        "constraint": [
            {"leftOperand": "payAmount", "operator": "eq", "rightOperand": 12, "unit": "EUR"}
        ],
    }
    policy = parse(offer(permission={"action": "tdm:mine", "duty": duty}))
    assert policy.permissions[0].duties[0].constraints == (
        Constraint("payAmount", "eq", "12", "EUR"),
    )
    assert "against compensation (payAmount eq 12 EUR)" in policy.summary


SUMMARY_CASES = [
    pytest.param(
        offer(
            assigner={"fn": "ACME"}, permission=[{"action": "tdm:mine", "duty": "obtainConsent"}]
        ),
        "TDM for any purpose, after obtaining consent from ACME",
        id="name-only",
    ),
    pytest.param(
        offer(assigner=None, permission=[{"action": "tdm:mine", "duty": "obtainConsent"}]),
        "TDM for any purpose, after obtaining consent from the rightsholder",
        id="nobody-named",
    ),
    pytest.param(
        offer(
            permission=[
                {
                    "action": "tdm:mine",
                    "constraint": {
                        "leftOperand": "purpose",
                        "operator": "eq",
                        "rightOperand": "tdm:research",
                    },
                },
                {"action": "tdm:mine", "duty": ["compensate"]},
            ]
        ),
        "TDM for research only, no duty stated; or TDM for any purpose, against compensation; "
        "contact ACME <rights@acme.example>",
        id="two-permissions",
    ),
    pytest.param(
        offer(permission=[{"action": "odrl:print"}]),
        "offers no TDM permission; contact ACME <rights@acme.example>",
        id="no-mine-permission",
    ),
    pytest.param(
        offer(permission=[{"action": "tdm:mine"}] * 5),
        "TDM for any purpose, no duty stated; or TDM for any purpose, no duty stated; or "
        "TDM for any purpose, no duty stated; and 2 more; contact ACME <rights@acme.example>",
        id="many-permissions-shortened",
    ),
]


@pytest.mark.parametrize(("data", "summary"), SUMMARY_CASES)
def test_summaries(data: object, summary: str) -> None:
    assert parse(data).summary == summary


PROFILE_CASES = [
    pytest.param("http://www.w3.org/ns/tdmrep", True, id="exact"),
    pytest.param("http://www.w3.org/ns/tdmrep#", True, id="with-hash"),
    pytest.param({"@id": "http://www.w3.org/ns/tdmrep"}, True, id="id-object"),
    pytest.param(["https://x.example/p", "http://www.w3.org/ns/tdmrep"], True, id="in-list"),
    pytest.param("https://x.example/p", False, id="other"),
    pytest.param(None, False, id="missing"),
]


@pytest.mark.parametrize(("profile", "ok"), PROFILE_CASES)
def test_profile_checked_but_not_required(profile: object, ok: bool) -> None:
    problems = parse(offer(profile=profile)).problems
    assert ("profile is not http://www.w3.org/ns/tdmrep" not in problems) is ok


PERMISSION_PROBLEMS = [
    pytest.param(None, ["no permission"], id="missing"),
    pytest.param("tdm:mine", ["permission 1 ignored: not an object"], id="string"),
    pytest.param([{"action": 5}], ["permission 1 ignored: action none is not tdm:mine"], id="num"),
    pytest.param(
        [{"action": "odrl:print"}, {"action": "tdm:mine"}],
        ["permission 1 ignored: action print is not tdm:mine"],
        id="other-action",
    ),
]


@pytest.mark.parametrize(("permission", "problems"), PERMISSION_PROBLEMS)
def test_permission_problems(permission: object, problems: list[str]) -> None:
    assert list(parse(offer(permission=permission)).problems) == problems


def test_long_values_and_long_lists_are_bounded() -> None:
    policy = parse(offer(assigner={"fn": "x" * 10_000}, permission=[{"action": "tdm:mine"}] * 1000))
    assert policy.assigner.name is not None
    assert len(policy.assigner.name) == 300
    assert len(policy.permissions) == 20
    assert "only the first 20 of 1000 permissions read" in policy.problems


# --- strict about what is not a policy -------------------------------------------------

PROBLEM_CASES = [
    pytest.param(b"", "policy is not JSON", id="empty"),
    pytest.param(b"not json", "policy is not JSON", id="text"),
    pytest.param(
        b"<!doctype html><html>policy</html>", "policy is an HTML page, not JSON", id="html"
    ),
    pytest.param(b"\xff\xfe{}", "policy is not UTF-8", id="not-utf8"),
    pytest.param(b'{"a": 1,, }', "policy is not JSON", id="broken-beyond-trailing-comma"),
    pytest.param(b"[" * 100_000, "policy nested too deeply", id="deep-nesting"),
    pytest.param(
        b'"Offer"', "no ODRL policy object (no @type Offer and no permission)", id="string"
    ),
    pytest.param(b"null", "no ODRL policy object (no @type Offer and no permission)", id="null"),
    pytest.param(
        b"[1, 2, 3]", "no ODRL policy object (no @type Offer and no permission)", id="numbers"
    ),
    pytest.param(
        b'{"@type": "Person"}',
        "no ODRL policy object (no @type Offer and no permission)",
        id="not-a-policy",
    ),
    pytest.param(
        b'{"@graph": {"@graph": {"@graph": {"@graph": {"@graph": {"@type": "Offer"}}}}}}',
        "no ODRL policy object (no @type Offer and no permission)",
        id="graph-too-deep",
    ),
]


@pytest.mark.parametrize(("body", "detail"), PROBLEM_CASES)
def test_problems(body: bytes, detail: str) -> None:
    assert parse_policy(body, url=URL) == PolicyProblem(URL, detail)


def test_too_large_is_refused_not_truncated() -> None:
    body = SPEC_CONSENT.encode()
    assert parse_policy(body, url=URL, max_bytes=len(body) - 1) == PolicyProblem(
        URL, f"policy larger than {len(body) - 1} bytes"
    )
    assert isinstance(parse_policy(body, url=URL, max_bytes=len(body)), PolicySummary)


def test_utf8_bom_accepted() -> None:
    assert isinstance(parse_policy(b"\xef\xbb\xbf" + SPEC_CONSENT.encode(), url=URL), PolicySummary)


def test_trailing_comma_inside_a_string_is_left_alone() -> None:
    policy = parse(offer(assigner={"fn": "A ,}", "hasEmail": "mailto:a@e.org"}))
    assert policy.assigner.name == "A ,}"


def test_deeply_nested_values_do_not_recurse_forever() -> None:
    value: object = "tdm:mine"
    for _ in range(900):
        value = {"@id": value}
    listed: object = [{"action": "tdm:mine"}]
    for _ in range(900):
        listed = {"@list": listed}
    policy = parse(offer(permission=[{"action": value}], assigner={"fn": value}))
    assert policy.permissions == ()
    assert parse(offer(permission=listed)).permissions == ()


def _junk(rng: random.Random, depth: int = 0) -> object:
    choices: list[object] = [None, True, 0, -1.5, "", "tdm:mine", "mailto:", {"@id": None}]
    if depth < 3:
        choices += [
            [_junk(rng, depth + 1) for _ in range(rng.randrange(3))],
            {k: _junk(rng, depth + 1) for k in rng.sample(_KEYS, rng.randrange(4))},
        ]
    return rng.choice(choices)


_KEYS = [
    "@type",
    "@id",
    "@value",
    "@list",
    "@graph",
    "uid",
    "profile",
    "assigner",
    "permission",
    "action",
    "duty",
    "constraint",
    "refinement",
    "rdf:value",
    "leftOperand",
    "operator",
    "rightOperand",
    "unit",
    "target",
    "fn",
    "hasEmail",
    "hasURL",
    "hasAddress",
    "vcard:fn",
]


@pytest.mark.parametrize("seed", range(40))
def test_wrong_types_everywhere_never_raise(seed: int) -> None:
    rng = random.Random(seed)
    data = json.loads(SPEC_CONSENT)
    for _ in range(6):
        node: Any = data
        path = []
        while isinstance(node, (dict, list)) and node and rng.random() < 0.7:
            key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
            path.append((node, key))
            node = node[key]
        if path:
            parent, key = path[-1]
            parent[key] = _junk(rng)
    result = parse_policy(json.dumps(data).encode(), url=URL)
    assert isinstance(result, (PolicySummary, PolicyProblem))
    if isinstance(result, PolicySummary):
        json.dumps(result.to_json())
