"""How long ``tdm-crawl wacz`` takes, and how big the package is next to the crawl's WARCs.

Crawls a generated site of N pages (default 10,000; the replay benchmark's site: each page
links to the next ten, a sparse tdmrep.json and AI-agent reservation) on a loopback
fixture server, then runs ``tdm-crawl wacz`` and ``tdm-crawl verify`` on the package, each
in its own process. Prints wall times (process start to exit, imports included), the
records packaged, and the sizes: WARC files, the package, and what the package adds
(index, page lists, decision log, manifest, datapackage). Not a test: run it by hand.

    .venv/bin/python bench/wacz_speed.py [--pages 12500] [--keep DIR] [--crawl DIR]

``--pages 12500`` stores 10,001 pages (a fifth is reserved); ``--crawl DIR`` packages a
crawl kept from an earlier run (``--keep``) instead of crawling again.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.replay_speed import FAST, timed, write_site  # noqa: E402
from fixtures.server import FixtureServer  # noqa: E402
from tdm_crawler.store import CrawlDir, iter_records  # noqa: E402
from tdm_crawler.store.warcread import scan  # noqa: E402


def cpu_timed(*args: str) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """(wall s, CPU s of the child, result): CPU time is what the work costs whatever else
    shares the machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, result = timed(*args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12_500)
    parser.add_argument("--keep", type=Path, help="keep the crawl here (default: a temp dir)")
    parser.add_argument("--crawl", type=Path, help="package this crawl instead of crawling")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tdm-bench-") as tmp:
        work = args.keep or Path(tmp)
        out = args.crawl or work / "crawl"
        crawl_s = 0.0
        if args.crawl is None:
            write_site(work / "sites", args.pages)
            with FixtureServer(sites_dir=work / "sites") as server:
                seed = server.url("bench", "/")
                crawl_s, crawl = timed(
                    "crawl", seed, "--out", str(out), "--allow-private-networks", *FAST
                )
            if crawl.returncode != 0:
                print(crawl.stdout, crawl.stderr, sep="\n")
                return 1
        crawl_dir = CrawlDir(out)
        warcs = crawl_dir.content_warcs() + crawl_dir.evidence_warcs()
        records = sum(1 for path in warcs for _ in scan(path))
        decisions = sum(1 for _ in iter_records(crawl_dir.decisions))
        stored = sum(1 for r in iter_records(crawl_dir.decisions) if r["stored"])
        package = Path(tmp) / "crawl.wacz"
        wacz_s, wacz_cpu, wacz = cpu_timed("wacz", str(out), "--out", str(package))
        if wacz.returncode != 0:
            print(wacz.stdout, wacz.stderr, sep="\n")
            return 1
        verify_s, verify_cpu, verify = cpu_timed("verify", str(package))
        dir_s, dir_cpu, _ = cpu_timed("verify", str(out))
        warc_bytes = sum(path.stat().st_size for path in warcs)
        size = package.stat().st_size
        with zipfile.ZipFile(package) as archive:
            parts = {info.filename: info.compress_size for info in archive.infolist()}
        added = {name: n for name, n in parts.items() if not name.startswith("archive/")}
        print(f"crawl:   {crawl_s:7.2f} s, {decisions} decisions, {stored} stored")
        print(f"records: {records} WARC records in {len(warcs)} files, {warc_bytes:,} bytes")
        print(
            f"wacz:    {wacz_s:7.2f} s wall, {wacz_cpu:.2f} s CPU "
            f"({records / wacz_cpu:,.0f} WARC records per CPU s); load {os.getloadavg()[0]:.1f}"
        )
        print(
            f"verify:  {verify_s:7.2f} s wall, {verify_cpu:.2f} s CPU on the package "
            f"(exit {verify.returncode}); {dir_s:.2f} s wall, {dir_cpu:.2f} s CPU on the directory"
        )
        print(f"package: {size:,} bytes = {size / warc_bytes:.3f} x the WARC files")
        for name, compressed in sorted(added.items(), key=lambda item: -item[1]):
            print(f"  {name:<28} {compressed:>12,} bytes in the ZIP")
        print(f"  ZIP structure (headers, directory) {size - sum(parts.values()):>6,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
