"""How long a replay takes next to the crawl it replays (target: under a tenth).

Generates a site of N pages (default 1000) on a loopback fixture server (each page links
to the next ten, as tests/crawl/test_policy_fetch_once.py does), crawls it with ``tdm-crawl
crawl`` at the demo's fast settings (no AutoThrottle: the fastest crawl, so the hardest
ratio for replay), then runs ``tdm-crawl replay`` and ``tdm-crawl replay --out``, each in
its own process. Prints wall times (process start to exit, imports included) and the
time replay reports for its own work. Not a test: run it by hand.

    .venv/bin/python bench/replay_speed.py [--pages 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fixtures.server import FixtureServer  # noqa: E402

FAST = [
    "--set", "AUTOTHROTTLE_ENABLED=False",
    "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "--set", "LOG_LEVEL=WARNING",
]  # fmt: skip


def write_site(root: Path, pages: int) -> None:
    site = root / "bench"
    (site / "root" / "p").mkdir(parents=True)
    links = "".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(min(pages, 50)))
    (site / "root" / "index.html").write_text(f"<html><body>{links}</body></html>")
    for i in range(pages):
        nxt = "".join(f'<a href="/p/{(i + k) % pages}.html">n</a>' for k in range(1, 11))
        (site / "root" / "p" / f"{i}.html").write_text(
            f"<html><head><title>{i}</title></head><body><p>page {i}</p>{nxt}</body></html>"
        )
    # Sparse reservations (never ten pages in a row), so every page stays reachable.
    robots = "User-agent: *\nDisallow: /nothing\n\nUser-agent: GPTBot\nDisallow: /p/*7.html\n"
    tdmrep = '[{"location": "/p/*3.html", "tdm-reservation": 1}]'
    spec = {
        "description": "generated for the replay benchmark",
        "seeds": ["/"],
        "routes": {
            "/robots.txt": {"body": robots},
            "/.well-known/tdmrep.json": {"body": tdmrep},
        },
        "expected": {"/": ["allowed", "no-reservation"]},
    }
    (site / "site.json").write_text(json.dumps(spec))


def timed(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", *args], capture_output=True, text=True, cwd=ROOT
    )
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="keep the crawl here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tdm-bench-") as tmp:
        work = args.keep or Path(tmp)
        write_site(work / "sites", args.pages)
        out = work / "crawl"
        with FixtureServer(sites_dir=work / "sites") as server:
            seed = server.url("bench", "/")
            crawl_s, crawl = timed("crawl", seed, "--out", str(out), "--allow-private-networks",
                                   *FAST)  # fmt: skip
        if crawl.returncode != 0:
            print(crawl.stdout, crawl.stderr, sep="\n")
            return 1
        decided = crawl.stdout.splitlines()[0]
        replay_s, replay = timed("replay", str(out), "--report", str(work / "replay.jsonl"))
        found = re.search(r"in ([0-9.]+) s", replay.stdout)
        own = float(found.group(1)) if found else -1.0
        out_s, filtered = timed(
            "replay", str(out), "--set", "TDM_AI_AGENTS=+BenchBot",
            "--report", str(work / "replay-out.jsonl"), "--out", str(work / "filtered"),
        )  # fmt: skip
        verify_s, verify = timed("verify", str(out))
        print(f"crawl:              {crawl_s:7.2f} s   ({decided})")
        print(
            f"replay:             {replay_s:7.2f} s wall, {own:.2f} s "
            f"replaying (exit {replay.returncode}) = {replay_s / crawl_s:.1%} of the crawl"
        )
        print(
            f"replay --out:       {out_s:7.2f} s wall (exit {filtered.returncode}) "
            f"= {out_s / crawl_s:.1%} of the crawl"
        )
        print(f"verify:             {verify_s:7.2f} s wall (exit {verify.returncode})")
        unchanged = re.search(r"unchanged\s+(\d+)", replay.stdout)
        print(f"decisions reproduced: {unchanged.group(1) if unchanged else '?'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
