"""tdm-crawler: a Scrapy crawler that honours text-and-data-mining reservations.

For every URL it decides, before anything is stored, whether TDM is reserved, and it
records the evidence of that decision. The pure decision logic lives in
:mod:`tdm_crawler.policy`; the Scrapy glue in :mod:`tdm_crawler.crawl`; the writers in
:mod:`tdm_crawler.store`.
"""

__version__ = "0.1.0"
