"""Helpers for tests of what web-archive tools make of a crawl: a real pywb, py-wacz.

pywb lives in its own virtual environment, ``.venv-pywb`` at the top of the repository:
pywb 2.10 pins ``redis==2.10.6`` and ``fakeredis<1``, which cannot sit beside the
crawler's ``redis>=5``. :func:`pywb_bin` makes it on first use from
``tests/archive/pywb-requirements.txt`` (``make test`` makes it beforehand with
``python -m tests.archiving``, the same code). ``wacz validate`` (py-wacz) installs
with the test extra into the project's own environment.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from tests.paths import REPO

PYWB_VENV = REPO / ".venv-pywb"
PYWB_REQUIREMENTS = REPO / "tests" / "archive" / "pywb-requirements.txt"
#: The pywb collection every test loads its archives into.
COLLECTION = "crawl"


def pywb_bin() -> Path:
    """The ``bin/`` of the pywb environment, (re)made when the requirements changed."""
    stamp = PYWB_VENV / ".installed"
    wanted = PYWB_REQUIREMENTS.read_text(encoding="utf-8")
    if not stamp.is_file() or stamp.read_text(encoding="utf-8") != wanted:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(PYWB_VENV)], check=True)
        pip = [str(PYWB_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "-r", str(PYWB_REQUIREMENTS)], check=True)
        stamp.write_text(wanted, encoding="utf-8")
    return PYWB_VENV / "bin"


def _pywb_env() -> dict[str, str]:
    """The environment for pywb's commands: nothing of ours on their import path."""
    return {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Wayback:
    """A running pywb: where it listens, and what its collection holds."""

    host: str
    port: int
    root: Path

    def replay(self, timestamp: str, url: str) -> tuple[int, bytes]:
        """(status, body) pywb replays for ``url`` nearest ``timestamp`` in ``id_`` mode
        (the payload as stored, nothing rewritten); redirects are not followed. Sent with a
        browser's Accept-Encoding, so a stored gzip or br body comes back still encoded,
        as received (pywb decodes it for a client that does not accept it)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            path = f"/{COLLECTION}/{timestamp}id_/{url}"
            connection.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def index(self) -> str:
        """The CDXJ index pywb built or took for the collection."""
        indexes = self.root / "collections" / COLLECTION / "indexes"
        return "".join(p.read_text(encoding="utf-8") for p in sorted(indexes.glob("*.cdxj")))


@contextmanager
def wayback(
    root: Path, archives: Sequence[Path], *, unpack_wacz: bool = False
) -> Iterator[Wayback]:
    """pywb's ``wayback`` on a free loopback port, serving a collection made in ``root``
    (``wb-manager init`` and ``add``) of ``archives``: WARC files, or WACZ files with
    ``unpack_wacz`` (whose own CDXJ index pywb then uses). Stopped on exit."""
    bin_dir = pywb_bin()
    env = _pywb_env()
    root.mkdir(parents=True, exist_ok=True)
    manager = [str(bin_dir / "wb-manager")]
    add = [*manager, "add", COLLECTION, *map(str, archives)]
    for command in ([*manager, "init", COLLECTION], add + ["--unpack-wacz"] * unpack_wacz):
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
    port = _free_port()
    log = (root / "wayback.log").open("wb")
    server = subprocess.Popen(
        [str(bin_dir / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"wayback exited: {(root / 'wayback.log').read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield Wayback("127.0.0.1", port, root)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@dataclass(frozen=True)
class Capture:
    """One response record: its URL, capture second (14 digits), payload SHA-256 (raw, as
    received), and where it was stored (``content`` or ``evidence``)."""

    url: str
    timestamp: str
    sha256: str
    kind: str
    record_id: str


def captures(out: Path) -> list[Capture]:
    """Every response record of the crawl directory ``out`` (every worker's too)."""
    found = []
    for kind in ("content", "evidence"):
        for path in sorted(out.glob(f"**/{kind}/*.warc.gz")):
            with path.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type != "response":
                        continue
                    date = record.rec_headers.get_header("WARC-Date")
                    found.append(
                        Capture(
                            url=record.rec_headers.get_header("WARC-Target-URI"),
                            timestamp="".join(c for c in date if c.isdigit())[:14],
                            sha256=hashlib.sha256(record.raw_stream.read()).hexdigest(),
                            kind=kind,
                            record_id=record.rec_headers.get_header("WARC-Record-ID"),
                        )
                    )
    return found


def expected_payloads(found: Sequence[Capture]) -> dict[tuple[str, str], set[str]]:
    """(url, second) -> the payload digests a player may serve for it: every response for
    that URL captured in that second (a robots.txt fetched twice within it, a policy
    file also stored as a page)."""
    payloads: dict[tuple[str, str], set[str]] = {}
    for capture in found:
        payloads.setdefault((capture.url, capture.timestamp), set()).add(capture.sha256)
    return payloads


def robots_urls(found: Sequence[Capture]) -> set[str]:
    """The robots.txt URL of every origin the evidence holds one for."""
    return {c.url for c in found if c.kind == "evidence" and urlsplit(c.url).path == "/robots.txt"}


def wacz_validate(path: Path) -> subprocess.CompletedProcess[str]:
    """py-wacz's ``wacz validate -f FILE``, the reference check of a WACZ package."""
    wacz = shutil.which("wacz", path=str(Path(sys.executable).parent)) or "wacz"
    return subprocess.run([wacz, "validate", "-f", str(path)], capture_output=True, text=True)


def unzip(path: Path, dest: Path) -> Path:
    """Unpack a ZIP file (ours, names checked by the test that made it) into ``dest``."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert not name.startswith("/") and ".." not in name.split("/"), name
        archive.extractall(dest)
    return dest


def zip_entries(path: Path) -> dict[str, bytes]:
    """Every entry of a ZIP file, by name, in order."""
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def write_zip(path: Path, entries: dict[str, bytes]) -> None:
    """A ZIP file of ``entries``, WARCs and gzip files stored, the rest deflated (as a
    WACZ is written)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            stored = name.endswith(".gz")
            archive.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())


def relisted(entries: dict[str, bytes]) -> dict[str, bytes]:
    """``entries`` of a WACZ with datapackage.json listing exactly the other entries, and
    datapackage-digest.json its digest: a package changed so that only the crawl's own
    checks can tell."""
    generated = ("datapackage.json", "datapackage-digest.json")
    package = json.loads(entries["datapackage.json"])
    package["resources"] = [
        {"name": name.lower(), "path": name, "type": "file",
         "hash": f"sha256:{hashlib.sha256(data).hexdigest()}", "bytes": len(data)}
        for name, data in entries.items() if name not in generated
    ]  # fmt: skip
    datapackage = json.dumps(package).encode()
    digest = {
        "path": "datapackage.json",
        "hash": f"sha256:{hashlib.sha256(datapackage).hexdigest()}",
    }
    return {
        **{name: data for name, data in entries.items() if name not in generated},
        "datapackage.json": datapackage,
        "datapackage-digest.json": json.dumps(digest).encode(),
    }


if __name__ == "__main__":  # `make test` prepares the pywb environment this way
    print(pywb_bin())
