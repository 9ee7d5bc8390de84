"""Site data escaped for the medium it is written to: Markdown, CSV, the terminal.

Everything a crawl records about a site — URLs, header values, titles, policy texts,
licence names, assigner names — is the site's to choose, and is shown to people: in a
datasheet a publisher renders, in a spreadsheet, in a terminal. Written as is, it would
be markup there (a ``<script>``, a ``[link](javascript:...)``, a ``=HYPERLINK()``
formula, an ``ESC[2J`` that clears the screen, a right-to-left override that reorders
what is read). So every writer of such text calls one of these functions on each value
from a site, never on the text around it:

- :func:`markdown_text` — running text, with nothing left that a Markdown renderer (or
  the HTML it passes through) would treat as markup;
- :func:`markdown_code` — a code span, fenced longer than any run of backticks inside;
- :func:`markdown_table_cell` — a cell made of the above, its pipes escaped;
- :func:`markdown_code_block` — a fenced block;
- :func:`csv_cell` — a spreadsheet cell that cannot start a formula;
- :func:`terminal` — text without control characters, escape sequences or bidi overrides.

The HTML report escapes with :func:`html.escape` and keeps ``<`` out of its scripts
(:mod:`tdm_crawler.report.html_report`). Plain Python, no imports from the crawl.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "csv_cell",
    "markdown_code",
    "markdown_code_block",
    "markdown_table_cell",
    "markdown_text",
    "terminal",
]

#: Characters that end a line somewhere (CommonMark, HTML or Unicode), and the tab: in
#: running text a value must not start a heading, a list, a code block or a block quote.
_LINE_BREAKS: Final = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")

#: What a terminal acts on instead of showing: C0 controls, DEL, C1 controls (``\x9b`` is
#: a CSI on its own), and the bidi embeddings, overrides and isolates (U+202A-U+202E,
#: U+2066-U+2069) that reorder what is read. The tab (and, in multi-line text, the line
#: feed) is left to the printer.
_CONTROL_PAST_LF: Final = "\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_CONTROL: Final = re.compile(f"[\x00-\x08\x0a{_CONTROL_PAST_LF}]")
_CONTROL_BUT_LF: Final = re.compile(f"[\x00-\x08{_CONTROL_PAST_LF}]")

#: Markdown punctuation that every renderer (CommonMark, GFM, Python-Markdown) takes as
#: escaped after a backslash.
_BACKSLASHED: Final = re.compile(r"([\\`*_{}\[\]()#+\-.!])")
#: What is written as a character reference instead: HTML (``<``, ``>``, ``&``), and
#: markup not every renderer lets a backslash escape: ``|`` of tables, ``~`` of
#: strikethrough, ``:`` of autolinks (``https://...`` made a link).
_REFERENCES: Final = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "|": "&#124;",
    "~": "&#126;",
    ":": "&#58;",
}
_REFERENCED: Final = re.compile("[" + re.escape("".join(_REFERENCES)) + "]")

_BACKTICKS: Final = re.compile(r"`+")

#: What a spreadsheet reads as the start of a formula (ASCII and full-width forms), and
#: the tab and line breaks that let some of them skip the first character.
_FORMULA_START: Final = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def _flat(value: object) -> str:
    """``value`` as one line: line breaks and tabs to a space, other control characters
    and bidi controls dropped."""
    return _CONTROL.sub("", _LINE_BREAKS.sub(" ", str(value)))


def markdown_text(value: object) -> str:
    """``value`` as literal text in Markdown: one line, no HTML, no emphasis, links,
    headings, lists, tables or autolinks. Renders as the characters it holds."""
    text = _BACKSLASHED.sub(r"\\\1", _flat(value))
    return _REFERENCED.sub(lambda match: _REFERENCES[match.group()], text)


def markdown_code(value: object) -> str:
    """``value`` as a Markdown code span (one line): fenced with more backticks than its
    longest run, padded when it starts or ends with a backtick, so it cannot close early.
    Inside a code span nothing is markup, HTML included."""
    text = _flat(value)
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if not text.strip(" ") or text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_table_cell(markdown: str) -> str:
    """Markdown already escaped (by the functions above, or written by us) as a table
    cell: one line, and its ``|`` escaped, which GFM needs inside code spans too."""
    return _LINE_BREAKS.sub(" ", markdown).replace("|", "\\|")


def markdown_code_block(text: str) -> str:
    """``text`` as a fenced code block, the fence longer than any backtick run inside."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{_CONTROL_BUT_LF.sub('', text)}\n{fence}"


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet shows and never evaluates: one starting with
    ``=``, ``+``, ``-``, ``@`` (or their full-width forms), a tab or a line break gets a
    leading ``'``, the mark spreadsheets read as "text" (OWASP's CSV injection advice)."""
    if value and value[0] in _FORMULA_START:
        return "'" + value
    return value


def terminal(value: object, *, multiline: bool = False) -> str:
    """``value`` safe to print: every control character (C0, DEL, C1, so every escape
    sequence), and every bidi embedding, override or isolate, shown as a ``\\uXXXX``
    escape instead of acting. Line feeds are kept with ``multiline`` only, tabs always.
    The escape is also JSON's, so JSON text stays valid JSON."""
    pattern = _CONTROL_BUT_LF if multiline else _CONTROL
    return pattern.sub(lambda match: f"\\u{ord(match.group()):04x}", str(value))
