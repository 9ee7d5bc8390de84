"""Every tdm-crawler setting is documented, with its real default, in the README's table."""

from __future__ import annotations

import json
import re

import pytest

from tdm_crawler.crawl.config import TDM_SETTINGS
from tests.paths import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
ROWS = dict(re.findall(r"^\| `(TDM_[A-Z_]+)` \| (.+?) \|", README, flags=re.MULTILINE))


@pytest.mark.parametrize("name", sorted(TDM_SETTINGS))
def test_setting_is_in_the_readme_table_with_its_default(name: str) -> None:
    default, _ = TDM_SETTINGS[name]
    assert name in ROWS, f"{name} missing from the README settings table"
    shown = ROWS[name]
    if default is None:
        assert shown == "—"
    elif default == "":
        assert shown == "empty"
    else:
        text = default if isinstance(default, str) else json.dumps(default)
        assert shown == f"`{text}`"


def test_table_documents_no_unknown_setting() -> None:
    assert set(ROWS) <= set(TDM_SETTINGS)
