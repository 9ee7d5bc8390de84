"""TDMRep in XMP packets and in PDF catalog metadata (protocols §2.4), on hostile files too."""

from __future__ import annotations

import random
import time

import pytest

from fixtures.documents import make_pdf, pdf_header_then, truncated, xmp_packet
from tdm_crawler.policy.pdf import read_pdf_tdm
from tdm_crawler.policy.types import TdmProps
from tdm_crawler.policy.xmp import read_xmp_tdm

P = "https://example.org/tdm-policy.json"
P2 = "https://example.org/other-policy.json"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _xmp(description: str) -> bytes:
    return (
        f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="{RDF}">'
        f"{description}</rdf:RDF></x:xmpmeta>"
    ).encode()


# --- XMP -------------------------------------------------------------------------------

# (packet, expected props, expected number of problem lines)
XMP_CASES = [
    pytest.param(xmp_packet("1", P, ns="/"), TdmProps(1, P), 0, id="slash-ns-element"),
    pytest.param(xmp_packet("1", P, ns="#"), TdmProps(1, P), 0, id="hash-ns-element"),
    pytest.param(
        xmp_packet("1", P, ns="/", form="attribute"), TdmProps(1, P), 0, id="slash-ns-attribute"
    ),
    pytest.param(
        xmp_packet("1", P, ns="#", form="attribute"), TdmProps(1, P), 0, id="hash-ns-attribute"
    ),
    pytest.param(xmp_packet("1", P, prefix="t"), TdmProps(1, P), 0, id="other-prefix-element"),
    pytest.param(
        xmp_packet("1", P, prefix="rep", form="attribute"),
        TdmProps(1, P),
        0,
        id="other-prefix-attribute",
    ),
    pytest.param(xmp_packet("0"), TdmProps(0), 0, id="not-reserved"),
    pytest.param(xmp_packet(None, P), TdmProps(None, P), 0, id="policy-only"),
    pytest.param(xmp_packet(None, None), TdmProps(), 0, id="no-tdm-properties"),
    pytest.param(xmp_packet(" 1\n", f" {P} "), TdmProps(1, P), 0, id="values-trimmed"),
    pytest.param(xmp_packet("2"), TdmProps(), 1, id="invalid-reservation-2"),
    pytest.param(xmp_packet("yes"), TdmProps(), 1, id="invalid-reservation-word"),
    pytest.param(xmp_packet(""), TdmProps(), 1, id="invalid-reservation-empty"),
    pytest.param(xmp_packet("1", "ftp://e.org/p"), TdmProps(1), 1, id="invalid-policy-scheme"),
    pytest.param(xmp_packet("1", "not a url"), TdmProps(1), 1, id="invalid-policy-relative"),
    pytest.param(
        xmp_packet("1", P, ns="http://www.w3.org/ns/tdmrep"), TdmProps(), 0, id="ns-without-slash"
    ),
    pytest.param(
        xmp_packet("1", P, ns="http://example.org/tdm/"), TdmProps(), 0, id="foreign-namespace"
    ),
    pytest.param(
        _xmp(
            '<rdf:Description xmlns:tdm="http://www.w3.org/ns/tdmrep/" tdm:reservation="1">'
            "<tdm:reservation>1</tdm:reservation></rdf:Description>"
        ),
        TdmProps(1),
        0,
        id="attribute-and-element-agree",
    ),
    pytest.param(
        _xmp(
            '<rdf:Description xmlns:tdm="http://www.w3.org/ns/tdmrep/" tdm:reservation="1">'
            "<tdm:reservation>0</tdm:reservation></rdf:Description>"
        ),
        TdmProps(),
        1,
        id="attribute-and-element-conflict",
    ),
    pytest.param(
        _xmp(
            '<rdf:Description xmlns:a="http://www.w3.org/ns/tdmrep/" a:reservation="1"/>'
            '<rdf:Description xmlns:b="http://www.w3.org/ns/tdmrep#" b:reservation="1"'
            f' b:policy="{P}"/>'
        ),
        TdmProps(1, P),
        0,
        id="both-namespaces-two-descriptions",
    ),
    pytest.param(
        _xmp(
            '<rdf:Description xmlns:a="http://www.w3.org/ns/tdmrep/">'
            f"<a:policy>{P}</a:policy><a:policy>{P2}</a:policy></rdf:Description>"
        ),
        TdmProps(),
        1,
        id="policy-conflict",
    ),
    pytest.param(
        _xmp(
            '<rdf:Description xmlns:tdm="http://www.w3.org/ns/tdmrep/">'
            "<tdm:reservation><rdf:Alt><rdf:li>1</rdf:li></rdf:Alt></tdm:reservation>"
            "</rdf:Description>"
        ),
        TdmProps(),
        1,
        id="structured-value-ignored",
    ),
    pytest.param(
        _xmp('<rdf:Description xmlns:tdm="http://www.w3.org/ns/tdmrep/" tdm:other="1"/>'),
        TdmProps(),
        0,
        id="other-property-ignored",
    ),
    pytest.param(b"<x:xmpmeta", TdmProps(), 1, id="malformed"),
    pytest.param(b"", TdmProps(), 1, id="empty"),
    pytest.param(
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        TdmProps(),
        1,
        id="entity-refused",
    ),
]


@pytest.mark.parametrize(("packet", "expected", "problems"), XMP_CASES)
def test_read_xmp(packet: bytes, expected: TdmProps, problems: int) -> None:
    props, lines = read_xmp_tdm(packet)
    assert props == expected
    assert len(lines) == problems, lines


def test_xmp_problem_lines_say_what_was_wrong() -> None:
    _, lines = read_xmp_tdm(xmp_packet("2", "ftp://x"))
    assert lines == (
        "XMP: invalid tdm:reservation '2', ignored",
        "XMP: invalid tdm:policy 'ftp://x', ignored",
    )


# --- PDF -------------------------------------------------------------------------------

# (pdf bytes, expected props, number of problem lines, substring of the detail)
PDF_CASES = [
    pytest.param(
        make_pdf(xmp_packet("1", P)), TdmProps(1, P), 0, "XMP metadata read", id="compressed"
    ),
    pytest.param(
        make_pdf(xmp_packet("1", P), compress_metadata=False),
        TdmProps(1, P),
        0,
        "XMP metadata read",
        id="uncompressed",
    ),
    pytest.param(
        make_pdf(xmp_packet("1", P, ns="#", form="attribute")),
        TdmProps(1, P),
        0,
        "XMP metadata read",
        id="hash-ns-attribute",
    ),
    pytest.param(
        make_pdf(xmp_packet("0", form="attribute")),
        TdmProps(0),
        0,
        "XMP metadata read",
        id="not-reserved",
    ),
    pytest.param(
        make_pdf(xmp_packet(None, None)), TdmProps(), 0, "XMP metadata read", id="xmp-without-tdm"
    ),
    pytest.param(make_pdf(xmp_packet("2")), TdmProps(), 1, "XMP metadata read", id="invalid"),
    pytest.param(make_pdf(None), TdmProps(), 0, "no XMP metadata", id="no-metadata"),
    pytest.param(make_pdf(b"<x:xmpmeta"), TdmProps(), 1, "XMP metadata read", id="malformed-xmp"),
    pytest.param(
        make_pdf(xmp_packet("1", P), encrypt=True),
        TdmProps(1, P),
        0,
        "encrypted PDF opened with the empty user password",
        id="encrypted-empty-user-password",
    ),
    pytest.param(
        make_pdf(xmp_packet("1", P), encrypt=True, user_password="secret"),
        TdmProps(),
        0,
        "encrypted PDF: metadata not readable",
        id="encrypted-with-password",
    ),
    pytest.param(
        truncated(make_pdf(xmp_packet("1", P))),
        TdmProps(),
        0,
        "truncated PDF",
        id="truncated-half",
    ),
    pytest.param(
        # The metadata object survives, the xref table and trailer do not.
        truncated(make_pdf(xmp_packet("1", P), compress_metadata=False), 0.85),
        TdmProps(1, P),
        0,
        "XMP packet found by raw scan",
        id="truncated-after-uncompressed-metadata",
    ),
    pytest.param(
        pdf_header_then(xmp_packet("1", P)),
        TdmProps(1, P),
        0,
        "XMP packet found by raw scan",
        id="no-structure-raw-packet",
    ),
    pytest.param(
        pdf_header_then(xmp_packet(None, None) + b"\n" + xmp_packet("1")),
        TdmProps(1),
        0,
        "XMP packet found by raw scan",
        id="raw-scan-skips-packet-without-tdm",
    ),
    pytest.param(
        pdf_header_then(
            b'<?xpacket begin="" id="x"?><x:xmpmeta xmlns:tdm="http://www.w3.org/ns/tdmrep/">'
        ),
        TdmProps(),
        0,
        "no uncompressed XMP packet with TDMRep properties found",
        id="raw-scan-unterminated-packet",
    ),
    pytest.param(
        b"%PDF-1.7\n" + bytes(range(256)) * 64, TdmProps(), 0, "PDF not parsable", id="garbage"
    ),
    pytest.param(b"%PDF-", TdmProps(), 0, "PDF not parsable", id="header-only"),
    pytest.param(b"", TdmProps(), 0, "not a PDF", id="empty"),
    pytest.param(b"<html>a page</html>", TdmProps(), 0, "not a PDF", id="html"),
    pytest.param(
        b"%PDF-1.7\n1 0 obj\n<< /Type /Pages /Count 0 /Kids [] >>\nendobj\nxref\n0 2\n"
        b"0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 1000000000 /Root 7 0 R >>"
        b"\nstartxref\n62\n%%EOF\n",
        TdmProps(),
        0,
        "Root object recovery limit",
        id="missing-catalog-huge-size",
    ),
]


@pytest.mark.parametrize(("body", "expected", "problems", "detail"), PDF_CASES)
def test_read_pdf(body: bytes, expected: TdmProps, problems: int, detail: str) -> None:
    props, lines, state, _ = read_pdf_tdm(body)
    assert props == expected
    assert len(lines) == problems, lines
    assert detail in state


def test_only_the_catalog_metadata_counts_when_readable() -> None:
    # A page-level XMP packet would be found by a raw scan; the catalog has none.
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    stream = DecodedStreamObject()
    stream.set_data(xmp_packet("1"))
    page[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    assert PdfReader(io.BytesIO(out.getvalue())).pages[0]["/Metadata"] is not None
    assert read_pdf_tdm(out.getvalue()) == (TdmProps(), (), "no XMP metadata", True)


def test_over_size_cap_is_not_read() -> None:
    body = make_pdf(xmp_packet("1"))
    props, lines, state, _ = read_pdf_tdm(body, max_bytes=len(body) - 1)
    assert (props, lines) == (TdmProps(), ())
    assert state.startswith("over size cap")
    assert read_pdf_tdm(body, max_bytes=len(body))[0] == TdmProps(1)


def test_time_limit_falls_back_to_raw_scan() -> None:
    body = make_pdf(xmp_packet("1", P), compress_metadata=False)
    props, _, state, _ = read_pdf_tdm(body, timeout=0)
    assert "time limit (0 s) exceeded" in state
    assert props == TdmProps(1, P)  # the packet is uncompressed


def test_time_limit_on_compressed_metadata_reads_nothing() -> None:
    props, _, state, _ = read_pdf_tdm(make_pdf(xmp_packet("1")), timeout=0)
    assert props == TdmProps()
    assert "time limit" in state and "no uncompressed XMP packet" in state


def test_oversized_xmp_stream_is_not_parsed() -> None:
    packet = xmp_packet("1")
    big = packet[:-20] + b" " * (5 * 1024 * 1024) + packet[-20:]
    props, _, state, _ = read_pdf_tdm(make_pdf(big))
    assert props == TdmProps()
    assert "larger than" in state


def test_flate_bomb_metadata_is_bounded() -> None:
    # 40 MiB of spaces deflate to ~40 KiB; pypdf must stop at its 16 MiB ceiling.
    body = make_pdf(b" " * (40 * 1024 * 1024))
    assert len(body) < 100_000
    started = time.monotonic()
    props, _, state, _ = read_pdf_tdm(body)
    assert time.monotonic() - started < 2.0
    assert props == TdmProps()
    assert "PDF not parsable" in state


def test_huge_body_under_cap_is_fast() -> None:
    # A 20 MiB PDF (big uncompressed page content) still only costs the catalog read.
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=100, height=100)
    content = DecodedStreamObject()
    content.set_data(b"% filler\n" * (20 * 1024 * 1024 // 9))
    page[NameObject("/Contents")] = writer._add_object(content)
    stream = DecodedStreamObject()
    stream.set_data(xmp_packet("1"))
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    started = time.monotonic()
    props, _, _, _ = read_pdf_tdm(out.getvalue())
    assert time.monotonic() - started < 2.0
    assert props == TdmProps(1)


def test_random_corruption_never_raises() -> None:
    rng = random.Random(20240510)
    originals = [
        make_pdf(xmp_packet("1", P)),
        make_pdf(xmp_packet("1", P), compress_metadata=False),
        make_pdf(xmp_packet("1", P), encrypt=True),
    ]
    for _ in range(150):
        body = bytearray(rng.choice(originals))
        for _ in range(rng.randint(1, 20)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        cut = rng.randrange(len(body) // 2, len(body) + 1)
        props, lines, state, _ = read_pdf_tdm(bytes(body[:cut]), timeout=1.0)
        assert isinstance(props, TdmProps)
        assert isinstance(lines, tuple) and isinstance(state, str) and state
