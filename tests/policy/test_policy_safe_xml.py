"""The untrusted-XML parser: no entity expansion, no file or network access, size cap."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tdm_crawler.policy import safe_xml
from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""

QUADRATIC = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "'
    + b"x" * 50_000
    + b'">]><r>'
    + b"&a;" * 10_000
    + b"</r>"
)

# Documents that must be refused, and must never make the parser open anything.
REFUSED = [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(QUADRATIC, id="quadratic-blowup"),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
        id="external-entity-etc-passwd",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><r>&x;</r>',
        id="network-entity",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r/>',
        id="external-parameter-entity",
    ),
    pytest.param(
        b'<?xml version="1.0"?><!DOCTYPE r SYSTEM "file:///etc/passwd"><r>&x;</r>',
        id="external-dtd-entity-use",
    ),
    pytest.param(b"<r><a></r>", id="malformed"),
    pytest.param(b"<r>", id="unclosed"),
    pytest.param(b"", id="empty"),
    pytest.param(b"  \n ", id="whitespace-only"),
    pytest.param(b"not xml at all", id="text"),
    pytest.param(b"<p:r/>", id="undeclared-prefix"),
    pytest.param(b'<?xml version="1.0" encoding="no-such-enc"?><r/>', id="unknown-encoding"),
]


@pytest.fixture
def external_loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every external load libxml2 attempts (the refusing resolver is the last line)."""
    calls: list[str] = []
    original = safe_xml._RefuseExternal.resolve

    def spy(self: object, system_url: str, public_id: str, context: object) -> object:
        calls.append(system_url)
        return original(self, system_url, public_id, context)  # type: ignore[arg-type]

    monkeypatch.setattr(safe_xml._RefuseExternal, "resolve", spy)
    return calls


@pytest.mark.parametrize("data", REFUSED)
def test_refused_without_loading_anything(data: bytes, external_loads: list[str]) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeOrInvalidXml) as raised:
        parse_xml(data)
    assert time.monotonic() - started < 1.0
    assert external_loads == []
    assert "root:" not in str(raised.value)  # nothing of /etc/passwd in the message


def test_external_entity_file_is_not_read(tmp_path: Path, external_loads: list[str]) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    doc = f'<!DOCTYPE r [<!ENTITY x SYSTEM "{secret.as_uri()}">]><r>&x;</r>'.encode()
    with pytest.raises(UnsafeOrInvalidXml) as raised:
        parse_xml(doc)
    assert "TOP-SECRET" not in str(raised.value)
    assert external_loads == []


def test_external_dtd_is_not_loaded(tmp_path: Path, external_loads: list[str]) -> None:
    # Were the DTD loaded, &x; would be defined and the document would parse.
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY x "TOP-SECRET">')
    doc = f'<!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r>&x;</r>'.encode()
    with pytest.raises(UnsafeOrInvalidXml, match="not declared"):
        parse_xml(doc)
    assert external_loads == []


@pytest.mark.parametrize(
    "system_id",
    [
        pytest.param("file:///etc/passwd", id="file"),
        pytest.param("http://127.0.0.1:9/x.dtd", id="network"),
    ],
)
def test_harmless_doctype_parses_without_loading(system_id: str, external_loads: list[str]) -> None:
    root = parse_xml(f'<!DOCTYPE r SYSTEM "{system_id}"><r>ok</r>'.encode())
    assert root.text == "ok"
    assert external_loads == []


def test_refusing_resolver_blocks_a_parser_that_would_load() -> None:
    # lxml 6 reads external DTDs when collect_ids=False (why safe_xml avoids it); the
    # resolver must still answer such loads with nothing.
    import lxml.etree

    parser = lxml.etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, collect_ids=False
    )
    parser.resolvers.add(safe_xml._RefuseExternal())
    doc = b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><r>a</r>'
    assert lxml.etree.tostring(lxml.etree.fromstring(doc, parser)) == b"<r>a</r>"


def test_size_cap() -> None:
    doc = b"<r>" + b"x" * 100 + b"</r>"
    assert parse_xml(doc, max_bytes=len(doc)).tag == "r"
    with pytest.raises(UnsafeOrInvalidXml, match="larger than"):
        parse_xml(doc, max_bytes=len(doc) - 1)


def test_over_default_size_cap() -> None:
    doc = b"<r>" + b"x" * safe_xml.DEFAULT_MAX_BYTES + b"</r>"
    with pytest.raises(UnsafeOrInvalidXml, match="larger than"):
        parse_xml(doc)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(UnsafeOrInvalidXml):
        parse_xml(b"<a>" * 100_000 + b"</a>" * 100_000)


def test_keeps_processing_instructions_drops_comments() -> None:
    root = parse_xml(b'<?xpacket begin=""?><r><!-- c --><a>1</a></r><?xpacket end="w"?>')
    assert [child.tag for child in root] == ["a"]
    assert root.getprevious() is not None  # the xpacket PI


def test_is_a_value_error() -> None:
    assert issubclass(UnsafeOrInvalidXml, ValueError)
