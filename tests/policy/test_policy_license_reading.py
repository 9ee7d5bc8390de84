"""The best guess per work: order by location, classes, disagreement, the JSON form."""

from __future__ import annotations

import json

import pytest

from tdm_crawler.policy.license_reading import (
    MAX_FINDINGS,
    LicenseFinding,
    LicenseReading,
    Location,
    license_reading,
)
from tdm_crawler.policy.spdx import LicenseClass

BY = "https://creativecommons.org/licenses/by/4.0/"


def f(spdx: str | None, location: Location, url: str = BY, source: str = "a") -> LicenseFinding:
    return LicenseFinding(spdx, url, location, source)


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ([f("CC-BY-NC-4.0", Location.BODY), f("CC-BY-4.0", Location.HEAD)], "CC-BY-4.0"),
        ([f("CC-BY-NC-4.0", Location.FOOTER), f("CC0-1.0", Location.HEADER)], "CC0-1.0"),
        ([f("CC-BY-NC-4.0", Location.BODY), f("CC-BY-4.0", Location.FOOTER)], "CC-BY-NC-4.0"),
        ([f("CC-BY-4.0", Location.FIGURE), f("CC-BY-SA-4.0", Location.FOOTER)], "CC-BY-SA-4.0"),
        ([f("CC-BY-4.0", Location.FIGURE), f("CC-BY-SA-4.0", Location.SITE)], "CC-BY-SA-4.0"),
        ([f("CC-BY-SA-4.0", Location.SITE), f("CC-BY-4.0", Location.BODY)], "CC-BY-4.0"),
        ([f("GFDL-1.3-only", Location.OPF), f("CC-BY-4.0", Location.BODY)], "GFDL-1.3-only"),
        ([f("CC0-1.0", Location.XMP), f("CC-BY-4.0", Location.FIGURE)], "CC0-1.0"),
        # within a location a known licence beats an unknown URL
        (
            [f(None, Location.HEAD, "https://e.org/terms"), f("CC-BY-4.0", Location.HEAD)],
            "CC-BY-4.0",
        ),
        # but location comes first
        ([f(None, Location.HEAD, "https://e.org/terms"), f("CC-BY-4.0", Location.BODY)], None),
    ],
)
def test_order(findings: list[LicenseFinding], expected: str | None) -> None:
    assert license_reading(findings).id == expected


@pytest.mark.parametrize(
    ("findings", "license_class", "disagreement"),
    [
        ([], LicenseClass.UNSTATED, False),
        ([f("CC-BY-4.0", Location.HEAD)], LicenseClass.OPEN, False),
        ([f("CC-BY-ND-4.0", Location.FOOTER)], LicenseClass.RESTRICTED, False),
        ([f("LicenseRef-PDM", Location.BODY)], LicenseClass.PUBLIC_DOMAIN, False),
        ([f(None, Location.HEAD, "https://e.org/terms")], LicenseClass.OTHER, False),
        ([f("CC-BY-4.0", Location.FIGURE)], LicenseClass.PARTIAL, False),
        (
            [f("CC-BY-4.0", Location.FIGURE), f("CC0-1.0", Location.FIGURE)],
            LicenseClass.PARTIAL,
            True,
        ),
        (
            [f("CC-BY-4.0", Location.HEAD), f("CC-BY-4.0", Location.FOOTER)],
            LicenseClass.OPEN,
            False,
        ),
        (
            [f("CC-BY-4.0", Location.HEAD), f("CC-BY-NC-4.0", Location.FOOTER)],
            LicenseClass.OPEN,
            True,
        ),
        ([f("CC-BY-4.0", Location.HEAD), f("CC0-1.0", Location.FIGURE)], LicenseClass.OPEN, False),
        (
            [f("CC-BY-4.0", Location.HEAD), f(None, Location.BODY, "https://e.org/terms")],
            LicenseClass.OPEN,
            True,
        ),
        # text naming no licence, and permissions naming none, do not count
        ([f(None, Location.HEAD, "© Acme", "meta")], LicenseClass.UNSTATED, False),
        (
            [f(None, Location.XMP, "xmpRights:Marked=True", "xmpRights:Marked")],
            LicenseClass.UNSTATED,
            False,
        ),
        ([f(None, Location.SITE, "https://e.org/rsl.xml", "rsl")], LicenseClass.UNSTATED, False),
        ([f(None, Location.HEADER, "cc-cr", "cc-signal")], LicenseClass.UNSTATED, False),
        ([f(None, Location.BODY, "mailto:x@e.org")], LicenseClass.UNSTATED, False),
        ([f("CC-BY-4.0", Location.SITE, BY, "rsl")], LicenseClass.OPEN, False),
    ],
)
def test_class_and_disagreement(
    findings: list[LicenseFinding], license_class: LicenseClass, disagreement: bool
) -> None:
    reading = license_reading(findings)
    assert (reading.license_class, reading.disagreement) == (license_class, disagreement)
    assert reading.findings == tuple(findings)


def test_unstated_keeps_what_was_seen() -> None:
    seen = f(None, Location.HEAD, "All rights reserved", "meta")
    reading = license_reading([seen])
    assert (reading.id, reading.url, reading.findings) == (None, None, (seen,))


def test_duplicates_are_kept_once_and_findings_are_capped() -> None:
    same = f("CC-BY-4.0", Location.FOOTER)
    assert license_reading([same, same]).findings == (same,)
    many = [f("CC-BY-4.0", Location.BODY, f"{BY}?{i}") for i in range(100)]
    assert len(license_reading(many).findings) == MAX_FINDINGS


def test_json_round_trip_is_stable() -> None:
    reading = license_reading(
        [
            f(
                "CC-BY-SA-4.0",
                Location.HEAD,
                "https://creativecommons.org/licenses/by-sa/4.0/",
                "link",
            ),
            f("CC-BY-4.0", Location.FIGURE),
            f(None, Location.XMP, "xmpRights:Marked=True", "xmpRights:Marked"),
        ]
    )
    data = reading.to_json()
    assert data == {
        "id": "CC-BY-SA-4.0",
        "class": "open",
        "url": "https://creativecommons.org/licenses/by-sa/4.0/",
        "findings": [
            {
                "id": "CC-BY-SA-4.0",
                "url": "https://creativecommons.org/licenses/by-sa/4.0/",
                "source": "link",
                "location": "head",
            },
            {"id": "CC-BY-4.0", "url": BY, "source": "a", "location": "figure"},
            {
                "id": None,
                "url": "xmpRights:Marked=True",
                "source": "xmpRights:Marked",
                "location": "xmp",
            },
        ],
        "disagreement": False,
    }
    assert LicenseReading.from_json(json.loads(json.dumps(data))) == reading
