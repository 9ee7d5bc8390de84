"""One line to bring TDM compliance to any Scrapy project.

    ADDONS = {"tdm_crawler.addon.TdmAddon": 0}

turns on the request guard (http(s) only, public addresses only, for every request
and redirect hop), the TDM gate (robots.txt per RFC 9309, TDMRep and every other opt-out
protocol, decided before anything is stored), the decision log and the WARC writers, and
turns off Scrapy's RobotsTxtMiddleware, which the gate replaces, and its download
handlers for other schemes (file, data, ftp, s3). The spider keeps doing what it
does: it simply never receives a response that is not ``allowed``. Set
``TDM_OUTPUT_DIR`` (default ``tdm-output``) and, ideally, ``TDM_CONTACT``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tdm_crawler.crawl.config import SCRAPY_SETTINGS, tdm_defaults, user_agent

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

_COMPONENTS = ("DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "EXTENSIONS")
_DEFAULT_DUPEFILTER = "scrapy.dupefilters.RFPDupeFilter"
_CONTROL_PORTS = ("REMOTE_CONTROL_ENABLED", "TELNETCONSOLE_ENABLED")


class TdmAddon:
    """Scrapy add-on: our components in, RobotsTxtMiddleware and the non-http(s) download
    handlers out, polite defaults."""

    def update_settings(self, settings: BaseSettings) -> None:
        for name, default in {**tdm_defaults(), "TDM_OUTPUT_DIR": "tdm-output"}.items():
            settings.set(name, default, priority="addon")  # the project's own value wins
        settings.set("ROBOTSTXT_OBEY", False, priority="addon")
        for name in _CONTROL_PORTS:  # off unless the project turns them on
            settings.set(name, SCRAPY_SETTINGS[name], priority="addon")
        for component_setting in _COMPONENTS:
            for component, order in SCRAPY_SETTINGS[component_setting].items():
                settings.set_in_component_priority_dict(component_setting, component, order)
        # Whatever the project says: the guard's promise is that no request reads a file.
        handlers = {**settings.getdict("DOWNLOAD_HANDLERS"), **SCRAPY_SETTINGS["DOWNLOAD_HANDLERS"]}
        settings.set("DOWNLOAD_HANDLERS", handlers, settings.getpriority("DOWNLOAD_HANDLERS") or 0)
        if settings.get("DUPEFILTER_CLASS") == _DEFAULT_DUPEFILTER:
            settings.set("DUPEFILTER_CLASS", SCRAPY_SETTINGS["DUPEFILTER_CLASS"], "addon")
        if settings.getpriority("USER_AGENT") in (None, 0):  # Scrapy's default UA
            agent = user_agent(
                settings.get("TDM_AGENT"),
                settings.get("TDM_CONTACT"),
                info_url=settings.get("TDM_INFO_URL"),
            )
            settings.set("USER_AGENT", agent, priority="addon")
