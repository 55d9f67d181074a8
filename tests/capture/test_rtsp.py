"""An RTSP camera feed whose server restarts: the stream comes back over TCP, its time
running on across the counted gap (Debian's GStreamer RTSP server on 127.0.0.1)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from streamer.capture import FileConfig, FileSource
from tests.capture.test_network import take_for
from tests.conftest import DEMO

SERVER = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, which has `gi` (the venv has not)
HAS_SERVER = "import gi; gi.require_version('GstRtspServer', '1.0')"


class RtspServer:
    """tests/capture/rtsp_server.py in a subprocess, started and killed at will."""

    def __init__(self, path: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.path = path
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/clip"

    def start(self) -> None:
        command = [SYSTEM_PYTHON, str(SERVER), str(self.port), str(self.path)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None and self.process.stdout.readline() == "ready\n"

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def rtsp() -> Iterator[RtspServer]:
    found = subprocess.run([SYSTEM_PYTHON, "-c", HAS_SERVER], capture_output=True)
    assert found.returncode == 0, "install gir1.2-gst-rtsp-server-1.0 (make test installs it)"
    server = RtspServer(DEMO)
    server.start()
    yield server
    server.kill()


def test_an_rtsp_feed_comes_back_after_its_server_restarts(rtsp):
    src = FileSource(FileConfig(rtsp.url, audio=False))
    assert src._target.options["rtsp_transport"] == "tcp"

    def restart() -> None:
        time.sleep(3.0)
        rtsp.kill()
        time.sleep(2.0)
        rtsp.start()

    restarting = threading.Thread(target=restart, daemon=True)
    restarting.start()
    frames = take_for(src.start(), 13.0)
    restarting.join(20)
    times = [f.t for f in frames]
    steps = np.diff(times)
    assert (steps > 0).all()
    stats = src.stats()
    assert src.duration is None and stats.reconnects == 1 and 2.0 < stats.gap_seconds < 10.0
    jumps = np.nonzero(steps > 1.0)[0]
    assert len(jumps) == 1 and steps[jumps[0]] == pytest.approx(stats.gap_seconds, abs=0.5)
    assert times[0] < 0.5 and len(frames) - int(jumps[0]) > 10  # from its start, and on after
