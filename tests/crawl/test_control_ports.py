"""A crawl opens no control port: Scrapy's RemoteControl and telnet console stay off
unless the user turns them on (a test crawler, no crawl)."""

from __future__ import annotations

import pytest
from scrapy.extensions.remote_control import RemoteControl
from scrapy.extensions.telnet import TelnetConsole
from scrapy.utils.test import get_crawler

from tdm_crawler.addon import TdmAddon
from tdm_crawler.crawl.settings import crawl_settings

CONTROLS = (RemoteControl, TelnetConsole)


def _extensions(overrides: dict[str, object], tmp_path: object) -> set[type]:
    settings = crawl_settings(out=str(tmp_path), overrides=overrides)
    crawler = get_crawler(settings_dict=settings.copy_to_dict())
    crawler._apply_settings()
    return {type(ext) for ext in crawler.extensions.middlewares}


def test_project_settings_enable_neither(tmp_path: object) -> None:
    assert not _extensions({}, tmp_path) & set(CONTROLS)


@pytest.mark.parametrize(
    ("setting", "extension"),
    [("REMOTE_CONTROL_ENABLED", RemoteControl), ("TELNETCONSOLE_ENABLED", TelnetConsole)],
)
def test_a_user_setting_turns_one_on(setting: str, extension: type, tmp_path: object) -> None:
    enabled = _extensions({setting: True, "TELNETCONSOLE_PORT": [0, 0]}, tmp_path)
    assert extension in enabled
    assert not (set(CONTROLS) - {extension}) & enabled


def test_addon_turns_both_off_unless_the_project_sets_them(tmp_path: object) -> None:
    crawler = get_crawler(
        settings_dict={
            "ADDONS": {TdmAddon: 0},
            "TDM_OUTPUT_DIR": str(tmp_path),
            "TELNETCONSOLE_ENABLED": True,
        }
    )
    crawler._apply_settings()
    enabled = {type(ext) for ext in crawler.extensions.middlewares}
    assert RemoteControl not in enabled
    assert TelnetConsole in enabled
