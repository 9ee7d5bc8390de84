"""Every writer of the crawl directory fails closed on a symbolic link (dangling or live)
or a file that is not a regular one, and leaves the link and its target as they were."""

from __future__ import annotations

import os
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tdm_crawler.exceptions import UnsafeOutput
from tdm_crawler.report.datasheet import write_datasheet
from tdm_crawler.store import DecisionLog, HttpExchange, WarcWriter, write_manifest
from tdm_crawler.store.repair import repair_warc
from tdm_crawler.store.safe_open import (
    copy_new,
    make_dir,
    move_into_place,
    open_append,
    open_existing,
    open_new,
    open_truncate,
    write_atomically,
)
from tdm_crawler.store.warcread import ExchangeCopier
from tests.filetree import snapshot

T0 = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A directory beside the output, holding a file a link may point to."""
    place = tmp_path / "outside"
    place.mkdir()
    (place / "secret.txt").write_bytes(b"the user's own bytes\n")
    return place


@pytest.fixture
def out(tmp_path: Path) -> Path:
    place = tmp_path / "out"
    place.mkdir()
    return place


def _links(out: Path, outside: Path, name: str) -> list[Path]:
    """``out/name`` as a dangling link (to a file that does not exist) and as a live one."""
    dangling = out / f"dangling-{name}"
    live = out / f"live-{name}"
    dangling.symlink_to(outside / "created-through-the-link")
    live.symlink_to(outside / "secret.txt")
    return [dangling, live]


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda p: open_new(p).close(), id="open_new"),
        pytest.param(lambda p: open_truncate(p).close(), id="open_truncate"),
        pytest.param(lambda p: open_append(p).close(), id="open_append"),
        pytest.param(lambda p: write_atomically(p, "x"), id="write_atomically"),
        pytest.param(lambda p: DecisionLog(p).close(), id="DecisionLog"),
        pytest.param(lambda p: write_manifest(p, {"crawl_id": "x"}), id="write_manifest"),
        pytest.param(lambda p: write_datasheet(p, "# x\n"), id="write_datasheet"),
    ],
)
def test_no_writer_follows_a_link(out: Path, outside: Path, write: object) -> None:
    before = snapshot(outside)
    for link in _links(out, outside, "file"):
        expected = snapshot(out.parent)
        with pytest.raises(UnsafeOutput, match="symbolic link"):
            write(link)  # type: ignore[operator]
        assert snapshot(out.parent) == expected, "link and target unchanged, nothing created"
    assert snapshot(outside) == before


def test_an_existing_file_is_opened_in_place_only_when_regular(out: Path, outside: Path) -> None:
    for link in _links(out, outside, "warc"):
        with pytest.raises(UnsafeOutput):
            open_existing(link)
    assert (outside / "secret.txt").read_bytes() == b"the user's own bytes\n"
    regular = out / "file"
    regular.write_bytes(b"abc")
    with open_existing(regular) as handle:
        handle.truncate(1)
    assert regular.read_bytes() == b"a"


def test_a_fifo_fails_at_once_instead_of_waiting_for_a_reader(out: Path) -> None:
    fifo = out / "decisions.jsonl"
    os.mkfifo(fifo)
    for write in (open_append, open_truncate, open_existing, lambda p: DecisionLog(p)):
        with pytest.raises(UnsafeOutput, match="not a regular file"):
            write(fifo)
    with pytest.raises(UnsafeOutput, match="not a regular file"):
        write_atomically(fifo, "x")


def test_a_new_file_never_replaces_one(out: Path) -> None:
    (out / "taken").write_bytes(b"mine")
    with pytest.raises(FileExistsError):
        open_new(out / "taken")
    assert (out / "taken").read_bytes() == b"mine"
    with open_new(out / "fresh", text=True) as handle:
        handle.write("ok\n")
    assert handle.name == str(out / "fresh")  # what a command prints as the file written
    copy_new(out / "fresh", out / "copy")
    assert (out / "copy").read_text() == "ok\n"


def test_the_layout_directories_must_be_real_ones(out: Path, outside: Path) -> None:
    (out / "content").symlink_to(outside)
    (out / "evidence").symlink_to(outside / "missing-dir")
    (out / "workers").write_bytes(b"")
    for name, why in (("content", "symbolic link"), ("evidence", "symbolic link")):
        with pytest.raises(UnsafeOutput, match=why):
            make_dir(out / name)
    with pytest.raises(UnsafeOutput, match="not a directory"):
        make_dir(out / "workers")
    assert not (outside / "missing-dir").exists()
    assert make_dir(out / "a" / "b") == out / "a" / "b"


def test_the_warc_writer_refuses_a_linked_directory_and_linked_names(
    out: Path, outside: Path
) -> None:
    (out / "content").symlink_to(outside)
    record = HttpExchange(
        url="https://example.org/", request_headers=[], status=200, response_headers=[],
        body=b"x", ip_address=None, fetched_at=T0,
    )  # fmt: skip
    writer = WarcWriter(out / "content", "content", crawl_id="c", software="t")
    with pytest.raises(UnsafeOutput):
        writer.write_exchange(record)
    writer.close()
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]


def test_a_staged_rename_never_replaces_a_link(out: Path, outside: Path) -> None:
    source = out / "page.html"
    source.write_text("<html></html>")
    for link in _links(out, outside, "report.html"):
        with pytest.raises(UnsafeOutput):
            move_into_place(source, link)
        assert link.is_symlink()
    assert source.exists(), "the source stays where it was when the move is refused"
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []
    move_into_place(source, out / "report.html", mode=0o644)
    assert (out / "report.html").read_text() == "<html></html>"
    assert (out / "report.html").stat().st_mode & 0o777 == 0o644


def test_repair_and_copies_refuse_links(out: Path, outside: Path, tmp_path: Path) -> None:
    source_dir = tmp_path / "source"
    with WarcWriter(source_dir, "content", crawl_id="c", software="t") as writer:
        stored = writer.write_exchange(
            HttpExchange(
                url="https://example.org/", request_headers=[], status=200,
                response_headers=[], body=b"x", ip_address=None, fetched_at=T0,
            )
        )  # fmt: skip
    (warc,) = source_dir.iterdir()
    linked = out / warc.name
    linked.symlink_to(outside / "secret.txt")
    with pytest.raises(UnsafeOutput):
        repair_warc(linked)
    with closing(ExchangeCopier([warc], out)) as copier, pytest.raises(UnsafeOutput):
        copier.copy(stored.record_id)
    assert (outside / "secret.txt").read_bytes() == b"the user's own bytes\n"
