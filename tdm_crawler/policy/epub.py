"""TDMRep in an EPUB's package document (OPF) (protocols §2.4).

EPUB 3 writes ``<meta property="tdm:reservation">1</meta>`` with the ``tdm`` prefix
declared on ``package/@prefix`` (``tdm: http://www.w3.org/ns/tdmrep#``); EPUB 2 writes
``<meta name="tdm:reservation" content="1"/>``. Both forms are read from any OPF (EPUB 3
keeps ``name``/``content`` metas for compatibility).

Choices (ours):

- A property's prefix is resolved through ``package/@prefix``: whatever prefix maps to
  the TDMRep IRI counts (``#``; the PDF spelling with ``/`` too). A ``tdm:`` property
  whose prefix is *not declared* is ignored with a problem line: EPUB defines no
  ``tdm`` prefix, so the statement is not machine-readable as written, and honouring
  it would equally let an undeclared ``tdm:reservation 0`` lift a reservation. A
  ``tdm`` prefix bound to some other IRI is another vocabulary: ignored, noted.
- A ``meta`` with ``refines`` describes another element, not the publication: ignored.
- The EPUB 2 ``name`` is compared ASCII case-insensitively, like HTML meta names.
- Invalid values and conflicts are handled as for XMP (:func:`props_from_values`).

EPUBs are zips from untrusted servers, so reading is bounded: the body size, the zip's
central directory size and member count are checked before :mod:`zipfile` parses it,
and each member read is capped twice — on the size its header declares and on what
actually inflates (never trusting the header) — within a total ``max_uncompressed``
budget. Only ``META-INF/container.xml`` and the OPF are ever inflated. Nothing is
written anywhere, so path traversal does not arise. Broken zips never raise.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from typing import Any
from urllib.parse import unquote

from tdm_crawler.policy.safe_xml import UnsafeOrInvalidXml, parse_xml
from tdm_crawler.policy.types import EmbeddedReading, TdmProps
from tdm_crawler.policy.xmp import PROPERTIES, TDMREP_NAMESPACES, props_from_values

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_UNCOMPRESSED = 16 * 1024 * 1024

#: More members than any real book has; a zip listing more is refused unread.
MAX_MEMBERS = 10_000
#: Central directory bytes zipfile may parse (about 45 000 minimal entries).
MAX_CENTRAL_DIRECTORY = 2 * 1024 * 1024
#: Cap on each XML member (container.xml, OPF), within the total budget.
MAX_XML_MEMBER = 4 * 1024 * 1024

CONTAINER = "META-INF/container.xml"
OPF_MEDIA_TYPE = "application/oebps-package+xml"

_EOCD = b"PK\x05\x06"
_EOCD64 = b"PK\x06\x06"
_EOCD_SEARCH = 22 + 0xFFFF  # the record plus the longest comment
_PREFIX_PAIR = re.compile(r"([A-Za-z_][\w.-]*):\s+(\S+)")
_CHUNK = 64 * 1024


class _Refused(Exception):
    """A bound was hit or a member is missing; the message is the state line."""


def read_epub_tdm(
    body: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> EmbeddedReading:
    """Read the TDMRep properties of an EPUB from its OPF package metadata.

    Returns ``(props, problems, detail, complete)``: props (empty when nothing valid was
    found), problem lines about ignored or conflicting values, a human state such as
    ``"OPF OEBPS/content.opf read"``, ``"no META-INF/container.xml"``, ``"broken zip:
    ..."`` or ``"over size cap ..."``, and whether the OPF was read. Never raises.
    """
    package, detail = read_opf(body, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    if package is None:
        return EmbeddedReading(TdmProps(), (), detail, False)
    props, problems = _read_package(package)
    return EmbeddedReading(props, problems, detail, True)


def read_opf(
    body: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_uncompressed: int = DEFAULT_MAX_UNCOMPRESSED,
) -> tuple[Any | None, str]:
    """The EPUB's parsed package document (OPF root element) and a state line, within
    the bounds described above; ``(None, why)`` when it cannot be had. Never raises.

    Every reader of publication metadata (TDMRep here, licence statements elsewhere)
    starts from this one bounded unzip.
    """
    if len(body) > max_bytes:
        return None, f"over size cap ({len(body)} > {max_bytes} bytes): not read"
    try:
        _check_directory(body)
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            if len(archive.infolist()) > MAX_MEMBERS:
                raise _Refused(f"zip has more than {MAX_MEMBERS} members: not read")
            budget = [max_uncompressed]
            container = _read_member(archive, CONTAINER, budget, missing="no " + CONTAINER)
            opf_path = _rootfile(container)
            opf = _read_member(archive, opf_path, budget, missing=f"OPF {opf_path} not in zip")
    except _Refused as refused:
        return None, str(refused)
    except Exception as error:  # zipfile/zlib/bz2/lzma raise many types on broken input
        return None, f"broken zip: {type(error).__name__}: {_short(error)}"
    try:
        package = parse_xml(opf, max_bytes=MAX_XML_MEMBER)
    except UnsafeOrInvalidXml as error:
        return None, f"OPF {opf_path} not readable: {error}"
    return package, f"OPF {opf_path} read"


def _check_directory(body: bytes) -> None:
    """Refuse, before zipfile parses it, a central directory too large to be a book."""
    eocd = body.rfind(_EOCD, max(0, len(body) - _EOCD_SEARCH))
    if eocd < 0 or len(body) < eocd + 22:
        raise _Refused("broken zip: no end of central directory record")
    entries, cd_size = struct.unpack_from("<HI", body, eocd + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # Zip64: the real values are elsewhere
        record = body.rfind(_EOCD64, max(0, eocd - 20 - 56 - 1024), eocd)
        if record < 0 or len(body) < record + 56:
            raise _Refused("broken zip: Zip64 end of central directory record not found")
        entries, cd_size = struct.unpack_from("<QQ", body, record + 32)
    if entries > MAX_MEMBERS:
        raise _Refused(f"zip declares {entries} members (more than {MAX_MEMBERS}): not read")
    if cd_size > MAX_CENTRAL_DIRECTORY:
        raise _Refused(
            f"zip central directory of {cd_size} bytes (over {MAX_CENTRAL_DIRECTORY}): not read"
        )


def _read_member(archive: zipfile.ZipFile, name: str, budget: list[int], *, missing: str) -> bytes:
    """Inflate one member, capped by its declared size check and by what really inflates."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise _Refused(missing) from None
    limit = min(budget[0], MAX_XML_MEMBER)
    if info.file_size > limit:
        raise _Refused(f"zip member {name} declares {info.file_size} bytes (cap {limit}): not read")
    data = bytearray()
    with archive.open(info) as member:
        while len(data) <= limit:
            chunk = member.read(_CHUNK)
            if not chunk:
                break
            data += chunk
    if len(data) > limit:
        raise _Refused(f"zip member {name} inflates beyond {limit} bytes: not read")
    budget[0] -= len(data)
    return bytes(data)


def _rootfile(container: bytes) -> str:
    """The OPF path named by container.xml (the first package rootfile)."""
    try:
        root = parse_xml(container, max_bytes=MAX_XML_MEMBER)
    except UnsafeOrInvalidXml as error:
        raise _Refused(f"{CONTAINER} not readable: {error}") from None
    paths = [
        (element.get("media-type"), element.get("full-path"))
        for element in root.iter()
        if isinstance(element.tag, str) and _local(element.tag) == "rootfile"
    ]
    preferred = [path for media_type, path in paths if media_type == OPF_MEDIA_TYPE]
    for path in preferred + [path for _, path in paths]:
        if path:
            return unquote(path.strip()).lstrip("/")
    raise _Refused(f"{CONTAINER} names no OPF rootfile")


def _read_package(package: Any) -> tuple[TdmProps, tuple[str, ...]]:
    """Collect TDMRep values from the OPF's ``meta`` elements (both EPUB forms)."""
    prefixes = dict(_PREFIX_PAIR.findall(package.get("prefix") or ""))
    tdm_prefixes = {p for p, iri in prefixes.items() if iri in TDMREP_NAMESPACES}
    found: dict[str, list[str]] = {name: [] for name in PROPERTIES}
    problems: list[str] = []
    for meta in package.iter():
        if not isinstance(meta.tag, str) or _local(meta.tag) != "meta":
            continue
        name = (meta.get("name") or "").strip()
        if name.isascii() and name.lower() in ("tdm:reservation", "tdm:policy"):
            found[name.lower()[4:]].append(meta.get("content") or "")
            continue
        prefix, _, local = (meta.get("property") or "").strip().partition(":")
        if local not in PROPERTIES:
            continue
        shown = f'<meta property="{prefix}:{local}">'
        if prefix in tdm_prefixes:
            if meta.get("refines"):
                problems.append(f"EPUB OPF: {shown} refines another element, ignored")
            else:
                found[local].append("".join(meta.itertext()))
        elif prefix in prefixes:
            if prefix == "tdm":
                iri = prefixes[prefix]
                problems.append(f"EPUB OPF: prefix tdm is bound to {iri!r}, {shown} ignored")
        elif prefix == "tdm":
            problems.append(
                f"EPUB OPF: prefix tdm not declared on package/@prefix, {shown} ignored"
            )
    props, value_problems = props_from_values(found, "EPUB OPF")
    return props, (*problems, *value_problems)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _short(error: BaseException) -> str:
    text = str(error) or "no message"
    return text if len(text) <= 120 else f"{text[:117]}..."
