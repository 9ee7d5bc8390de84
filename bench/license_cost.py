"""Licence detection's cost per page, against the decision's own cost per page.

The licence readers (``tdm_crawler.policy.license_statements.read_licenses``) parse the
whole HTML document, where the decision reads only the head, so they are the costlier
half of reading a stored page. Measured on the crawl benchmark's pages
(``bench/sitegen.py``: ~17 KB of text, 10-20 links, a header, nav and footer):

- a page that never says ``license`` (most of the web: the parse is skipped);
- the same page with an inline script's ``/*! lib | example.org/license */`` banner
  (it says ``license``, so it is parsed, and holds no statement);
- the same page with the markup of an openly licensed site: ``<link rel="license">``
  and a JSON-LD ``Article`` with ``license`` in the head, the CC chooser's badge and
  sentence in the footer, and a captioned photo under another licence;
- the word count of the visible text (``corpus.words.count_words``), and
  ``corpus.work.read_work`` (licence reading and size together: what the crawl's gate
  runs for every stored page);
- for scale, what the decision already costs per fetched page: ``extract_content`` +
  ``decide_after_fetch`` (``decide_speed.py``'s ``page_total``), measured here in the
  same process, and the ratio of the two.

Each measurement runs for about ``--seconds`` (default 2) and prints µs per page of CPU.

    .venv/bin/python bench/license_cost.py [--seconds 2] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import sitegen  # noqa: E402
from timing import cpu_us  # noqa: E402

from tdm_crawler.corpus.words import count_words  # noqa: E402
from tdm_crawler.corpus.work import read_work  # noqa: E402
from tdm_crawler.policy import (  # noqa: E402
    Context,
    Limits,
    OriginFacts,
    ResponseFacts,
    RobotsFile,
    TdmRepFile,
    decide_after_fetch,
    extract_content,
)
from tdm_crawler.policy.license_statements import read_licenses  # noqa: E402

ORIGIN = "http://127.0.0.1:20000"
LICENSED_HEAD = (
    '<link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">\n'
    '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
    '"NewsArticle", "headline": "A story", "author": {"@type": "Person", "name": "Jane Roe"}, '
    '"license": "https://creativecommons.org/licenses/by-sa/4.0/", "image": {"@type": '
    '"ImageObject", "url": "/p.jpg", "license": "https://creativecommons.org/licenses/by/2.0/"}}'
    "</script>\n"
)
LICENSED_BODY = (
    '<figure><img src="/p.jpg" alt=""><figcaption>Photo: J. Roe, <a rel="license" '
    'href="https://creativecommons.org/licenses/by/2.0/">CC BY 2.0</a></figcaption></figure>\n'
    '<footer><a rel="license" href="http://creativecommons.org/licenses/by-sa/4.0/"><img '
    'alt="Creative Commons Licence" src="https://i.creativecommons.org/l/by-sa/4.0/88x31.png">'
    '</a><br>This work is licensed under a <a rel="license" '
    'href="http://creativecommons.org/licenses/by-sa/4.0/">Creative Commons '
    "Attribution-ShareAlike 4.0 International License</a>.</footer>\n</body>"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="per measurement")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()

    rng = random.Random(7)
    pool = [sitegen._paragraph(rng) for _ in range(200)]
    pages = sitegen._paths(200, rng)
    plain: list[tuple[str, bytes]] = []
    mention: list[tuple[str, bytes]] = []
    licensed: list[tuple[str, bytes]] = []
    for page in pages:
        paras: list[str] = []
        while sum(len(p) for p in paras) < 15_500:
            paras.append(rng.choice(pool))
        links = [rng.choice(pages).path for _ in range(15)]
        html = sitegen._html(page.path, paras, links, "", [])
        url = ORIGIN + page.path
        plain.append((url, html.encode()))
        banner = "<script>/*! lib v3.7 | (c) Lib Foundation | example.org/license */</script>\n"
        mention.append((url, html.replace("</head>", banner + "</head>", 1).encode()))
        with_licence = html.replace("<link rel=", LICENSED_HEAD + "<link rel=", 1)
        licensed.append((url, with_licence.replace("</body>", LICENSED_BODY, 1).encode()))
    size = sum(len(body) for _, body in plain) / len(plain)
    reading = read_licenses(licensed[0][0], {}, licensed[0][1], content_type="text/html")
    assert reading.id == "CC-BY-SA-4.0" and len(reading.findings) == 5, reading
    for url, body in (plain[0], mention[0]):
        assert read_licenses(url, {}, body, content_type="text/html").findings == ()
    extra = len(LICENSED_HEAD) + len(LICENSED_BODY)
    print(f"{len(plain)} pages, mean {size / 1024:.1f} KiB (licensed: +{extra} B)\n")

    ctx = Context()
    origin = OriginFacts(
        RobotsFile.from_fetch(200, sitegen.robots_txt(random.Random(7)).encode(), None),
        TdmRepFile.from_fetch(
            200,
            sitegen.tdmrep_json(20000, random.Random(7)).encode(),
            None,
            url=f"{ORIGIN}/.well-known/tdmrep.json",
        ),
    )
    headers = {"content-type": ["text/html"]}

    def decision(i: int) -> object:
        url, body = plain[i]
        content = extract_content(body, "text/html", url)
        return decide_after_fetch(url, ctx, origin, ResponseFacts(url, 200, headers, content))

    limits = Limits()
    facts = {
        id(body): ResponseFacts(url, 200, headers, extract_content(body, "text/html", url))
        for pages in (plain, licensed)
        for url, body in pages
    }

    def work(pages: list[tuple[str, bytes]], i: int) -> object:
        body = pages[i][1]
        return read_work(facts[id(body)], origin, body, limits)

    secs = args.seconds
    results = {
        "decision_page_us": cpu_us(
            "extract_content + decide_after_fetch", decision, len(plain), secs
        ),
        "licence_plain_us": cpu_us(
            "read_licenses, page never saying 'license'",
            lambda i: read_licenses(plain[i][0], headers, plain[i][1], content_type="text/html"),
            len(plain),
            secs,
        ),
        "licence_mention_us": cpu_us(
            "read_licenses, page saying 'license' without a statement",
            lambda i: read_licenses(
                mention[i][0], headers, mention[i][1], content_type="text/html"
            ),
            len(mention),
            secs,
        ),
        "licence_licensed_us": cpu_us(
            "read_licenses, page with six licence statements (five distinct)",
            lambda i: read_licenses(
                licensed[i][0], headers, licensed[i][1], content_type="text/html"
            ),
            len(licensed),
            secs,
        ),
        "words_plain_us": cpu_us(
            "count_words, a page's visible text",
            lambda i: count_words(
                plain[i][1], kind="html", content_type="text/html", max_bytes=4 << 20
            ),
            len(plain),
            secs,
        ),
        "work_plain_us": cpu_us(
            "read_work (licence + size), page never saying 'license'",
            lambda i: work(plain, i),
            len(plain),
            secs,
        ),
        "work_licensed_us": cpu_us(
            "read_work (licence + size), page with six licence statements",
            lambda i: work(licensed, i),
            len(licensed),
            secs,
        ),
    }
    base = results["decision_page_us"]
    measured = ("licence_plain_us", "licence_mention_us", "licence_licensed_us")
    for key in (*measured, "words_plain_us", "work_plain_us", "work_licensed_us"):
        share = results[key] / base
        results[key.replace("_us", "_vs_decision")] = round(share, 3)
        print(f"{key}: {share:.2f} x the decision's per-page cost")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
