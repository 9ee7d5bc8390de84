"""Commands that work on finished crawl directories: re-decide, compare, check, re-read.

- :mod:`.replay` - ``tdm-crawl replay``: every URL decided again from the recorded evidence
  with the crawl's pure decision functions (optionally with changed settings), and a
  filtered corpus holding only what is still allowed.
- :mod:`.filtered` - the crawl directory a command derives from another (``replay
  --out``, ``purge``): kept content copied byte for byte, evidence as is, sealed.
- :mod:`.purge` - ``tdm-crawl purge``: a copy without the content a rightsholder asked to
  remove, with the purge list and the complaint log; :mod:`.selector` says which URLs
  a request names (``purge``, ``recheck --origin``).
- :mod:`.diff` - ``tdm-crawl diff``: per-URL changes between two crawls.
- :mod:`.verify` - ``tdm-crawl verify``: digests, WARC validity, and that nothing but
  allowed content is stored.
- :mod:`.evidence` - the recorded policy documents, parsed again for replay and diff.
- :mod:`.recheck` - ``tdm-crawl recheck``: today's opt-outs for every stored URL (the one
  command here that goes online), and the purge list of what is now reserved.

Replay, diff and verify open no socket: a crawl directory is all they read, which is what
lets a compliance team re-check a decision months after the crawl.
"""
