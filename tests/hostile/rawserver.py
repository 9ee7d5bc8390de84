"""A raw-socket HTTP/1.1 server for transport faults the fixture server cannot produce.

Each *origin* is one listening socket on ``127.0.0.1`` (port chosen by the system) with a
table ``path -> behaviour``; a behaviour writes whatever bytes it likes on the accepted
socket: a normal response, headers and then silence, half a body and a TCP reset, one
byte per second, an endless chunked stream, a decompression bomb, garbage. Anything not
in the table answers ``404``.

Bounded in time by construction: every wait checks a stop event and gives up after
:data:`MAX_BEHAVIOUR_SECONDS`, every socket has a timeout, and :meth:`RawServer.stop`
closes the listeners and joins every thread. Loopback only.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import TracebackType
from urllib.parse import unquote, urlsplit

__all__ = [
    "MAX_BEHAVIOUR_SECONDS",
    "Behaviour",
    "RawServer",
    "bad_chunk",
    "close_at_once",
    "endless_chunked",
    "gzip_bomb",
    "raw_bytes",
    "redirect",
    "reset_mid_body",
    "respond",
    "short_body",
    "stall_after_headers",
    "trickle",
]

#: No behaviour keeps a connection longer than this.
MAX_BEHAVIOUR_SECONDS = 20.0
_REQUEST_HEAD_MAX = 64 * 1024

#: A behaviour: writes an answer on ``conn``; ``stop`` is set when the server shuts down.
Behaviour = Callable[[socket.socket, threading.Event], None]

Headers = Sequence[tuple[str | bytes, str | bytes]]


def _encode(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("latin-1")


def head(status: int, headers: Headers, *, reason: str = "X") -> bytes:
    """Status line and header block, ``Connection: close`` added, as raw bytes."""
    lines = [f"HTTP/1.1 {status} {reason}".encode()]
    lines += [_encode(name) + b": " + _encode(value) for name, value in headers]
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n"


def _wait(stop: threading.Event, seconds: float) -> bool:
    """Sleep ``seconds`` unless the server stops first; True if it stopped."""
    return stop.wait(min(seconds, MAX_BEHAVIOUR_SECONDS))


def _wait_for_close(conn: socket.socket, stop: threading.Event) -> None:
    """Hold the connection open, saying nothing, until the client hangs up (bounded)."""
    deadline = time.monotonic() + MAX_BEHAVIOUR_SECONDS
    conn.settimeout(0.1)
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            if conn.recv(4096) == b"":
                return
        except TimeoutError:
            continue
        except OSError:
            return


def respond(
    status: int = 200, headers: Headers = (), body: bytes = b"", *, length: bool = True
) -> Behaviour:
    """A complete response; ``Content-Length`` is added unless ``length`` is False."""
    all_headers = [*headers, ("Content-Length", str(len(body)))] if length else list(headers)

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(status, all_headers) + body)

    return behaviour


def redirect(location: str, status: int = 301) -> Behaviour:
    return respond(status, [("Location", location)])


def raw_bytes(data: bytes) -> Behaviour:
    """Write ``data`` verbatim (e.g. a malformed status line), then close."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)

    return behaviour


def close_at_once() -> Behaviour:
    """Read the request, answer nothing, close: an empty reply."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        return

    return behaviour


def stall_after_headers(headers: Headers, content_length: int = 4096) -> Behaviour:
    """Send the status line and headers promising a body, then never send it."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Content-Length", str(content_length))]))
        _wait_for_close(conn, stop)

    return behaviour


def reset_mid_body(headers: Headers, body: bytes) -> Behaviour:
    """Announce ``body``, send its first half, then abort the connection (TCP RST)."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Content-Length", str(len(body)))]))
        conn.sendall(body[: len(body) // 2])
        _wait(stop, 0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return behaviour


def short_body(headers: Headers, body: bytes, declared: int) -> Behaviour:
    """Declare ``declared`` bytes, send only ``body`` (fewer), close normally."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Content-Length", str(declared))]) + body)

    return behaviour


def trickle(headers: Headers, body: bytes, bytes_per_second: float = 1.0) -> Behaviour:
    """Send headers at once, then the body one byte at a time at ``bytes_per_second``."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Content-Length", str(len(body)))]))
        deadline = time.monotonic() + MAX_BEHAVIOUR_SECONDS
        for index in range(len(body)):
            if _wait(stop, 1.0 / bytes_per_second) or time.monotonic() > deadline:
                return
            conn.sendall(body[index : index + 1])

    return behaviour


def endless_chunked(headers: Headers, chunk: bytes) -> Behaviour:
    """A chunked body that never ends: ``chunk`` again and again until the client leaves."""
    frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Transfer-Encoding", "chunked")]))
        deadline = time.monotonic() + MAX_BEHAVIOUR_SECONDS
        while not stop.is_set() and time.monotonic() < deadline:
            conn.sendall(frame)

    return behaviour


def bad_chunk(headers: Headers, first: bytes) -> Behaviour:
    """A chunked body whose second chunk size is not hexadecimal."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head(200, [*headers, ("Transfer-Encoding", "chunked")]))
        conn.sendall(f"{len(first):x}\r\n".encode() + first + b"\r\nZZZZ\r\nxx\r\n0\r\n\r\n")

    return behaviour


def gzip_bomb(
    headers: Headers, prefix: bytes, inflated_size: int, *, layers: int = 1, fill: bytes = b" "
) -> Behaviour:
    """A small gzip body (``Content-Encoding: gzip``) inflating to ``inflated_size`` bytes:
    ``prefix`` followed by ``fill`` repeated; ``layers`` > 1 gzips it again each time."""
    body = bomb_bytes(prefix, inflated_size, fill=fill)
    for _ in range(layers - 1):
        body = gzip.compress(body, compresslevel=9, mtime=0)
    encodings = ", ".join(["gzip"] * layers)
    return respond(200, [*headers, ("Content-Encoding", encodings)], body)


def bomb_bytes(prefix: bytes, inflated_size: int, *, fill: bytes = b" ") -> bytes:
    """gzip of ``prefix`` + ``fill``-padding up to ``inflated_size``, built in chunks."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip container
    out = [compressor.compress(prefix)]
    block = (fill * (1024 * 1024 // len(fill) + 1))[: 1024 * 1024]
    left = inflated_size - len(prefix)
    while left > 0:
        out.append(compressor.compress(block[: min(left, len(block))]))
        left -= len(block)
    out.append(compressor.flush())
    return b"".join(out)


class _Origin:
    def __init__(self, server: RawServer, name: str, routes: Mapping[str, Behaviour]) -> None:
        self.server = server
        self.name = name
        self.routes = dict(routes)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, name=f"raw-{name}", daemon=True)

    def _accept(self) -> None:
        while not self.server.stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.server._track(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5.0)
                target = _read_request_target(conn)
                if target is None:
                    return
                path = unquote(urlsplit(target).path or "/")
                self.server._hit(self.name, path)
                behaviour = self.routes.get(path) or respond(
                    404, [("Content-Type", "text/plain")], b"not found\n"
                )
                conn.settimeout(MAX_BEHAVIOUR_SECONDS)
                behaviour(conn, self.server.stopping)
            except OSError:
                return  # the client went away: that is what most behaviours provoke


def _read_request_target(conn: socket.socket) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
        if len(data) > _REQUEST_HEAD_MAX:
            return None
    parts = data.split(b"\r\n", 1)[0].split()
    return parts[1].decode("latin-1") if len(parts) >= 2 else None


class RawServer:
    """Serves several raw origins; use as a context manager.

    ``sites`` maps an origin name to its routes (``path -> behaviour``).
    """

    def __init__(self, sites: Mapping[str, Mapping[str, Behaviour]]) -> None:
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []
        self._hits: Counter[tuple[str, str]] = Counter()
        self._origins: dict[str, _Origin] = {}
        try:
            for name, routes in sites.items():
                self._origins[name] = _Origin(self, name, routes)
        except BaseException:
            self._close_listeners()
            raise

    def __enter__(self) -> RawServer:
        for origin in self._origins.values():
            origin.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        for origin in self._origins.values():
            if origin.thread.is_alive():
                origin.thread.join(timeout=5)
        self._close_listeners()
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            worker.join(timeout=MAX_BEHAVIOUR_SECONDS)

    def _close_listeners(self) -> None:
        for origin in self._origins.values():
            origin.listener.close()

    def _track(self, worker: threading.Thread) -> None:
        with self._lock:
            self._workers = [w for w in self._workers if w.is_alive()]
            self._workers.append(worker)

    def _hit(self, name: str, path: str) -> None:
        with self._lock:
            self._hits[(name, path)] += 1

    @property
    def names(self) -> list[str]:
        return list(self._origins)

    def origin(self, name: str) -> str:
        return f"http://127.0.0.1:{self._origins[name].port}"

    def url(self, name: str, path: str) -> str:
        return self.origin(name) + path

    def hits(self, name: str, path: str) -> int:
        with self._lock:
            return self._hits[(name, path)]

    def urls(self, pairs: Iterable[tuple[str, str]]) -> list[str]:
        return [self.url(name, path) for name, path in pairs]
