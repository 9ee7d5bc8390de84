"""What ``attribution`` and ``ledger`` share: a crawl that recorded licences, and an
output directory outside it.

Both read a crawl's stored works' ``license`` and ``size`` (record format 2: a crawl
made before them has neither) and write files a publisher ships with the corpus; the
crawl directory is evidence and stays as it is, so they never write into it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tdm_crawler.commands.directories import crawl_dir
from tdm_crawler.exceptions import UsageError

if TYPE_CHECKING:
    from tdm_crawler.store import CrawlDir


def licensed_crawl(path: Path) -> tuple[CrawlDir, dict[str, Any]]:
    """The crawl in ``path`` and its manifest; UsageError when it is no crawl, or was
    recorded before the records said each stored work's licence and size."""
    from tdm_crawler.store import CrawlDir
    from tdm_crawler.store.decisions import record_format

    crawl = CrawlDir(crawl_dir(path))
    manifest = crawl.load_manifest() or {}
    if record_format(manifest) < 2:
        raise UsageError(
            f"{path} was recorded without licences (record format 1, before tdm-crawler "
            "read them); crawl it again to have them"
        )
    return crawl, manifest


def output_dir(out: Path | None, source: Path) -> Path:
    """``out`` (default: the working directory), refused when it is ``source`` or inside
    it: these commands only read the crawl."""
    out = out if out is not None else Path.cwd()
    resolved, root = out.resolve(), source.resolve()
    if resolved == root or root in resolved.parents:
        raise UsageError(
            f"--out {out} is inside the crawl directory {source}, which is only read; "
            "choose a directory outside it"
        )
    return out
