"""Crash and resume: real `tdm-crawl` processes killed with SIGKILL at random moments.

After several kills and a final resume, every URL of the site is decided exactly once,
no line of decisions.jsonl is torn, every WARC file is valid, every stored record's WARC
record exists (and no orphan was left behind), and nothing reserved was written.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from warcio.checker import Checker

from fixtures.server import FixtureServer
from tdm_crawler.store.warcread import scan
from tests.crawling import markers_written, warc_records

PAGES = 240
KILLS = 4


def write_site(root: Path) -> None:
    """A chain-and-fan site: every page links to the next three; every fifth is reserved
    by header, so reserved and allowed decisions interleave throughout the crawl."""
    site = root / "resume"
    (site / "root" / "p").mkdir(parents=True)
    routes: dict[str, dict[str, object]] = {}
    expected = {"/": ["allowed", "no-reservation"]}
    (site / "root" / "index.html").write_text('<html><body><a href="/p/0.html">0</a></body></html>')
    for i in range(PAGES):
        links = "".join(f'<a href="/p/{(i + k) % PAGES}.html">n</a>' for k in (1, 2, 3))
        reserved = i % 5 == 4
        marker = f"MARKER-{'BLOCKED' if reserved else 'OK'}-resume-{i}"
        body = f"<html><head><title>{i}</title></head><body><p>{marker}</p>{links}</body></html>"
        (site / "root" / "p" / f"{i}.html").write_text(body)
        path = f"/p/{i}.html"
        routes[path] = {
            "delay": 0.01,
            **({"headers": {"tdm-reservation": "1"}} if reserved else {}),
        }
        expected[path] = (
            ["reserved", "tdmrep-header"] if reserved else ["allowed", "no-reservation"]
        )
    spec = {"description": "resume", "seeds": ["/"], "routes": routes, "expected": expected}
    (site / "site.json").write_text(json.dumps(spec))


def start_crawl(seed: str, out: Path, *, resume: bool) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "tdm_crawler.cli", "crawl", "--out", str(out)]
    args += ["--resume"] if resume else [seed]
    args += [
        "--allow-private-networks",
        "--set", "AUTOTHROTTLE_ENABLED=False",
        "--set", "CONCURRENT_REQUESTS=4",
        "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
        "--set", "LOG_LEVEL=WARNING",
    ]  # fmt: skip
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def decisions_so_far(out: Path) -> int:
    path = out / "decisions.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killed_crawl_resumes_to_exactly_once(tmp_path: Path) -> None:
    write_site(tmp_path / "sites")
    out = tmp_path / "out"
    rng = random.Random(20261126)
    kills = 0
    with FixtureServer(sites_dir=tmp_path / "sites") as server:
        seed = server.url("resume", "/")
        process = start_crawl(seed, out, resume=False)
        while kills < KILLS:
            # Kill once some decisions exist, at a random moment after that.
            deadline = time.monotonic() + 60
            target = decisions_so_far(out) + rng.randint(5, 40)
            while decisions_so_far(out) < target and process.poll() is None:
                assert time.monotonic() < deadline, "crawl made no progress"
                time.sleep(0.02)
            if process.poll() is not None:
                break  # finished before we could kill it again
            time.sleep(rng.uniform(0, 0.2))
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            kills += 1
            process = start_crawl(seed, out, resume=True)
        assert process.wait(timeout=120) == 0
        expected = server.expected(["resume"])
    assert kills >= 2, "the crawl should have been killed several times"

    lines = (out / "decisions.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b"", "last line complete"
    records = [json.loads(line) for line in lines[:-1]]
    urls = [r["url"] for r in records]
    assert len(urls) == len(set(urls)), "no URL decided twice"
    assert set(urls) == set(expected), "no URL lost"
    for record in records:
        assert (record["decision"], record["reason"]) == tuple(expected[record["url"]])

    warcs = sorted(out.glob("content/*.warc.gz")) + sorted(out.glob("evidence/*.warc.gz"))
    for warc in warcs:
        list(scan(warc))  # raises UnreadableWarc if the file ends torn
    checker = Checker(cmd=type("Args", (), {"inputs": [str(w) for w in warcs], "verbose": False}))
    assert checker.process_all() == 0
    responses = {
        rec.rec_headers.get_header("WARC-Record-ID")
        for kind, _, rec in warc_records(out, "content")
        if kind == "response"
    }
    stored = {r["warc_record_id"] for r in records if r["stored"]}
    assert stored == responses, "every stored record present, no orphan or duplicate"

    written = markers_written(out)
    assert not [m for m in written if "BLOCKED" in m]
    assert {f"MARKER-OK-resume-{i}" for i in range(PAGES) if i % 5 != 4} <= written

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert manifest["counts"]["records"] == len(records)
    assert len(manifest["sessions"]) == kills + 1
