"""Reports for people about a crawl directory; this package only reads.

- :mod:`.summary` - streaming aggregation of a crawl.
- :mod:`.html_report` - ``tdm-crawl report``: one self-contained HTML page, and the CSV.
- :mod:`.datasheet` - ``tdm-crawl report --datasheet``: the corpus datasheet in Markdown.
- :mod:`.eu_summary` - ``tdm-crawl report --eu-summary``: the crawls' part of the EU
  public summary of training content, over one or several crawls.
- :mod:`.attribution` - ``tdm-crawl attribution``: ATTRIBUTION.csv and ATTRIBUTION.md.
- :mod:`.ledger` - ``tdm-crawl ledger``: LEDGER.csv, each domain's share of the corpus.
- :mod:`.domains` - registrable domain names (the bundled Public Suffix List).
- :mod:`.escape` - site data escaped for Markdown, CSV and the terminal.
"""
