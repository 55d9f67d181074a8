"""A killed app loses only its last few seconds: the next start offers the autosave."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client

from streamer.manifest import list_saved
from tests.conftest import DEMO, ROOT
from tests.ui.conftest import GATE_QUESTION, GATE_TEXT, free_port, wait_for
from ui.controller import AppController
from ui.saved import saved_label

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


def _app(port: int, sessions: Path, source: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    return subprocess.Popen(
        [
            sys.executable,
            "launch.py",
            "app",
            "--port",
            str(port),
            "--no-browser",
            "--source",
            source,
            "--sessions-dir",
            str(sessions),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _client(url: str, downloads: Path) -> Client | None:
    try:
        return Client(url, verbose=False, download_files=str(downloads))
    except Exception:  # noqa: BLE001 - not serving yet
        return None


def _autosaved_past(sessions: Path, t: float) -> bool:
    return any(s.manifest.stream_time > t for s in list_saved(sessions))


def test_a_killed_app_is_recovered_from_its_autosave(tmp_path):
    sessions = tmp_path / "sessions"
    app = _app(free_port(), sessions, str(DEMO))
    try:
        wait_for(lambda: _autosaved_past(sessions, 7.0), 150, "an autosave past the gate sign")
        app.send_signal(signal.SIGKILL)  # no exit handler runs: only the autosave is left
        app.wait(30)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)
    offered = AppController(sessions).saved_sessions()  # what the next start lists
    assert offered and offered[0].name.startswith("autosave-demo-")
    assert saved_label(offered[0]).startswith("recovered autosave: ")

    port = free_port()
    again = _app(port, sessions, "none")
    try:
        url = f"http://127.0.0.1:{port}/"
        client = wait_for(lambda: _client(url, tmp_path / "downloads"), 120, "the app to serve")
        assert isinstance(client, Client)
        notice = client.predict(offered[0].name, api_name="/reopen")
        assert "Reopened" in str(notice), notice
        chat, _, _, notice = client.predict(GATE_QUESTION, [], api_name="/ask")
        assert GATE_TEXT in str(chat) and "0:03" in str(chat), chat
    finally:
        again.send_signal(signal.SIGTERM)
        try:
            again.wait(60)
        except subprocess.TimeoutExpired:
            again.kill()
            again.wait(10)
