"""A loopback origin that answers from a table and records every request it receives.

For the tests that must see what the crawler *sends* (which paths, which headers, which
cookies), where the fixture server only counts paths: each :class:`RecordingServer` is
one origin (``http://127.0.0.1:PORT``), its ``routes`` map a path to ``(status, headers,
body)`` (anything else is a 404) and may be filled after it started, so that two
servers can point at each other; ``requests`` lists what arrived, in order.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

#: ``(status, headers, body)`` of one path.
Route = tuple[int, Sequence[tuple[str, str]], bytes]


@dataclass(frozen=True, slots=True)
class Received:
    """One request as it arrived: method, path with query, headers (names lower-case)."""

    method: str
    path: str
    headers: dict[str, list[str]]

    def header(self, name: str) -> list[str]:
        return self.headers.get(name.lower(), [])


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, send_body: bool) -> None:
        headers: dict[str, list[str]] = {}
        for name, value in self.headers.items():
            headers.setdefault(name.lower(), []).append(value)
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(Received(self.command, self.path, headers))
        status, extra, body = owner.routes.get(self.path, (404, (), b"not here\n"))
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(True)

    def do_HEAD(self) -> None:
        self._answer(False)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the requests are recorded, not logged."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: RecordingServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class RecordingServer:
    """One recording origin; use it as a context manager."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.origin + path

    def paths(self) -> list[str]:
        """The paths requested, in order."""
        with self.lock:
            return [request.path for request in self.requests]

    def received(self, path: str) -> list[Received]:
        with self.lock:
            return [request for request in self.requests if request.path == path]

    def __enter__(self) -> RecordingServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def html(body: str) -> Route:
    """A 200 HTML page."""
    page = f"<html><head><title>t</title></head><body>{body}</body></html>"
    return 200, (("Content-Type", "text/html; charset=utf-8"),), page.encode()
