"""``tdm-crawl agent-info``: the public page about a crawler, and its feed of changes.

The GPAI Code of Practice (Measure 1.3) asks providers to make public information about
their crawlers, with a way for rightsholders to be notified of updates. This package
turns a crawl's options into that information and keeps it up to date:

- :mod:`.facts` - :class:`~.facts.AgentFacts`, what a crawl with these options is (token,
  User-Agent, contact, purpose, protocols, AI-agent list, IP ranges), as ``agent.json``,
  and which facts differ between two of them.
- :mod:`.feed` - ``changes.atom``: the Atom feed (RFC 4287) of those changes, read back
  and written.
- :mod:`.page` - ``index.html``: the same for people, with how to opt out of each
  protocol and how to complain.
- :mod:`.site` - the directory holding the three: what may be there, and writing them so
  that a run that changes nothing rewrites nothing.
"""
