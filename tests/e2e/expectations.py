"""What a crawl of the fixture sites costs their server, for every test that counts hits
(one process or several workers): beyond these, one hit per origin and path."""

#: Server hits other than one per origin: a transient failure (5xx, 429) is retried twice
#: with back-off, then remembered; a redirect loop is not retried, but its one chain of 5
#: hops passes the file's URL twice. Then the policy documents other than robots.txt and
#: tdmrep.json (RSL licences, TDM policies): each fetched once, however many resources
#: they apply to.
HITS = {
    ("robots-5xx", "/robots.txt"): 3,
    ("robots-429", "/robots.txt"): 3,
    ("tdmrep-5xx", "/.well-known/tdmrep.json"): 3,
    ("tdmrep-429", "/.well-known/tdmrep.json"): 3,
    ("tdmrep-loop", "/.well-known/tdmrep.json"): 2,
    ("rsl", "/license.xml"): 1,  # robots.txt License: line, read with the origin
    ("rsl", "/paid.xml"): 1,  # Link header of /linked-paid.html
    ("rsl", "/free.xml"): 1,  # <link rel="license"> of /linked-free.html
    ("tdmrep-file", "/policy.json"): 1,  # tdm-policy of several reserved pages
    ("tdmrep-file", "/other-policy.json"): 1,  # tdm-policy header of one page
}
