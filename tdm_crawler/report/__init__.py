"""After the crawl: read, re-decide, compare and check a crawl directory, offline.

- :mod:`.summary` - streaming aggregation of a crawl (``tdm-crawl report``).
- :mod:`.replay` - ``tdm-crawl replay``: every URL decided again from the recorded evidence
  with the crawl's pure decision functions (optionally with changed settings), and a
  filtered corpus (:mod:`.filtered`) holding only what is still allowed.
- :mod:`.diff` - ``tdm-crawl diff``: per-URL changes between two crawls.
- :mod:`.verify` - ``tdm-crawl verify``: digests, WARC validity, and that nothing but
  allowed content is stored.
- :mod:`.evidence`, :mod:`.warcfiles`, :mod:`.crawldir` - reading a crawl directory's
  evidence, WARC files and decision log.

Nothing here opens a socket or needs Scrapy's engine: a crawl directory is all it reads,
which is what lets a compliance team re-check a decision months after the crawl.
"""
