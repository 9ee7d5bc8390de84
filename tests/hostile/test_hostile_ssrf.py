"""Server-side request forgery, tried as an attacker would: every request the crawler
makes, on its own behalf or the spider's, passes one guard.

The hostile origins listen on ``127.0.0.1``, the one address the crawl may reach
(``TDM_ALLOWED_NETWORKS=["127.0.0.1/32"]``, private networks otherwise refused). A
"secret" server listens on ``127.0.0.3``, which the crawl may not reach, and counts every
connection; the hostile origins point at it in every way they can: robots.txt and
tdmrep.json redirects (each redirect code, each spelling of its address), ``tdm-policy``
header and meta, RSL licences named by robots.txt ``License:``, a ``Link`` header and
``<link>``, directly or through a redirect on a "bounce" origin; ``file:`` licences; names
that do not resolve, with and without a proxy; and a DNS answer that changes between the
guard's check and the connection (rebinding).

Each crawl must finish on its own, give every seed its record, and leave the secret
server with zero connections and nothing of its body (a BLOCKED marker) in any file.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from tdm_crawler.crawl.config import SCRAPY_SETTINGS
from tests.crawling import by_url, crawl, markers_written
from tests.hostile import rawserver as raw
from tests.hostile.generate import Case, MiB, RawSites, html
from tests.hostile.harness import (
    CrawlOutcome,
    async_fixture,
    check_case,
    check_markers,
    crawl_cases,
    ensure_deferred,
    params,
    signal_text,
)

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ALLOWED = ["127.0.0.1/32"]  # the hostile origins; 127.0.0.3 (the secret) is not allowed
SECRET_HOST = "127.0.0.3"
SECRET_BODY = b"<html><body>MARKER-BLOCKED-secret-0 internal data</body></html>"
GUARDED: dict[str, Any] = {"allow_private_networks": False, "TDM_ALLOWED_NETWORKS": ALLOWED}
REDIRECT_CODES = (301, 302, 303, 307, 308)
RSL_TYPE = 'rel="license"; type="application/rsl+xml"'
_HTML = ("Content-Type", "text/html; charset=utf-8")
_TEXT = ("Content-Type", "text/plain")
#: A licence that prohibits AI training everywhere: what ``License: /license.xml`` serves.
RESERVING_RSL = (
    b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
    b'<prohibits type="usage">ai-train</prohibits></license></content></rsl>'
)


class SecretServer:
    """Counts every connection made to it (on any of its addresses) and answers each
    with :data:`SECRET_BODY`; loopback, bounded, joined on exit."""

    def __init__(self, addresses: Sequence[tuple[str, int]] = ((SECRET_HOST, 0),)) -> None:
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.connections = 0
        self.requests: list[bytes] = []
        self.listeners: list[socket.socket] = []
        self.threads: list[threading.Thread] = []
        for address in addresses:
            self.listen(address)

    def listen(self, address: tuple[str, int]) -> int:
        """Listen on one more address (port 0: any); return the port."""
        listener = socket.create_server(address)
        listener.settimeout(0.1)
        self.listeners.append(listener)
        thread = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return int(listener.getsockname()[1])

    @property
    def port(self) -> int:
        return int(self.listeners[0].getsockname()[1])

    def url(self, path: str = "/", host: str = SECRET_HOST) -> str:
        return f"http://{host}:{self.port}{path}"

    def _accept(self, listener: socket.socket) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
            with conn:
                try:
                    conn.settimeout(2.0)
                    self.requests.append(conn.recv(65536).split(b"\r\n", 1)[0])
                    conn.sendall(raw.head(200, [_HTML, ("Content-Length", str(len(SECRET_BODY)))]))
                    conn.sendall(SECRET_BODY)
                except OSError:
                    continue

    def __enter__(self) -> SecretServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=5)
        for listener in self.listeners:
            listener.close()


@dataclass
class Targets:
    """Where the hostile origins point, known once the servers listen (the cases are
    built at collection, their behaviours when the hostile server starts)."""

    secret: SecretServer | None = None
    bounce: raw.RawServer | None = None
    fifo: Path | None = None
    sparse: Path | None = None
    spelled: dict[str, str] = field(default_factory=dict)

    def secret_url(self, path: str = "/x", host: str = SECRET_HOST) -> str:
        assert self.secret is not None
        return self.secret.url(path, host)

    def bounced(self, code: int = 302) -> str:
        """A URL on the (allowed) bounce origin that redirects to the secret."""
        assert self.bounce is not None
        return self.bounce.url("bounce", f"/{code}")


TARGETS = Targets()

#: The secret's address, spelled every way a URL can spell 127.0.0.3.
SPELLINGS = {
    "dotted": "127.0.0.3",
    "decimal": "2130706435",
    "hex": "0x7f000003",
    "dotted-hex": "0x7f.0.0.3",
    "octal": "0177.0.0.3",
    "short": "127.3",
    "ipv4-mapped": "[::ffff:127.0.0.3]",
}


def page(marker: str, *, headers: Sequence[tuple[str, str]] = (), head: str = "") -> raw.Behaviour:
    return raw.respond(200, [_HTML, *headers], html(marker, head=head))


def build_ssrf() -> RawSites:
    """One origin per case: policy documents are per origin."""
    r = RawSites()
    not_public = f"non-public address {SECRET_HOST}"

    def origin_case(
        site: str,
        name: str,
        served: str,
        routes: dict[str, Any],
        decision: str,
        reason: str,
        detail: str,
        *,
        seed_page: Any = None,
    ) -> None:
        r.sites[site] = dict(routes)
        r.case(site, name, served, "/page.html", decision, reason, detail, behaviour=seed_page)

    for code in REDIRECT_CODES:
        origin_case(
            f"robots-{code}",
            f"robots-redirect-{code}",
            f"robots.txt answers {code} to the secret",
            {"/robots.txt": lambda code=code: raw.redirect(TARGETS.secret_url("/r"), code)},
            "disallowed",
            "robots-unreachable",
            not_public,
        )
        origin_case(
            f"tdmrep-{code}",
            f"tdmrep-redirect-{code}",
            f"tdmrep.json answers {code} to the secret",
            {
                "/.well-known/tdmrep.json": lambda code=code: raw.redirect(
                    TARGETS.secret_url("/t"), code
                )
            },
            "unknown",
            "tdmrep-file-unavailable",
            not_public,
        )
    for spelling, host in SPELLINGS.items():
        origin_case(
            f"robots-{spelling}",
            f"robots-redirect-{spelling}",
            f"robots.txt redirects to the secret spelled {host}",
            {"/robots.txt": lambda host=host: raw.redirect(TARGETS.secret_url("/r", host), 302)},
            "disallowed",
            "robots-unreachable",
            "non-public address",
        )
    origin_case(
        "robots-bounce",
        "robots-redirect-twice",
        "robots.txt redirects to an allowed origin that redirects to the secret",
        {"/robots.txt": lambda: raw.redirect(TARGETS.bounced(), 301)},
        "disallowed",
        "robots-unreachable",
        not_public,
    )
    named = (
        ("names", lambda: TARGETS.secret_url("/p")),
        ("redirects", lambda: TARGETS.bounced()),
    )
    for how, policy in named:
        origin_case(
            f"policy-header-{how}",
            f"tdm-policy-header-{how}-secret",
            f"tdm-reservation: 1 with a tdm-policy header that {how} the secret",
            {},
            "reserved",
            "tdmrep-header",
            "could not be fetched",
            seed_page=lambda k, policy=policy: page(
                k, headers=[("tdm-reservation", "1"), ("tdm-policy", policy())]
            ),
        )
        origin_case(
            f"policy-meta-{how}",
            f"tdm-policy-meta-{how}-secret",
            f"tdm-reservation meta with a tdm-policy meta that {how} the secret",
            {},
            "reserved",
            "tdmrep-meta",
            "could not be fetched",
            seed_page=lambda k, policy=policy: page(
                k,
                head='<meta name="tdm-reservation" content="1">'
                f'<meta name="tdm-policy" content="{policy()}">',
            ),
        )
        origin_case(
            f"license-robots-{how}",
            f"rsl-robots-license-{how}-secret",
            f"robots.txt License: line that {how} the secret",
            {
                "/robots.txt": lambda policy=policy: raw.respond(
                    200, [_TEXT], f"User-agent: *\nAllow: /\nLicense: {policy()}\n".encode()
                )
            },
            "allowed",
            "no-reservation",
            "licence could not be fetched",
        )
        origin_case(
            f"license-link-{how}",
            f"rsl-link-header-{how}-secret",
            f"a Link header licence that {how} the secret",
            {},
            "allowed",
            "no-reservation",
            "licence could not be fetched",
            seed_page=lambda k, policy=policy: page(
                k, headers=[("Link", f"<{policy()}>; {RSL_TYPE}")]
            ),
        )
        origin_case(
            f"license-html-{how}",
            f"rsl-html-link-{how}-secret",
            f'<link rel="license"> that {how} the secret',
            {},
            "allowed",
            "no-reservation",
            "licence could not be fetched",
            seed_page=lambda k, policy=policy: page(
                k,
                head=f'<link rel="license" type="application/rsl+xml" href="{policy()}">',
            ),
        )
    origin_case(
        "page-redirect",
        "page-redirects-to-secret",
        "the page itself answers 302 to the secret",
        {},
        "error",
        "not-public-address",
        not_public,
        seed_page=lambda k: raw.redirect(TARGETS.secret_url("/page"), 302),
    )
    origin_case(
        "page-refresh",
        "page-meta-refresh-to-secret",
        "the page refreshes to the secret",
        {},
        "error",
        "not-public-address",
        not_public,
        seed_page=lambda k: page(
            k, head=f'<meta http-equiv="refresh" content="0; url={TARGETS.secret_url("/m")}">'
        ),
    )
    origin_case(
        "license-passwd",
        "rsl-license-file-etc-passwd",
        "robots.txt License: file:///etc/passwd",
        {
            "/robots.txt": lambda: raw.respond(
                200, [_TEXT], b"User-agent: *\nAllow: /\nLicense: file:///etc/passwd\n"
            )
        },
        "allowed",
        "no-reservation",
        "file scheme; only http(s)",
    )
    origin_case(
        "license-relative",
        "rsl-license-relative",
        "robots.txt License: /license.xml (relative), a licence prohibiting ai-train",
        {
            "/robots.txt": lambda: raw.respond(
                200, [_TEXT], b"User-agent: *\nAllow: /\nLicense: /license.xml\n"
            ),
            "/license.xml": lambda: raw.respond(
                200, [("Content-Type", "application/rsl+xml")], RESERVING_RSL
            ),
        },
        "reserved",
        "rsl",
        "ai-train",
    )
    origin_case(
        "license-invalid",
        "rsl-license-invalid-urls",
        "robots.txt License: lines no request can be made of (bad IPv6 literal, bad port)",
        {
            "/robots.txt": lambda: raw.respond(
                200,
                [_TEXT],
                b"User-agent: *\nAllow: /\nLicense: http://[::1/l.xml\n"
                b"License: http://e.org:99999/l.xml\n",
            )
        },
        "allowed",
        "no-reservation",
        "invalid URL",
    )
    origin_case(
        "license-unresolvable",
        "rsl-license-unresolvable-name",
        "robots.txt License: on a name that does not resolve",
        {
            "/robots.txt": lambda: raw.respond(
                200, [_TEXT], b"User-agent: *\nAllow: /\nLicense: http://nonexistent.invalid/l\n"
            )
        },
        "allowed",
        "no-reservation",
        "does not resolve",
    )
    return r


SITES = build_ssrf()
#: Seeds that are not on a hostile origin: (name, URL, decision, reason, detail).
OTHER_SEEDS = [
    ("seed-unresolvable", "http://nonexistent.invalid/page.html", "error", "fetch-failed",
     "does not resolve"),
    ("seed-secret-decimal", "http://2130706435:{port}/", "error", "not-public-address",
     f"non-public address {SECRET_HOST}"),
]  # fmt: skip


def _bounce_routes() -> dict[str, raw.Behaviour]:
    return {f"/{code}": raw.redirect(TARGETS.secret_url("/b"), code) for code in REDIRECT_CODES}


@pytest.fixture(scope="module")
def secret() -> Iterator[SecretServer]:
    with SecretServer() as server:
        TARGETS.secret = server
        yield server


@pytest.fixture(scope="module")
def hostile(secret: SecretServer) -> Iterator[raw.RawServer]:
    with raw.RawServer({"bounce": _bounce_routes()}) as bounce:
        TARGETS.bounce = bounce
        with raw.RawServer(SITES.behaviours()) as server:
            yield server


def _other_seed(url: str, secret: SecretServer) -> str:
    return url.format(port=secret.port)


@async_fixture(scope="module")
async def outcome(
    hostile: raw.RawServer, secret: SecretServer, tmp_path_factory: pytest.TempPathFactory
) -> CrawlOutcome:
    out: Path = tmp_path_factory.mktemp("ssrf") / "out"
    cases = SITES.cases + [
        Case("ssrf", name, url, "", "", decision, reason, detail)
        for name, url, decision, reason, detail in OTHER_SEEDS
    ]

    def url_of(case: Case) -> str:
        if case.site:
            return hostile.url(case.site, case.path)
        return _other_seed(case.served, secret)

    return await crawl_cases(cases, url_of, out, **GUARDED)


@pytest.mark.parametrize("case", params(SITES.cases))
def test_case(outcome: CrawlOutcome, case: Case) -> None:
    check_case(outcome, case)


@pytest.mark.parametrize(("name", "url", "decision", "reason", "detail"), OTHER_SEEDS)
def test_other_seed(
    outcome: CrawlOutcome,
    secret: SecretServer,
    name: str,
    url: str,
    decision: str,
    reason: str,
    detail: str,
) -> None:
    record = outcome.records[_other_seed(url, secret)]
    assert (record["decision"], record["reason"]) == (decision, reason), name
    assert detail in signal_text(record), name


def test_the_secret_was_never_reached(outcome: CrawlOutcome, secret: SecretServer) -> None:
    assert secret.connections == 0, secret.requests
    check_markers(outcome)


def test_every_seed_has_its_record_and_the_crawl_ended_on_its_own(outcome: CrawlOutcome) -> None:
    assert set(outcome.urls.values()) <= set(outcome.records)
    assert outcome.seconds < 60, f"crawl took {outcome.seconds:.1f} s"


def test_refused_documents_are_not_retried(outcome: CrawlOutcome, hostile: raw.RawServer) -> None:
    """A refusal is not transient (TDM_POLICY_RETRY_DELAYS would allow one retry)."""
    for code in REDIRECT_CODES:
        assert hostile.hits(f"robots-{code}", "/robots.txt") == 1
        assert hostile.hits(f"tdmrep-{code}", "/.well-known/tdmrep.json") == 1
    assert hostile.hits("license-relative", "/license.xml") == 1


# --- a proxy in the environment -------------------------------------------------------------


@ensure_deferred
async def test_with_a_proxy_the_target_is_still_checked_and_never_handed_over_unresolved(
    hostile: raw.RawServer,
    secret: SecretServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``http_proxy`` names a proxy on another non-allowed address: the proxy is the
    operator's choice, so connections to it are made, but only for targets the guard
    admits; an unresolvable name and the secret are refused before the proxy sees them."""
    with SecretServer([("127.0.0.4", 0)]) as proxy:
        for name in ("no_proxy", "NO_PROXY", "https_proxy", "HTTPS_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://127.0.0.4:{proxy.port}")
        allowed = hostile.url("page-redirect", "/page.html")
        seeds = [
            "http://nonexistent.invalid/page.html",
            secret.url("/direct"),
            _other_seed("http://2130706435:{port}/", secret),
            allowed,
        ]
        out = tmp_path / "out"
        await crawl(seeds, out, **{**GUARDED, "RETRY_TIMES": 0, "max_depth": 0})
    records = by_url(out)
    assert set(seeds) <= set(records)
    assert (records[seeds[0]]["decision"], records[seeds[0]]["reason"]) == (
        "error",
        "fetch-failed",
    )
    for url in seeds[1:3]:
        assert (records[url]["decision"], records[url]["reason"]) == (
            "error",
            "not-public-address",
        )
    assert secret.connections == 0
    asked = b"\n".join(proxy.requests)
    assert b"nonexistent.invalid" not in asked and b"127.0.0.3" not in asked, asked
    assert b"2130706435" not in asked, asked
    assert f"{allowed.rsplit('/', 1)[0]}/robots.txt".encode() in asked, asked


# --- DNS rebinding ----------------------------------------------------------------------------


@implementer(IHostnameResolver)
class RebindingResolver:
    """Answers ``rebind.test`` with 127.0.0.1 (allowed), except for the first lookup
    after a request has passed the middlewares, the connection's own: 127.0.0.3.
    Other names go to the resolver it replaced."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.rebind_next = False
        self.answers: list[str] = []

    def armed(self, request: Any, spider: Any) -> None:
        if "rebind.test" in request.url:
            self.rebind_next = True

    def resolveHostName(
        self,
        receiver: Any,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Any = None,
        transportSemantics: str = "TCP",
    ) -> Any:
        if hostName != "rebind.test":
            return self.inner.resolveHostName(
                receiver, hostName, portNumber, addressTypes, transportSemantics
            )
        address = SECRET_HOST if self.rebind_next else "127.0.0.1"
        self.rebind_next = False
        self.answers.append(address)
        receiver.resolutionBegan(None)
        receiver.addressResolved(IPv4Address("TCP", address, portNumber))
        receiver.resolutionComplete()
        return None


@ensure_deferred
async def test_a_dns_answer_changed_after_the_check_cannot_reach_the_secret(
    tmp_path: Path,
) -> None:
    """The in-process resolver swap stands in for a DNS server (no root DNS here):
    the guard's check sees 127.0.0.1, the connection 127.0.0.3 on the same port."""
    site = {"/page.html": page("MARKER-BLOCKED-rebind-1"), "/robots.txt": raw.respond(404)}
    with raw.RawServer({"rebind": site}) as server:
        port = int(server.origin("rebind").rsplit(":", 1)[1])
        with SecretServer([(SECRET_HOST, port)]) as secret:
            from twisted.internet import reactor

            previous = reactor.nameResolver
            fake = RebindingResolver(previous)
            reactor.installNameResolver(fake)
            try:
                out = tmp_path / "out"
                seed = f"http://rebind.test:{port}/page.html"
                settings = {**GUARDED, "RETRY_TIMES": 0, "max_depth": 0, **_arming(fake)}
                await crawl([seed], out, **settings)
            finally:
                reactor.installNameResolver(previous)
            assert secret.connections == 0, secret.requests
    assert SECRET_HOST in fake.answers and "127.0.0.1" in fake.answers
    record = by_url(out)[seed]
    # Whichever request's connection got the rebound answer failed; none reached it.
    assert record["decision"] in ("disallowed", "unknown", "error"), signal_text(record)
    assert not [m for m in markers_written(out) if m.startswith("MARKER-BLOCKED-")]


#: The rebinding resolver of the running test, for :class:`Arming` (settings are copied).
REBINDING: list[RebindingResolver] = []


def _arming(fake: RebindingResolver) -> dict[str, Any]:
    """Settings that connect ``fake.armed`` to ``request_reached_downloader``."""
    REBINDING[:] = [fake]
    return {"EXTENSIONS": {**SCRAPY_SETTINGS["EXTENSIONS"], f"{__name__}.Arming": 1}}


class Arming:
    """Extension: arms the rebinding resolver when a request reaches the downloader."""

    def __init__(self, crawler: Any) -> None:
        self.fake = REBINDING[0]  # keeps the bound method's target alive with the crawler
        crawler.signals.connect(self.fake.armed, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Arming:
        return cls(crawler)


# --- file: licences, in a process of their own (peak RSS measured) --------------------------


def _file_licence_sites(fifo: Path, sparse: Path) -> dict[str, dict[str, raw.Behaviour]]:
    names = {
        "passwd": "file:///etc/passwd",
        "fifo": fifo.as_uri(),
        "zero": "file:///dev/zero",
        "sparse": sparse.as_uri(),
        "data": "data:text/plain,hello",
    }
    return {
        site: {
            "/robots.txt": raw.respond(
                200, [_TEXT], f"User-agent: *\nAllow: /\nLicense: {url}\n".encode()
            ),
            "/page.html": page(f"MARKER-OK-file-{index}"),
        }
        for index, (site, url) in enumerate(names.items(), start=1)
    }


#: Runs a command and prints its peak RSS (KiB). Through this small launcher because a
#: process's ru_maxrss starts from its parent's RSS at fork (Linux keeps the pre-exec
#: high-water mark): a child of the test process would report the test process's size.
PEAK_RSS = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdout=sys.stderr)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(usage.ru_maxrss)\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def test_file_licences_are_never_read(tmp_path: Path) -> None:
    """A FIFO, /dev/zero, a 512 MiB sparse file, /etc/passwd and a data: URL named by
    ``License:``: refused before any handler (which are off too), so the crawl ends on
    its own, quickly, in little memory, and nothing of them is written."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sparse = tmp_path / "sparse.bin"
    with sparse.open("wb") as handle:
        handle.truncate(512 * MiB)
    sites = _file_licence_sites(fifo, sparse)
    with raw.RawServer(sites) as server:
        seeds = [server.url(site, "/page.html") for site in sites]
        out = tmp_path / "out"
        command = [
            sys.executable, "-m", "tdm_crawler.cli", "crawl", *seeds, "--out", str(out),
            "--contact", "mailto:tests@example.org",  # no --allow-private-networks here
            "--set", f"TDM_ALLOWED_NETWORKS={json.dumps(ALLOWED)}",
            "--set", "AUTOTHROTTLE_ENABLED=False", "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]",
            "--set", "TDM_PROGRESS=off",
        ]  # fmt: skip
        log = tmp_path / "crawl.log"
        started = time.monotonic()
        with log.open("wb") as stream:
            measured = subprocess.run(
                [sys.executable, "-c", PEAK_RSS, *command],
                stdout=subprocess.PIPE,
                stderr=stream,
                timeout=120,
            )
        seconds = time.monotonic() - started
    assert measured.returncode == 0, log.read_text(errors="replace")[-3000:]
    assert seconds < 60, f"crawl took {seconds:.1f} s"
    peak_mib = int(measured.stdout.decode().split()[-1]) / 1024
    print(f"peak RSS {peak_mib:.0f} MiB, {seconds:.1f} s")
    assert peak_mib < 200, f"peak RSS {peak_mib:.0f} MiB"
    records = by_url(out)
    for seed in seeds:
        record = records[seed]
        assert (record["decision"], record["reason"]) == ("allowed", "no-reservation")
        assert "only http(s)" in signal_text(record), signal_text(record)
    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"root:x:0:0" not in written and b"MARKER-BLOCKED-" not in written


@ensure_deferred
async def test_without_the_guard_the_download_handlers_still_read_no_file(tmp_path: Path) -> None:
    """The second wall: Scrapy's file and data handlers are off, so even a request the
    guard did not see (here: the guard removed) cannot read /etc/passwd or open a FIFO."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    sites = {
        name: site
        for name, site in _file_licence_sites(fifo, tmp_path / "absent").items()
        if name in ("passwd", "fifo", "data")
    }
    middlewares = {
        **SCRAPY_SETTINGS["DOWNLOADER_MIDDLEWARES"],
        "tdm_crawler.crawl.guard.RequestGuard": None,
    }
    with raw.RawServer(sites) as server:
        seeds = [server.url(site, "/page.html") for site in sites]
        out = tmp_path / "out"
        await crawl(
            seeds, out, **{**GUARDED, "max_depth": 0, "DOWNLOADER_MIDDLEWARES": middlewares}
        )
    records = by_url(out)
    for seed in seeds:
        assert "Unsupported URL scheme" in signal_text(records[seed]), signal_text(records[seed])
    written = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"root:x:0:0" not in written
