"""The directories commands are given: an output directory to prepare, a crawl to read.

Every command that writes a crawl (``crawl``, ``worker``, ``demo``, ``recheck``,
``replay --out``) prepares its output here, so none of them can mix two crawls in one
directory; every command that reads one (``report``, ``replay``, ``diff``) refuses a
directory that is not a crawl with the same message.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tdm_crawler.exceptions import NotACrawl, UsageError

#: What a crawl writes into its output directory (and what --overwrite removes).
OUTPUT_ENTRIES = ("decisions.jsonl", "manifest.json", "content", "evidence")


def prepare_output(out: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse to mix two crawls in one directory; make sure we can write there."""
    existing = [name for name in OUTPUT_ENTRIES if (out / name).exists()]
    if existing and not (resume or overwrite):
        raise UsageError(
            f"{out} already holds a crawl ({', '.join(existing)}); "
            "pass --resume to continue it or --overwrite to start afresh"
        )
    if resume and not (out / "manifest.json").exists():
        raise UsageError(f"--resume: {out} holds no crawl to resume; drop --resume")
    if overwrite:
        for name in existing:
            path = out / name
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to {out} ({exc.strerror}); choose another --out") from None


def crawl_dir(path: Path) -> Path:
    """``path`` if it holds a crawl, or a distributed crawl's workers (``path/workers/*``)."""
    from tdm_crawler.report.crawldir import crawl_dirs

    try:
        crawl_dirs(path)
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    return path
