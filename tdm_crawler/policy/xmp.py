"""TDMRep properties in an XMP packet (protocols §2.4), as found in PDF metadata streams.

XMP is RDF/XML, so the same statement can be written two ways and any prefix may stand
for the namespace; this reader compares namespace IRIs, never prefixes:

- element form: ``<tdm:reservation>1</tdm:reservation>``, ``<tdm:policy>url</tdm:policy>``
  (anywhere in the packet, with plain text content);
- attribute form: ``<rdf:Description tdm:reservation="1" tdm:policy="url"/>``.

The report names ``http://www.w3.org/ns/tdmrep/`` (with a slash); producers also write
``http://www.w3.org/ns/tdmrep#``, and both mean the same to a rightsholder, so both count.
Invalid values never count (same validity rules as the header and meta layers); several
valid but different values for one property are a conflict and leave it unset (ours, as
for headers), each with a problem line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from tdm_crawler.policy.safe_xml import DEFAULT_MAX_BYTES, UnsafeOrInvalidXml, parse_xml
from tdm_crawler.policy.tdmrep import valid_policy, valid_reservation
from tdm_crawler.policy.types import TdmProps

TDMREP_NAMESPACES = ("http://www.w3.org/ns/tdmrep/", "http://www.w3.org/ns/tdmrep#")
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDF_DESCRIPTION = f"{{{RDF_NAMESPACE}}}Description"

#: The two property names, as local names in the TDMRep namespace.
PROPERTIES = ("reservation", "policy")
#: How the first problem line of an unparsable or unsafe packet starts.
UNREADABLE = "XMP metadata not readable"
#: At most this many raw XMP packets are looked at by :func:`scan_packets`.
MAX_SCANNED_PACKETS = 16

_PACKET_START = re.compile(rb"<\?xpacket\s+begin|<x:xmpmeta[\s>]")
_PACKET_END = {b"<?": re.compile(rb"<\?xpacket\s+end[^>]*\?>"), b"<x": re.compile(rb"</x:xmpmeta>")}


def read_xmp_tdm(
    xml: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[TdmProps, tuple[str, ...]]:
    """Read ``tdm:reservation`` and ``tdm:policy`` from one XMP packet.

    Returns the props (unset where absent, invalid or conflicting) and problem lines.
    An unparsable or unsafe packet yields empty props and one problem line: it never
    raises, since a broken packet is simply not a machine-readable statement.
    """
    try:
        root = parse_xml(xml, max_bytes=max_bytes)
    except UnsafeOrInvalidXml as error:
        return TdmProps(), (f"{UNREADABLE}: {error}",)
    found: dict[str, list[str]] = {name: [] for name in PROPERTIES}
    problems: list[str] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # processing instructions and entity references
        name = _tdm_name(element.tag)
        if name is not None:
            if len(element):
                problems.append(f"XMP: tdm:{name} is not a simple text value, ignored")
            else:
                found[name].append(element.text or "")
        if element.tag == _RDF_DESCRIPTION:
            for key, value in element.attrib.items():
                name = _tdm_name(key)
                if name is not None:
                    found[name].append(value)
    props, value_problems = props_from_values(found, "XMP")
    return props, (*problems, *value_problems)


def _tdm_name(qualified: str) -> str | None:
    """``reservation``/``policy`` when ``{ns}local`` is a TDMRep property, else None."""
    for namespace in TDMREP_NAMESPACES:
        if qualified.startswith(f"{{{namespace}}}"):
            local = qualified[len(namespace) + 2 :]
            return local if local in PROPERTIES else None
    return None


def props_from_values(
    found: Mapping[str, Iterable[str]], where: str
) -> tuple[TdmProps, tuple[str, ...]]:
    """Turn every raw value seen for ``reservation`` / ``policy`` into one layer's props.

    Values are trimmed and checked with the rules of the other TDMRep layers; invalid
    ones are dropped with a problem line; if the valid ones disagree the property is
    unset (a conflict is not a statement). Shared by the XMP and EPUB readers.
    """
    problems: list[str] = []
    chosen: dict[str, Any] = {}
    for name in PROPERTIES:
        check = valid_reservation if name == "reservation" else valid_policy
        valid: dict[Any, None] = {}
        for raw in found.get(name, ()):
            value = check(raw.strip())
            if value is None:
                problems.append(f"{where}: invalid tdm:{name} {_show(raw)}, ignored")
            else:
                valid[value] = None
        if len(valid) > 1:
            shown = ", ".join(_show(str(v)) for v in valid)
            problems.append(f"{where}: conflicting tdm:{name} values {shown}, unset")
        elif valid:
            chosen[name] = next(iter(valid))
    return TdmProps(chosen.get("reservation"), chosen.get("policy")), tuple(problems)


def _show(value: str) -> str:
    """A value for a problem line: quoted, trimmed, shortened."""
    value = value.strip()
    return repr(value if len(value) <= 80 else f"{value[:77]}...")


def scan_packets(body: bytes, markers: tuple[bytes, ...]) -> Iterator[bytes]:
    """Uncompressed XMP packets in raw bytes that contain one of ``markers`` (namespace
    IRIs, as bytes), in order: XMP sits uncompressed in JPEG, PNG, WebP and TIFF files
    and often in PDFs, so a scan finds it without parsing the container.

    Bounded: at most :data:`MAX_SCANNED_PACKETS` packets, each searched for its end
    within :data:`~tdm_crawler.policy.safe_xml.DEFAULT_MAX_BYTES` of its start.
    """
    position = 0
    for _ in range(MAX_SCANNED_PACKETS):
        start = _PACKET_START.search(body, position)
        if start is None:
            return
        window = body[start.start() : start.start() + DEFAULT_MAX_BYTES]
        end = _PACKET_END[window[:2]].search(window)
        if end is None:
            position = start.end()
            continue
        packet = window[: end.end()]
        if any(marker in packet for marker in markers):
            yield packet
        position = start.start() + end.end()
