"""Build PDF, EPUB and image bytes for tests, from code rather than checked-in blobs.

Every document a test reads is generated here, so what it contains is visible in the
source and the e2e fixture server can serve the same documents. All functions are pure
(bytes out) and deterministic, except that encryption and C2PA signatures use fresh keys
and the current time. PDFs need ``pypdf``; :func:`c2pa_signed_png` needs ``c2pa-python``
(the ``media`` extra) and ``cryptography`` (already installed with Scrapy).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import Literal

from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject

TDMREP_SLASH = "http://www.w3.org/ns/tdmrep/"
TDMREP_HASH = "http://www.w3.org/ns/tdmrep#"
OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"


# --- XMP -------------------------------------------------------------------------------


def xmp_packet(
    reservation: str | None,
    policy: str | None = None,
    *,
    ns: Literal["/", "#"] | str = "/",
    form: Literal["element", "attribute"] = "element",
    prefix: str = "tdm",
) -> bytes:
    """A complete XMP packet (``<?xpacket?>`` wrapper included) with TDMRep properties.

    ``reservation`` / ``policy`` are written verbatim (so invalid values can be tested);
    ``None`` leaves the property out. ``ns`` is ``"/"`` or ``"#"`` for the two TDMRep
    namespace spellings, or any other IRI. ``form`` chooses ``<tdm:reservation>`` child
    elements or ``tdm:reservation="..."`` attributes of ``rdf:Description``; ``prefix``
    is the prefix bound to the namespace (readers must not care which).
    """
    iri = {"/": TDMREP_SLASH, "#": TDMREP_HASH}.get(ns, ns)
    props = {"reservation": reservation, "policy": policy}
    present = {name: value for name, value in props.items() if value is not None}
    if form == "attribute":
        attributes = "".join(f' {prefix}:{name}="{_esc(v)}"' for name, v in present.items())
        description = f'<rdf:Description rdf:about="" xmlns:{prefix}="{iri}"{attributes}/>'
    else:
        children = "".join(
            f"<{prefix}:{name}>{_esc(v)}</{prefix}:{name}>" for name, v in present.items()
        )
        description = (
            f'<rdf:Description rdf:about="" xmlns:{prefix}="{iri}">'
            f'<dc:format xmlns:dc="{DC_NS}">application/pdf</dc:format>'
            f"{children}</rdf:Description>"
        )
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        f"{description}\n"
        "</rdf:RDF>\n</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def _esc(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


# --- PDF -------------------------------------------------------------------------------


def make_pdf(
    xmp: bytes | None,
    *,
    encrypt: bool = False,
    user_password: str = "",
    compress_metadata: bool = True,
    pages: int = 1,
) -> bytes:
    """A small valid PDF whose catalog ``/Metadata`` stream holds ``xmp`` (None: none).

    ``compress_metadata`` FlateDecodes the stream (real producers do both);
    ``encrypt`` applies AES-256 with ``user_password`` (empty: anyone can open the file,
    as with owner-password-only PDFs; anything else: unreadable without it).
    """
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    if xmp is not None:
        stream = DecodedStreamObject()
        stream.set_data(xmp)
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        obj = stream.flate_encode() if compress_metadata else stream
        writer.root_object[NameObject("/Metadata")] = writer._add_object(obj)
    if encrypt:
        writer.encrypt(user_password=user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def truncated(pdf_bytes: bytes, fraction: float = 0.5) -> bytes:
    """The first ``fraction`` of a file, as a download cut off mid-transfer."""
    return pdf_bytes[: int(len(pdf_bytes) * fraction)]


def pdf_header_then(payload: bytes) -> bytes:
    """A file that starts like a PDF and then holds only ``payload`` (no objects, no
    xref, no trailer): what pypdf cannot open, for the raw-scan fallback."""
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + payload + b"\n%%EOF\n"


# --- EPUB ------------------------------------------------------------------------------

CONTAINER_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="{path}" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def opf(
    version: int = 3,
    reservation: str | None = None,
    policy: str | None = None,
    *,
    prefix_declared: bool = True,
    prefix: str = "tdm",
    prefix_iri: str = TDMREP_HASH,
    extra_meta: str = "",
) -> bytes:
    """An OPF package document with TDMRep metadata (values written verbatim).

    EPUB 3: ``<meta property="{prefix}:reservation">``, the prefix declared on
    ``package/@prefix`` when ``prefix_declared``. EPUB 2:
    ``<meta name="tdm:reservation" content="..."/>``. ``extra_meta`` is inserted as is.
    """
    values = {"reservation": reservation, "policy": policy}
    present = {name: value for name, value in values.items() if value is not None}
    if version == 3:
        metas = "".join(
            f'<meta property="{prefix}:{name}">{_esc(v)}</meta>' for name, v in present.items()
        )
        declared = (
            f' prefix="rendition: http://www.idpf.org/vocab/rendition/# {prefix}: {prefix_iri}"'
        )
        package_attrs = (
            f'version="3.0" unique-identifier="uid"{declared if prefix_declared else ""}'
        )
        modified = '<meta property="dcterms:modified">2024-01-01T00:00:00Z</meta>'
    else:
        metas = "".join(
            f'<meta name="tdm:{name}" content="{_esc(v)}"/>' for name, v in present.items()
        )
        package_attrs = 'version="2.0" unique-identifier="uid"'
        modified = ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<package xmlns="{OPF_NS}" {package_attrs}>'
        f'<metadata xmlns:dc="{DC_NS}">'
        '<dc:identifier id="uid">urn:uuid:00000000-0000-4000-8000-000000000000</dc:identifier>'
        "<dc:title>Test book</dc:title><dc:language>en</dc:language>"
        f"{modified}{metas}{extra_meta}</metadata>"
        '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    ).encode()


CHAPTER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>c1</title></head>'
    b"<body><p>Hello.</p></body></html>"
)


def make_epub(
    version: int = 3,
    reservation: str | None = None,
    policy: str | None = None,
    *,
    prefix_declared: bool = True,
    prefix: str = "tdm",
    prefix_iri: str = TDMREP_HASH,
    opf_bytes: bytes | None = None,
    opf_path: str = "OEBPS/content.opf",
    with_container: bool = True,
) -> bytes:
    """A minimal EPUB (zip): ``mimetype`` stored first, container.xml, OPF, one chapter.

    The OPF is :func:`opf` with the same arguments unless ``opf_bytes`` is given;
    ``with_container=False`` leaves ``META-INF/container.xml`` out.
    """
    package = opf_bytes or opf(
        version,
        reservation,
        policy,
        prefix_declared=prefix_declared,
        prefix=prefix,
        prefix_iri=prefix_iri,
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        if with_container:
            container = CONTAINER_XML.format(path=opf_path)
            zf.writestr("META-INF/container.xml", container, zipfile.ZIP_DEFLATED)
        zf.writestr(opf_path, package, zipfile.ZIP_DEFLATED)
        zf.writestr("OEBPS/c1.xhtml", CHAPTER, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb_epub(uncompressed: int = 128 * 1024**2, *, lie_about_size: bool = False) -> bytes:
    """An EPUB whose OPF inflates to about ``uncompressed`` bytes (default 128 MiB).

    The OPF starts like a real package document with a reservation and then runs on as
    one endless run of spaces. The deflate stream is written by hand (a run of
    <length 258, distance 1> copies repeats with a 13-byte period), so even a 1 GiB bomb
    is built in well under a second. ``lie_about_size`` declares 1000 bytes as the OPF's
    uncompressed size in both zip headers, so the declared-size check passes and only
    capping what actually inflates keeps a reader bounded.
    """
    head = opf(3, "1")[: -len(b"</package>")] + b" "
    matches = max(16, -(-(uncompressed - len(head)) // 258))
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = compressor.compress(head) + compressor.flush(zlib.Z_SYNC_FLUSH)
    raw += _deflate_space_run(matches)
    size = len(head) + matches * 258
    crc = zlib.crc32(head)
    spaces = b" " * (1024 * 1024)
    left = matches * 258
    while left:
        step = min(left, len(spaces))
        crc = zlib.crc32(spaces[:step], crc)
        left -= step
    container = CONTAINER_XML.format(path="content.opf").encode()
    return _zip(
        [
            ("mimetype", b"application/epub+zip", 0, None, None),
            ("META-INF/container.xml", container, 0, None, None),
            ("content.opf", raw, 8, crc, 1000 if lie_about_size else size),
        ]
    )


def _deflate_space_run(matches: int) -> bytes:
    """Raw deflate, starting byte-aligned: ``matches`` x <258, distance 1>, then the end.

    One fixed-Huffman block (BFINAL=0, BTYPE=01): each match is length code 285
    (8 bits 11000101) and distance code 0 (5 bits), 13 bits; eight matches are 13 bytes,
    so a short stream is written bit by bit and its first full 13-byte period is
    repeated. Then end-of-block and an empty final block.
    """
    extra_periods, rest = divmod(matches - 16, 8)
    bits = [0, 1, 0]
    for _ in range(16 + rest):
        bits += [1, 1, 0, 0, 0, 1, 0, 1] + [0] * 5
    bits += [0] * 7  # end of block (code 256)
    bits += [1, 1, 0] + [0] * 7  # final fixed block holding only end of block
    bits += [0] * (-len(bits) % 8)
    small = bytes(
        sum(bit << i for i, bit in enumerate(bits[n : n + 8])) for n in range(0, len(bits), 8)
    )
    return small[:1] + small[1:14] * extra_periods + small[1:]


def _zip(members: list[tuple[str, bytes, int, int | None, int | None]]) -> bytes:
    """A zip from ``(name, data, method, crc, declared size)``; for method 8 ``data`` is
    the raw deflate stream and ``crc``/size must be given, for method 0 they are computed.
    """
    out = bytearray()
    central = bytearray()
    for name, data, method, crc, size in members:
        encoded = name.encode()
        crc = zlib.crc32(data) if crc is None else crc
        size = len(data) if size is None else size
        offset = len(out)
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(encoded))
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + encoded + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields, 0, 0, 0, 0, 0, offset)
        central += encoded
    directory = len(out)
    count = len(members)
    out += central
    out += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central), directory, 0)
    return bytes(out)


def many_members_zip(count: int) -> bytes:
    """A zip with ``count`` empty stored members (for the member-count bound)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        for index in range(count):
            zf.writestr(zipfile.ZipInfo(f"f{index}"), b"")
    return out.getvalue()


# --- images ----------------------------------------------------------------------------


def make_png(width: int = 8, height: int = 8) -> bytes:
    """A valid RGB PNG of the given size, one flat colour, built chunk by chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


# --- C2PA ------------------------------------------------------------------------------


def _test_signing_chain() -> tuple[bytes, bytes]:
    """A fresh ES256 chain (self-signed root -> signer) as (PEM chain, PEM PKCS#8 key).

    C2PA requires a non-CA leaf with digitalSignature and an EKU such as
    emailProtection; the root is not on any trust list, so readers report the
    manifest as valid but its signer as untrusted, which is all tests need.
    """
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common_name: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "tdm-crawler tests"),
            ]
        )

    def usage(*, sign: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=sign,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not sign,
            crl_sign=not sign,
            encipher_only=False,
            decipher_only=False,
        )

    def base(
        subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
    ) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(name(subject))
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        )

    root_key = ec.generate_private_key(ec.SECP256R1())
    root = (
        base("test root", name("test root"), root_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage(sign=False), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        base("test signer", root.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(sign=True), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    chain = leaf.public_bytes(pem) + root.public_bytes(pem)
    private = key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return chain, private


def c2pa_signed_png(assertions: list[dict[str, object]]) -> bytes:
    """A PNG carrying a real, signed C2PA manifest with ``assertions`` (needs c2pa-python).

    A ``c2pa.actions`` assertion with ``c2pa.created`` is added first, as the SDK requires
    of a manifest without ingredients. Example assertion::

        {"label": "cawg.training-mining",
         "data": {"entries": {"cawg.ai_training": {"use": "notAllowed"}}}}
    """
    import c2pa

    chain, private = _test_signing_chain()
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain, private, None)
    )
    created = {
        "label": "c2pa.actions",
        "data": {
            "actions": [
                {
                    "action": "c2pa.created",
                    "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
                }
            ]
        },
    }
    manifest = {
        "claim_generator_info": [{"name": "tdm-crawler-tests", "version": "1"}],
        "title": "test.png",
        "format": "image/png",
        "assertions": [created, *assertions],
    }
    out = io.BytesIO()
    with c2pa.Builder(manifest) as builder:
        builder.sign(signer, "image/png", io.BytesIO(make_png()), out)
    return out.getvalue()
