"""Nothing of the user's is deleted or written through: the output directory rules of
every command that writes one (crawl, worker, demo, recheck, replay --out, report).

A directory is written into only when it is missing, empty, or holds a crawl and nothing
else; ``--overwrite`` deletes exactly the crawl's own files. Each refusal is one line,
exit status 2, and leaves every file under the test's directory byte-identical (links
included: neither they nor their targets change, nothing is created through them).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import pytest_twisted

from fixtures.server import FixtureServer
from tdm_crawler.cli import main
from tdm_crawler.commands.directories import prepare_output
from tdm_crawler.commands.distributed import worker_dir
from tdm_crawler.exceptions import UsageError
from tdm_crawler.store import CrawlDir, read_manifest
from tests.crawling import crawl, tdm_crawl
from tests.filetree import snapshot

SEED = "http://example.invalid/"  # never fetched: every command here refuses first
CONTACT = ["--contact", "mailto:tests@example.org"]  # a public seed needs one
FAST = ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "TDM_POLICY_RETRY_DELAYS=[0.05]"]
USER_BYTES = b"the user's own notes\n"


@pytest_twisted.async_fixture(scope="module")
async def finished(fixture_server: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real finished crawl (content and evidence WARCs, a sealed manifest)."""
    out = tmp_path_factory.mktemp("owned") / "crawl"
    await crawl(fixture_server.seeds(["open", "tdmrep-file"]), out)
    return out


@pytest.fixture
def previous(finished: Path, tmp_path: Path) -> Path:
    """A copy of the finished crawl this test may change."""
    copy = tmp_path / "out"
    shutil.copytree(finished, copy, symlinks=True)
    return copy


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the output holding a file links may point to."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret.txt").write_bytes(USER_BYTES)
    return place


def refused(capsys: pytest.CaptureFixture[str], root: Path, *args: str | Path) -> str:
    """Run a command in-process; assert it refused in one line and changed nothing under
    ``root``; return the line."""
    before = snapshot(root)
    code = main([str(arg) for arg in args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert snapshot(root) == before, "a refused command changed a file"
    return lines[0]


def _put(out: Path, name: str) -> None:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if name.endswith("/"):
        path.mkdir()
        (path / "inside.txt").write_bytes(USER_BYTES)
    else:
        path.write_bytes(USER_BYTES)


# -- a crawl and anything else ---------------------------------------------------------

USER_FILES = [
    "content/notes.txt",
    "content/their-own.warc.gz",
    "evidence/mine.warc.gz",
    "content/sub/",
    "notes.txt",
    "mine/",
    "workers",
    ".hidden",
]


@pytest.mark.e2e
@pytest.mark.parametrize("name", USER_FILES)
@pytest.mark.parametrize("mode", [[], ["--overwrite"], ["--resume"]], ids=["new", "over", "res"])
def test_a_crawl_beside_a_users_file_is_refused_whatever_the_flags(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, mode: list[str]
) -> None:
    _put(previous, name)
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", previous, *mode)
    assert name.rstrip("/") in line and "choose another --out" in line


@pytest.mark.e2e
def test_a_previous_crawl_alone_needs_resume_or_overwrite(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", previous)
    assert "already holds a crawl" in line and "--overwrite" in line


@pytest.mark.e2e
def test_overwrite_of_a_real_crawl_replaces_it(
    fixture_server: FixtureServer, previous: Path, outside: Path
) -> None:
    old = read_manifest(CrawlDir(previous).manifest)
    old_files = set(old["digests"])
    assert any(name.startswith("content/") for name in old_files)
    assert any(name.startswith("evidence/") for name in old_files)
    beside = snapshot(outside)
    seed = fixture_server.url("open", "/")
    result = tdm_crawl(
        "crawl", seed, "--out", str(previous), "--overwrite", "--max-depth", "0",
        "--allow-private-networks", *FAST,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    new = read_manifest(CrawlDir(previous).manifest)
    assert new["crawl_id"] != old["crawl_id"]
    warcs = {name for name in old_files if name.endswith(".warc.gz")}
    assert not {p for p in warcs if (previous / p).exists()}, "the old WARC files are gone"
    assert [json.loads(line)["url"] for line in CrawlDir(previous).decisions.open()] == [seed]
    assert snapshot(outside) == beside


@pytest.mark.e2e
def test_overwrite_removes_exactly_the_crawls_files(previous: Path) -> None:
    """Its manifest's digests, the manifest, report.html, purge.jsonl, a staged manifest
    left by a crash; the layout's directories once empty."""
    crawl_dir = CrawlDir(previous)
    crawl_dir.report.write_text("<html></html>")
    crawl_dir.purge.write_text("")
    (previous / ".manifest.json.k2j3h4.tmp").write_text("{")
    prepare_output(previous, resume=False, overwrite=True)
    assert list(previous.iterdir()) == [], "nothing of the crawl left"


@pytest.mark.e2e
def test_an_interrupted_crawl_owns_the_files_its_writers_named(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Killed before sealing, a manifest lists no digests: the decision log and the WARC
    files named as the writers name them are the crawl's, and only they."""
    crawl_dir = CrawlDir(previous)
    manifest = read_manifest(crawl_dir.manifest)
    crawl_dir.manifest.write_text(json.dumps({**manifest, "digests": {}, "status": "running"}))
    _put(previous, "content/content-1.warc.gz")  # a WARC file no writer of ours named
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", previous, "--overwrite")
    assert "content/content-1.warc.gz" in line
    (previous / "content" / "content-1.warc.gz").unlink()
    prepare_output(previous, resume=False, overwrite=True)
    assert list(previous.iterdir()) == []


@pytest.mark.e2e
def test_a_crawl_file_the_manifest_does_not_list_is_not_the_crawls(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A sealed manifest is exact: a WARC file named like ours but not in its digests (one
    copied in from another crawl) is not deleted."""
    (warc,) = CrawlDir(previous).content_warcs()
    stranger = warc.with_name(warc.name.replace("-00000", "-00007"))
    shutil.copy(warc, stranger)
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", previous, "--overwrite")
    assert stranger.name in line


def test_a_directory_without_a_manifest_must_be_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    for name in ("decisions.jsonl", "content/content-20250101000000000-1-00000.warc.gz"):
        _put(out, name)
    for mode in ([], ["--overwrite"]):
        line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", out, *mode)
        assert "decisions.jsonl" in line and "no crawl of tdm-crawl wrote" in line
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", out, "--resume")
    empty = tmp_path / "empty"
    empty.mkdir()
    prepare_output(empty, resume=False, overwrite=False)
    prepare_output(tmp_path / "missing" / "deeper", resume=False, overwrite=True)
    assert (tmp_path / "missing" / "deeper").is_dir()


def test_an_unreadable_manifest_is_nobodys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _put(out, "manifest.json")
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", out, "--overwrite")
    assert "manifest.json (manifest that cannot be read)" in line


# -- symbolic links --------------------------------------------------------------------

LINK_NAMES = ["decisions.jsonl", "manifest.json", "content/x.warc.gz", "report.html", "content"]


def _link(out: Path, name: str, outside: Path, *, live: bool) -> None:
    path = out / name
    path.parent.mkdir(parents=True, exist_ok=True)
    target = outside / ("secret.txt" if live else "created-through-the-link")
    if name == "content":
        target = outside if live else outside / "no-such-dir"
    path.symlink_to(target)


@pytest.mark.parametrize("name", LINK_NAMES)
@pytest.mark.parametrize("live", [False, True], ids=["dangling", "live"])
def test_a_link_in_a_new_output_is_refused_before_anything_is_written(
    tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str], name: str, live: bool
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _link(out, name, outside, live=live)
    for mode in ([], ["--overwrite"]):
        line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", out, *mode)
        # Without a manifest nothing is the crawl's: a directory is named, not entered.
        top = name.split("/")[0]
        assert top in line and ("symbolic link" in line or top != name)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == USER_BYTES


@pytest.mark.e2e
@pytest.mark.parametrize("name", ["decisions.jsonl", "manifest.json", "evidence/x.warc.gz"])
def test_a_link_among_a_crawls_files_is_refused(
    previous: Path, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = previous / name
    path.unlink(missing_ok=True)
    _link(previous, name, outside, live=True)
    for mode in (["--overwrite"], ["--resume"]):
        assert "symbolic link" in refused(
            capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", previous, *mode
        )


@pytest.mark.e2e
def test_the_output_directory_itself_may_be_a_link(previous: Path, tmp_path: Path) -> None:
    """Pointing --out elsewhere is the user's choice; links inside it are refused."""
    pointer = tmp_path / "pointer"
    pointer.symlink_to(previous)
    prepare_output(pointer, resume=False, overwrite=True)
    assert pointer.is_symlink() and list(previous.iterdir()) == []


def test_a_workers_directory_must_not_be_a_link(tmp_path: Path, outside: Path) -> None:
    top = tmp_path / "top"
    top.mkdir()
    (top / "workers").symlink_to(outside)
    with pytest.raises(UsageError, match="symbolic link"):
        worker_dir(top, "w1", overwrite=False)
    (top / "workers").unlink()
    (top / "workers").mkdir()
    (top / "workers" / "w1").symlink_to(outside)
    with pytest.raises(UsageError, match="symbolic link"):
        worker_dir(top, "w1", overwrite=True)
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


@pytest.mark.e2e
def test_a_distributed_crawl_owns_its_workers_directories(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    top = tmp_path / "top"
    shutil.copytree(previous, top / "workers" / "w1", symlinks=True)
    (top / "workers" / "w2").mkdir()  # a worker that never wrote anything
    (top / "manifest.json").write_text(json.dumps({"crawl_id": "x", "distributed": True}))
    _put(top, "workers/w1/evidence/notes.txt")
    line = refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", top, "--overwrite")
    assert "workers/w1/evidence/notes.txt" in line
    (top / "workers" / "w1" / "evidence" / "notes.txt").unlink()
    _put(top, "workers/stray.txt")
    assert "workers/stray.txt" in refused(capsys, tmp_path, "crawl", SEED, *CONTACT, "--out", top)
    (top / "workers" / "stray.txt").unlink()
    prepare_output(top, resume=False, overwrite=True)
    assert list(top.iterdir()) == []


# -- the other commands ----------------------------------------------------------------

OTHER_COMMANDS: dict[str, Callable[[Path, Path], list[str | Path]]] = {
    "recheck": lambda src, out: ["recheck", src, "--out", out],
    "recheck --overwrite": lambda src, out: ["recheck", src, "--out", out, "--overwrite"],
    "replay --out": lambda src, out: ["replay", src, "--out", out, "--report", out.parent / "r"],
}


@pytest.mark.e2e
@pytest.mark.parametrize("command", OTHER_COMMANDS)
@pytest.mark.parametrize("hazard", ["user-file", "dangling-link", "live-link"])
def test_recheck_and_replay_outputs_follow_the_same_rule(
    previous: Path,
    tmp_path: Path,
    outside: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    hazard: str,
) -> None:
    new = tmp_path / "new"
    new.mkdir()
    if hazard == "user-file":
        _put(new, "notes.txt")
    else:
        _link(new, "purge.jsonl", outside, live=hazard == "live-link")
    line = refused(capsys, tmp_path, *OTHER_COMMANDS[command](previous, new))
    assert ("notes.txt" if hazard == "user-file" else "symbolic link") in line


@pytest.mark.e2e
@pytest.mark.parametrize("option", ["--html", "--csv", "--datasheet"])
@pytest.mark.parametrize("live", [False, True], ids=["dangling", "live"])
def test_report_never_writes_through_a_link(
    previous: Path,
    tmp_path: Path,
    outside: Path,
    capsys: pytest.CaptureFixture[str],
    option: str,
    live: bool,
) -> None:
    target = tmp_path / "elsewhere.out"
    _link(tmp_path, "elsewhere.out", outside, live=live)
    line = refused(capsys, tmp_path, "report", previous, option, target)
    assert "symbolic link" in line
    assert not CrawlDir(previous).report.exists(), "refused before the HTML was written"


@pytest.mark.e2e
def test_report_inside_the_crawl_refuses_a_linked_report_html(
    previous: Path, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _link(previous, "report.html", outside, live=False)
    assert "symbolic link" in refused(capsys, tmp_path, "report", previous)


@pytest.mark.e2e
def test_replay_report_never_writes_through_a_link(
    previous: Path, tmp_path: Path, outside: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "replay.jsonl"
    _link(tmp_path, "replay.jsonl", outside, live=True)
    assert "symbolic link" in refused(capsys, tmp_path, "replay", previous, "--report", report)


@pytest.mark.e2e
def test_what_report_and_replay_write_is_theirs_to_replace(
    previous: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report in the crawl and a corpus derived by replay --out are crawl directories
    that --overwrite may replace entirely."""
    assert main(["report", str(previous)]) == 0
    corpus = tmp_path / "corpus"
    code = main(["replay", str(previous), "--out", str(corpus), "--report", str(tmp_path / "r")])
    capsys.readouterr()
    assert code == 0 and CrawlDir(corpus).manifest.exists()
    for directory in (previous, corpus):
        prepare_output(directory, resume=False, overwrite=True)
        assert list(directory.iterdir()) == []


@pytest.mark.e2e
def test_a_crawl_in_the_way_is_refused_with_the_commands_own_flags(
    previous: Path, finished: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "r.jsonl"
    line = refused(capsys, tmp_path, "replay", finished, "--out", previous, "--report", report)
    assert "already holds a crawl" in line and "choose another --out" in line
    assert "--overwrite" not in line and "--resume" not in line
    line = refused(capsys, tmp_path, "recheck", finished, "--out", previous)
    assert "pass --overwrite to replace it" in line and "--resume" not in line


@pytest.mark.e2e
@pytest.mark.parametrize("hazard", ["user-file", "dangling-link", "live-link"])
def test_purge_writes_only_into_a_new_directory(
    fixture_server: FixtureServer,
    previous: Path,
    tmp_path: Path,
    outside: Path,
    capsys: pytest.CaptureFixture[str],
    hazard: str,
) -> None:
    new = tmp_path / "new"
    new.mkdir()
    if hazard == "user-file":
        _put(new, "notes.txt")
    else:
        _link(new, "complaints.jsonl", outside, live=hazard == "live-link")
    prefix = fixture_server.url("open", "/")
    args = ["purge", previous, "--out", new, "--url-prefix", prefix, "--reason", "asked"]
    assert "--out" in refused(capsys, tmp_path, *args)


@pytest.mark.e2e
def test_a_purged_copy_is_the_crawls_own_to_replace(
    fixture_server: FixtureServer,
    previous: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Its purge list and complaint log included, so --overwrite may replace it whole."""
    purged = tmp_path / "purged"
    prefix = fixture_server.url("open", "/")
    args = ["purge", str(previous), "--out", str(purged), "--url-prefix", prefix]
    assert main([*args, "--reason", "a rightsholder asked"]) == 0
    capsys.readouterr()
    assert CrawlDir(purged).complaints.exists() and CrawlDir(purged).purge.exists()
    prepare_output(purged, resume=False, overwrite=True)
    assert list(purged.iterdir()) == []
