"""IPTC / PLUS Data Mining in the XMP of images and PDFs (policy/iptc.py, protocols §6.1)."""

from __future__ import annotations

import struct
import zlib

import pytest

from fixtures.documents import (
    data_mining_image,
    data_mining_xmp,
    make_gif,
    make_jpeg,
    make_pdf,
    make_png,
    make_tiff,
    make_webp,
)
from tdm_crawler.policy.content import ContentFacts, extract_content
from tdm_crawler.policy.iptc import iptc_finding, read_data_mining
from tdm_crawler.policy.purposes import Purpose
from tdm_crawler.policy.types import Finding, Reason

FORMATS = ["jpeg", "png", "webp", "gif", "tiff"]
TYPES = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
}
WHERE = {
    "jpeg": "JPEG APP1",
    "png": "PNG iTXt",
    "webp": "WebP XMP chunk",
    "gif": "GIF XMP extension",
    "tiff": "TIFF tag 700",
}
LETTER = {Purpose.AI_TRAINING: "T", Purpose.TDM: "M", Purpose.AI_INPUT: "I", Purpose.SEARCH: "S"}

#: The vocabulary as the test reads IPTC 2023.1: value -> purposes reserved, as letters.
VALUES = {
    "DMI-UNSPECIFIED": "",
    "DMI-ALLOWED": "",
    "DMI-PROHIBITED": "TMIS",
    "DMI-PROHIBITED-AIMLTRAINING": "T",
    "DMI-PROHIBITED-GENAIMLTRAINING": "T",
    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": "TMI",
    "DMI-PROHIBITED-SEECONSTRAINT": "TMIS",
    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": "TMIS",
    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": "TMIS",
    "DMI-PROHIBITED-SOMETHINGNEW": "TMIS",  # outside the vocabulary: fail closed
}


def letters(finding: Finding) -> str:
    return "".join(LETTER[p] for p in Purpose if p in finding.reserved_for)


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("value", list(VALUES))
@pytest.mark.parametrize("fmt", FORMATS)
def test_value_format_purpose(fmt: str, value: str, purpose: Purpose) -> None:
    finding = iptc_finding(data_mining_image(fmt, value, marker="MARKER-OK-iptc-1"), TYPES[fmt])
    assert letters(finding) == VALUES[value]
    reserved = LETTER[purpose] in VALUES[value]
    assert (finding.reserves_for(purpose) is Reason.IPTC_DATA_MINING) == reserved
    (signal,) = finding.signals
    assert (signal.protocol, signal.source, signal.value) == ("iptc", "xmp", [value])
    assert signal.detail.startswith(f"{WHERE[fmt]}: plus:DataMining {value}")


@pytest.mark.parametrize("form", ["attribute", "element", "resource"])
def test_rdf_forms(form: str) -> None:
    xmp = data_mining_xmp("DMI-PROHIBITED", form=form)  # type: ignore[arg-type]
    assert letters(read_data_mining(xmp)) == "TMIS"


def test_prefix_does_not_matter_namespace_does() -> None:
    xmp = (
        data_mining_xmp("DMI-PROHIBITED")
        .replace(b"plus:", b"p:")
        .replace(b"xmlns:plus", b"xmlns:p")
    )
    assert read_data_mining(xmp).reserves is Reason.IPTC_DATA_MINING
    other = data_mining_xmp("DMI-PROHIBITED").replace(b"ns.useplus.org/ldf/xmp", b"example.org/x")
    assert read_data_mining(other).reserves is None


def test_several_values_combine_most_restrictively() -> None:
    xmp = data_mining_xmp("DMI-ALLOWED").replace(
        b"/>\n</rdf:RDF>",
        b'/><rdf:Description xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" '
        b'plus:DataMining="http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"/>'
        b"\n</rdf:RDF>",
    )
    finding = read_data_mining(xmp)
    assert letters(finding) == "T"
    assert finding.signals[0].value == ["DMI-ALLOWED", "DMI-PROHIBITED-AIMLTRAINING"]


def test_pdf_xmp() -> None:
    pdf = make_pdf(data_mining_xmp("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING"))
    finding = iptc_finding(pdf, "application/pdf")
    assert letters(finding) == "TMI"
    assert finding.signals[0].detail.startswith("PDF XMP: plus:DataMining")


def test_png_compressed_itxt() -> None:
    xmp = zlib.compress(data_mining_xmp("DMI-PROHIBITED"))
    chunk_data = b"XML:com.adobe.xmp\x00\x01\x00\x00\x00" + xmp
    chunk = struct.pack(">I", len(chunk_data)) + b"iTXt" + chunk_data + b"\0\0\0\0"
    png = make_png()
    png = png[:33] + chunk + png[33:]
    assert letters(iptc_finding(png, "image/png")) == "TMIS"


@pytest.mark.parametrize(
    "body",
    [make_jpeg(), make_png(), make_webp(), make_gif(), make_tiff()],
    ids=FORMATS,
)
def test_no_xmp_no_reservation(body: bytes) -> None:
    finding = iptc_finding(body, None)
    assert finding.reserves is None
    assert finding.signals[0].detail.endswith("no XMP packet")


BROKEN = [
    pytest.param(data_mining_image("jpeg", "DMI-PROHIBITED")[:40], "JPEG segment", id="jpeg-cut"),
    pytest.param(data_mining_image("png", "DMI-PROHIBITED")[:60], "PNG chunk", id="png-cut"),
    pytest.param(data_mining_image("webp", "DMI-PROHIBITED")[:60], "WebP chunk", id="webp-cut"),
    pytest.param(b"II*\x00\xff\xff\x00\x00", "TIFF header", id="tiff-bad-offset"),
    pytest.param(b"GIF89a\x21\xff\x0bXMP DataXMP<?xpacket", "GIF XMP", id="gif-no-end"),
    pytest.param(b"not an image at all", "not a JPEG", id="unknown"),
]


@pytest.mark.parametrize(("body", "problem"), BROKEN)
def test_broken_container_is_a_recorded_problem(body: bytes, problem: str) -> None:
    finding = iptc_finding(body, "image/jpeg")
    assert finding.reserves is None
    assert problem in finding.signals[0].detail


def test_unparsable_packet_naming_plus_reserves_every_purpose() -> None:
    xmp = data_mining_xmp("DMI-ALLOWED").replace(b"</rdf:RDF>", b"</rdf:RDX>")
    finding = iptc_finding(make_jpeg(xmp=xmp), "image/jpeg")
    assert letters(finding) == "TMIS"
    assert "fail closed" in finding.signals[0].detail


def test_unparsable_packet_without_plus_reserves_nothing() -> None:
    finding = iptc_finding(make_jpeg(xmp=b"<x:xmpmeta><oops"), "image/jpeg")
    assert finding.reserves is None


def test_over_the_cap_is_not_read() -> None:
    body = data_mining_image("png", "DMI-PROHIBITED")
    finding = iptc_finding(body, "image/png", max_bytes=100)
    assert finding.reserves is None
    assert "over the 100 cap" in finding.signals[0].detail


@pytest.mark.parametrize("fmt", FORMATS)
def test_extract_content_keeps_it_for_replay(fmt: str) -> None:
    body = data_mining_image(fmt, "DMI-PROHIBITED-GENAIMLTRAINING")
    facts = extract_content(body, TYPES[fmt], "https://e.org/i")
    assert facts.iptc is not None and letters(facts.iptc) == "T"
    assert ContentFacts.from_json(facts.to_json()) == facts
