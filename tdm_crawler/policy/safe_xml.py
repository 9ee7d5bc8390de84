"""The one way this project parses untrusted XML (XMP packets, EPUB OPF, RSL, policies).

Every XML body the crawler reads comes from a server it does not trust. The classic XML
attacks are all about what a parser does besides building a tree: expanding entities
(billion laughs, quadratic blow-up), reading files or URLs named by external entities or
DTDs (XXE, SSRF), or building unbounded trees. This parser does none of that:

- entities are never substituted, and a document that declares any entity, or uses one
  it does not declare, is refused outright (no format we read needs entities beyond the
  five predefined ones and character references, and a declaration is the attack's
  signature); a DOCTYPE without entities is tolerated;
- no DTD is loaded and the network is never touched (``no_network``, ``load_dtd=False``),
  and, in case some option combination makes libxml2 try anyway, a resolver answers
  every external load (DTD, entity, XInclude) with an empty document, so no file or URL
  is ever opened (lxml 6 with ``collect_ids=False`` does read external DTDs: see the
  tests; that option is deliberately not used);
- libxml2's default safety limits stay on (``huge_tree=False``: depth and text-node caps);
- the input size is capped before parsing starts.

lxml (already a runtime dependency) is used rather than defusedxml: defusedxml's lxml
module is deprecated, and these parser options plus the entity check give the same
guarantees with the faster parser the rest of the project uses.
"""

from __future__ import annotations

from typing import Any

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]

#: Default size cap: far above any real XMP packet, OPF or licence file.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024


class UnsafeOrInvalidXml(ValueError):
    """The bytes are not a well-formed, safe XML document within the size cap.

    Raised for malformed XML, empty input, input over the cap, and any document that
    declares entities. Callers treat it like "no usable document": it never means that
    anything was read from the document.
    """


class _RefuseExternal(lxml.etree.Resolver):  # type: ignore[misc, unused-ignore]
    """Answers every external load with an empty document instead of opening it."""

    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        return self.resolve_string("", context)


def _parser() -> Any:
    # A fresh parser per call: lxml parsers keep error state and must not be shared
    # between threads.
    parser = lxml.etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    parser.resolvers.add(_RefuseExternal())
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Any:
    """Parse ``data`` and return its root element (an ``lxml.etree._Element``).

    Raises :class:`UnsafeOrInvalidXml` when ``data`` is longer than ``max_bytes``, empty,
    not well-formed, declares entities (internal or external) in a DTD subset, or uses
    entities it does not declare.
    Processing instructions (e.g. XMP's ``<?xpacket?>``) are kept; comments are dropped.
    """
    if len(data) > max_bytes:
        raise UnsafeOrInvalidXml(f"XML larger than {max_bytes} bytes")
    if not data.strip():
        raise UnsafeOrInvalidXml("empty XML document")
    try:
        root = lxml.etree.fromstring(data, _parser())
    except lxml.etree.XMLSyntaxError as error:
        raise UnsafeOrInvalidXml(f"malformed XML: {error}") from None
    except (ValueError, TypeError) as error:  # e.g. an unsupported encoding declaration
        raise UnsafeOrInvalidXml(f"unreadable XML: {error}") from None
    if root is None:
        raise UnsafeOrInvalidXml("no root element")
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise UnsafeOrInvalidXml("XML declares entities: refused")
    # With an external DTD named (never loaded), libxml2 leaves undeclared entity
    # references in the tree instead of failing; their text would silently be missing.
    if any(True for _ in root.iter(lxml.etree.Entity)):
        raise UnsafeOrInvalidXml("XML uses entities that are not declared: refused")
    return root
