"""Decision-engine micro-benchmark: evaluations per second of the pure policy functions.

Uses ``tdm_crawler.policy`` directly, no Scrapy and no I/O, on the inputs the crawl
benchmark serves (``bench/sitegen.py``: a ~3 KB robots.txt with AI-agent groups, a
~20-rule tdmrep.json, 10-30 KB HTML pages) and on a 1,000-rule tdmrep.json:

- ``decide_before_fetch`` over the site's URLs (every section);
- ``decide_after_fetch`` with content already extracted;
- an allowed page's full decision as the crawl makes it: ``decide_origin`` before the
  fetch, ``finish_after_fetch`` from that kept origin half after it; once more for each
  purpose (``TDM_PURPOSE``), which costs one purpose-table look-up per statement read;
- ``extract_content`` of a ~20 KB HTML page (the ``<head>`` reader);
- ``decide_before_fetch`` with a 1,000-rule tdmrep.json, for a URL matching no rule and
  one matching only the last rule (worst cases: every rule is tried);
- reading an origin's policy files (``RobotsFile``/``TdmRepFile.from_fetch`` +
  ``OriginFacts``), for the ~20-rule and the 1,000-rule file.

Each measurement runs for about ``--seconds`` (default 2) and prints evaluations per wall
second and per CPU second of the process (the JSON has the latter).

    .venv/bin/python bench/decide_speed.py [--seconds 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitegen  # noqa: E402

from tdm_crawler.policy import (  # noqa: E402
    Context,
    OriginFacts,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_after_fetch,
    decide_before_fetch,
    decide_origin,
    extract_content,
    finish_after_fetch,
)
from tdm_crawler.policy.purposes import Profile, Purpose  # noqa: E402

PORT = 20000
ORIGIN = f"http://127.0.0.1:{PORT}"


def bench(label: str, fn: Callable[[int], object], n_items: int, seconds: float) -> float:
    """Call ``fn(i)`` for i = 0, 1, ... (mod ``n_items``) for about ``seconds``.

    Prints evaluations per wall second and per CPU second of this process (the latter is
    what to compare when other work shares the machine); returns the CPU-second rate.
    """
    fn(0)  # warm-up (lazy imports, caches)
    count = 0
    batch = 50
    start, cpu_start = time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(batch):
            fn(count % n_items)
            count += 1
        now = time.perf_counter()
        if now >= deadline or count >= 10_000_000:
            break
    cpu = time.process_time() - cpu_start
    rate = count / (now - start)
    cpu_rate = count / cpu if cpu > 0 else rate
    print(f"{label:<64} {rate:>11,.0f} /s {cpu_rate:>11,.0f} /s  {1e6 / cpu_rate:>9.1f} us")
    return cpu_rate


def big_tdmrep(n: int = 1000) -> tuple[str, str, str]:
    """A tdmrep.json of ``n`` distinct rules (prefixes, ``*``, ``$``), a URL matching none,
    and one matching only the last rule."""
    rules = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            location = f"/catalogue/{i}/"
        elif kind == 1:
            location = f"/shop/*/item-{i}.html$"
        elif kind == 2:
            location = f"/media/{i}/*.jpg"
        else:
            location = f"/members/{i}/*?download=*"
        rule: dict[str, Any] = {"location": location, "tdm-reservation": i % 2}
        if i % 2:
            rule["tdm-policy"] = f"{ORIGIN}/policies/{i}.json"
        rules.append(rule)
    rules[-1] = {"location": "/last-rule/", "tdm-reservation": 1}
    return (
        json.dumps(rules, indent=2),
        f"{ORIGIN}/articles/00042.html?page=2",
        f"{ORIGIN}/last-rule/00042.html",
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()
    secs = args.seconds

    rng = random.Random(7)
    robots_text = sitegen.robots_txt(rng)
    tdmrep_text = sitegen.tdmrep_json(PORT, rng)
    pages = sitegen._paths(400, rng)
    urls = [ORIGIN + p.path for p in pages] + [ORIGIN + "/", ORIGIN + "/news/"]
    pool = [sitegen._paragraph(rng) for _ in range(200)]
    robots_b, tdmrep_b = robots_text.encode(), tdmrep_text.encode()
    big_text, big_miss, big_last = big_tdmrep(1000)
    big_b = big_text.encode()
    tdm_url = f"{ORIGIN}/.well-known/tdmrep.json"
    print(
        f"inputs: robots.txt {len(robots_b)} B, tdmrep.json {len(tdmrep_b)} B "
        f"({len(json.loads(tdmrep_text))} rules), 1,000-rule tdmrep.json {len(big_b)} B, "
        f"{len(urls)} URLs"
    )

    ctx = Context()
    origin = OriginFacts(
        RobotsFile.from_fetch(200, robots_b, None),
        TdmRepFile.from_fetch(200, tdmrep_b, None, url=tdm_url),
    )
    big_origin = OriginFacts(
        RobotsFile.from_fetch(200, robots_b, None),
        TdmRepFile.from_fetch(200, big_b, None, url=tdm_url),
    )
    assert big_origin.tdmrep.match(big_miss) is None, "the miss URL must match no rule"
    last = big_origin.tdmrep.match(big_last)
    assert last is not None and last.index == 1000, "the last URL must match rule 1000"

    # Fetched pages: (url, ResponseFacts with content extracted once), ~20 KB each.
    fetched = []
    bodies = []
    for page in pages:
        if decide_before_fetch(ORIGIN + page.path, ctx, origin) is not None:
            continue  # decided before fetch (robots.txt), never fetched
        paras: list[str] = []
        while sum(len(p) for p in paras) < 16_000:
            paras.append(rng.choice(pool))
        head = '<meta name="tdm-reservation" content="1">\n' if page.section == "docs" else ""
        links = [rng.choice(pages).path for _ in range(15)]
        body = sitegen._html(page.path, paras, links, head, []).encode()
        headers: dict[str, list[str]] = {"content-type": ["text/html"]}
        if page.section == "reports":
            headers["tdm-reservation"] = ["1"]
            headers["tdm-policy"] = [f"{ORIGIN}/tdm-policy.json"]
        url = ORIGIN + page.path
        content = extract_content(body, "text/html", url)
        fetched.append((url, ResponseFacts(url, 200, headers, content)))
        bodies.append((url, body))
    size = sum(len(b) for _, b in bodies) / len(bodies)
    decisions: dict[str, int] = {}
    for url in urls:
        v = decide_before_fetch(url, ctx, origin)
        key = f"before:{v.decision}/{v.reason}" if v else "before:fetch"
        decisions[key] = decisions.get(key, 0) + 1
    for url, facts in fetched:
        v = decide_after_fetch(url, ctx, origin, facts)
        key = f"after:{v.decision}/{v.reason}"
        decisions[key] = decisions.get(key, 0) + 1
    print(f"decisions over the sample: {decisions}")
    print(f"mean HTML body {size / 1024:.1f} KiB\n")

    results = {}
    print(f"{'measurement':<64} {'evals/wall s':>13} {'evals/CPU s':>13} {'CPU/eval':>11}")
    results["before_fetch"] = bench(
        "decide_before_fetch (site URLs, ~20-rule tdmrep.json)",
        lambda i: decide_before_fetch(urls[i], ctx, origin),
        len(urls),
        secs,
    )
    results["after_fetch"] = bench(
        "decide_after_fetch (content pre-extracted)",
        lambda i: decide_after_fetch(fetched[i][0], ctx, origin, fetched[i][1]),
        len(fetched),
        secs,
    )
    allowed = [(u, f) for u, f in fetched if decide_after_fetch(u, ctx, origin, f).allowed]

    def full_decision(i: int) -> object:
        url, facts = allowed[i]
        return finish_after_fetch(decide_origin(url, ctx, origin), ctx, facts)

    results["allowed_page_full"] = bench(
        "full decision of an allowed page (before + after, origin half kept)",
        full_decision,
        len(allowed),
        secs,
    )
    for purpose in Purpose:
        for_purpose = Context(profile=Profile(purpose))
        kept = [(u, f) for u, f in fetched if decide_after_fetch(u, for_purpose, origin, f).allowed]

        def full_for(i: int, ctx_: Context = for_purpose, kept_: list[Any] = kept) -> object:
            url, facts = kept_[i]
            return finish_after_fetch(decide_origin(url, ctx_, origin), ctx_, facts)

        results[f"allowed_page_full_{purpose}"] = bench(
            f"  the same, decided for --purpose {purpose}", full_for, len(kept), secs
        )
    results["extract_content_20k"] = bench(
        f"extract_content, HTML ~{size / 1024:.0f} KiB",
        lambda i: extract_content(bodies[i][1], "text/html", bodies[i][0]),
        len(bodies),
        secs,
    )

    def page(i: int) -> object:
        url, body = bodies[i]
        facts = fetched[i][1]
        content = extract_content(body, "text/html", url)
        return decide_after_fetch(url, ctx, origin, ResponseFacts(url, 200, facts.headers, content))

    results["page_total"] = bench(
        "extract_content + decide_after_fetch (one fetched page)", page, len(bodies), secs
    )
    results["before_fetch_1000_miss"] = bench(
        "decide_before_fetch, 1,000-rule tdmrep.json, URL matches none",
        lambda i: decide_before_fetch(big_miss, ctx, big_origin),
        1,
        secs,
    )
    results["before_fetch_1000_last"] = bench(
        "decide_before_fetch, 1,000-rule tdmrep.json, URL matches the last",
        lambda i: decide_before_fetch(big_last, ctx, big_origin),
        1,
        secs,
    )
    results["origin_facts"] = bench(
        "read robots.txt + ~20-rule tdmrep.json into OriginFacts",
        lambda i: OriginFacts(
            RobotsFile.from_fetch(200, robots_b, None),
            TdmRepFile.from_fetch(200, tdmrep_b, None, url=tdm_url),
        ),
        1,
        secs,
    )
    results["origin_facts_1000"] = bench(
        "read robots.txt + 1,000-rule tdmrep.json into OriginFacts",
        lambda i: OriginFacts(
            RobotsFile.from_fetch(200, robots_b, None),
            TdmRepFile.from_fetch(200, big_b, None, url=tdm_url),
        ),
        1,
        secs,
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps({k: round(v, 1) for k, v in results.items()}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
