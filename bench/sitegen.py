"""Generate a deterministic multi-origin site for the crawl benchmarks, and serve it with nginx.

Every origin is one ``server`` block of an nginx (Debian package) started as a child
process on 127.0.0.1 with its own config in a temporary directory. Per origin:

- ``/`` (index) and ``pages`` HTML pages of 10-30 KB of random text, 10-20 same-origin
  links each plus a few off-origin ones (other loopback origins of the same site, a
  ``mailto:``), in sections:

  ========== ====== ================================================ =====================
  section    share  what reserves it                                 tdm-crawler decision
  ========== ====== ================================================ =====================
  articles   ~55%   nothing (the hub pages; they chain every page)    allowed
  news       ~15%   ``/news/2019/`` reserved by tdmrep.json            allowed / reserved
                                                                    (tdmrep-file)
  premium    ~10%   tdmrep.json ``/premium/`` rule, and about half     reserved (robots-ai-agent,
                    of the AI-agent groups ``Disallow: /premium/``    before fetch)
  reports     ~5%   nginx ``add_header tdm-reservation 1``            reserved (tdmrep-header)
  docs        ~5%   ``<meta name="tdm-reservation" content="1">``     reserved (tdmrep-meta)
  archive     ~5%   every AI-agent group ``Disallow: /archive/``      reserved (robots-ai-agent)
  private     ~5%   robots.txt ``*`` group ``Disallow: /private/``    disallowed
  ========== ====== ================================================ =====================

  Every page is linked from an allowed hub page, so a crawler that follows links only
  from allowed pages (tdm-crawler) and one that follows them from every page (plain
  Scrapy) discover the same URLs.
- ``/robots.txt`` of ~3 KB: a ``*`` group with a few Disallow rules, AI-agent groups
  (GPTBot, CCBot, Google-Extended, ClaudeBot...), search-engine groups, a Sitemap line.
- ``/.well-known/tdmrep.json`` with ~20 rules (most match nothing, as on real sites).
- ``/tdm-policy.json``: the ODRL policy the reservations point to.

Deterministic for a given (origins, pages, seed). Not a test; imported by the benchmarks.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = (  # name, weight
    ("articles", 55),
    ("news", 15),
    ("premium", 10),
    ("reports", 5),
    ("docs", 5),
    ("archive", 5),
    ("private", 5),
)
#: The hub pages: allowed, and between them they link every page of the origin.
HUB_SECTIONS = ("articles",)

_VOCABULARY = """
the of and to in a is that for it as was with be by on not he this are or his from at
which but have an they you were her she there one all we their been has more if will
would when who so no data text mining licence rights reservation corpus article report
analysis market policy government research university council committee annual budget
climate energy transport housing health education science culture sport history review
european directive member states article copyright holder machine readable protocol
network server response request archive library museum collection digital public open
access quality standard method result figure table section chapter volume edition issue
press release statement interview opinion editorial correspondent reporter photograph
weather forecast river mountain village city region national international agreement
trade industry company share price investor quarter growth inflation employment wages
"""
_WORDS = _VOCABULARY.split()


def _paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 7)):
        words = rng.choices(_WORDS, k=rng.randint(8, 24))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


@dataclass
class Page:
    path: str
    section: str
    links: list[str] = field(default_factory=list)


@dataclass
class SiteSpec:
    """What was generated, and what each crawler is expected to do with it."""

    root: Path
    origins: int
    pages: int
    ports: list[int]
    bytes_total: int = 0
    #: per origin: path -> section
    sections: dict[str, int] = field(default_factory=dict)

    @property
    def seeds(self) -> list[str]:
        return [f"http://127.0.0.1:{port}/" for port in self.ports]

    def expected_urls(self) -> int:
        """URLs each crawler meets per origin: every page, ``/``, ``/news/`` and ``/private/``."""
        return self.origins * (self.pages + 3)

    def to_json(self) -> dict[str, object]:
        return {
            "origins": self.origins,
            "pages": self.pages,
            "ports": self.ports,
            "bytes_total": self.bytes_total,
            "sections": self.sections,
        }


def robots_txt(rng: random.Random) -> str:
    """A robots.txt of realistic size (~3 KB): several groups, AI agents named."""
    star = [
        "Disallow: /private/",
        "Disallow: /search",
        "Disallow: /cart/",
        "Disallow: /checkout/",
        "Disallow: /account/",
        "Disallow: /*?sessionid=",
        "Disallow: /*.json$",
        "Allow: /.well-known/",
        "Allow: /search/about",
        "Disallow: /login",
        "Disallow: /logout",
        "Disallow: /register",
        "Disallow: /print/",
        "Disallow: /preview/",
        "Disallow: /tmp/",
        "Disallow: /cgi-bin/",
        "Disallow: /wp-admin/",
        "Allow: /wp-admin/admin-ajax.php",
        "Disallow: /*?utm_",
        "Disallow: /*&utm_",
        "Disallow: /*?replytocom=",
        "Disallow: /tag/*/feed/",
        "Disallow: /author/*/feed/",
        "Disallow: /embed/",
        "Disallow: /amp/",
    ]
    lines = [
        "# robots.txt generated for the tdm-crawler benchmark",
        "# Contact: webmaster@example.invalid",
        "",
        "User-agent: *",
        *star,
        "",
    ]
    for bot in (
        "GPTBot",
        "OAI-SearchBot",
        "Claude-Web",
        "cohere-ai",
        "Diffbot",
        "omgili",
        "Amazonbot",
        "FacebookBot",
        "ImagesiftBot",
        "ChatGPT-User",
        "CCBot",
        "Google-Extended",
        "ClaudeBot",
        "anthropic-ai",
        "PerplexityBot",
        "Bytespider",
        "Applebot-Extended",
        "meta-externalagent",
    ):
        lines += [f"User-agent: {bot}", "Disallow: /archive/", "Disallow: /private/"]
        if rng.random() < 0.5:
            lines.append("Disallow: /premium/")
        lines.append("")
    for bot in ("Googlebot", "Bingbot", "DuckDuckBot", "Slurp", "YandexBot", "Baiduspider"):
        lines += [f"User-agent: {bot}", *star[:5], "Crawl-delay: 2", ""]
    # SEO crawlers, none in the AI-agent list (PetalBot, once here, is: the community
    # list counts Huawei's search as AI search, so its "Disallow: /" would reserve all).
    for bad in ("MJ12bot", "AhrefsBot", "SemrushBot", "DotBot", "BLEXBot", "serpstatbot"):
        lines += [f"User-agent: {bad}", "Disallow: /", ""]
    lines += ["Sitemap: /sitemap.xml", "Sitemap: /news/sitemap.xml", ""]
    return "\n".join(lines)


def tdmrep_json(port: int, rng: random.Random) -> str:
    """~20 rules; the reserving ones are /premium/ and /news/2019/, the rest match nothing."""
    policy = f"http://127.0.0.1:{port}/tdm-policy.json"
    rules: list[dict[str, object]] = []
    for prefix in (
        "shop",
        "members",
        "api/v1",
        "api/v2",
        "media/video",
        "media/audio",
        "downloads",
        "events",
        "jobs",
        "forum",
        "wiki",
        "static/img",
        "partners",
        "legal",
        "press-kit",
        "newsletters",
    ):
        reserved = rng.random() < 0.6
        rule: dict[str, object] = {"location": f"/{prefix}/*", "tdm-reservation": int(reserved)}
        if reserved:
            rule["tdm-policy"] = policy
        rules.append(rule)
    rules.append({"location": "/*.pdf$", "tdm-reservation": 1, "tdm-policy": policy})
    rules.append({"location": "/premium/", "tdm-reservation": 1, "tdm-policy": policy})
    rules.append({"location": "/news/2019/*", "tdm-reservation": 1, "tdm-policy": policy})
    rules.append({"location": "/news/", "tdm-reservation": 0})
    rules.append({"location": "/", "tdm-reservation": 0})
    return json.dumps(rules, indent=2)


def tdm_policy(port: int) -> str:
    return json.dumps(
        {
            "@context": [
                "http://www.w3.org/ns/odrl.jsonld",
                {"tdm": "http://www.w3.org/ns/tdmrep#"},
            ],
            "@type": "Offer",
            "uid": f"http://127.0.0.1:{port}/tdm-policy.json",
            "profile": "http://www.w3.org/ns/tdmrep",
            "assigner": {
                "uid": "https://example.invalid",
                "vcard:fn": "Example Publisher",
                "vcard:hasEmail": "mailto:licensing@example.invalid",
            },
            "permission": [
                {
                    "target": "https://example.invalid/",
                    "action": "tdm:mine",
                    "duty": [{"action": "obtainConsent"}],
                }
            ],
        },
        indent=2,
    )


def _paths(pages: int, rng: random.Random) -> list[Page]:
    names = [s for s, _ in SECTIONS]
    weights = [w for _, w in SECTIONS]
    chosen = rng.choices(names, weights=weights, k=pages)
    chosen[: len(HUB_SECTIONS) * 3] = ["articles"] * (len(HUB_SECTIONS) * 3)  # a chain to start
    result = []
    for i, section in enumerate(chosen):
        if section == "news":
            year = rng.choice((2019, 2021, 2022, 2023, 2024))
            result.append(
                Page(f"/news/{year}/story-{i:05d}.html", "news-2019" if year == 2019 else "news")
            )
        else:
            result.append(Page(f"/{section}/{i:05d}.html", section))
    return result


def _link_graph(pages: list[Page], rng: random.Random) -> list[str]:
    """Give every page 10-20 links; every page is linked from an allowed hub page."""
    hubs = [p for p in pages if p.section in HUB_SECTIONS]
    others = [p for p in pages if p.section not in HUB_SECTIONS]
    paths = [p.path for p in pages]
    for i, hub in enumerate(hubs):  # chain: each hub links to the next three
        hub.links += [hubs[(i + k) % len(hubs)].path for k in (1, 2, 3)]
    for j, other in enumerate(others):  # every other page hangs off some hub
        hubs[j % len(hubs)].links.append(other.path)
    for page in pages:
        want = rng.randint(10, 20)
        while len(page.links) < want:
            page.links.append(rng.choice(paths))
        rng.shuffle(page.links)
    return [h.path for h in hubs[:20]]


def _html(
    title: str, body_paras: list[str], links: list[str], extra_head: str, off: list[str]
) -> str:
    nav = "\n".join(f'<li><a href="{href}">{href.rsplit("/", 1)[-1]}</a></li>' for href in links)
    foreign = " ".join(f'<a href="{href}">elsewhere</a>' for href in off)
    paras = "\n".join(f"<p>{para}</p>" for para in body_paras)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<title>{title}</title>\n<meta name="viewport" content="width=device-width">\n'
        f'{extra_head}<link rel="stylesheet" href="/static/site.css">\n</head>\n<body>\n'
        f'<header><a href="/">Home</a> <a href="#main">Skip</a></header>\n'
        f'<main id="main"><h1>{title}</h1>\n{paras}\n</main>\n'
        f"<nav><ul>\n{nav}\n</ul></nav>\n<footer>{foreign} "
        '<a href="mailto:webmaster@example.invalid">contact</a></footer>\n</body>\n</html>\n'
    )


def generate(root: Path, origins: int, pages: int, ports: list[int], seed: int = 7) -> SiteSpec:
    """Write the site under ``root/o{N}``; the same arguments give the same bytes."""
    rng = random.Random(seed)
    pool = [_paragraph(rng) for _ in range(1500)]
    spec = SiteSpec(root, origins, pages, ports)
    counts: Counter[str] = Counter()
    for o, port in enumerate(ports):
        orng = random.Random(seed * 100003 + o)
        base = root / f"o{o:03d}"
        if base.exists():
            shutil.rmtree(base)
        (base / ".well-known").mkdir(parents=True)
        (base / "robots.txt").write_text(robots_txt(orng))
        (base / ".well-known" / "tdmrep.json").write_text(tdmrep_json(port, orng))
        (base / "tdm-policy.json").write_text(tdm_policy(port))
        site = _paths(pages, orng)
        first_hubs = _link_graph(site, orng)
        others = [p for p in ports if p != port] or [port]
        for page in site:
            counts[page.section] += 1
            target = base / page.path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            size = orng.randint(10_000, 30_000)
            paras: list[str] = []
            while sum(len(p) for p in paras) < size * 0.8:
                paras.append(orng.choice(pool))
            head = ""
            if page.section == "docs":
                head = '<meta name="tdm-reservation" content="1">\n'
            off = [
                f"http://127.0.0.1:{orng.choice(others)}/articles/{orng.randrange(pages):05d}.html"
                for _ in range(orng.randint(1, 3))
            ]
            html = _html(f"{page.section} {page.path}", paras, page.links, head, off)
            data = html.encode()
            target.write_bytes(data)
            spec.bytes_total += len(data)
        index = _html("Home", [orng.choice(pool)], [*first_hubs, "/news/", "/private/"], "", [])
        (base / "index.html").write_text(index)
        # /news/ and /private/ exist as directory indexes only via these pages:
        (base / "news").mkdir(exist_ok=True)
        (base / "news" / "index.html").write_text(_html("News", [], first_hubs[:5], "", []))
        (base / "private").mkdir(exist_ok=True)
        (base / "private" / "index.html").write_text(_html("Private", [], [], "", []))
    spec.sections = dict(counts)
    return spec


def free_ports(count: int, start: int = 20000) -> list[int]:
    """``count`` loopback ports that can be bound now, from ``start`` upwards."""
    ports: list[int] = []
    port = start
    while len(ports) < count and port < 65000:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                port += 1
                continue
        ports.append(port)
        port += 1
    if len(ports) < count:
        raise RuntimeError("not enough free loopback ports")
    return ports


NGINX_LOG_FORMAT = "$server_port $request_uri $status $body_bytes_sent $msec $request_time"


def nginx_conf(tmp: Path, site_root: Path, ports: list[int], workers: int = 2) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""
    servers = []
    for o, port in enumerate(ports):
        policy = f"http://127.0.0.1:{port}/tdm-policy.json"
        servers.append(
            f"""  server {{
    listen 127.0.0.1:{port};
    root {site_root / f"o{o:03d}"};
    location ^~ /reports/ {{
      add_header tdm-reservation 1;
      add_header tdm-policy {policy};
    }}
    location = /.well-known/tdmrep.json {{ default_type application/json; }}
  }}"""
        )
    return f"""{user}worker_processes {workers};
daemon off;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} warn;
events {{ worker_connections 4096; }}
http {{
  types {{ text/html html; application/json json; text/plain txt; text/css css; }}
  default_type application/octet-stream;
  log_format bench '{NGINX_LOG_FORMAT}';
  access_log {tmp / "access.log"} bench;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  keepalive_requests 100000;
  open_file_cache max=50000 inactive=60s;
  client_body_temp_path {tmp / "body"};
  proxy_temp_path {tmp / "proxy"};
  fastcgi_temp_path {tmp / "fastcgi"};
  uwsgi_temp_path {tmp / "uwsgi"};
  scgi_temp_path {tmp / "scgi"};
{chr(10).join(servers)}
}}
"""


class Nginx:
    """nginx in the foreground (``daemon off``), as our child; stopped by :meth:`stop`."""

    def __init__(self, tmp: Path, site_root: Path, ports: list[int], workers: int = 2) -> None:
        self.tmp = tmp
        self.ports = ports
        self.access_log = tmp / "access.log"
        self.conf = tmp / "nginx.conf"
        self.conf.write_text(nginx_conf(tmp, site_root, ports, workers))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not Path(binary).exists():
            raise SystemExit("nginx not found: apt-get install -y nginx")
        self.proc = subprocess.Popen(
            [binary, "-p", str(self.tmp), "-c", str(self.conf), "-e", str(self.tmp / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        for port in self.ports:
            while True:
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise SystemExit(f"nginx exited: {err}{self.error_log()}")
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise SystemExit(
                            f"nginx did not listen on {port}: {self.error_log()}"
                        ) from None
                    time.sleep(0.05)

    def error_log(self) -> str:
        path = self.tmp / "error.log"
        return path.read_text()[-2000:] if path.exists() else ""

    def log_offset(self) -> int:
        return self.access_log.stat().st_size if self.access_log.exists() else 0

    def log_lines(self, start: int, end: int | None = None) -> list[tuple[int, str, int]]:
        """(port, request_uri, status) of the access-log lines between two offsets."""
        with self.access_log.open("rb") as fh:
            fh.seek(start)
            data = fh.read() if end is None else fh.read(end - start)
        rows = []
        for line in data.decode("latin-1").splitlines():
            parts = line.split()
            if len(parts) >= 3:
                rows.append((int(parts[0]), parts[1], int(parts[2])))
        return rows

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGQUIT)  # graceful: workers finish, master exits
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
