"""A cheap word count of a stored work's visible text, for the report's totals.

The report shows how much of a corpus each licence class makes up in works, bytes and
words; words need the text, not the markup. A proper main-content extractor is the
export's business; here a count that costs about one more parse of the page is enough
(~0.1 ms on a 17 KB page, ``bench/license_cost.py``): lxml parses the document as the
licence readers do (the same decoding, the same cap), scripts, styles, ``noscript`` and
``template`` are dropped, and the words of the ``<body>`` text are counted as runs of
characters between ASCII whitespace. (Not ``str.split``: building the list of 2,000
words costs more than the parse.) A space is put before every ``<`` first, so that
``</p><p>`` of a minified page still ends a word (the cost: a word split by inline
markup, ``<b>H</b>ello``, counts twice); not in a UTF-16 or UTF-32 body, whose bytes a
space would misalign.

Plain text (``text/plain``, ``text/markdown``...) is counted whole. Other kinds (PDF,
EPUB, media) get None: not counted, rather than a guess.
"""

from __future__ import annotations

import re
from typing import Any, Final

# lxml ships no type information; the ignore stays harmless if stubs appear later.
import lxml.etree  # type: ignore[import-untyped, unused-ignore]
from w3lib.encoding import html_to_unicode

from tdm_crawler.policy.html_meta import parse_document

__all__ = ["count_words", "html_words", "text_words"]

_HIDDEN: Final = ("script", "style", "noscript", "template")
_BODY: Final = lxml.etree.XPath("/html/body")
#: ASCII whitespace to a space, every other byte to ``x``: the words are the ``" x"``
#: pairs (plus one when the text starts with a word).
_MARKS: Final = bytes(32 if byte in b" \t\n\r\x0b\x0c" else 120 for byte in range(256))
_WIDE: Final = re.compile(r"utf-?(?:16|32)", re.IGNORECASE)
_WIDE_BOMS: Final = (b"\xff\xfe", b"\xfe\xff")


def _words(data: bytes) -> int:
    marks = data.translate(_MARKS)
    return marks.count(b" x") + (marks[:1] == b"x")


def html_words(body: bytes, *, content_type: str | None, max_bytes: int) -> int:
    """The words of an HTML document's visible body text, read from the first
    ``max_bytes``; 0 when nothing parses."""
    data = body[:max_bytes]
    if not (data.startswith(_WIDE_BOMS) or (content_type and _WIDE.search(content_type))):
        data = data.replace(b"<", b" <")
    root: Any = parse_document(data, content_type=content_type, max_bytes=2 * max_bytes)
    if root is None:
        return 0
    found = _BODY(root)
    if not found:
        return 0
    lxml.etree.strip_elements(found[0], *_HIDDEN, with_tail=False)
    return _words(lxml.etree.tostring(found[0], method="text", encoding="utf-8", with_tail=False))


def text_words(body: bytes, *, content_type: str | None) -> int:
    """The words of a plain-text body, decoded by its charset (UTF-8 by default)."""
    return _words(html_to_unicode(content_type, body)[1].encode("utf-8"))


def count_words(body: bytes, *, kind: str, content_type: str | None, max_bytes: int) -> int | None:
    """The words of a work of content ``kind`` (:func:`~tdm_crawler.policy.content_kind`),
    None for a kind whose text is not counted."""
    if kind == "html":
        return html_words(body, content_type=content_type, max_bytes=max_bytes)
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "other" and media_type.startswith("text/"):
        return text_words(body[:max_bytes], content_type=content_type)
    return None
