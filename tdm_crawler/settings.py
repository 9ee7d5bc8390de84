"""Scrapy project settings, so that ``scrapy crawl tdm`` works from the repository.

Example: ``scrapy crawl tdm -a urls=https://example.org/ -s TDM_OUTPUT_DIR=runs/ex``.
The ``tdm-crawl`` command builds the same settings (see ``tdm_crawler.crawl.settings``).
"""

from tdm_crawler.crawl.config import SCRAPY_SETTINGS, tdm_defaults, user_agent

globals().update(SCRAPY_SETTINGS)
globals().update(tdm_defaults())
SPIDER_MODULES = ["tdm_crawler.spiders"]
NEWSPIDER_MODULE = "tdm_crawler.spiders"
USER_AGENT = user_agent("tdm-crawler", "")
