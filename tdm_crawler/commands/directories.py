"""The directories commands are given: an output directory to prepare, a crawl to read.

Every command that writes a crawl (``crawl``, ``worker``, ``demo``, ``recheck``,
``replay --out``, ``purge``) prepares its output here, so none of them can mix two
crawls in one directory; every command that reads one (``report``, ``replay``, ``diff``) refuses a
directory that is not a crawl with the same message.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tdm_crawler.exceptions import NotACrawl, UsageError


def prepare_output(out: Path, *, resume: bool, overwrite: bool) -> None:
    """Refuse to mix two crawls in one directory; make sure we can write there.
    ``overwrite`` removes every entry of the layout (:meth:`CrawlDir.entries`)."""
    from tdm_crawler.store import CrawlDir

    crawl = CrawlDir(out)
    existing = crawl.existing_entries()
    if existing and not (resume or overwrite):
        raise UsageError(
            f"{out} already holds a crawl ({', '.join(map(crawl.relative, existing))}); "
            "pass --resume to continue it or --overwrite to start afresh"
        )
    if resume and not crawl.manifest.exists():
        raise UsageError(f"--resume: {out} holds no crawl to resume; drop --resume")
    if overwrite:
        for path in existing:
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


def empty_output(out: Path, source: Path) -> None:
    """A new directory derived from the crawl ``source``: outside it, and absent or
    empty — what purge writes is an answer to a rightsholder, and must not be mixed
    with anything else, not even a file of another name. Created here."""
    if out.resolve() == source.resolve() or source.resolve() in out.resolve().parents:
        raise UsageError("--out must be a new directory outside DIR: DIR is never modified")
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty directory; give a new --out")
    prepare_output(out, resume=False, overwrite=False)


def crawl_dir(path: Path) -> Path:
    """``path`` if it holds a crawl, or a distributed crawl's workers."""
    from tdm_crawler.store import CrawlDir

    try:
        CrawlDir(path).require()
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    return path
