"""report/escape: site data in Markdown renders as the characters it holds; on a
terminal, nothing in it acts; in a spreadsheet, nothing in it is evaluated.

The Markdown checks render with markdown-it (CommonMark, GFM tables and strikethrough,
raw HTML passed through as a publisher's renderer may): whatever a site sends, the
rendered HTML holds no element and no link of its making, and shows its text.
"""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tdm_crawler.report.escape import (
    csv_cell,
    markdown_code,
    markdown_code_block,
    markdown_table_cell,
    markdown_text,
    terminal,
)
from tests.markdown import rendered

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](http://evil.example/x.png)",
    "<http://evil.example/>",
    "https://evil.example/ www.evil.example",
    "*em* _em_ **strong** ~~gone~~ `code`",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "| a | b |",
    "a\n\n# heading after a blank line\n<script>x</script>",
    "&lt;script&gt; &amp; &#60;b&#62;",
    "\\[escaped\\] \\<b>",
    "`` ` ``` a",
    "\x1b[2J \x9b31m \u202eevil\u202c \x00\x07",
]
#: An element, a link or an image the site made (the test wraps text in <p>, <td>, <code>).
MADE = re.compile(r"<(?!/?(p|td|th|tr|table|thead|tbody|code|pre)\b)[a-zA-Z/!?]")
ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _flat(value: str) -> str:
    """What the reader is meant to see: line breaks as spaces, controls gone."""
    value = re.sub(r"[\t\r\n\v\f\x85\u2028\u2029]+", " ", value)
    return ACTING.sub("", value)


def _shown(html_text: str) -> str:
    """The text of rendered HTML, as a reader sees it."""
    return html.unescape(re.sub(r"<[^>]+>", "", html_text)).strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_renders_as_its_characters(value: str) -> None:
    out = rendered(f"Assigner: {markdown_text(value)}")
    assert MADE.search(out) is None, out
    assert _shown(out) == f"Assigner: {_flat(value)}".strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_at_the_start_of_a_line_starts_no_block(value: str) -> None:
    out = rendered(markdown_text(value))
    assert out.startswith("<p>") and out.count("<p>") == 1, out
    assert MADE.search(out) is None, out


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_code_is_one_code_span_holding_the_value(value: str) -> None:
    out = rendered(f"URL {markdown_code(value)} seen")
    assert MADE.search(out) is None, out
    (code,) = re.findall(r"<code>(.*?)</code>", out, re.S)
    assert html.unescape(code).strip(" ") == _flat(value).strip(" ")


@pytest.mark.parametrize("value", HOSTILE)
def test_table_cells_keep_the_table_whole(value: str) -> None:
    table = (
        "| policy | assigner | URLs |\n|---|---|---:|\n"
        f"| {markdown_table_cell(markdown_code(value))} "
        f"| {markdown_table_cell(markdown_text(value))} | 1 |"
    )
    out = rendered(table)
    assert MADE.search(out) is None, out
    cells = re.findall(r"<td[^>]*>(.*?)</td>", out, re.S)
    assert len(cells) == 3 and cells[-1] == "1", out
    assert _shown(cells[1]) == _flat(value).strip()


def test_a_code_block_outlasts_the_backticks_inside() -> None:
    block = markdown_code_block("abc  file\n```\n<script>x</script>\x1b[2J")
    out = rendered(block + "\n\nafter")
    assert out.count("<pre>") == 1 and "<p>after</p>" in out and "<script" not in out
    assert ACTING.search(block) is None


@given(st.text())
def test_nothing_escaped_for_markdown_keeps_a_control(value: str) -> None:
    for escaped in (markdown_text(value), markdown_code(value)):
        assert ACTING.search(escaped) is None
        assert "\n" not in escaped and "\r" not in escaped


@given(st.text())
def test_markdown_text_never_makes_an_element_or_a_link(value: str) -> None:
    out = rendered(f"x {markdown_text(value)}")
    assert MADE.search(out) is None, out


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("\x1b[2J", "\\u001b[2J"),
        ("\x9b31m", "\\u009b31m"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("a\nb\rc", "a\\u000ab\\u000dc"),
        ("tab\tkept", "tab\tkept"),
        ("\x7f\x00", "\\u007f\\u0000"),
        ("ordinary é ü 中", "ordinary é ü 中"),
    ],
)
def test_terminal_shows_each_control_as_an_escape(value: str, shown: str) -> None:
    assert terminal(value) == shown


def test_terminal_keeps_line_feeds_of_multi_line_text_only() -> None:
    assert terminal("a\nb\x1b", multiline=True) == "a\nb\\u001b"
    assert terminal("a\nb") == "a\\u000ab"


@given(st.text())
def test_terminal_leaves_nothing_that_acts(value: str) -> None:
    assert ACTING.search(terminal(value)) is None
    assert ACTING.search(terminal(value, multiline=True)) is None


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1", "'\uff1d1"),
        ("http://example.org/=x", "http://example.org/=x"),
        ("", ""),
    ],
)
def test_csv_cells_never_start_a_formula(value: str, cell: str) -> None:
    assert csv_cell(value) == cell
