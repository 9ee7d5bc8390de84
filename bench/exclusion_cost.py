"""What the Code of Practice checks cost per URL: exclusion lists and the paywall reader.

- ``ExcludedSources.match`` (the request guard asks it for every request): with no list,
  and with generated lists of 1,000 and 100,000 entries (80 % domains, 10 % hosts, 10 %
  URL prefixes), on URLs of which 10 % are excluded; building the index of each list too.
- ``paywall_finding`` (read for every fetched HTML page) on the crawl benchmark's pages
  (``bench/sitegen.py``, ~17 KB): a page that never says ``isAccessibleForFree`` (the
  parse is skipped), and the same page with a JSON-LD ``NewsArticle`` saying
  ``isAccessibleForFree: false`` with a ``hasPart``; for scale, ``extract_content`` +
  ``decide_after_fetch`` of the plain page (which includes the skipped paywall check).

Each measurement runs for about ``--seconds`` (default 2) and prints µs of CPU per call.

    .venv/bin/python bench/exclusion_cost.py [--seconds 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitegen  # noqa: E402
from timing import cpu_us  # noqa: E402

from tdm_crawler.policy import (  # noqa: E402
    Context,
    OriginFacts,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_after_fetch,
    extract_content,
)
from tdm_crawler.policy.excluded import ExcludedSources, parse_exclude_list  # noqa: E402
from tdm_crawler.policy.paywall import paywall_finding  # noqa: E402

ORIGIN = "http://127.0.0.1:20000"
PAYWALL = (
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "A story", "isAccessibleForFree": false, "hasPart": '
    '{"@type": "WebPageElement", "isAccessibleForFree": false, "cssSelector": ".paywall"}}'
    "</script>\n"
)
CAP = 4 * 1024 * 1024


def name(rng: random.Random) -> str:
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(5, 12)))


def make_list(entries: int, rng: random.Random) -> tuple[str, list[str], list[str]]:
    """A list's text, and hosts of its domains and the URLs of its prefixes to hit."""
    lines = ["# source: generated for the benchmark", "# date: 2025-09-01"]
    domains, prefixes = [], []
    for i in range(entries):
        domain = f"{name(rng)}.{rng.choice(['com', 'net', 'org', 'de', 'co.uk'])}"
        kind = i % 10
        if kind == 8:
            lines.append(f"={'www.' + domain}")
        elif kind == 9:
            lines.append(f"https://{domain}/{name(rng)}/")
            prefixes.append(lines[-1] + "page.html")
        else:
            lines.append(domain)
            domains.append(domain)
    return "\n".join(lines) + "\n", domains, prefixes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()
    secs = args.seconds
    rng = random.Random(7)
    results: dict[str, float] = {}

    # -- exclusion lists ----------------------------------------------------------------
    urls = [f"https://www.{name(rng)}.com/{name(rng)}/{name(rng)}.html?id={i}" for i in range(900)]
    for size in (1_000, 100_000):
        text, domains, prefixes = make_list(size, rng)
        started = time.process_time()
        listed = parse_exclude_list(text, path=f"generated-{size}.txt")
        sources = ExcludedSources([listed])
        build = time.process_time() - started
        print(f"list of {size:,} entries ({len(text) / 1024:.0f} KiB): read and indexed "
              f"in {build * 1000:.0f} ms of CPU")  # fmt: skip
        hits = [f"https://a.b.{d}/x" for d in domains[:90]] + prefixes[:10]
        mixed = urls + hits
        assert sum(sources.match(u) is not None for u in mixed) == len(hits)
        results[f"match_{size}_us"] = cpu_us(
            f"match, {size:,} entries, 10 % of URLs excluded",
            lambda i, s=sources, m=mixed: s.match(m[i]),  # type: ignore[misc]
            len(mixed),
            secs,
        )
    empty = ExcludedSources()
    results["match_none_us"] = cpu_us(
        "match, no list", lambda i: empty.match(urls[i % len(urls)]), len(urls), secs
    )

    # -- the paywall reader -------------------------------------------------------------
    pool = [sitegen._paragraph(rng) for _ in range(200)]
    pages = sitegen._paths(100, rng)
    plain: list[tuple[str, bytes]] = []
    walled: list[bytes] = []
    for page in pages:
        paras: list[str] = []
        while sum(len(p) for p in paras) < 15_500:
            paras.append(rng.choice(pool))
        links = [rng.choice(pages).path for _ in range(15)]
        html = sitegen._html(page.path, paras, links, "", [])
        plain.append((ORIGIN + page.path, html.encode()))
        walled.append(html.replace("</head>", PAYWALL + "</head>", 1).encode())
    assert paywall_finding(plain[0][1], max_bytes=CAP) is None
    finding = paywall_finding(walled[0], max_bytes=CAP)
    assert finding is not None and finding.reserves is not None
    size = sum(len(body) for _, body in plain) / len(plain)
    print(f"\n{len(plain)} pages, mean {size / 1024:.1f} KiB")
    results["paywall_plain_us"] = cpu_us(
        "paywall_finding, page never saying isAccessibleForFree",
        lambda i: paywall_finding(plain[i][1], max_bytes=CAP),
        len(plain),
        secs,
    )
    results["paywall_marked_us"] = cpu_us(
        "paywall_finding, JSON-LD article marked not free (parsed)",
        lambda i: paywall_finding(walled[i], max_bytes=CAP),
        len(walled),
        secs,
    )
    ctx = Context()
    origin = OriginFacts(
        RobotsFile.from_fetch(200, sitegen.robots_txt(random.Random(7)).encode(), None),
        TdmRepFile.from_fetch(404, None, None, url=f"{ORIGIN}/.well-known/tdmrep.json"),
    )
    headers = {"content-type": ["text/html"]}

    def decision(i: int) -> object:
        url, body = plain[i]
        content = extract_content(body, "text/html", url)
        return decide_after_fetch(url, ctx, origin, ResponseFacts(url, 200, headers, content))

    results["decision_page_us"] = cpu_us(
        "extract_content + decide_after_fetch (plain page)", decision, len(plain), secs
    )
    share = results["paywall_plain_us"] / results["decision_page_us"]
    print(f"\nthe skipped paywall check is {share:.1%} of a page's decision")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
