"""Crawl benchmark: tdm-crawler against plain Scrapy on a generated multi-origin site.

Generates a deterministic site (``bench/sitegen.py``: ``--origins`` x ``--pages`` HTML
pages of 10-30 KB, robots.txt, tdmrep.json, reserving headers and meta tags), serves it
with nginx on 127.0.0.1 (one port per origin, ``worker_processes 2``), then alternates
crawls: tdm-crawler, plain Scrapy (``bench/plain_scrapy.py``, ``ROBOTSTXT_OBEY=True``,
storing every response in a WARC), ``--runs`` times each, same seeds and concurrency.

It prints, per run, wall time and URLs processed per second, then:

- the median throughput ratio tdm-crawler / plain Scrapy (target >= 0.9);
- policy fetches per origin from nginx's access log: robots.txt, tdmrep.json (target:
  exactly 1 each per origin) and the TDM policy document;
- memory: peak RSS of each crawl, and tdm-crawler's RSS at 25/50/75/100% of its URLs;
- tdm-crawler's decisions by reason, and any ERROR / Traceback lines of its log.

"URLs processed" is, for tdm-crawler, the records in decisions.jsonl (fetched or decided
before fetch); for plain Scrapy, responses handed to the spider plus requests its
RobotsTxtMiddleware dropped. It prints figures, it asserts nothing. Everything runs on
loopback and stops by itself (each crawl has a timeout).

    .venv/bin/python bench/crawl_speed.py [--origins 50] [--pages 150] [--runs 3]
        [--concurrency 32] [--per-domain 8] [--workers 1 [--redis URL]]
        [--keep DIR] [--json FILE]

``--workers N`` (N > 1) runs N ``tdm-crawl worker --redis URL`` processes instead of one
``tdm-crawl crawl`` (distributed mode); it errors out while tdm-crawl has no ``worker``
command.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sitegen import Nginx, SiteSpec, free_ports, generate  # noqa: E402

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python" if (VENV_BIN / "python").exists() else Path(sys.executable)
TDM_CRAWL = VENV_BIN / "tdm-crawl"
ROBOTS = "/robots.txt"
TDMREP = "/.well-known/tdmrep.json"
POLICY = "/tdm-policy.json"


# --------------------------------------------------------------------------- monitoring


def _tree_pids(pid: int) -> list[int]:
    """``pid`` and its descendants (via /proc/PID/task/TID/children)."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            continue
    return pids


def rss_bytes(pid: int) -> int:
    """Resident set size of a process and its children (psutil if present, else /proc)."""
    total = 0
    for p in _tree_pids(pid):
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


class LineCounter:
    """Counts the lines of a growing file, reading only what was appended."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.lines = 0

    def poll(self) -> int:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return self.lines
        cut = data.rfind(b"\n") + 1
        self.lines += data.count(b"\n", 0, cut)
        self.offset += cut
        return self.lines


@dataclass
class RunResult:
    side: str  # "tdm" or "plain"
    index: int
    wall: float
    internal: float | None
    processed: int
    fetched_pages: int
    requests: int
    exit_codes: list[int]
    peak_rss: int
    samples: list[tuple[float, int, int]] = field(default_factory=list)  # (t, rss, progress)
    policy_counts: dict[int, Counter[str]] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    stored: int = 0
    log_problems: list[str] = field(default_factory=list)
    cpu: float = 0.0  # user + system CPU seconds of the crawl process(es)
    span: float | None = None  # first to last decision (fetched_at), tdm-crawler only
    twice: int = 0  # URLs with more than one decision record (tdm-crawler)
    load: float = 0.0  # 1-minute load average at the end of the run

    @property
    def rate(self) -> float:
        return self.processed / self.wall if self.wall else 0.0

    @property
    def internal_rate(self) -> float | None:
        return self.processed / self.internal if self.internal else None


def monitor(
    procs: list[subprocess.Popen[bytes]],
    progress: list[LineCounter],
    timeout: float,
    interval: float = 0.5,
) -> tuple[float, list[tuple[float, int, int]], int, float]:
    """Wait for every process, sampling RSS and progress every ``interval`` seconds.

    Returns wall time, the samples, the peak RSS (sum over the processes) and the CPU
    seconds (user + system) they used. Processes still running after ``timeout`` seconds
    are terminated.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    samples: list[tuple[float, int, int]] = []
    peak = 0
    while True:
        now = time.monotonic() - start
        rss = sum(rss_bytes(p.pid) for p in procs if p.poll() is None)
        done = sum(c.poll() for c in progress)
        peak = max(peak, rss)
        if rss:
            samples.append((now, rss, done))
        if all(p.poll() is not None for p in procs):
            break
        if now > timeout:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
            print(f"  !! timed out after {timeout:.0f} s, terminated", flush=True)
            break
        time.sleep(interval)
    wall = time.monotonic() - start
    for p in procs:
        p.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for c in progress:
        c.poll()
    return wall, samples, peak, cpu


class RedisServer:
    """A throw-away redis-server on a free loopback port, no persistence (--workers > 1)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> str:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return f"redis://127.0.0.1:{port}/0"
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --------------------------------------------------------------------------- the two sides


def _policy_counts(nginx: Nginx, start: int, end: int) -> tuple[dict[int, Counter[str]], int]:
    per_port: dict[int, Counter[str]] = defaultdict(Counter)
    rows = nginx.log_lines(start, end)
    for port, uri, _status in rows:
        if uri in (ROBOTS, TDMREP, POLICY):
            per_port[port][uri] += 1
    return dict(per_port), len(rows)


def _log_problems(text: str) -> list[str]:
    lines = text.splitlines()
    return [ln for ln in lines if re.search(r"\b(ERROR|CRITICAL|Traceback)\b", ln)]


def has_worker_command() -> bool:
    try:
        done = subprocess.run(
            [str(TDM_CRAWL), "worker", "--help"], capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def run_tdm(
    args: argparse.Namespace, spec: SiteSpec, nginx: Nginx, work: Path, index: int
) -> RunResult:
    out = work / f"tdm-{index}"
    seeds_file = work / "seeds.txt"
    common = [
        "--allow-private-networks",
        "--set",
        "AUTOTHROTTLE_ENABLED=False",
        "--set",
        f"CONCURRENT_REQUESTS={args.concurrency}",
        "--set",
        f"CONCURRENT_REQUESTS_PER_DOMAIN={args.per_domain}",
        "--set",
        "LOG_LEVEL=WARNING",
        *(x for item in args.tdm_set for x in ("--set", item)),
    ]
    logs, procs, counters = [], [], []
    offset = nginx.log_offset()
    if args.workers > 1:
        # Distributed mode: `crawl --redis` announces the crawl, enqueues the seeds and
        # crawls as the first worker; N-1 `worker --redis` processes join it. Each writes
        # OUT/workers/<id>/. A short idle timeout so that the last ones leave promptly.
        crawl_id = f"bench-{index}-{int(time.time())}"
        shared = [
            "--redis", args.redis, "--out", str(out),
            "--set", f"TDM_CRAWL_ID={crawl_id}",
            "--set", f"TDM_REDIS_IDLE_TIMEOUT={args.idle_timeout}",
        ]  # fmt: skip
        for k in range(args.workers):
            first = ["crawl", "--seeds", str(seeds_file)] if k == 0 else ["worker"]
            cmd = [str(TDM_CRAWL), *first, *shared, "--set", f"TDM_WORKER_ID=w{k}", *common]
            logs.append(work / f"tdm-{index}-w{k}.log")
            counters.append(LineCounter(out / "workers" / f"w{k}" / "decisions.jsonl"))
            procs.append(cmd)
    else:
        cmd = [str(TDM_CRAWL), "crawl", "--seeds", str(seeds_file), "--out", str(out), *common]
        logs.append(work / f"tdm-{index}.log")
        counters.append(LineCounter(out / "decisions.jsonl"))
        procs.append(cmd)
    if index == 0:
        for cmd in procs:
            print("  $ " + " ".join(cmd), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    handles = [log.open("wb") for log in logs]
    popens = []
    for k, (cmd, fh) in enumerate(zip(procs, handles, strict=True)):
        popens.append(subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT))
        if k == 0 and len(procs) > 1:
            time.sleep(1.0)  # the first announces the crawl; workers wait for it anyway
    wall, samples, peak, cpu = monitor(popens, counters, args.timeout)
    for fh in handles:
        fh.close()
    time.sleep(0.2)  # let nginx finish writing the last access-log lines
    policy, requests = _policy_counts(nginx, offset, nginx.log_offset())
    text = "\n".join(log.read_text(errors="replace") for log in logs)
    match = re.search(r"(\d+) URLs decided in ([\d.]+) s", text)
    internal = float(match.group(2)) if match and args.workers <= 1 else None
    reasons: Counter[str] = Counter()
    stored = 0
    processed = 0
    stamps: list[str] = []
    urls_seen: Counter[str] = Counter()
    for counter in counters:
        if counter.path.exists():
            for line in counter.path.read_text().splitlines():
                record = json.loads(line)
                if record.get("fetched_at"):
                    stamps.append(record["fetched_at"])
                urls_seen[record["url"]] += 1
                reasons[f"{record['decision']}/{record['reason']}"] += 1
                stored += bool(record.get("stored"))
                processed += 1
    fetched = requests - sum(sum(c.values()) for c in policy.values())
    span = None
    if len(stamps) > 1:
        first, last = (
            datetime.fromisoformat(t.replace("Z", "+00:00")) for t in (min(stamps), max(stamps))
        )
        span = (last - first).total_seconds()
    result = RunResult(
        "tdm",
        index,
        wall,
        internal,
        processed,
        fetched,
        requests,
        [p.returncode for p in popens],
        peak,
        samples,
        policy,
        dict(reasons),
        stored,
        _log_problems(text),
        cpu,
    )
    result.span = span
    result.twice = sum(1 for n in urls_seen.values() if n > 1)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


def run_plain(
    args: argparse.Namespace, spec: SiteSpec, nginx: Nginx, work: Path, index: int
) -> RunResult:
    out = work / f"plain-{index}"
    log = work / f"plain-{index}.log"
    cmd = [
        str(PYTHON),
        str(ROOT / "bench" / "plain_scrapy.py"),
        "--seeds",
        str(work / "seeds.txt"),
        "--out",
        str(out),
        "--concurrency",
        str(args.concurrency),
        "--per-domain",
        str(args.per_domain),
        *(["--naive-links"] if args.plain_naive_links else []),
    ]
    if index == 0:
        print("  $ " + " ".join(cmd), flush=True)
    offset = nginx.log_offset()
    access = LineCounter(nginx.access_log)
    access.offset = offset
    with log.open("wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
        wall, samples, peak, cpu = monitor([proc], [access], args.timeout)
    time.sleep(0.2)
    policy, requests = _policy_counts(nginx, offset, nginx.log_offset())
    stats_path = out / "stats.json"
    stats = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    stored = int(stats.get("bench/stored", 0))
    forbidden = int(stats.get("robotstxt/forbidden", 0))
    text = log.read_text(errors="replace")
    result = RunResult(
        "plain",
        index,
        wall,
        stats.get("bench/elapsed"),
        stored + forbidden,
        requests - sum(sum(c.values()) for c in policy.values()),
        requests,
        [proc.returncode],
        peak,
        samples,
        policy,
        {"stored": stored, "robots-forbidden": forbidden},
        stored,
        _log_problems(text),
        cpu,
    )
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    return result


# --------------------------------------------------------------------------- reporting


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def rss_at_fractions(samples: list[tuple[float, int, int]], total: int) -> list[tuple[int, int]]:
    """(URLs done, RSS) at the first sample reaching 25/50/75/100% of ``total`` URLs."""
    points = []
    for frac in (0.25, 0.5, 0.75, 1.0):
        target = frac * total
        hit = next((s for s in samples if s[2] >= target), samples[-1] if samples else None)
        if hit is not None:
            points.append((hit[2], hit[1]))
    return points


def summarise(results: list[RunResult], spec: SiteSpec, args: argparse.Namespace) -> dict[str, Any]:
    tdm = [r for r in results if r.side == "tdm"]
    plain = [r for r in results if r.side == "plain"]
    print("\n== runs ==")
    print(
        f"{'run':<8} {'wall s':>7} {'URLs':>6} {'URLs/s':>7} {'crawl s':>8} {'URLs/s':>7} "
        f"{'HTTP req':>8} {'CPU s':>6} {'peak RSS':>9} exit"
    )
    for r in results:
        internal = (
            f"{r.internal:8.1f} {r.internal_rate:7.1f}" if r.internal else f"{'-':>8} {'-':>7}"
        )
        print(
            f"{r.side}-{r.index:<{7 - len(r.side)}} {r.wall:7.1f} {r.processed:6d} {r.rate:7.1f} "
            f"{internal} {r.requests:8d} {r.cpu:6.1f} {_mib(r.peak_rss):>9} {r.exit_codes}"
        )
    summary: dict[str, Any] = {
        "origins": spec.origins,
        "pages": spec.pages,
        "site_bytes": spec.bytes_total,
        "expected_urls": spec.expected_urls(),
        "concurrency": args.concurrency,
        "per_domain": args.per_domain,
        "workers": args.workers,
        "tdm_set": args.tdm_set,
        "plain_naive_links": args.plain_naive_links,
        "runs": [
            {
                "side": r.side,
                "index": r.index,
                "wall_s": round(r.wall, 2),
                "internal_s": round(r.internal, 2) if r.internal else None,
                "urls": r.processed,
                "urls_per_s": round(r.rate, 1),
                "http_requests": r.requests,
                "peak_rss_mib": round(r.peak_rss / 2**20, 1),
                "exit": r.exit_codes,
            }
            for r in results
        ],
    }
    if tdm and plain:
        pair_ratios = [t.rate / p.rate for t, p in zip(tdm, plain, strict=False) if p.rate]
        internal_ratios = [
            t.internal_rate / p.internal_rate
            for t, p in zip(tdm, plain, strict=False)
            if t.internal_rate and p.internal_rate
        ]
        med_t = statistics.median(r.rate for r in tdm)
        med_p = statistics.median(r.rate for r in plain)
        print("\n== throughput (URLs processed / wall s of the process) ==")
        print(
            f"tdm-crawler  median {med_t:7.1f} URLs/s   runs: "
            + ", ".join(f"{r.rate:.1f}" for r in tdm)
        )
        print(
            f"plain Scrapy median {med_p:7.1f} URLs/s   runs: "
            + ", ".join(f"{r.rate:.1f}" for r in plain)
        )
        ratio = statistics.median(pair_ratios) if pair_ratios else 0.0
        print(
            "ratio tdm/plain per pair: "
            + ", ".join(f"{x:.2f}" for x in pair_ratios)
            + f"   median {ratio:.2f}   (target >= 0.90)"
        )
        if internal_ratios:
            print(
                f"same, on the crawl's own timing (imports excluded): median "
                f"{statistics.median(internal_ratios):.2f}"
            )
        cpu_ratios = [
            (t.processed / t.cpu) / (p.processed / p.cpu)
            for t, p in zip(tdm, plain, strict=False)
            if t.cpu and p.cpu and p.processed
        ]
        if cpu_ratios:
            print(
                "URLs per CPU second, tdm/plain (robust to other load on the machine): "
                + ", ".join(f"{x:.2f}" for x in cpu_ratios)
                + f"   median {statistics.median(cpu_ratios):.2f}"
            )
        fetch_ratio = [
            (t.fetched_pages / t.wall) / (p.fetched_pages / p.wall)
            for t, p in zip(tdm, plain, strict=False)
            if p.fetched_pages and t.wall
        ]
        if fetch_ratio:
            print(
                f"page fetches/s ratio (HTTP requests for pages only): median "
                f"{statistics.median(fetch_ratio):.2f}  (tdm fetches {tdm[0].fetched_pages}, "
                f"plain {plain[0].fetched_pages} pages)"
            )
        summary.update(
            tdm_median_urls_per_s=round(med_t, 1),
            plain_median_urls_per_s=round(med_p, 1),
            pair_ratios=[round(x, 3) for x in pair_ratios],
            median_ratio=round(ratio, 3),
            median_ratio_internal=round(statistics.median(internal_ratios), 3)
            if internal_ratios
            else None,
            median_fetch_ratio=round(statistics.median(fetch_ratio), 3) if fetch_ratio else None,
            median_cpu_ratio=round(statistics.median(cpu_ratios), 3) if cpu_ratios else None,
        )
    if tdm:
        print("\n== policy fetches per origin (nginx access log, tdm-crawler runs) ==")
        fetch_summary = []
        for r in tdm:
            per_kind = {}
            for kind in (ROBOTS, TDMREP, POLICY):
                counts = [r.policy_counts.get(port, Counter())[kind] for port in spec.ports]
                per_kind[kind] = (min(counts), max(counts), sum(counts))
            bad = [
                port
                for port in spec.ports
                if r.policy_counts.get(port, Counter())[ROBOTS] != 1
                or r.policy_counts.get(port, Counter())[TDMREP] != 1
            ]
            line = "  ".join(f"{k} min {a} max {b} total {c}" for k, (a, b, c) in per_kind.items())
            verdict = "exactly 1 each per origin" if not bad else f"NOT 1 on {len(bad)} origins"
            print(f"tdm-{r.index}: {line}  -> robots/tdmrep {verdict}")
            fetch_summary.append(
                {k: {"min": a, "max": b, "total": c} for k, (a, b, c) in per_kind.items()}
                | {"origins_not_exactly_one": len(bad)}
            )
        for r in plain:
            counts = [r.policy_counts.get(port, Counter())[ROBOTS] for port in spec.ports]
            print(f"plain-{r.index}: {ROBOTS} min {min(counts)} max {max(counts)} (Scrapy's own)")
        summary["policy_fetches"] = fetch_summary

        print("\n== memory ==")
        last = tdm[-1]
        points = rss_at_fractions(last.samples, last.processed)
        for done, rss in points:
            print(f"tdm-{last.index}: {done:6d} URLs decided  RSS {_mib(rss)}")
        peak_at = max(last.samples, key=lambda smp: smp[1]) if last.samples else None
        done_at = next((smp[0] for smp in last.samples if smp[2] >= last.processed), None)
        if peak_at is not None:
            after = ""
            if done_at is not None and peak_at[0] > done_at:
                after = f", {peak_at[0] - done_at:.1f} s after the last decision"
            print(
                f"tdm-{last.index}: peak {_mib(peak_at[1])} at {peak_at[0]:.1f} s of "
                f"{last.wall:.1f} s, {peak_at[2]} URLs decided{after}"
            )
        print(
            "peak RSS tdm-crawler: "
            + ", ".join(_mib(r.peak_rss) for r in tdm)
            + "   plain Scrapy: "
            + ", ".join(_mib(r.peak_rss) for r in plain)
        )
        summary["memory"] = {
            "tdm_rss_at": [{"urls": d, "rss_mib": round(m / 2**20, 1)} for d, m in points],
            "tdm_peak_at": {"t_s": round(peak_at[0], 1), "urls": peak_at[2]} if peak_at else None,
            "tdm_peak_mib": [round(r.peak_rss / 2**20, 1) for r in tdm],
            "plain_peak_mib": [round(r.peak_rss / 2**20, 1) for r in plain],
        }

        print("\n== tdm-crawler decisions (last run) ==")
        print(
            f"{last.processed} URLs decided (site has {spec.expected_urls()}), "
            f"{last.stored} stored, {last.twice} URLs decided more than once"
        )
        for reason, n in sorted(last.reasons.items(), key=lambda kv: -kv[1]):
            print(f"  {reason:<36} {n:6d}")
        summary["tdm_reasons"] = last.reasons
        summary["tdm_stored"] = last.stored
        summary["tdm_urls_decided_twice"] = [r.twice for r in tdm]
    if plain:
        lastp = plain[-1]
        ppoints = rss_at_fractions(lastp.samples, lastp.requests)
        print("\n== plain Scrapy memory (last run; progress = HTTP requests served) ==")
        for done, rss in ppoints:
            print(f"plain-{lastp.index}: {done:6d} requests  RSS {_mib(rss)}")
        summary["plain_rss_at"] = [
            {"requests": d, "rss_mib": round(m / 2**20, 1)} for d, m in ppoints
        ]
    for side in ("plain",):
        for r in (x for x in results if x.side == side):
            print(f"plain-{r.index}: {r.reasons}")
            break
    problems = [(r, p) for r in results for p in r.log_problems]
    print("\n== log problems (ERROR / CRITICAL / Traceback lines) ==")
    if not problems:
        print("none")
    for r, p in problems[:20]:
        print(f"{r.side}-{r.index}: {p[:300]}")
    summary["log_problems"] = [f"{r.side}-{r.index}: {p[:300]}" for r, p in problems[:50]]
    return summary


# --------------------------------------------------------------------------- main


def prepare_site(args: argparse.Namespace, work: Path) -> SiteSpec:
    ports = free_ports(args.origins, args.port_base)
    site_root = (Path(args.site_dir) if args.site_dir else work / "site").resolve()
    site_root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    spec = generate(site_root, args.origins, args.pages, ports, seed=args.seed)
    print(
        f"site: {args.origins} origins x {args.pages} pages, {spec.bytes_total / 2**20:.0f} MiB "
        f"of HTML, sections {spec.sections}, generated in {time.monotonic() - started:.1f} s"
    )
    (work / "seeds.txt").write_text("\n".join(spec.seeds) + "\n")
    return spec


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--origins", type=int, default=50)
    parser.add_argument("--pages", type=int, default=150, help="pages per origin")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side, alternating")
    parser.add_argument("--concurrency", type=int, default=32, help="CONCURRENT_REQUESTS")
    parser.add_argument("--per-domain", type=int, default=8, help="CONCURRENT_REQUESTS_PER_DOMAIN")
    parser.add_argument("--workers", type=int, default=1, help="tdm-crawl worker processes")
    parser.add_argument(
        "--redis",
        help="Redis URL for --workers > 1 (default: start a redis-server on loopback)",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=2.0,
        help="TDM_REDIS_IDLE_TIMEOUT of the workers (--workers > 1), seconds",
    )
    parser.add_argument(
        "--tdm-set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra --set for tdm-crawl (repeatable)",
    )
    parser.add_argument(
        "--plain-naive-links",
        action="store_true",
        help="plain Scrapy yields every link, its dupefilter drops repeats",
    )
    parser.add_argument("--only", choices=("both", "tdm", "plain"), default="both")
    parser.add_argument("--seed", type=int, default=7, help="site generator seed")
    parser.add_argument("--port-base", type=int, default=20000)
    parser.add_argument("--site-dir", help="generate the site here (default: a temp dir)")
    parser.add_argument("--timeout", type=float, default=600.0, help="per crawl, seconds")
    parser.add_argument("--keep", help="keep outputs and logs in this directory")
    parser.add_argument("--json", help="write the figures to this JSON file")
    args = parser.parse_args()
    distributed = args.workers > 1 and args.only != "plain"
    if distributed and not has_worker_command():
        print(
            f"--workers {args.workers}: `tdm-crawl worker` does not exist yet (distributed mode "
            "is not built); run with --workers 1 for the single-process figures",
            file=sys.stderr,
        )
        return 2
    if distributed and not args.redis and not shutil.which("redis-server"):
        print(
            f"--workers {args.workers} needs Redis: apt-get install -y redis-server, "
            "or pass --redis URL",
            file=sys.stderr,
        )
        return 2
    if not TDM_CRAWL.exists():
        print(f"{TDM_CRAWL} missing: run `make test` or `make demo` first", file=sys.stderr)
        return 2
    if args.keep:
        work = Path(args.keep).resolve()
        work.mkdir(parents=True, exist_ok=True)
        cleanup = False
    else:
        work = Path(tempfile.mkdtemp(prefix="tdm-bench-"))
        cleanup = True
    os.chmod(work, 0o755)
    nginx: Nginx | None = None
    redis: RedisServer | None = None
    try:
        if distributed and not args.redis:
            redis = RedisServer()
            args.redis = redis.start()
            print(f"redis-server on {args.redis}")
        spec = prepare_site(args, work)
        ngx_dir = work / "nginx"
        ngx_dir.mkdir(exist_ok=True)
        nginx = Nginx(ngx_dir, spec.root, spec.ports, workers=2)
        nginx.start()
        print(
            f"nginx serving {len(spec.ports)} origins on 127.0.0.1:{spec.ports[0]}-{spec.ports[-1]}"
        )
        sides = {"both": ("tdm", "plain"), "tdm": ("tdm",), "plain": ("plain",)}[args.only]
        results: list[RunResult] = []
        for i in range(args.runs):
            for side in sides:
                runner = run_tdm if side == "tdm" else run_plain
                r = runner(args, spec, nginx, work, i)
                r.load = os.getloadavg()[0]
                results.append(r)
                rate_internal = f", {r.internal_rate:.1f}/s in-crawl" if r.internal_rate else ""
                if r.span:
                    rate_internal += (
                        f", first-to-last decision {r.span:.1f} s = {r.processed / r.span:.1f}/s"
                    )
                print(
                    f"  {side}-{i}: {r.processed} URLs in {r.wall:.1f} s = {r.rate:.1f} URLs/s"
                    f"{rate_internal}, {r.requests} HTTP requests, CPU {r.cpu:.1f} s, "
                    f"peak RSS {_mib(r.peak_rss)}, load {r.load:.1f}, "
                    f"exit {r.exit_codes}",
                    flush=True,
                )
        summary = summarise(results, spec, args)
        summary["date"] = time.strftime("%Y-%m-%d")
        summary["nginx_errors"] = nginx.error_log()[-1000:]
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    finally:
        if nginx is not None:
            nginx.stop()
        if redis is not None:
            redis.stop()
        if cleanup:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
