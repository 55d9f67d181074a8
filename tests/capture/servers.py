"""A local HTTP server for network-stream tests: Range requests, a bandwidth cap,
a stall after so many bytes, and a kill that drops every open connection.

    with MediaServer(folder, rate=200_000) as server:
        url = server.url("clip.mp4")
        ...
        server.kill()      # every connection is cut, new ones are refused
        server.revive()    # the same port serves again

Only ever bound to 127.0.0.1.
"""

from __future__ import annotations

import http.server
import os
import re
import socket
import threading
import time
from pathlib import Path

CHUNK = 16 * 1024  # bytes written at a time (the bandwidth cap sleeps between chunks)
RANGE_RE = re.compile(r"bytes=(\d+)-(\d*)")
TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/mp2t", ".mp4": "video/mp4"}


class MediaServer:
    """Serves one folder on 127.0.0.1; `kill` and `revive` take it down and back up."""

    def __init__(
        self,
        root: Path,
        *,
        rate: float | None = None,
        stall_after: int | None = None,
        live: bool = False,
    ) -> None:
        self.root = Path(root)
        self.rate = rate  # bytes per second per connection; None: as fast as it goes
        self.stall_after = stall_after  # bytes of a response after which it sends nothing more
        self.live = live  # no length, no ranges: a body that ends when the connection closes
        self.alive = threading.Event()
        self.requests: list[str] = []  # "GET /clip.mp4 bytes=0-" per request served
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def __enter__(self) -> MediaServer:
        self.revive()
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def revive(self) -> None:
        """Listen (again, on the same port once it has one)."""
        handler = _handler(self)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self.alive.set()
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def kill(self) -> None:
        """Stop listening and cut every open connection, as a crashed server would."""
        self.alive.clear()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            for conn in self._conns:
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._conns.clear()

    def _track(self, conn: socket.socket, on: bool) -> None:
        with self._lock:
            (self._conns.add if on else self._conns.discard)(conn)


def _handler(owner: MediaServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def setup(self) -> None:
            super().setup()
            owner._track(self.connection, True)

        def finish(self) -> None:
            owner._track(self.connection, False)
            try:
                super().finish()
            except OSError:
                pass

        def do_GET(self) -> None:
            path = owner.root / self.path.lstrip("/").split("?")[0]
            if not path.is_file():
                self.send_error(404)
                return
            size = os.path.getsize(path)
            start, end = 0, size - 1
            m = None if owner.live else RANGE_RE.fullmatch(self.headers.get("Range", ""))
            owner.requests.append(f"GET {self.path} {self.headers.get('Range', '')}".strip())
            if m:
                start = int(m.group(1))
                end = min(size - 1, int(m.group(2))) if m.group(2) else size - 1
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
            else:
                self.send_response(200)
            self.send_header("Content-Type", TYPES.get(path.suffix, "application/octet-stream"))
            if owner.live:  # like a live MPEG-TS feed: read until the server closes
                self.send_header("Connection", "close")
                self.close_connection = True
            else:
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(end - start + 1))
            self.end_headers()
            self._send(path, start, end + 1)

        def _send(self, path: Path, start: int, stop: int) -> None:
            sent = 0
            with open(path, "rb") as f:
                f.seek(start)
                while start + sent < stop and owner.alive.is_set():
                    if owner.stall_after is not None and start + sent >= owner.stall_after:
                        time.sleep(0.1)  # hold the connection open, send nothing
                        continue
                    limit = stop - start - sent
                    if owner.stall_after is not None:
                        limit = min(limit, owner.stall_after - start - sent)
                    data = f.read(min(CHUNK, limit))
                    try:
                        self.wfile.write(data)
                    except OSError:
                        return
                    sent += len(data)
                    if owner.rate:
                        time.sleep(len(data) / owner.rate)

    return Handler
