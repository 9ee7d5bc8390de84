"""The hierarchy drawn in ``tdm_crawler.exceptions``'s docstring is the one in the code."""

from __future__ import annotations

import re

import tdm_crawler.exceptions as exceptions

#: One drawn line: the tree's prefix (its length gives the depth), then a class name.
LINE = re.compile(r"^    (?P<prefix>(?:[│ ]   |[├└]── )*)(?P<name>[A-Z]\w+)\s")


def _drawn_parents() -> dict[str, str | None]:
    parents: dict[str, str | None] = {}
    path: list[str] = []
    for line in (exceptions.__doc__ or "").splitlines():
        match = LINE.match(line)
        if match is None:
            continue
        depth = len(match["prefix"]) // 4
        del path[depth:]
        parents[match["name"]] = path[-1] if path else None
        path.append(match["name"])
    return parents


def test_the_docstring_tree_matches_the_classes() -> None:
    base = exceptions.TdmCrawlerError
    actual: dict[str, str | None] = {}
    for name in exceptions.__all__:
        cls = getattr(exceptions, name)
        ours = [b.__name__ for b in cls.__bases__ if issubclass(b, base)]
        assert len(ours) <= 1, f"{name}: one parent in the hierarchy"
        actual[name] = ours[0] if ours else None
    assert _drawn_parents() == actual
