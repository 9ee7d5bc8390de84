"""In-content readers: HTML head, XMP, PDF, EPUB, and the ContentFacts record.

None may raise on any bytes with any Content-Type; what a generated document states is
read back; and the facts a decision record keeps survive a JSON round trip unchanged
(an offline replay decides from them).
"""

from __future__ import annotations

import html as html_lib
import json

from hypothesis import example, given
from hypothesis import strategies as st

from fixtures.documents import make_epub, make_pdf, xmp_packet
from tdm_crawler.policy import ContentFacts, Limits, TdmProps, extract_content, head_meta
from tdm_crawler.policy.content import EmbeddedTdm
from tdm_crawler.policy.epub import read_epub_tdm
from tdm_crawler.policy.html_meta import parse_head
from tdm_crawler.policy.pdf import read_pdf_tdm
from tdm_crawler.policy.types import Finding, Reason, Signal
from tdm_crawler.policy.xmp import read_xmp_tdm

CONTENT_TYPES = st.sampled_from(
    [
        None,
        "",
        "text/html",
        "text/html; charset=utf-8",
        "text/html; charset=utf-16",
        "text/html; charset=x-nonsense",
        "text/html; charset=\xff",
        "application/xhtml+xml",
        "application/pdf",
        "application/epub+zip",
        "application/octet-stream",
        "image/png",
        "text/plain",
    ]
) | st.text(max_size=30)
HTML_BITS = st.sampled_from(
    [
        b"<html>",
        b"<head>",
        b"</head>",
        b"<body>",
        b"<meta ",
        b'name="tdm-reservation" ',
        b'content="1">',
        b"<!--",
        b"-->",
        b"<title>",
        b"<script>",
        b"\x00",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b'<meta charset="utf-16">',
        b"<?xml encoding='utf-16'?>",
        b"\xe9",
        b">",
        b"<",
        b"&#0;",
        b"<link rel=license type=application/rsl+xml href=/l.xml>",
        b"<base href=//x>",
    ]
)
HTMLISH = st.lists(HTML_BITS | st.binary(max_size=8), max_size=24).map(b"".join)
LIMITS = Limits(html_head_bytes=4096, embedded_bytes=1 << 20, pdf_timeout=1.0)


@given(HTMLISH | st.binary(max_size=512), CONTENT_TYPES)
def test_head_never_raises(body: bytes, content_type: str | None) -> None:
    head = parse_head(body, content_type=content_type, max_bytes=1024)
    assert all(isinstance(n, str) and isinstance(c, str) for n, c in head.metas)


# Attribute text lxml gives back as written: no control characters (a CR becomes LF, a
# NUL U+FFFD, per HTML's input stream preprocessing), no surrogates.
ATTRIBUTE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn"), blacklist_characters="\ufeff"),
    max_size=20,
)


@given(st.lists(st.tuples(ATTRIBUTE_TEXT, ATTRIBUTE_TEXT), max_size=6), st.booleans())
@example([("description", "charset=latin1 é")], False)
def test_head_meta_reads_back_what_the_head_says(
    metas: list[tuple[str, str]], declare_charset: bool
) -> None:
    tags = "".join(
        f'<meta name="{html_lib.escape(name)}" content="{html_lib.escape(content)}">'
        for name, content in metas
    )
    charset = '<meta charset="utf-8">' if declare_charset else ""
    body = f"<!DOCTYPE html><html><head>{charset}{tags}</head><body>x</body></html>".encode()
    assert head_meta(body, content_type="text/html") == metas


@given(HTMLISH | st.binary(max_size=1024), CONTENT_TYPES)
def test_extract_content_never_raises_and_round_trips(body: bytes, content_type: str) -> None:
    facts = extract_content(body, content_type, "http://e.org/a/b", LIMITS)
    assert ContentFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts


def _mutations(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` with a few bytes overwritten and possibly cut short."""
    edits = st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), max_size=8)

    def apply(changes: list[tuple[int, int]], cut: int) -> bytes:
        data = bytearray(base)
        for position, value in changes:
            data[position] = value
        return bytes(data[:cut])

    return st.builds(apply, edits, st.integers(len(base) // 2, len(base)))


PDF = make_pdf(xmp_packet("1", "https://e.org/p"), compress_metadata=False)
EPUB = make_epub(3, "1", "https://e.org/p")


@given(_mutations(PDF))
def test_pdf_reader_never_raises(body: bytes) -> None:
    props, _, detail, _ = read_pdf_tdm(body, timeout=1.0)
    assert props.reservation in (None, 0, 1) and detail
    facts = extract_content(body, "application/pdf", "http://e.org/x.pdf", LIMITS)
    assert ContentFacts.from_json(json.loads(json.dumps(facts.to_json()))) == facts


@given(_mutations(EPUB))
def test_epub_reader_never_raises(body: bytes) -> None:
    props, _, detail, complete = read_epub_tdm(body)
    assert props.reservation in (None, 0, 1) and detail
    if complete and props.reservation is not None:
        assert props.reservation == 1  # a readable OPF says what the book said


XMP_VALUES = st.sampled_from(["0", "1", " 1 ", "2", "", "https://e.org/p", "true"])


@given(
    st.none() | XMP_VALUES,
    st.none() | XMP_VALUES,
    st.sampled_from(["/", "#"]),
    st.sampled_from(["element", "attribute"]),
)
def test_xmp_reads_back_the_packet(
    reservation: str | None, policy: str | None, ns: str, form: str
) -> None:
    props, _ = read_xmp_tdm(xmp_packet(reservation, policy, ns=ns, form=form))  # type: ignore[arg-type]
    value = None if reservation is None else reservation.strip()
    expected = {"0": 0, "1": 1}.get(value or "")
    assert props.reservation == expected
    if policy is not None and policy.startswith("https://") and expected != 0:
        assert props.policy == policy


@given(st.binary(max_size=512) | HTMLISH)
def test_xmp_never_raises(body: bytes) -> None:
    props, _ = read_xmp_tdm(body)
    assert props.reservation in (None, 0, 1)


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
SIGNALS = st.builds(
    Signal,
    st.text(max_size=10),
    st.text(max_size=10),
    st.recursive(
        JSON_SCALARS,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=6,
    ),
    st.text(max_size=20),
)
FACTS = st.builds(
    ContentFacts,
    st.sampled_from(["html", "pdf", "epub", "media", "feed", "other"]),
    st.none() | st.text(max_size=20),
    st.lists(st.tuples(st.text(max_size=10), st.text(max_size=10)), max_size=3).map(tuple),
    st.lists(st.text(max_size=20), max_size=3).map(tuple),
    st.none()
    | st.builds(
        EmbeddedTdm,
        st.sampled_from(["pdf", "epub"]),
        st.builds(TdmProps, st.sampled_from([None, 0, 1]), st.none() | st.text(max_size=10)),
        st.lists(st.text(max_size=10), max_size=3).map(tuple),
        st.text(max_size=20),
        st.booleans(),
    ),
    st.none()
    | st.builds(
        Finding,
        st.lists(SIGNALS, max_size=3).map(tuple),
        st.none() | st.sampled_from(list(Reason)),
    ),
    st.lists(st.tuples(st.sampled_from(["inline", "feed"]), st.text(max_size=20)), max_size=2).map(
        tuple
    ),
)


@given(FACTS)
def test_content_facts_json_round_trip(facts: ContentFacts) -> None:
    data = json.loads(json.dumps(facts.to_json()))
    assert ContentFacts.from_json(data) == facts
    assert ContentFacts.from_json(data).to_json() == data
