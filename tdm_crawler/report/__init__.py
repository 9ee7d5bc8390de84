"""Reports for people about a crawl directory; this package only reads.

- :mod:`.summary` - streaming aggregation of a crawl.
- :mod:`.html_report` - ``tdm-crawl report``: one self-contained HTML page, and the CSV.
- :mod:`.datasheet` - ``tdm-crawl report --datasheet``: the corpus datasheet in Markdown.
"""
