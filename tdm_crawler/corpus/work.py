"""A stored work's licence reading and size, read from the response as the crawl read it.

One function for the crawl (the gate, once a response is decided) and for a replay (from
the stored payload and the recorded evidence), so the two cannot drift: given the same
decision inputs (:class:`~tdm_crawler.policy.ResponseFacts`, the origin's
:class:`~tdm_crawler.policy.OriginFacts`) and the same body, they produce the same
``license`` and ``size``.

Besides what the response itself says (``read_licenses``: Link headers, then the body),
the work's licence findings include what the decision already read:

- the RSL licences that permit every usage at no cost, linked by the response (a ``Link``
  header: location ``header``; ``<link rel="license" type="application/rsl+xml">`` of
  the head: ``head``) or named by the origin's robots.txt (``site``);
- the CC signals of the ``Content-Usage`` header's ``exceptions`` parameter (``header``).

These are permissions, not copyright licences (they count only when they name a licence,
see :mod:`~tdm_crawler.policy.license_reading`), so they are findings, never the work's
class on their own.
"""

from __future__ import annotations

from tdm_crawler.corpus.words import count_words
from tdm_crawler.policy import Limits, OriginFacts, ResponseFacts, RslDocument
from tdm_crawler.policy.aipref import usage_exceptions
from tdm_crawler.policy.license_reading import LicenseFinding, Location
from tdm_crawler.policy.license_statements import cc_signal_findings, read_licenses, rsl_findings
from tdm_crawler.store.work import WorkFacts, WorkSize

__all__ = ["decision_findings", "read_work"]


def decision_findings(response: ResponseFacts, origin: OriginFacts) -> list[LicenseFinding]:
    """The licence findings among what the decision read (see the module docstring)."""
    url = response.url
    in_head = set(response.content.rsl_links)
    findings: list[LicenseFinding] = []
    for link, doc in response.licenses:
        if isinstance(doc, RslDocument):
            where = Location.HEAD if link in in_head else Location.HEADER
            findings += rsl_findings(doc, url, location=where)
    for _, doc in origin.licenses:
        if isinstance(doc, RslDocument):
            findings += rsl_findings(doc, url, location=Location.SITE)
    for value in usage_exceptions(response.headers):
        findings += cc_signal_findings(value, location=Location.HEADER)
    return findings


def read_work(
    response: ResponseFacts, origin: OriginFacts, body: bytes, limits: Limits
) -> WorkFacts:
    """The ``license`` and ``size`` of the work ``response`` is, whose body is ``body``
    (``Content-Encoding`` undone). Bounded as the decision's readers are (``limits``);
    PDFs, EPUBs and media cost more than HTML, so the crawl calls this in a worker
    thread for them, as it does the decision's extraction."""
    content_type = response.content.content_type
    reading = read_licenses(
        response.url,
        response.headers,
        body,
        content_type=content_type,
        limits=limits,
        extra=decision_findings(response, origin),
    )
    words = count_words(
        body,
        kind=response.content.kind,
        content_type=content_type,
        max_bytes=limits.license_html_bytes,
    )
    return WorkFacts(reading, WorkSize(len(body), words))
