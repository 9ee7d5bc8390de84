"""IPTC / PLUS Data Mining (IPTC Photo Metadata 2023.1) in images and PDFs (protocols §6.1).

The XMP property ``plus:DataMining`` (namespace ``http://ns.useplus.org/ldf/xmp/1.0/``)
holds a URI of the PLUS vocabulary ``http://ns.useplus.org/ldf/vocab/``; the value
without that prefix is looked up in the purpose table (vocabulary ``iptc``):
``DMI-PROHIBITED`` reserves every purpose, ``-AIMLTRAINING``/``-GENAIMLTRAINING``
ai-training, ``-EXCEPTSEARCHENGINEINDEXING`` all but search, the ``-SEE...`` values
(terms elsewhere) and any value outside the vocabulary every purpose; ``DMI-ALLOWED``
and ``DMI-UNSPECIFIED`` nothing. Written as an attribute of ``rdf:Description``, as an
element with text, or as an element with ``rdf:resource`` (the three RDF/XML forms
photo tools use); namespaces are compared by IRI, never by prefix.

Where the packet is, by container (bounded, never raises):

- JPEG: the APP1 segment headed ``http://ns.adobe.com/xap/1.0/``, before the first scan;
- PNG: the ``iTXt`` chunk ``XML:com.adobe.xmp`` (inflated up to the cap if compressed);
- WebP: the RIFF ``XMP `` chunk;
- TIFF: tag 700 (XMLPacket) of the first IFD;
- GIF: the ``XMP DataXMP`` application extension (the packet is stored raw);
- PDF: the catalog's metadata stream (:func:`~tdm_crawler.policy.pdf.read_pdf_xmp`).

Choices (ours): a container that cannot be walked (truncated, not the format it says)
is a problem recorded in the signal, not a reservation, as for C2PA: nothing
machine-readable was seen, and the PDF's own TDMRep reader already fails closed on an
unreadable PDF. But a packet that names the PLUS namespace and cannot be parsed reserves
every purpose: a Data Mining statement is there, and what it says is not known.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tdm_crawler.policy.pdf import read_pdf_xmp
from tdm_crawler.policy.purposes import reservations
from tdm_crawler.policy.safe_xml import DEFAULT_MAX_BYTES, UnsafeOrInvalidXml, parse_xml
from tdm_crawler.policy.types import Finding, Reason, Signal
from tdm_crawler.policy.xmp import RDF_NAMESPACE

__all__ = ["PLUS_NAMESPACE", "PLUS_VOCABULARY", "iptc_finding", "read_data_mining", "xmp_packet_of"]

PROTOCOL = "iptc"
SOURCE = "xmp"
PLUS_NAMESPACE = "http://ns.useplus.org/ldf/xmp/1.0/"
PLUS_VOCABULARY = "http://ns.useplus.org/ldf/vocab/"
_PROPERTY = f"{{{PLUS_NAMESPACE}}}DataMining"
_RESOURCE = f"{{{RDF_NAMESPACE}}}resource"
_MAX_VALUES = 16
_MAX_SEGMENTS = 1024  # JPEG segments, PNG/WebP chunks, TIFF tags, GIF blocks walked

_JPEG_XMP = b"http://ns.adobe.com/xap/1.0/\x00"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_KEYWORD = b"XML:com.adobe.xmp"
_GIF_XMP = b"\x21\xff\x0bXMP DataXMP"


class _BadFile(ValueError):
    """The container could not be walked to its metadata."""


@dataclass(frozen=True, slots=True)
class _Packet:
    """The XMP packet a container holds (None: none), and how it was found."""

    xmp: bytes | None
    where: str


def iptc_finding(
    body: bytes,
    content_type: str | None,
    *,
    max_bytes: int = 64 * 1024 * 1024,
    pdf_timeout: float = 5.0,
) -> Finding:
    """Read ``plus:DataMining`` from an image or PDF body and conclude. Never raises."""
    if len(body) > max_bytes:
        detail = f"IPTC Data Mining not read: body of {len(body)} bytes over the {max_bytes} cap"
        return Finding((Signal(PROTOCOL, SOURCE, None, detail),))
    try:
        packet = xmp_packet_of(body, content_type, pdf_timeout=pdf_timeout)
    except _BadFile as error:
        detail = f"IPTC Data Mining not read: {error}"
        return Finding((Signal(PROTOCOL, SOURCE, None, detail),))
    if packet.xmp is None:
        return Finding((Signal(PROTOCOL, SOURCE, None, f"{packet.where}: no XMP packet"),))
    return read_data_mining(packet.xmp, where=packet.where)


def read_data_mining(xmp: bytes, *, where: str = "XMP") -> Finding:
    """Conclude from one XMP packet; the signal value is the list of values (prefix
    removed), or None when the packet states none."""
    try:
        root = parse_xml(xmp, max_bytes=DEFAULT_MAX_BYTES)
    except UnsafeOrInvalidXml as error:
        if PLUS_NAMESPACE.encode() not in xmp:
            detail = f"{where}: XMP packet not readable ({error}), no plus:DataMining seen"
            return Finding((Signal(PROTOCOL, SOURCE, None, detail),))
        detail = (
            f"{where}: XMP packet naming the PLUS namespace not readable ({error}): "
            "reserved for every purpose (fail closed)"
        )
        return Finding((Signal(PROTOCOL, SOURCE, None, detail),), Reason.IPTC_DATA_MINING)
    values = list(dict.fromkeys(_values(root)))[:_MAX_VALUES]
    if not values:
        return Finding((Signal(PROTOCOL, SOURCE, None, f"{where}: no plus:DataMining"),))
    found = reservations("iptc", values)
    detail = f"{where}: plus:DataMining {', '.join(values)}"
    if not found:
        return Finding((Signal(PROTOCOL, SOURCE, values, f"{detail}; no reservation"),))
    detail = f"{detail}; reserved by {found.describe()}"
    return Finding(
        (Signal(PROTOCOL, SOURCE, values, detail),), Reason.IPTC_DATA_MINING, found.purposes
    )


def _values(root: Any) -> Iterator[str]:
    """Every ``plus:DataMining`` value of the packet, vocabulary prefix removed."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        raw = element.attrib.get(_PROPERTY)
        if raw is not None:
            yield _statement(raw)
        if element.tag == _PROPERTY:
            yield _statement(element.attrib.get(_RESOURCE) or "".join(element.itertext()))


def _statement(raw: str) -> str:
    value = raw.strip()
    return value.removeprefix(PLUS_VOCABULARY)[:200] if value else "(empty)"


# --- containers ----------------------------------------------------------------------


def xmp_packet_of(body: bytes, content_type: str | None, *, pdf_timeout: float = 5.0) -> _Packet:
    """The container's XMP packet, found by its signature (the Content-Type may lie)."""
    if body.startswith(b"\xff\xd8"):
        return _Packet(_jpeg(body), "JPEG APP1")
    if body.startswith(_PNG_SIGNATURE):
        return _Packet(_png(body), "PNG iTXt")
    if body.startswith(b"RIFF") and body[8:12] == b"WEBP":
        return _Packet(_webp(body), "WebP XMP chunk")
    if body[:4] in (b"II*\x00", b"MM\x00*"):
        return _Packet(_tiff(body), "TIFF tag 700")
    if body.startswith((b"GIF87a", b"GIF89a")):
        return _Packet(_gif(body), "GIF XMP extension")
    if body.find(b"%PDF-", 0, 1024) >= 0:
        return _Packet(read_pdf_xmp(body, max_bytes=len(body), timeout=pdf_timeout), "PDF XMP")
    mtype = (content_type or "").split(";", 1)[0].strip().lower() or "untyped"
    raise _BadFile(f"not a JPEG, PNG, WebP, TIFF, GIF or PDF ({mtype})")


def _jpeg(body: bytes) -> bytes | None:
    position = 2
    for _ in range(_MAX_SEGMENTS):
        if position + 4 > len(body) or body[position] != 0xFF:
            raise _BadFile(f"JPEG segment structure broken at byte {position}")
        marker = body[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: metadata comes before
            return None
        (length,) = struct.unpack(">H", body[position + 2 : position + 4])
        segment = body[position + 4 : position + 2 + length]
        if length < 2 or len(segment) != length - 2:
            raise _BadFile(f"JPEG segment at byte {position} truncated")
        if marker == 0xE1 and segment.startswith(_JPEG_XMP):
            return segment[len(_JPEG_XMP) :]
        position += 2 + length
    raise _BadFile(f"more than {_MAX_SEGMENTS} JPEG segments before the image data")


def _png(body: bytes) -> bytes | None:
    position = len(_PNG_SIGNATURE)
    for _ in range(_MAX_SEGMENTS):
        if position + 8 > len(body):
            raise _BadFile("PNG truncated before IEND")
        length, kind = struct.unpack(">I4s", body[position : position + 8])
        data = body[position + 8 : position + 8 + length]
        if len(data) != length:
            raise _BadFile(f"PNG chunk {kind!r} truncated")
        if kind == b"IEND":
            return None
        if kind == b"iTXt" and data.startswith(_PNG_KEYWORD + b"\x00"):
            return _itxt_text(data[len(_PNG_KEYWORD) + 1 :])
        position += 12 + length
    raise _BadFile(f"more than {_MAX_SEGMENTS} PNG chunks")


def _itxt_text(rest: bytes) -> bytes:
    """The text of an iTXt chunk after its keyword: flag, method, language, translated
    keyword, then the text (zlib-compressed when the flag is 1, inflated up to a cap)."""
    if len(rest) < 2:
        raise _BadFile("PNG iTXt chunk truncated")
    compressed = rest[0] == 1
    parts = rest[2:].split(b"\x00", 2)
    if len(parts) != 3:
        raise _BadFile("PNG iTXt chunk without its language and keyword fields")
    text = parts[2]
    if not compressed:
        return text
    inflater = zlib.decompressobj()
    try:
        inflated = inflater.decompress(text, DEFAULT_MAX_BYTES)
    except zlib.error as error:
        raise _BadFile(f"PNG iTXt XMP does not inflate ({error})") from None
    if inflater.unconsumed_tail:
        raise _BadFile(f"PNG iTXt XMP inflates beyond {DEFAULT_MAX_BYTES} bytes")
    return inflated


def _webp(body: bytes) -> bytes | None:
    position = 12
    for _ in range(_MAX_SEGMENTS):
        if position + 8 > len(body):
            return None  # RIFF chunks simply end
        kind, length = struct.unpack("<4sI", body[position : position + 8])
        data = body[position + 8 : position + 8 + length]
        if len(data) != length:
            raise _BadFile(f"WebP chunk {kind!r} truncated")
        if kind == b"XMP ":
            return data
        position += 8 + length + (length & 1)
    raise _BadFile(f"more than {_MAX_SEGMENTS} WebP chunks")


def _tiff(body: bytes) -> bytes | None:
    order = "<" if body.startswith(b"II") else ">"
    try:
        (offset,) = struct.unpack(f"{order}I", body[4:8])
        (count,) = struct.unpack(f"{order}H", body[offset : offset + 2])
        if count > _MAX_SEGMENTS:
            raise _BadFile(f"TIFF IFD of {count} entries")
        for index in range(count):
            start = offset + 2 + 12 * index
            tag, _kind, size, value = struct.unpack(f"{order}HHII", body[start : start + 12])
            if tag == 700:
                data = (
                    body[start + 8 : start + 8 + size] if size <= 4 else body[value : value + size]
                )
                if len(data) != size:
                    raise _BadFile("TIFF XMLPacket truncated")
                return data
    except struct.error:
        raise _BadFile("TIFF header or first IFD truncated") from None
    return None


def _gif(body: bytes) -> bytes | None:
    start = body.find(_GIF_XMP)
    if start < 0:
        return None
    # The packet is written raw after the identifier, then a 258-byte "magic trailer".
    data = body[start + len(_GIF_XMP) :]
    end = data.find(b"<?xpacket end")
    if end < 0:
        raise _BadFile("GIF XMP extension without the end of its packet")
    close = data.find(b"?>", end)
    return data[: close + 2] if close >= 0 else data
