"""TDMRep in a PDF's document metadata (protocols §2.4): the catalog's XMP stream.

The PDF layer is the last TDMRep layer (§2.5): what it says supersedes the file, header
and meta layers property by property, so it must be read for every PDF, and PDFs from
the web are often broken or hostile. The reader therefore:

- uses ``pypdf`` (pure Python: no native code to crash the crawler on a hostile file,
  installs everywhere; its lazy reader only parses the trailer/xref, the catalog and the
  one metadata object, never the page tree or content streams);
- refuses bodies over ``max_bytes`` and runs pypdf under tight decompression and object
  limits (``pypdf.apply_configuration``: per-context, thread-safe), so no stream can
  inflate beyond :data:`MAX_DECODED_STREAM`;
- bounds time without threads or subprocesses: pypdf reads the file through a stream
  that raises once ``timeout`` seconds have passed, so a pathological file stops at its
  next read instead of running on in an abandoned thread. The exception derives from
  ``BaseException`` so that pypdf's own ``except Exception`` recovery cannot swallow it;
- never raises: a file pypdf cannot open (garbage, truncated before the catalog, a
  password it cannot open, the time limit) falls back to a bounded scan of the raw bytes
  for uncompressed ``<?xpacket``/``<x:xmpmeta>`` packets; the first one that states a
  TDMRep property (validly or not) is used.

The scan is only a fallback: when pypdf reads the catalog, only the catalog's
``/Metadata`` counts, because XMP packets elsewhere in a PDF describe embedded images or
pages, not the document.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

import pypdf
import pypdf.errors
from pypdf.generic import StreamObject

from tdm_crawler.policy.safe_xml import DEFAULT_MAX_BYTES as MAX_XMP_BYTES
from tdm_crawler.policy.types import EmbeddedReading, TdmProps
from tdm_crawler.policy.xmp import TDMREP_NAMESPACES, UNREADABLE, read_xmp_tdm, scan_packets

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
DEFAULT_TIMEOUT = 5.0

#: Ceiling on what any single PDF stream (XMP, xref or object stream) may inflate to.
MAX_DECODED_STREAM = 16 * 1024 * 1024

# Limits for pypdf while it reads one untrusted file. Its defaults (75 MB per stream,
# calling a jbig2dec binary) are for documents a user chose to open.
_PYPDF_LIMITS: dict[str, Any] = {
    "maximum_declared_stream_length": MAX_DECODED_STREAM,
    "array_based_stream_maximum_output_length": MAX_DECODED_STREAM,
    "zlib_maximum_output_length": MAX_DECODED_STREAM,
    "lzw_maximum_output_length": MAX_DECODED_STREAM,
    "run_length_maximum_output_length": MAX_DECODED_STREAM,
    "brotli_maximum_output_length": MAX_DECODED_STREAM,
    "jbig2_maximum_output_length": MAX_DECODED_STREAM,
    "stream_decoding_work_maximum_length": 4 * MAX_DECODED_STREAM,
    "jbig2dec_binary": None,
    "disable_legacy_handling": True,
}

_TDMREP_MARKERS = tuple(ns.encode()[:-1] for ns in TDMREP_NAMESPACES)


class _TimeUp(BaseException):
    """The parse time limit passed (a BaseException: pypdf must not swallow it)."""


class _DeadlineStream(io.BytesIO):
    """A BytesIO whose every read or seek raises :class:`_TimeUp` after ``deadline``."""

    def __init__(self, data: bytes, deadline: float) -> None:
        super().__init__(data)
        self._deadline = deadline

    def _check(self) -> None:
        if time.monotonic() > self._deadline:
            raise _TimeUp

    def read(self, size: int | None = -1, /) -> bytes:
        self._check()
        return super().read(size)

    def readline(self, size: int | None = -1, /) -> bytes:
        self._check()
        return super().readline(size)

    def seek(self, pos: int, whence: int = 0, /) -> int:
        self._check()
        return super().seek(pos, whence)


@dataclass(frozen=True, slots=True)
class _Catalog:
    """What pypdf got from the catalog: the XMP bytes (None when there are none)."""

    xmp: bytes | None
    detail: str
    fall_back: bool = False  # pypdf could not read the catalog: scan the raw bytes
    too_large: bool = False  # the metadata exists but is over the cap: not read


def read_pdf_tdm(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT
) -> EmbeddedReading:
    """Read the TDMRep properties of a PDF from its catalog's XMP metadata stream.

    Returns ``(props, problems, detail, complete)``: the props (empty when nothing valid
    was found), problem lines about invalid or conflicting values, a human state such as
    ``"XMP metadata read"``, ``"no XMP metadata"``, ``"encrypted PDF: metadata not
    readable"``, ``"truncated PDF: ..."`` or ``"over size cap ..."``, and whether the
    catalog's metadata could be read at all (a raw-scan find counts; a packet found but
    not parsable does not). Never raises.
    """
    refused = _refusal(body, max_bytes)
    if refused is not None:
        return EmbeddedReading(TdmProps(), (), refused, False)
    catalog = _read_catalog(body, timeout)
    detail = catalog.detail
    props: TdmProps = TdmProps()
    problems: tuple[str, ...] = ()
    complete = not catalog.fall_back and not catalog.too_large
    if catalog.xmp is not None:
        props, problems = read_xmp_tdm(catalog.xmp)
        if _unparsable(problems):
            # The metadata is there but cannot be read: it may hold a reservation we
            # did not see, so nothing is established (as for an EPUB's unreadable OPF).
            detail = f"{detail}, but not parsable"
            complete = False
    elif catalog.fall_back:
        found = "no uncompressed XMP packet with TDMRep properties found"
        for packet in scan_packets(body, _TDMREP_MARKERS):
            props, problems = read_xmp_tdm(packet)
            if problems or not props.is_empty:
                found = "XMP packet found by raw scan"
                complete = not _unparsable(problems)
                break
        detail = f"{detail}; {found}"
    if b"%%EOF" not in body[-1024:]:
        detail = f"truncated PDF (no %%EOF at the end): {detail}"
        complete = complete and not props.is_empty
    return EmbeddedReading(props, problems, detail, complete)


def read_pdf_xmp(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = DEFAULT_TIMEOUT
) -> bytes | None:
    """The XMP packet of the PDF's catalog (the document's own metadata), read with the
    same caps as :func:`read_pdf_tdm`; None when there is none or it cannot be read.
    Other readers of document metadata (licence statements) start from here."""
    if _refusal(body, max_bytes) is not None:
        return None
    return _read_catalog(body, timeout).xmp


def _refusal(body: bytes, max_bytes: int) -> str | None:
    """Why ``body`` is not opened at all, or None."""
    if len(body) > max_bytes:
        return f"over size cap ({len(body)} > {max_bytes} bytes): not read"
    if body.find(b"%PDF-", 0, 1024) < 0:
        return "not a PDF (no %PDF- header)"
    return None


def _read_catalog(body: bytes, timeout: float) -> _Catalog:
    """Get the catalog's ``/Metadata`` stream with pypdf, within the time limit."""
    stream = _DeadlineStream(body, time.monotonic() + timeout)
    try:
        with pypdf.apply_configuration(**_PYPDF_LIMITS):
            reader = pypdf.PdfReader(stream, strict=False, root_object_recovery_limit=200)
            encrypted = reader.is_encrypted
            metadata = reader.root_object.get("/Metadata")
            if metadata is None:
                return _Catalog(None, "no XMP metadata")
            metadata = metadata.get_object()
            if not isinstance(metadata, StreamObject):
                return _Catalog(None, "catalog /Metadata is not a stream: no XMP metadata")
            xmp = metadata.get_data()
    except _TimeUp:
        return _Catalog(None, f"PDF parse time limit ({timeout:g} s) exceeded", fall_back=True)
    except pypdf.errors.FileNotDecryptedError:
        return _Catalog(None, "encrypted PDF: metadata not readable", fall_back=True)
    except pypdf.errors.DependencyError as error:
        detail = f"encrypted PDF: metadata not readable ({error})"
        return _Catalog(None, detail, fall_back=True)
    except Exception as error:  # any failure of the library on a hostile file
        detail = f"PDF not parsable by pypdf ({type(error).__name__}: {_short(error)})"
        return _Catalog(None, detail, fall_back=True)
    if len(xmp) > MAX_XMP_BYTES:
        detail = f"XMP metadata larger than {MAX_XMP_BYTES} bytes: not read"
        return _Catalog(None, detail, too_large=True)
    detail = "XMP metadata read"
    if encrypted:
        detail += " (encrypted PDF opened with the empty user password)"
    return _Catalog(xmp, detail)


def _unparsable(problems: tuple[str, ...]) -> bool:
    """Whether :func:`read_xmp_tdm` could not parse the packet at all."""
    return bool(problems) and problems[0].startswith(UNREADABLE)


def _short(error: BaseException) -> str:
    text = str(error) or "no message"
    return text if len(text) <= 120 else f"{text[:117]}..."
