"""Cookies: only those an origin set in this crawl go back, and only to that origin.

Scrapy's ``CookiesMiddleware`` keeps one cookie jar per spider (per ``cookiejar`` meta
key, the same key for every request unless a spider says otherwise) and sends what the
jar holds by RFC 6265 rules: a cookie set by ``a.example.com`` with ``Domain=example.com``
goes to ``b.example.com`` too, and a host-only cookie goes to every port of its host
(cookies ignore ports and, without ``Secure``, schemes). It also sends the cookies a
spider put in ``Request.cookies``, and a redirect hop keeps its first request's jar.

A crawler that may send a site only what the site itself gave it needs less, so
:class:`OriginCookiesMiddleware` takes Scrapy's place (ours, deliberately, over turning
cookies off, which would break the sites that set a consent or session cookie and
redirect to themselves expecting it back):

- one jar per origin (scheme, host, port), chosen anew for every request and every
  redirect hop: no cookie crosses origins, whatever its ``Domain``;
- no cookie the crawl did not receive: ``Request.cookies`` and any ``Cookie`` header
  (a spider's, ``DEFAULT_REQUEST_HEADERS``) are dropped before the jar adds its own;
- policy documents (robots.txt, tdmrep.json, licences, TDM policies) send no cookie and
  their ``Set-Cookie`` is not kept: reading a site's rules must not depend on, or
  change, what the crawl sends it.

``COOKIES_ENABLED = False`` still turns cookies off entirely.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware

from tdm_crawler.crawl.meta import POLICY_FILE_META
from tdm_crawler.policy import origin_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


class OriginCookiesMiddleware:
    """Scrapy's cookie handling (its jars and RFC 6265 rules, unchanged), with a jar per
    origin and nothing the origin did not set."""

    def __init__(self, cookies: CookiesMiddleware) -> None:
        self.cookies = cookies

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(CookiesMiddleware.from_crawler(crawler))  # NotConfigured when disabled

    def process_request(self, request: Request) -> None:
        request.headers.pop(b"Cookie", None)
        if request.cookies:
            logger.warning(
                "%s: not sending the request's own cookies: only cookies its origin set "
                "in this crawl are sent",
                request.url,
            )
            request.cookies = {}
        if request.meta.get(POLICY_FILE_META):
            return
        request.meta["cookiejar"] = origin_of(request.url)
        self.cookies.process_request(request)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get(POLICY_FILE_META):
            return response
        kept = self.cookies.process_response(request, response)
        assert kept is response  # Scrapy's middleware only reads the response
        return response
