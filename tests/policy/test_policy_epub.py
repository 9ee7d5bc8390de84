"""TDMRep in EPUB package metadata (protocols §2.4), and bounded reading of hostile zips."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest

from fixtures.documents import (
    CONTAINER_XML,
    TDMREP_SLASH,
    make_epub,
    many_members_zip,
    opf,
    zip_bomb_epub,
)
from tdm_crawler.policy.epub import read_epub_tdm
from tdm_crawler.policy.types import TdmProps

P = "https://example.org/tdm-policy.json"
P2 = "https://example.org/other.json"


def _opf_with(metas: str, *, prefix: str = "tdm: http://www.w3.org/ns/tdmrep#") -> bytes:
    return (
        f'<package xmlns="http://www.idpf.org/2007/opf" version="3.0" prefix="{prefix}">'
        f"<metadata>{metas}</metadata></package>"
    ).encode()


# (epub bytes, expected props, number of problem lines)
METADATA_CASES = [
    pytest.param(make_epub(3, "1", P), TdmProps(1, P), 0, id="epub3-reserved-with-policy"),
    pytest.param(make_epub(3, "0"), TdmProps(0), 0, id="epub3-not-reserved"),
    pytest.param(make_epub(3, None, P), TdmProps(None, P), 0, id="epub3-policy-only"),
    pytest.param(make_epub(3), TdmProps(), 0, id="epub3-no-tdm-metadata"),
    pytest.param(make_epub(3, "1", prefix="tdmrep"), TdmProps(1), 0, id="epub3-other-prefix"),
    pytest.param(make_epub(3, "1", prefix_iri=TDMREP_SLASH), TdmProps(1), 0, id="epub3-slash-iri"),
    pytest.param(
        make_epub(3, "1", P, prefix_declared=False), TdmProps(), 2, id="epub3-prefix-undeclared"
    ),
    pytest.param(
        make_epub(3, "1", prefix_iri="http://example.org/other#"),
        TdmProps(),
        1,
        id="epub3-tdm-prefix-bound-elsewhere",
    ),
    pytest.param(
        make_epub(3, "1", prefix="x", prefix_iri="http://example.org/other#"),
        TdmProps(),
        0,
        id="epub3-foreign-vocabulary-silent",
    ),
    pytest.param(make_epub(3, "2"), TdmProps(), 1, id="epub3-invalid-reservation"),
    pytest.param(make_epub(3, " 1 "), TdmProps(1), 0, id="epub3-value-trimmed"),
    pytest.param(make_epub(3, "1", "mailto:x@e.org"), TdmProps(1), 1, id="epub3-invalid-policy"),
    pytest.param(make_epub(2, "1", P), TdmProps(1, P), 0, id="epub2-reserved-with-policy"),
    pytest.param(make_epub(2, "0"), TdmProps(0), 0, id="epub2-not-reserved"),
    pytest.param(make_epub(2, "true"), TdmProps(), 1, id="epub2-invalid-reservation"),
    pytest.param(
        make_epub(opf_bytes=_opf_with('<meta name="TDM:Reservation" content="1"/>')),
        TdmProps(1),
        0,
        id="epub2-name-case-insensitive",
    ),
    pytest.param(
        make_epub(
            opf_bytes=_opf_with(
                '<meta property="tdm:reservation">1</meta>'
                '<meta name="tdm:reservation" content="1"/>'
            )
        ),
        TdmProps(1),
        0,
        id="both-forms-agree",
    ),
    pytest.param(
        make_epub(
            opf_bytes=_opf_with(
                '<meta property="tdm:reservation">1</meta>'
                '<meta name="tdm:reservation" content="0"/>'
            )
        ),
        TdmProps(),
        1,
        id="both-forms-conflict",
    ),
    pytest.param(
        make_epub(
            opf_bytes=_opf_with(
                f'<meta property="tdm:policy">{P}</meta><meta property="tdm:policy">{P2}</meta>'
            )
        ),
        TdmProps(),
        1,
        id="policy-conflict",
    ),
    pytest.param(
        make_epub(opf_bytes=_opf_with('<meta property="tdm:reservation" refines="#c1">1</meta>')),
        TdmProps(),
        1,
        id="refines-ignored",
    ),
    pytest.param(
        make_epub(
            opf_bytes=_opf_with(
                '<meta property="a:reservation">1</meta>',
                prefix="a: http://www.w3.org/ns/tdmrep#  b:   http://example.org/b#",
            )
        ),
        TdmProps(1),
        0,
        id="prefix-list-with-extra-spaces",
    ),
    pytest.param(
        make_epub(opf_bytes=opf(3, "1"), opf_path="OEBPS/my%20book.opf"),
        TdmProps(),
        0,
        id="percent-encoded-path-missing-member",
    ),
]


@pytest.mark.parametrize(("body", "expected", "problems"), METADATA_CASES)
def test_read_epub_metadata(body: bytes, expected: TdmProps, problems: int) -> None:
    props, lines, _, _ = read_epub_tdm(body)
    assert props == expected
    assert len(lines) == problems, lines


def test_undeclared_prefix_problem_line() -> None:
    _, lines, detail, _ = read_epub_tdm(make_epub(3, "1", prefix_declared=False))
    assert lines == (
        'EPUB OPF: prefix tdm not declared on package/@prefix, <meta property="tdm:reservation">'
        " ignored",
    )
    assert detail == "OPF OEBPS/content.opf read"


def test_percent_encoded_rootfile_path() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("META-INF/container.xml", CONTAINER_XML.format(path="OEBPS/my%20book.opf"))
        zf.writestr("OEBPS/my book.opf", opf(3, "1"))
    assert read_epub_tdm(out.getvalue()) == (TdmProps(1), (), "OPF OEBPS/my book.opf read", True)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


# (body, substring of the detail)
STRUCTURE_CASES = [
    pytest.param(
        make_epub(3, "1", with_container=False), "no META-INF/container.xml", id="no-container"
    ),
    pytest.param(
        _zip(
            {
                "META-INF/container.xml": b'<container xmlns="urn:oasis:names:tc:opendocument:'
                b'xmlns:container"/>'
            }
        ),
        "names no OPF rootfile",
        id="container-without-rootfile",
    ),
    pytest.param(
        _zip({"META-INF/container.xml": b"<container"}),
        "container.xml not readable",
        id="container-malformed",
    ),
    pytest.param(
        _zip({"META-INF/container.xml": CONTAINER_XML.format(path="nowhere.opf").encode()}),
        "OPF nowhere.opf not in zip",
        id="opf-missing",
    ),
    pytest.param(make_epub(opf_bytes=b"<package"), "not readable", id="opf-malformed"),
    pytest.param(
        make_epub(opf_bytes=b'<!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><p>&x;</p>'),
        "declares entities",
        id="opf-xxe",
    ),
    pytest.param(make_epub(3, "1")[:-40], "broken zip", id="truncated-zip"),
    pytest.param(make_epub(3, "1")[: len(make_epub(3, "1")) // 2], "broken zip", id="half-zip"),
    pytest.param(b"PK\x03\x04 not really a zip", "broken zip", id="garbage"),
    pytest.param(b"", "broken zip", id="empty"),
    pytest.param(b"%PDF-1.7", "broken zip", id="a-pdf"),
    pytest.param(many_members_zip(10_001), "members (more than 10000)", id="too-many-members"),
]


@pytest.mark.parametrize(("body", "detail"), STRUCTURE_CASES)
def test_broken_structure_never_raises(body: bytes, detail: str) -> None:
    props, lines, state, _ = read_epub_tdm(body)
    assert (props, lines) == (TdmProps(), ())
    assert detail in state


def test_corrupted_member_data_never_raises() -> None:
    body = bytearray(make_epub(3, "1"))
    start = body.find(b"OEBPS/content.opf") + len("OEBPS/content.opf")
    body[start + 5 : start + 40] = b"\xff" * 35  # inside the deflated OPF
    props, _, state, _ = read_epub_tdm(bytes(body))
    assert props == TdmProps()
    assert "broken zip" in state


def test_over_size_cap() -> None:
    body = make_epub(3, "1")
    assert read_epub_tdm(body, max_bytes=len(body) - 1)[2].startswith("over size cap")
    assert read_epub_tdm(body, max_bytes=len(body))[0] == TdmProps(1)


def test_uncompressed_budget_spans_members() -> None:
    body = make_epub(3, "1")
    _, _, state, _ = read_epub_tdm(body, max_uncompressed=300)
    assert "declares" in state and "(cap " in state


@pytest.mark.parametrize(
    "lie", [pytest.param(False, id="honest-header"), pytest.param(True, id="lying-header")]
)
def test_zip_bomb_is_fast_and_bounded(lie: bool) -> None:
    # 128 MiB of OPF. With the honest header the declared size is refused; with the
    # lying one, inflating stops at the declared 1000 bytes (zipfile reports the CRC
    # mismatch). The reader's own streaming cap is a further line that CPython's zipfile
    # never lets us reach, since it never yields more than the declared size.
    body = zip_bomb_epub(lie_about_size=lie)
    tracemalloc.start()
    started = time.monotonic()
    try:
        props, lines, state, _ = read_epub_tdm(body)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (props, lines) == (TdmProps(), ())
    assert elapsed < 1.0
    assert peak < 8 * 1024 * 1024
    expected = "broken zip" if lie else "declares 134"
    assert expected in state


def test_gigabyte_bomb_is_refused_from_the_header() -> None:
    body = zip_bomb_epub(1024**3)
    started = time.monotonic()
    _, _, state, _ = read_epub_tdm(body)
    assert time.monotonic() - started < 0.5
    assert "declares" in state


def test_bomb_factory_is_real() -> None:
    # The generated bomb really inflates that far: the bound above is not vacuous.
    body = zip_bomb_epub(3 * 1024 * 1024)
    with zipfile.ZipFile(io.BytesIO(body)) as zf:
        assert zf.testzip() is None
        data = zf.read("content.opf")
    assert len(data) >= 3 * 1024 * 1024
    assert data.startswith(b"<?xml") and data.endswith(b" " * 1000)
