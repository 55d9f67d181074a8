"""The app keeps its temp files in a private folder that is gone when it stops."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gradio_client import Client

from tests.conftest import DEMO, ROOT
from tests.ui.conftest import GATE_QUESTION, GATE_TEXT, free_port, wait_for
from ui.tempdir import folder_name

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _client(url: str, downloads: Path) -> Client | None:
    try:
        return Client(url, verbose=False, download_files=str(downloads))
    except Exception:  # noqa: BLE001 - not serving yet
        return None


def test_app_temp_files_are_private_and_removed_at_exit(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    stale, kept = tmp / folder_name(_dead_pid()), tmp / folder_name(os.getpid())
    for folder in (stale, kept):
        (folder / "gradio").mkdir(parents=True)
        (folder / "gradio" / "frame.jpeg").write_bytes(b"old")
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp), "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("GRADIO_TEMP_DIR", None)
    app = subprocess.Popen(
        [
            sys.executable,
            "launch.py",
            "app",
            "--port",
            str(port),
            "--no-browser",
            "--source",
            str(DEMO),
            "--speed",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        client = wait_for(lambda: _client(url, tmp_path / "downloads"), 120, "the app to serve")
        assert isinstance(client, Client)
        private = tmp / folder_name(app.pid)
        assert stat.S_IMODE(private.stat().st_mode) == 0o700
        assert not stale.exists() and kept.exists()  # only a dead app's folder is swept
        wait_for(lambda: client.predict(api_name="/status")["stream_time"] > 7, 90, "7 s")
        # the stream clock counts audio too: wait until the sign has also been read
        wait_for(lambda: GATE_TEXT in client.predict("gate", api_name="/timeline"), 90, "the sign")
        chat, _, gallery, notice = client.predict(GATE_QUESTION, [], api_name="/ask")
        assert gallery and notice == ""
        served = list((private / "gradio").rglob("*.jpeg"))
        assert served, sorted(str(p) for p in private.rglob("*"))  # evidence lives inside it
        assert sorted(p.name for p in tmp.iterdir()) == sorted([kept.name, private.name])
        app.send_signal(signal.SIGTERM)  # as a session manager stops it
        app.wait(60)  # (a native thread can abort the interpreter at exit: status unchecked)
        assert not private.exists()
    finally:
        if app.poll() is None:
            app.kill()
            app.wait(10)


def test_folders_of_killed_apps_are_removed_even_unreaped_or_under_a_reused_pid(tmp_path):
    from ui.tempdir import remove_stale

    zombie = subprocess.Popen([sys.executable, "-c", "pass"])  # exits; not waited for yet
    wait_for(
        lambda: Path(f"/proc/{zombie.pid}/stat").read_text().split(") ")[1][0] == "Z",
        30,
        "the child to exit",
    )
    later = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        old, reused = tmp_path / folder_name(zombie.pid), tmp_path / folder_name(later.pid)
        mine, alive = tmp_path / folder_name(os.getpid()), tmp_path / folder_name(os.getppid())
        for folder in (old, reused, mine, alive):
            (folder / "gradio").mkdir(parents=True)
        hour_ago = time.time() - 3600
        os.utime(reused, (hour_ago, hour_ago))  # made long before its pid's process started
        assert sorted(remove_stale(tmp_path)) == sorted([old, reused])
        assert mine.exists() and alive.exists()
    finally:
        later.kill()
        later.wait(10)
        zombie.wait(10)
