"""What the corpus a crawl stored draws from the commons: each stored work's licence and
size (read once, by the crawl and again by a replay), the totals a report shows, the
attribution a licence asks for and a ledger that shares a contribution out by use.

Pure logic over a work's bytes and the decision log; no Scrapy, no network.
"""
