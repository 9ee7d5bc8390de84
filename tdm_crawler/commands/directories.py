"""The directories commands are given: an output directory to prepare, a crawl to read.

Every command that writes a crawl (``crawl``, ``worker``, ``demo``, ``recheck``,
``replay --out``, ``purge``) prepares its output here, so none of them can mix two crawls
in one directory, delete a file that is not its own or write through a symbolic link;
every command that reads one (``report``, ``replay``, ``diff``) refuses a directory that
is not a crawl with the same message.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

from tdm_crawler.exceptions import NotACrawl, UnsafeOutput, UsageError

if TYPE_CHECKING:
    from tdm_crawler.store.ownership import Survey

#: Foreign entries a refusal names before "and N more".
_NAMED: Final = 5


def prepare_output(
    out: Path, *, resume: bool, overwrite: bool, flags: Sequence[str] = ("--overwrite",)
) -> None:
    """Make ``out`` ready for a crawl, or refuse with a one-line :class:`UsageError`
    before anything is written.

    ``out`` must be missing, empty, or hold a crawl and nothing else
    (:mod:`tdm_crawler.store.ownership`): a symbolic link or a file the crawl did not
    write, anywhere in it, is refused whatever the flags, so nothing of the user's is
    deleted or written through. A crawl there needs ``resume`` (continue it) or
    ``overwrite``, which deletes exactly the crawl's own files; the refusal offers the
    command's ``flags`` of the two.
    """
    from tdm_crawler.store.ownership import remove_owned, survey

    found = survey(out)
    if found.foreign:
        raise UsageError(_foreign_message(found))
    if resume and not found.has_manifest:
        raise UsageError(f"--resume: {out} holds no crawl to resume; drop --resume")
    if not found.is_empty and not (resume or overwrite):
        names = sorted({found.relative(path).split("/")[0] for path in found.owned})
        offers = {"--resume": "--resume to continue it", "--overwrite": "--overwrite to replace it"}
        what = " or ".join(offers[flag] for flag in flags)
        raise UsageError(
            f"{out} already holds a crawl ({', '.join(names or ['manifest.json'])}); "
            + (f"pass {what}" if what else "choose another --out")
        )
    try:
        if overwrite:
            remove_owned(found)
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"cannot write to {out} ({exc.strerror}); choose another --out") from None


def _foreign_message(found: Survey) -> str:
    """One line naming what is not the crawl's, and what to do."""
    links = [entry for entry in found.foreign if entry.is_link]
    if links:
        named = ", ".join(found.relative(entry.path) for entry in links[:_NAMED])
        more = f" and {len(links) - _NAMED} more" if len(links) > _NAMED else ""
        return (
            f"{found.root} holds symbolic links ({named}{more}); tdm-crawl never writes "
            "through one: remove them or choose another --out"
        )
    named = ", ".join(
        f"{found.relative(entry.path)} ({entry.why})" for entry in found.foreign[:_NAMED]
    )
    more = f" and {len(found.foreign) - _NAMED} more" if len(found.foreign) > _NAMED else ""
    return (
        f"{found.root} holds what no crawl of tdm-crawl wrote there: {named}{more}; it "
        "never deletes or writes among files not its own: move them or choose another --out"
    )


def make_layout_dir(path: Path) -> Path:
    """``path`` made a real directory, not a symbolic link (``workers/`` and a worker's
    directory inside the output), or a one-line usage error."""
    from tdm_crawler.store.safe_open import make_dir

    try:
        return make_dir(path)
    except UnsafeOutput as exc:
        raise UsageError(str(exc)) from None


def empty_output(out: Path, source: Path) -> None:
    """A new directory derived from the crawl ``source``: outside it, and absent or
    empty — what purge writes is an answer to a rightsholder, and must not be mixed
    with anything else, not even a file of another name. Created here."""
    if out.resolve() == source.resolve() or source.resolve() in out.resolve().parents:
        raise UsageError("--out must be a new directory outside DIR: DIR is never modified")
    if out.exists() and not (out.is_dir() and not any(out.iterdir())):
        raise UsageError(f"{out} exists and is not an empty directory; give a new --out")
    prepare_output(out, resume=False, overwrite=False, flags=())


def crawl_dir(path: Path) -> Path:
    """``path`` if it holds a crawl, or a distributed crawl's workers."""
    from tdm_crawler.store import CrawlDir

    try:
        CrawlDir(path).require()
    except NotACrawl as exc:
        raise UsageError(str(exc)) from None
    return path
