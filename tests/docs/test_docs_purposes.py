"""docs/protocols.md §9 shows the purpose table exactly as the code holds it."""

from __future__ import annotations

import re

from tdm_crawler.policy.purposes import VOCABULARIES, Operator, Purpose
from tests.paths import REPO

PROTOCOLS = (REPO / "docs" / "protocols.md").read_text(encoding="utf-8")
#: §9, up to the next second-level heading.
DOC = PROTOCOLS.split("\n## 9. Purposes\n", 1)[1].split("\n## ", 1)[0]
ROW = re.compile(r"^\| `([a-z-]+)` \| (`[^`]+`|\*any other\*) \|((?: [^|]+ \|){4})$", re.M)
HEADER = "| vocabulary | statement | " + " | ".join(f"`{p}`" for p in Purpose) + " |"


def documented() -> dict[str, dict[str | None, frozenset[Purpose]]]:
    """vocabulary -> statement (None: any other) -> the purposes its row marks."""
    table: dict[str, dict[str | None, frozenset[Purpose]]] = {}
    for vocabulary, statement, cells in ROW.findall(DOC):
        marks = [cell.strip() for cell in cells.strip(" |").split("|")]
        assert set(marks) <= {"reserves", "—"}, marks
        key = None if statement == "*any other*" else statement.strip("`")
        rows = table.setdefault(vocabulary, {})
        assert key not in rows, f"{vocabulary} {key} twice"
        rows[key] = frozenset(p for p, mark in zip(Purpose, marks, strict=True) if mark != "—")
    return table


def test_the_columns_are_the_purposes_in_order() -> None:
    assert HEADER in DOC.splitlines()


def test_the_documented_table_is_the_data() -> None:
    expected = {
        name: {**vocabulary.statements, None: vocabulary.otherwise}
        for name, vocabulary in VOCABULARIES.items()
    }
    table = documented()
    assert list(table) == list(expected), "vocabularies, in the code's order"
    for name, rows in expected.items():
        assert list(table[name]) == list(rows), f"{name}: rows, in the code's order"
        assert table[name] == rows, name


def test_every_vocabulary_and_profile_value_is_described() -> None:
    for name in VOCABULARIES:
        assert f"- `{name}` — " in DOC, name
    for value in (*Purpose, *Operator):
        assert f"`{value}`" in DOC, value
    for option in ("--purpose", "--operator", "--region", "TDM_PURPOSE", "TDM_REGION"):
        assert f"`{option}`" in DOC
