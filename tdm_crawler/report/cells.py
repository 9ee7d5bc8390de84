"""Site text written into Markdown and CSV files a person opens: shown, never run.

Titles, authors, URLs and domain names are the site's to choose. Written as they are,
they would be markup in a rendered Markdown file (a ``<script>``, a
``[link](javascript:...)``) or a formula in a spreadsheet (``=HYPERLINK(...)``). The
attribution file and the ledger pass every site value through one of these.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["csv_cell", "markdown_text"]

#: Markdown punctuation a backslash escapes in every renderer; HTML's ``<``, ``>`` and
#: ``&``, and ``|`` (tables), ``:`` (autolinks) as character references.
_BACKSLASHED: Final = re.compile(r"([\\`*_{}\[\]()#+\-.!~])")
_REFERENCES: Final = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "|": "&#124;", ":": "&#58;"}
_REFERENCED: Final = re.compile("[&<>|:]")
_CONTROLS: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
#: What a spreadsheet reads as the start of a formula (ASCII and full-width forms).
_FORMULA_START: Final = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def markdown_text(value: object) -> str:
    """``value`` as literal text on one Markdown line: no HTML, emphasis, link, heading,
    list, table cell break or autolink; control and bidi characters to a space."""
    text = _BACKSLASHED.sub(r"\\\1", " ".join(_CONTROLS.sub(" ", str(value)).split()))
    return _REFERENCED.sub(lambda match: _REFERENCES[match.group()], text)


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows and never evaluates: one starting with
    ``=``, ``+``, ``-``, ``@`` (or a full-width form), a tab or a line break gets a leading
    ``'`` (OWASP's advice on CSV injection)."""
    return "'" + value if value and value[0] in _FORMULA_START else value
