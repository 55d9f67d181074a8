"""`launch.py serve --notify URL`: what is pending at its stop goes out next start."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
import pytest

from streamer.notify import Notifier
from tests.conftest import ROOT
from tests.notify.conftest import Receiver, free_port
from tests.ui.conftest import wait_for

WATCH = "tell me when someone mentions the north entrance"  # said from 8 s in the gate clip


@pytest.mark.timeout(400)
def test_serve_says_how_many_deliveries_are_pending_and_the_next_start_sends_them(
    clip, homes, tmp_path
):
    port, hook = free_port(), free_port()
    url = f"http://127.0.0.1:{hook}/hook"  # nothing listens there while serve runs
    argv = [
        "serve",
        str(clip[0]),
        "--port",
        str(port),
        "--speed",
        "2",
        "--sessions-dir",
        str(tmp_path / "sessions"),
        "--notify",
        url,
        "--notify-wait",
        "1",
    ]
    server = subprocess.Popen(
        [sys.executable, "launch.py", *argv],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(os.environ),
    )
    api = f"http://127.0.0.1:{port}/v1"

    def status() -> dict:
        try:
            return httpx.get(f"{api}/status").json()
        except httpx.TransportError:
            return {}  # not listening yet

    try:
        wait_for(status, 120, "the API")
        assert httpx.post(f"{api}/watches", json={"text": WATCH}).status_code == 201
        wait_for(lambda: status().get("state") == "ended", 300, "the clip's end")
    finally:
        server.send_signal(signal.SIGTERM)
        _, err = server.communicate(timeout=60)
    assert server.returncode == 0, err[-2000:]
    assert "Delivering 1 pending alerts (up to 1 s)" in err and "still pending" in err
    receiver = Receiver(hook).start()
    try:
        notifier = Notifier.for_urls([url])  # the next start: finds the backlog by the URL
        notifier.start()
        (got,) = receiver.wait_for(1)
        assert notifier.close(wait=5.0) == 0
    finally:
        receiver.stop()
    body = json.loads(got.body)
    assert body["watch_text"] == WATCH and "north entrance" in body["sentence"].lower()
