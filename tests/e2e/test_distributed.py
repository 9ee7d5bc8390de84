"""Distributed mode: real `tdm-crawl` worker processes sharing one real redis-server.

A session fixture starts ``redis-server`` on a free loopback port (no persistence). Then:

- two workers crawl the fixture sites: every URL decided exactly once across workers with
  its expected decision, robots.txt / tdmrep.json / policy documents fetched once per
  origin across workers, nothing non-allowed written under the crawl directory, and
  ``verify``, ``replay`` and ``report`` read the workers' directories together, and
  ``wacz`` packages them all in one WACZ that ``wacz validate`` and ``verify`` accept;
- a worker killed (SIGKILL) mid-crawl leaves no URL undecided once the other finishes;
- the shared policy cache is single-flight across processes, and a dead fetcher's lease
  expires;
- an unreachable Redis is a one-line usage error.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tdm_crawler.crawl.distributed import RedisPolicyStore, public_url
from tdm_crawler.store import CrawlDir
from tests.archiving import wacz_validate, zip_entries
from tests.crawling import MARKER, markers_written
from tests.e2e.expectations import HITS
from tests.paths import REPO as ROOT

REDIS_SERVER = shutil.which("redis-server")

#: Fast settings for loopback fixtures; the heartbeat and timeouts short so that a dead
#: worker is noticed, and an idle one leaves, within seconds.
FAST = [
    "AUTOTHROTTLE_ENABLED=False",
    "TDM_POLICY_RETRY_DELAYS=[0.05, 0.05]",
    "TDM_BACKOFF_BASE=0.05",
    "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "TDM_REDIS_HEARTBEAT=0.3",
    "TDM_REDIS_WORKER_TIMEOUT=2",
    "TDM_REDIS_IDLE_TIMEOUT=1",
    "TDM_PROGRESS=off",
    "LOG_LEVEL=INFO",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if REDIS_SERVER is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed; `make test` installs it (apt)")
        pytest.skip("redis-server is not installed: apt-get install redis-server (make test does)")
    import redis

    port = _free_port()
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert server.poll() is None, "redis-server exited"
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    client.close()
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def _start(
    command: str, out: Path, redis: str, crawl_id: str, worker: str, *extra: str
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "tdm_crawler.cli", command, *extra, "--out", str(out)]
    args += ["--redis", redis, "--allow-private-networks"]
    for item in [*FAST, f"TDM_CRAWL_ID={crawl_id}", f"TDM_WORKER_ID={worker}"]:
        args += ["--set", item]
    log = (out.parent / f"{worker}.log").open("wb")
    return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)


def _log(out: Path, worker: str) -> str:
    return (out.parent / f"{worker}.log").read_text(errors="replace")


def _records(out: Path) -> list[dict[str, Any]]:
    """Every worker's records; a torn last line (a killed worker) is not a record."""
    records = []
    for path in sorted(out.glob("workers/*/decisions.jsonl")):
        lines = path.read_bytes().split(b"\n")
        records += [json.loads(line) for line in lines[:-1] if line.strip()]
    return records


def _decided_once(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_url: dict[str, dict[str, Any]] = {}
    for record in records:
        assert record["url"] not in by_url, f"decided twice: {record['url']}"
        by_url[record["url"]] = record
    return by_url


def _wait(process: subprocess.Popen[bytes], out: Path, worker: str, timeout: float) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"worker {worker} did not finish:\n{_log(out, worker)[-3000:]}")
    assert code == 0, f"worker {worker} exited {code}:\n{_log(out, worker)[-3000:]}"


# -- two workers crawl the fixture sites -------------------------------------------------


@pytest.fixture(scope="module")
def two_workers(
    redis_url: str, fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("distributed") / "out"
    fixture_server.reset_hits()
    crawl_id = "fixtures-two-workers"
    # The worker first: it waits for the crawl to be announced, so both start together.
    worker = _start("worker", out, redis_url, crawl_id, "w2")
    crawl = _start("crawl", out, redis_url, crawl_id, "w1", *fixture_server.seeds())
    _wait(crawl, out, "w1", 90)
    _wait(worker, out, "w2", 30)
    paths = {(site, path) for site, path in HITS} | {
        (site, path) for site in fixture_server.sites for path in POLICY_FILES
    }
    return {
        "out": out,
        "records": _records(out),
        "hits": {key: fixture_server.hits(*key) for key in paths},
    }


POLICY_FILES = ("/robots.txt", "/.well-known/tdmrep.json")


def test_every_url_decided_once_across_workers(
    two_workers: dict[str, Any], fixture_server: FixtureServer
) -> None:
    by_url = _decided_once(two_workers["records"])
    expected = fixture_server.expected()
    got = {url: (r["decision"], r["reason"]) for url, r in by_url.items()}
    assert set(got) == set(expected), (sorted(set(expected) - set(got)), set(got) - set(expected))
    wrong = {url: (got[url], want) for url, want in expected.items() if got[url] != want}
    assert not wrong, wrong
    assert {r["crawl_id"] for r in two_workers["records"]} == {"fixtures-two-workers"}


def test_both_workers_wrote_a_complete_crawl_directory(two_workers: dict[str, Any]) -> None:
    out: Path = two_workers["out"]
    assert [p.root.name for p in CrawlDir(out).parts()] == ["w1", "w2"]
    per_worker = [len(path.read_bytes().splitlines()) for path in sorted(out.glob("workers/*/d*"))]
    assert all(per_worker), f"both workers decide some URLs: {per_worker}"
    for worker in ("w1", "w2"):
        manifest = json.loads((out / "workers" / worker / "manifest.json").read_text())
        assert manifest["worker_id"] == worker
        assert manifest["crawl_id"] == "fixtures-two-workers"
        assert manifest["status"] == "finished"
        assert manifest["settings"]["TDM_REDIS_URL"].startswith("redis://127.0.0.1:")
    top = json.loads((out / "manifest.json").read_text())
    assert top["crawl_id"] == "fixtures-two-workers"
    assert top["redis"].startswith("redis://127.0.0.1:")
    assert top["status"] == "finished" and top["seeds"]


def test_policy_files_fetched_once_per_origin_across_workers(
    two_workers: dict[str, Any], fixture_server: FixtureServer
) -> None:
    for site in fixture_server.sites:
        for path in POLICY_FILES:
            assert two_workers["hits"][(site, path)] == HITS.get((site, path), 1), (site, path)
    for key, count in HITS.items():
        assert two_workers["hits"][key] == count, key


def test_nothing_non_allowed_written_by_any_worker(
    two_workers: dict[str, Any], fixture_server: FixtureServer
) -> None:
    written = markers_written(two_workers["out"])
    leaked = sorted(m for m in written if m.startswith("MARKER-BLOCKED-"))
    assert not leaked, f"non-allowed content written: {leaked}"
    by_url = _decided_once(two_workers["records"])
    site_of = {fixture_server.origin(site): site for site in fixture_server.sites}
    allowed = set()
    for url, (decision, _) in fixture_server.expected().items():
        if decision == "allowed":
            final = urlsplit(by_url[url]["final_url"])
            path = f"{final.path}?{final.query}" if final.query else final.path
            body = fixture_server.body(site_of[f"http://{final.netloc}"], path)
            allowed.update(m.decode() for m in MARKER.findall(body))
    assert allowed and allowed <= written


def test_verify_replay_and_report_read_all_workers(
    two_workers: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out: Path = two_workers["out"]
    assert main(["verify", str(out)]) == 0, capsys.readouterr().out
    assert f"{len(two_workers['records'])} decisions" in capsys.readouterr().out
    # One worker alone: the evidence its fellow fetched for it counts as present.
    assert main(["verify", str(out / "workers" / "w2")]) == 0, capsys.readouterr().out
    capsys.readouterr()
    assert main(["replay", str(out), "--report", str(tmp_path / "replay.jsonl")]) == 0
    summary = capsys.readouterr().out
    assert "decision or reason changed" in summary
    assert (tmp_path / "replay.jsonl").read_text() == "" or all(
        json.loads(line)["result"] == "not-replayable"
        for line in (tmp_path / "replay.jsonl").read_text().splitlines()
    )
    assert main(["report", str(out), "--html", str(tmp_path / "r.html")]) == 0
    assert "fixtures-two-workers" in (tmp_path / "r.html").read_text()
    assert main(["diff", str(out), str(out), "--json"]) == 0
    diff = json.loads(_last_json(capsys))
    assert diff["counts"]["changed"] == 0


@pytest.mark.archive
def test_one_wacz_holds_every_worker(
    two_workers: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out: Path = two_workers["out"]
    package = tmp_path / "distributed.wacz"
    assert main(["wacz", str(out), "--out", str(package)]) == 0, capsys.readouterr().err
    entries = zip_entries(package)
    for worker in ("w1", "w2"):
        assert f"crawl~{worker}/decisions.jsonl" in entries
        warcs = sorted((out / "workers" / worker).glob("*/*.warc.gz"))
        assert warcs and all(f"archive/{worker}~{p.name}" in entries for p in warcs)
    assert "crawl/manifest.json" in entries
    _header, *pages = entries["pages/pages.jsonl"].decode().splitlines()
    stored = sorted(r["final_url"] for r in two_workers["records"] if r["stored"])
    assert sorted(json.loads(page)["url"] for page in pages) == stored
    done = wacz_validate(package)
    assert done.returncode == 0 and "Validation succeeded" in done.stdout, done.stdout
    capsys.readouterr()
    assert main(["verify", str(package)]) == 0, capsys.readouterr().out
    # One worker alone is not a package: its decisions rest on evidence the other holds.
    assert main(["wacz", str(out / "workers" / "w2"), "--out", str(tmp_path / "w2.wacz")]) == 2
    assert "package the whole crawl" in capsys.readouterr().err


def _last_json(capsys: pytest.CaptureFixture[str]) -> str:
    text = capsys.readouterr().out
    return text[text.index("{") :]


# -- a worker killed mid-crawl -----------------------------------------------------------

PAGES = 300


def _write_site(root: Path) -> None:
    """The index links to every page, and every page to the next three, so that both
    workers find plenty in the queue; every fifth page is reserved by header; each takes
    40 ms to serve, so the crawl lasts long enough to kill a worker in the middle."""
    site = root / "chain"
    (site / "root" / "p").mkdir(parents=True)
    routes: dict[str, Any] = {}
    expected: dict[str, list[str]] = {"/": ["allowed", "no-reservation"]}
    index = "".join(f'<a href="/p/{i}.html">{i}</a>' for i in range(PAGES))
    (site / "root" / "index.html").write_text(f"<html><body>{index}</body></html>")
    for i in range(PAGES):
        links = "".join(f'<a href="/p/{(i + k) % PAGES}.html">n</a>' for k in (1, 2, 3))
        reserved = i % 5 == 4
        marker = f"MARKER-{'BLOCKED' if reserved else 'OK'}-chain-{i}"
        body = f"<html><head><title>{i}</title></head><body><p>{marker}</p>{links}</body></html>"
        (site / "root" / "p" / f"{i}.html").write_text(body)
        path = f"/p/{i}.html"
        routes[path] = {
            "delay": 0.04,
            **({"headers": {"tdm-reservation": "1"}} if reserved else {}),
        }
        expected[path] = (
            ["reserved", "tdmrep-header"] if reserved else ["allowed", "no-reservation"]
        )
    spec = {"description": "chain", "seeds": ["/"], "routes": routes, "expected": expected}
    (site / "site.json").write_text(json.dumps(spec))


def _decisions(out: Path, worker: str) -> int:
    path = out / "workers" / worker / "decisions.jsonl"
    return path.read_bytes().count(b"\n") if path.exists() else 0


def test_killed_worker_leaves_no_url_undecided(redis_url: str, tmp_path: Path) -> None:
    _write_site(tmp_path / "sites")
    out = tmp_path / "out"
    small = ["--set", "CONCURRENT_REQUESTS=4", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]
    with FixtureServer(sites_dir=tmp_path / "sites") as server:
        victim = _start("worker", out, redis_url, "kill", "victim", *small)
        survivor = _start(
            "crawl", out, redis_url, "kill", "survivor", *small, server.url("chain", "/")
        )
        deadline = time.monotonic() + 60
        while _decisions(out, "victim") < 25:
            assert victim.poll() is None, _log(out, "victim")[-3000:]
            assert time.monotonic() < deadline, "the victim decided nothing"
            time.sleep(0.01)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        assert survivor.poll() is None, "killed too late: the crawl was over"
        _wait(survivor, out, "survivor", 90)
        expected = server.expected(["chain"])
    assert "Worker victim is gone" in _log(out, "survivor")
    by_url = _decided_once(_records(out))
    assert set(by_url) == set(expected), sorted(set(expected) ^ set(by_url))
    for url, record in by_url.items():
        assert (record["decision"], record["reason"]) == tuple(expected[url]), url
    assert _decisions(out, "victim") >= 25 and _decisions(out, "survivor") > 0
    leaked = sorted(m for m in markers_written(out) if m.startswith("MARKER-BLOCKED-"))
    assert not leaked


# -- the shared policy cache --------------------------------------------------------------


def _run(factory: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine on a fresh event loop in its own thread (the test's reactor owns
    this thread's loop)."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(asyncio.run(factory())))
    thread.start()
    thread.join(timeout=30)
    assert result, "coroutine did not finish"
    return result[0]


def test_policy_store_fetches_once_across_processes(redis_url: str) -> None:
    calls: list[str] = []

    async def scenario() -> Any:
        stores = [
            RedisPolicyStore(redis_url, "store-once", name, lease=5, poll=0.01)
            for name in ("a", "b", "c")
        ]

        async def produce(name: str) -> tuple[dict[str, Any], float]:
            calls.append(name)
            await asyncio.sleep(0.2)
            return {"fetched_by": name}, 60.0

        results = await asyncio.gather(
            *(s.shared("policy", "http://o", lambda s=s: produce(s.worker_id)) for s in stores)
        )
        for store in stores:
            await store.close()
        return results

    results = _run(scenario)
    assert len(calls) == 1
    assert {json.dumps(value) for value, _ in results} == {json.dumps({"fetched_by": calls[0]})}
    assert all(0 < ttl <= 60 for _, ttl in results)


def test_policy_store_renews_the_lease_of_a_slow_fetch(redis_url: str) -> None:
    calls: list[str] = []

    async def scenario() -> Any:
        slow = RedisPolicyStore(redis_url, "store-renew", "slow", lease=0.3, poll=0.01)
        other = RedisPolicyStore(redis_url, "store-renew", "other", lease=0.3, poll=0.01)

        async def produce(name: str, seconds: float) -> tuple[dict[str, Any], float]:
            calls.append(name)
            await asyncio.sleep(seconds)  # three leases long: retries with back-off
            return {"fetched_by": name}, 60.0

        first = asyncio.ensure_future(slow.shared("policy", "o", lambda: produce("slow", 1.0)))
        await asyncio.sleep(0.05)
        second = await other.shared("policy", "o", lambda: produce("other", 0.0))
        results = [await first, second]
        await slow.close()
        await other.close()
        return results

    results = _run(scenario)
    assert calls == ["slow"]
    assert [value for value, _ in results] == [{"fetched_by": "slow"}] * 2


def test_policy_store_takes_over_when_the_fetchers_lease_expires(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.set("tdm:store-lease:lock:policy:http://o", "dead-worker", px=300)
    client.close()

    async def scenario() -> tuple[Any, float]:
        store = RedisPolicyStore(redis_url, "store-lease", "b", lease=5, poll=0.01)
        started = time.monotonic()

        async def produce() -> tuple[dict[str, Any], float]:
            return {"fetched_by": "b"}, 60.0

        value = await store.shared("policy", "http://o", produce)
        await store.close()
        return value, time.monotonic() - started

    (value, _), waited = _run(scenario)
    assert value == {"fetched_by": "b"}
    assert 0.2 <= waited < 3


# -- usage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["crawl", "worker"])
def test_unreachable_redis_is_a_usage_error(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    args = [command, "--redis", url, "--out", str(tmp_path / "out")]
    if command == "crawl":
        args.append("http://127.0.0.1:9/")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"cannot reach Redis at {url}" in err and "start redis-server" in err


def test_redis_url_password_is_never_shown() -> None:
    assert public_url("redis://:s3cret@db.example:6379/2") == "redis://:***@db.example:6379/2"
    assert public_url("redis://user:s3cret@db/0") == "redis://user:***@db/0"
    assert public_url("redis://db:6379/0") == "redis://db:6379/0"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([], "--contact is required"),
        (["--allow-private-networks"], "every worker must exclude alike"),
        (["--contact", "mailto:ops@example.org", "--exclude", "{other}"], "exclude alike"),
    ],
)
def test_a_worker_refuses_before_writing_anything(
    given: list[str],
    message: str,
    redis_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Announced without a contact and with one exclusion list: a worker needs a contact
    (its own) or --allow-private-networks, and the crawl's lists by their digests."""
    from tdm_crawler.crawl.distributed import announce_crawl, sync_client

    other = tmp_path / "other.txt"
    other.write_text("# source: s\n# date: 2025-01-01\nexample.com\n", encoding="utf-8")
    crawl_id = f"refuse-{len(given)}"
    client = sync_client(redis_url)
    try:
        info = {"crawl_id": crawl_id, "seeds": [], "settings": {"TDM_CONTACT": ""}}
        announce_crawl(client, crawl_id, {**info, "excluded_sources": ["0" * 64]})
    finally:
        client.close()
    out = tmp_path / "crawl"
    args = ["worker", "--redis", redis_url, "--out", str(out), "--set", f"TDM_CRAWL_ID={crawl_id}"]
    code = main([*args, *(arg.replace("{other}", str(other)) for arg in given)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and message in err[0], err
    assert not out.exists()
