"""Markdown as a publisher renders it: the oracle for what the datasheet lets through."""

from __future__ import annotations

from markdown_it import MarkdownIt

#: CommonMark with GFM's tables and strikethrough (raw HTML on, as GitHub passes much of it).
_RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rendered(markdown: str) -> str:
    """The HTML ``markdown`` renders to."""
    return _RENDERER.render(markdown)
