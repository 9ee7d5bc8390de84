"""What a directory tree holds, links not followed: to prove a command changed nothing."""

from __future__ import annotations

import os
from pathlib import Path

#: (kind, content): ("file", its bytes), ("link", its target), ("dir", b""), ("other", b"").
Entry = tuple[str, bytes]


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry under ``root`` by relative path, without following any link."""
    found: dict[str, Entry] = {}
    for directory, dirs, files in os.walk(root, followlinks=False):
        for name in [*dirs, *files]:
            path = Path(directory, name)
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = ("link", os.readlink(path).encode())
            elif path.is_dir():
                found[key] = ("dir", b"")
            elif path.is_file():
                found[key] = ("file", path.read_bytes())
            else:
                found[key] = ("other", b"")
    return found
