"""Real receivers for alert deliveries, on this machine: Mosquitto, an HTTP server, an MQTT client.

The notification tests and `bench alerts` use them; none is a mock: the broker is
Debian's `mosquitto`, the receiver Python's own http.server.

    with Broker() as port: ...                  # mosquitto on a free port
    receiver = Receiver().start(); receiver.wait_for(3); receiver.stop()
    sub = Subscriber(port, "streamer/#"); ...; sub.close()
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

MOSQUITTO = "/usr/sbin/mosquitto"  # Debian's mosquitto package
KEEPALIVE_S = 600  # the subscriber's MQTT keepalive


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port}")


class Broker:
    """Mosquitto on a free local port, anonymous, without persistence, for as long as it is held."""

    def __init__(self) -> None:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="streamer-mosquitto-")
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> int:
        conf = Path(self._dir.name) / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self._proc = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
        wait_for_port(self.port)
        return self.port

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(5)
        self._dir.cleanup()


@dataclass(frozen=True)
class Received:
    at: float  # time.time() it arrived
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on `port` recording every POST and PUT; answers `status` (200)."""

    def __init__(self, port: int | None = None, status: int = 200) -> None:
        self.port = port or free_port()
        self.status = status
        self.got: list[Received] = []
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                got = Received(time.time(), self.command, self.path, dict(self.headers), body)
                receiver.got.append(got)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT = _any

            def log_message(self, *args: object) -> None:
                pass  # the benchmark's and the tests' output stay clean

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, n: int, timeout: float = 15.0) -> list[Received]:
        end = time.monotonic() + timeout
        while len(self.got) < n and time.monotonic() < end:
            time.sleep(0.05)
        return list(self.got)


class Subscriber:
    """A paho client recording (arrival time, topic, payload, retained) of what it is sent."""

    def __init__(self, port: int, *topics: str) -> None:
        from paho.mqtt.client import Client
        from paho.mqtt.enums import CallbackAPIVersion

        self.got: list[tuple[float, str, bytes, bool]] = []
        ready = threading.Event()
        # A session the broker keeps (QoS 1 messages queued while away), subscribed again on
        # each connect, and a long keepalive: a starved client is not cut off and, if it is,
        # loses nothing (a 30-minute bench under load 50+ saw 23 of the 32 alerts that the
        # broker had acknowledged).
        name = f"bench-{os.getpid()}-{port}"
        self.client = Client(CallbackAPIVersion.VERSION2, client_id=name, clean_session=False)
        self.client.on_message = self._message
        self.client.on_connect = lambda c, *a: c.subscribe([(t, 1) for t in topics])
        self.client.on_subscribe = lambda *a: ready.set()
        self.client.connect("127.0.0.1", port, keepalive=KEEPALIVE_S)
        self.client.loop_start()
        if not ready.wait(5):
            raise TimeoutError(f"the broker on port {port} did not take the subscription")

    def _message(self, _c: Any, _u: object, m: Any) -> None:
        self.got.append((time.time(), m.topic, m.payload, bool(m.retain)))

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()
