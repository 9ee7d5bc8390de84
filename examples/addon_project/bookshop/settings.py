"""An ordinary Scrapy project's settings; the ADDONS line is all tdm-crawler needs."""

BOT_NAME = "bookshop"
SPIDER_MODULES = ["bookshop.spiders"]

ADDONS = {"tdm_crawler.addon.TdmAddon": 0}
TDM_OUTPUT_DIR = "tdm-output"
TDM_CONTACT = "mailto:corpus-team@example.org"
