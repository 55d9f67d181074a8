"""`--max-attempts N` and `--rtsp-transport tcp|udp` on the command line, for network streams."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from tests.capture.servers import MediaServer
from tests.conftest import DEMO, ROOT
from tests.test_cli import launch
from tests.ui.conftest import wait_for


def test_max_attempts_ends_a_stream_that_does_not_come_back(tmp_path):
    """The server goes away a second into the stream: ingest gives up after 2 attempts."""
    with MediaServer(DEMO.parent, rate=60_000) as server:
        argv = ["launch.py", "ingest", server.url(DEMO.name), "--json", "--quiet"]
        run = subprocess.Popen(
            [sys.executable, *argv, "--max-attempts", "2"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            wait_for(lambda: server.requests, 60, "ingest to ask the server for the clip")
            threading.Timer(1.0, server.kill).start()
            t0 = time.monotonic()
            out, err = run.communicate(timeout=120)
        finally:
            run.kill()
    took = time.monotonic() - t0
    assert run.returncode == 0, err[-2000:]
    assert "did not come back after 2 attempts" in err and "Traceback" not in err
    assert took < 1.0 + 0.5 + 1.0 + 10  # two waits (0.5, 1 s), not eight (~27 s)


def test_bad_values_are_a_usage_line_not_a_traceback():
    for command in ("ingest", "ask", "watch", "serve", "app"):
        for flag, value in (("--rtsp-transport", "sctp"), ("--max-attempts", "0")):
            r = launch(command, "rtsp://127.0.0.1:9/cam", flag, value)
            assert r.returncode == 2 and flag in r.stderr, (command, r.stderr[-500:])
            assert "Traceback" not in r.stderr
