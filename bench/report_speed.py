"""How fast, and in how much memory, ``tdm-crawl report`` handles a large crawl.

Builds a synthetic but realistic ``decisions.jsonl`` of N records (default 100,000) by
replicating the records of a real crawl (the demo crawl, run here unless ``--from DIR``
names one) over many origins, with distinct URLs, record ids and a one-hour timeline,
then runs ``tdm-crawl report DIR --csv --datasheet`` in a child process and prints its
wall time, CPU time and peak RSS, plus the sizes written (once without and once with the
CSV and the datasheet).

    .venv/bin/python bench/report_speed.py [--records 100000] [--origins 2000] [--from DIR]

The targets (issue: report): under 10 s and under 500 MB for 100,000 records.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

_ORIGIN = re.compile(r"https?://127\.0\.0\.1:\d+")

#: The child: ``tdm-crawl`` itself, then its own peak RSS (KiB on Linux) on stderr.
_CHILD = (
    "import os, resource, sys\n"
    "if os.environ.get('BENCH_NO_ORJSON'): sys.modules['orjson'] = None\n"
    "from tdm_crawler.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print('maxrss', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(status)\n"
)


def demo_crawl(out: Path) -> Path:
    """Run ``tdm-crawl demo`` into ``out`` (the records to replicate)."""
    subprocess.run(
        [sys.executable, "-m", "tdm_crawler.cli", "demo", "--out", str(out), "--overwrite"],
        check=True,
        capture_output=True,
    )
    return out


def synthesise(source: Path, dest: Path, records: int, origins: int) -> None:
    """Write ``records`` decision records to ``dest/decisions.jsonl``, and the manifest.

    Like a real crawl: each synthetic origin copies one demo origin (its robots.txt and
    tdmrep.json situation), its URLs are distinct (``.../p<i>``) and so are the details
    that name a path; origins are interleaved as concurrent downloads interleave them;
    decisions are spread over one hour.
    """
    groups: dict[str, list[str]] = {}
    for line in (source / "decisions.jsonl").read_text(encoding="utf-8").splitlines():
        match = _ORIGIN.match(json.loads(line)["url"])
        if match:
            groups.setdefault(match.group(0), []).append(line)
    demo = sorted(groups)
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    step = 3600 / records
    dest.mkdir(parents=True, exist_ok=True)
    with (dest / "decisions.jsonl").open("w", encoding="utf-8") as out:
        for i in range(records):
            site = (i * 7919) % origins
            group = groups[demo[site % len(demo)]]
            template = group[(i // origins) % len(group)]
            old = json.loads(template)["url"]
            old_path = urlsplit(old).path or "/"
            new_path = f"{old_path.rstrip('/')}/p{i}"
            text = _ORIGIN.sub(f"http://site{site}.example:8080", template)
            text = text.replace(f"'{old_path}'", f"'{new_path}'")
            record = json.loads(text)
            for field in ("url", "final_url"):
                if record[field]:
                    parts = urlsplit(record[field])
                    record[field] = parts._replace(path=new_path).geturl()
            if record["stored"]:
                digest = hashlib.sha256(str(i).encode()).hexdigest()
                record["content_sha256"] = digest
                record["warc_record_id"] = f"<urn:uuid:{uuid.UUID(digest[:32])}>"
            moment = start + timedelta(seconds=i * step)
            record["fetched_at"] = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    shutil.copy(source / "manifest.json", dest / "manifest.json")


def run_report(crawl: Path, *extra: str) -> tuple[float, float, float]:
    """Run ``tdm-crawl report`` in a child: (wall seconds, CPU seconds, peak RSS MiB)."""
    command = [sys.executable, "-c", _CHILD, "report", str(crawl), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"tdm-crawl report failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_kib = int(result.stderr.strip().splitlines()[-1].split()[-1])
    return elapsed, cpu, peak_kib / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--origins", type=int, default=2_000)
    parser.add_argument("--from", dest="source", type=Path, help="a crawl directory to replicate")
    parser.add_argument("--no-orjson", action="store_true", help="measure the json fallback")
    args = parser.parse_args()
    if args.no_orjson:
        os.environ["BENCH_NO_ORJSON"] = "1"
    with tempfile.TemporaryDirectory(prefix="tdm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        source = args.source or demo_crawl(tmp / "demo")
        crawl = tmp / "big"
        synthesise(source, crawl, args.records, args.origins)
        size = (crawl / "decisions.jsonl").stat().st_size / 1e6
        print(f"input    {args.records:,} records on {args.origins:,} origins, {size:.0f} MB JSONL")
        ok = True
        runs = {
            "report": (),
            "report --csv --datasheet": (
                "--csv", str(crawl / "urls.csv"), "--datasheet", str(crawl / "DATASHEET.md"),
            ),
        }  # fmt: skip
        for name, extra in runs.items():
            wall, cpu, peak = run_report(crawl, *extra)
            ok = ok and wall < 10 and peak < 500
            print(f"{name:<26} wall {wall:5.2f} s   CPU {cpu:5.2f} s   peak RSS {peak:4.0f} MiB")
        html = (crawl / "report.html").stat().st_size / 1e6
        csv_size = (crawl / "urls.csv").stat().st_size / 1e6
        print(f"output   report.html {html:.1f} MB, urls.csv {csv_size:.1f} MB")
        print(f"targets  < 10 s and < 500 MB: {'met' if ok else 'NOT met'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
