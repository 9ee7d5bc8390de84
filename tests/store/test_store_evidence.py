"""Typed evidence: the JSON the crawl writes, read back into the same values, and the JSON of
a crawl written by release 0.1.0 read unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tdm_crawler.policy import ContentFacts, Reason
from tdm_crawler.policy.license_reading import LicenseFinding, LicenseReading, Location
from tdm_crawler.policy.spdx import LicenseClass
from tdm_crawler.store import CrawlDir
from tdm_crawler.store.evidence import (
    EVIDENCE_FORMAT,
    DecisionEvidence,
    DocumentRef,
    FetchFailure,
    OriginEvidence,
    RecordRef,
    ResponseEvidence,
    of_record,
)
from tdm_crawler.store.warcread import metadata_json, scan
from tests.paths import DATA

OLD = CrawlDir(DATA / "crawl-0.1.0")

ROBOTS = DocumentRef(
    "http://example.test/robots.txt", 200, None, (RecordRef("<urn:uuid:r>", "sha1:AAAA"),)
)
TDMREP = DocumentRef(
    "http://example.test/.well-known/tdmrep.json",
    None,
    "TimeoutError: took too long",
    (RecordRef("<urn:uuid:t1>", "sha1:BBBB"), RecordRef("<urn:uuid:t2>", "sha1:CCCC")),
)
LICENCE = DocumentRef("http://example.test/licence.xml", 404, None, ())
CONTENT = ContentFacts("html", "text/html", metas=(("robots", "noai"),), rsl_links=("/l.xml",))
CC_BY = "https://creativecommons.org/licenses/by/4.0/"
READING = LicenseReading(
    "CC-BY-4.0", LicenseClass.OPEN, CC_BY, (LicenseFinding("CC-BY-4.0", CC_BY, Location.BODY, "a"),)
)

EXAMPLES: list[Any] = [
    RecordRef("<urn:uuid:r>", "sha1:AAAA"),
    ROBOTS,
    TDMREP,
    OriginEvidence(ROBOTS, TDMREP, (LICENCE,)),
    OriginEvidence.refused("example.test resolves to non-public address 10.0.0.1"),
    ResponseEvidence((("x-robots-tag", "noai"), ("x-robots-tag", "noindex")), CONTENT, (LICENCE,)),
    ResponseEvidence((("tdm-reservation", "1"),), CONTENT, (), READING),
    FetchFailure(Reason.FETCH_FAILED, "DNS lookup failed"),
    DecisionEvidence("before", "http://example.test/a", (), {"http://example.test:80": "<e1>"}),
    DecisionEvidence("address", "http://example.test/a", (), {"http://example.test:80": None}),
    DecisionEvidence(
        "after",
        "http://other.test/b",
        ("http://example.test/a",),
        {"http://example.test:80": "<e1>", "http://other.test:80": "<e2>"},
        ResponseEvidence((("tdm-reservation", "1"),), CONTENT),
        ROBOTS,
    ),
    DecisionEvidence(
        "failed",
        "http://example.test/a",
        (),
        {"http://example.test:80": "<e1>"},
        failure=FetchFailure(Reason.HTTP_STATUS, "HTTP 500"),
    ),
]


@pytest.mark.parametrize("value", EXAMPLES, ids=lambda v: type(v).__name__)
def test_every_type_round_trips_through_its_json(value: Any) -> None:
    data = json.loads(json.dumps(value.to_json()))
    assert type(value).from_json(data) == value
    assert type(value).from_json(data).to_json() == data


def test_the_json_has_the_documented_shape() -> None:
    after = EXAMPLES[-2].to_json()
    assert list(after) == ["stage", "url", "hops", "origins", "response", "policy"]
    assert after["policy"] == {
        "url": ROBOTS.url,
        "status": 200,
        "error": None,
        "records": [{"id": "<urn:uuid:r>", "digest": "sha1:AAAA"}],
    }
    assert list(after["response"]) == ["headers", "content", "licenses"]
    assert after["response"]["headers"] == [["tdm-reservation", "1"]]
    assert list(EXAMPLES[-1].to_json()) == ["stage", "url", "hops", "origins", "failure"]
    assert EXAMPLES[-1].to_json()["failure"] == {"reason": "http-status", "detail": "HTTP 500"}
    assert OriginEvidence(ROBOTS, TDMREP).to_json() == {
        "robots": ROBOTS.to_json(),
        "tdmrep": TDMREP.to_json(),
        "licenses": [],
    }
    assert OriginEvidence.refused("why").to_json() == {"address": "why"}
    assert "format" not in json.dumps([value.to_json() for value in EXAMPLES])  # format 1


def test_the_document_read_is_the_last_record_of_a_fetch_with_a_status() -> None:
    assert ROBOTS.response == RecordRef("<urn:uuid:r>", "sha1:AAAA")
    assert TDMREP.response is None, "an error: no response was read"
    assert LICENCE.response is None, "a status but no record"
    origin = OriginEvidence(ROBOTS, TDMREP, (LICENCE,))
    assert list(origin.documents()) == [ROBOTS, TDMREP, LICENCE]
    assert list(OriginEvidence.refused("x").documents()) == []
    after = EXAMPLES[-2]
    assert list(after.documents()) == [ROBOTS]
    assert EXAMPLES[5].header_map() == {"x-robots-tag": ["noai", "noindex"]}


def test_a_response_keeps_its_licence_reading_only_when_it_has_one() -> None:
    """A reserved response's reading is recorded (its body is not kept); the key is
    written only then, so the evidence of every other response is as before."""
    with_reading = EXAMPLES[6].to_json()
    assert list(with_reading) == ["headers", "content", "licenses", "license"]
    assert with_reading["license"] == READING.to_json()
    assert "license" not in EXAMPLES[5].to_json()
    with pytest.raises(ValueError, match="the licence reading cannot be read"):
        ResponseEvidence.from_json({**with_reading, "license": {"id": None}})


def test_a_decision_records_evidence_or_none() -> None:
    evidence = EXAMPLES[8]
    assert of_record({"url": "u", "evidence": evidence.to_json()}) == evidence
    assert of_record({"url": "u", "evidence": None}) is None


def test_format_1_is_read_with_or_without_its_field_and_later_ones_are_refused() -> None:
    data = EXAMPLES[8].to_json()
    assert DecisionEvidence.from_json({**data, "format": EVIDENCE_FORMAT}) == EXAMPLES[8]
    with pytest.raises(ValueError, match="evidence format 2"):
        DecisionEvidence.from_json({**data, "format": 2})
    origin = OriginEvidence(ROBOTS, TDMREP).to_json()
    with pytest.raises(ValueError, match="evidence format 2"):
        OriginEvidence.from_json({**origin, "format": 2})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "must be a JSON object"),
        ({"url": "u", "hops": [], "origins": {}}, "lacks 'stage'"),
        ({"stage": "later", "url": "u", "hops": [], "origins": {}}, "unknown stage 'later'"),
        ({"stage": "before", "url": 1, "hops": [], "origins": {}}, "'url' must be a string"),
        ({"stage": "before", "url": "u", "hops": [1], "origins": {}}, "'hops' must be URLs"),
        ({"stage": "before", "url": "u", "hops": [], "origins": {"o": {}}}, "record ids or null"),
        (
            {"stage": "failed", "url": "u", "hops": [], "origins": {}, "failure": {"reason": "x"}},
            "'x' is not a valid Reason",
        ),
        (
            {"stage": "after", "url": "u", "hops": [], "origins": {}, "response": {"headers": []}},
            "lacks 'content'",
        ),
        (
            {"stage": "after", "url": "u", "hops": [], "origins": {}, "policy": {"url": "p"}},
            "a document reference lacks 'status'",
        ),
    ],
)
def test_json_of_another_shape_is_refused_naming_what_is_wrong(data: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DecisionEvidence.from_json(data)


def test_a_status_is_a_number_not_a_boolean() -> None:
    with pytest.raises(ValueError, match="'status' must be a number or null"):
        DocumentRef.from_json({"url": "u", "status": True, "error": None, "records": []})


def test_every_evidence_of_the_0_1_0_crawl_reads_and_writes_back_the_same_bytes() -> None:
    records = [json.loads(line) for line in OLD.decisions.read_text().splitlines()]
    assert len(records) == 137
    stages = set()
    for record in records:
        evidence = of_record(record)
        assert evidence is not None
        stages.add(evidence.stage)
        assert json.dumps(evidence.to_json()) == json.dumps(record["evidence"])
    assert stages == {"before", "after", "failed"}
    origins = [
        payload
        for path in OLD.evidence_warcs()
        for member, payload in scan(path, metadata_json)
        if member.record_type == "metadata"
    ]
    assert len(origins) == 20
    for payload in origins:
        assert OriginEvidence.from_json(payload).to_json() == payload
