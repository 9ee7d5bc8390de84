"""Memory benchmark: one ``tdm-crawl crawl`` over many origins; does its RSS stay flat?

Generates a deterministic site (``bench/sitegen.py``) of ``--origins`` origins (default
1,000) with ``--pages`` HTML pages in total (default 20,000; ``--large`` = 100,000), serves
it with nginx on 127.0.0.1 (one port per origin), crawls it with one ``tdm-crawl crawl``
process from every origin's home page, and samples the crawler's RSS twice a second.

It prints the RSS at every 10% of the URLs decided, and the growth after warm-up (from
25% to 100% of the URLs, in MiB and in bytes per URL decided), then the figures as JSON.
It asserts nothing. Everything runs on loopback and stops by itself (``--timeout``).

    .venv/bin/python bench/memory_origins.py [--origins 1000] [--pages 20000 | --large]
        [--concurrency 32] [--cache-entries N] [--set NAME=VALUE ...] [--keep DIR]

``--cache-entries`` sets ``TDM_ORIGIN_CACHE_MAX_ENTRIES`` (default: the crawler's own,
10,000); a value below ``--origins`` makes the LRU bound evict while crawling.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl_speed import TDM_CRAWL, LineCounter, monitor  # noqa: E402
from sitegen import Nginx, free_ports, generate  # noqa: E402


def _mib(n: float) -> str:
    return f"{n / 2**20:7.1f} MiB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=1000)
    parser.add_argument("--pages", type=int, default=20_000, help="pages in total")
    parser.add_argument("--large", action="store_true", help="100,000 pages in total")
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS")
    parser.add_argument("--per-domain", type=int, default=4, help="CONCURRENT_REQUESTS_PER_DOMAIN")
    parser.add_argument("--cache-entries", type=int, help="TDM_ORIGIN_CACHE_MAX_ENTRIES")
    parser.add_argument("--set", dest="tdm_set", action="append", default=[], metavar="N=V")
    parser.add_argument("--port-base", type=int, default=21000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds for the crawl")
    parser.add_argument("--keep", help="keep the site and the crawl output in this directory")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    total = 100_000 if args.large else args.pages
    per_origin = max(1, total // args.origins)

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(limit[1], max(limit[0], 4 * args.origins + 4096))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, limit[1]))  # nginx: one fd per port

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="tdm-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    nginx = None
    try:
        ports = free_ports(args.origins, args.port_base)
        started = time.monotonic()
        spec = generate(work / "site", args.origins, per_origin, ports, seed=args.seed)
        print(
            f"site: {args.origins} origins x {per_origin} pages ({spec.expected_urls()} URLs "
            f"expected), {spec.bytes_total / 2**20:.0f} MiB of HTML, generated in "
            f"{time.monotonic() - started:.0f} s",
            flush=True,
        )
        (work / "seeds.txt").write_text("\n".join(spec.seeds) + "\n")
        (work / "nginx").mkdir(exist_ok=True)
        nginx = Nginx(work / "nginx", work / "site", ports)
        nginx.start(timeout=60)
        out = work / "out"
        if out.exists():
            shutil.rmtree(out)
        settings = [
            "AUTOTHROTTLE_ENABLED=False",
            f"CONCURRENT_REQUESTS={args.concurrency}",
            f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}",
            "LOG_LEVEL=WARNING",
            "TDM_PROGRESS=off",
            *([f"TDM_ORIGIN_CACHE_MAX_ENTRIES={args.cache_entries}"] if args.cache_entries else []),
            *args.tdm_set,
        ]
        cmd = [str(TDM_CRAWL), "crawl", "--seeds", str(work / "seeds.txt"), "--out", str(out)]
        cmd += ["--allow-private-networks", *(x for s in settings for x in ("--set", s))]
        print("$ " + " ".join(cmd), flush=True)
        with (work / "crawl.log").open("wb") as log:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
            counter = LineCounter(out / "decisions.jsonl")
            wall, samples, peak, cpu = monitor([proc], [counter], args.timeout)
        decided = counter.lines
        print(f"crawl: {decided} URLs decided in {wall:.0f} s ({decided / wall:.0f} URLs/s), "
              f"CPU {cpu:.0f} s, exit {proc.returncode}")  # fmt: skip
        points = []
        for pct in (10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90, 100):
            goal = decided * pct / 100
            sample = next((s for s in samples if s[2] >= goal), samples[-1] if samples else None)
            if sample is not None:
                points.append((pct, sample[2], sample[1]))
                print(f"  {pct:3d}%  {sample[2]:7d} URLs  RSS {_mib(sample[1])}")
        at = {pct: rss for pct, _, rss in points}
        urls_at = {pct: n for pct, n, _ in points}
        growth = at.get(100, 0) - at.get(25, 0)
        per_url = growth / max(1, urls_at.get(100, 0) - urls_at.get(25, 0))
        print(f"peak RSS {_mib(peak)}; after warm-up (25% -> 100%): {growth / 2**20:+.1f} MiB, "
              f"{per_url:.0f} bytes per URL decided")  # fmt: skip
        figures = {
            "origins": args.origins,
            "pages_per_origin": per_origin,
            "urls_decided": decided,
            "wall_s": round(wall, 1),
            "peak_rss_mib": round(peak / 2**20, 1),
            "rss_mib_at_percent": {pct: round(rss / 2**20, 1) for pct, _, rss in points},
            "growth_after_warmup_mib": round(growth / 2**20, 1),
            "growth_bytes_per_url": round(per_url),
            "settings": settings,
            "samples": [
                {"t": round(t, 1), "rss_mib": round(r / 2**20, 1), "urls": n} for t, r, n in samples
            ],
        }
        print(json.dumps({k: v for k, v in figures.items() if k != "samples"}))
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
        return 0 if proc.returncode == 0 else 1
    finally:
        if nginx is not None:
            nginx.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        os.sync()


if __name__ == "__main__":
    sys.exit(main())
