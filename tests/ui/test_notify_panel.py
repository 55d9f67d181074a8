"""The Watches tab's channels: a URL added in the page gets the playing session's alerts."""

from __future__ import annotations

import base64
import hmac
import json
import stat

import pytest

from streamer.notify.config import config_path
from streamer.notify.web import SIGNATURE, signature
from tests.notify.conftest import Receiver
from tests.ui.conftest import wait_for
from ui.controller import StartRequest
from ui.notify_panel import NO_CHANNELS, render_channels

pytestmark = [pytest.mark.timeout(240)]
PASSWORD = "pw-hunter2"
SECRET = "s3cret-for-hmac"


def test_a_channel_added_in_the_page_gets_the_alerts_with_its_login_kept_private(
    make_controller, clip, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    app = make_controller()
    assert render_channels(app.watching.notify_stats()) == NO_CHANNELS
    app.watching.watch("tell me when the sign says gate 7")
    receiver = Receiver().start()
    try:
        said = app.watching.notify_add(
            f"http://cam:{PASSWORD}@127.0.0.1:{receiver.port}/hook", SECRET
        )
        assert said == f"Alerts go to http://127.0.0.1:{receiver.port}/hook from now on."
        app.start(StartRequest(str(clip[0]), "gate clip", speed=2.0))
        (r,) = receiver.wait_for(1, timeout=60)
        wait_for(lambda: app.watching.notify_stats()[0].delivered == 1, 10, "the acknowledgement")
    finally:
        receiver.stop()
    body = json.loads(r.body)
    assert "gate 7" in body["watch_text"] and body["kind"] == "ocr"
    assert hmac.compare_digest(r.headers[SIGNATURE], signature(SECRET, r.body))
    assert (
        r.headers["Authorization"]
        == "Basic " + base64.b64encode(f"cam:{PASSWORD}".encode()).decode()
    )
    table = render_channels(app.watching.notify_stats())
    assert "<td>webhook</td>" in table and "<td>1</td><td>0</td>" in table  # delivered, pending
    assert PASSWORD not in table and SECRET not in table
    assert stat.S_IMODE(config_path().stat().st_mode) == 0o600
    assert PASSWORD in config_path().read_text() and SECRET in config_path().read_text()
    app.stop()
    saved = [p for p in app.sessions_dir.rglob("*") if p.is_file()]
    assert saved and not any(
        PASSWORD.encode() in p.read_bytes() or SECRET.encode() in p.read_bytes() for p in saved
    )
