"""A Start that fails leaves nothing behind: no autosave, no "recovered autosave" in the list."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator

import pytest

from streamer.errors import StreamerError
from streamer.manifest import list_saved
from tests.ui.conftest import stream_time, wait_for
from ui.controller import DEMO_CLIP, StartRequest
from ui.saved import saved_label

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def server(tmp_path) -> Iterator[str]:
    """A local web server over an empty folder: every video URL is a 404."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        thread.join(10)


def test_failed_starts_leave_no_autosave(make_controller, tmp_path, server):
    app = make_controller()
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    for source in ("/etc/passwd", str(text), f"{server}/missing.mp4", "/no/such/file.mp4"):
        try:
            app.start(StartRequest(source, source))
            wait_for(lambda: app.live().state in ("error", "ended"), 60, f"{source} to fail")
        except StreamerError:
            pass  # refused at once: as good
    app.start(StartRequest(str(DEMO_CLIP), "demo clip", speed=4.0))
    wait_for(lambda: stream_time(app) > 1.0, 60, "the demo to play")
    app.save("kept")
    app.close()  # the demo's last autosave
    names = {s.name for s in list_saved(app.sessions_dir)}
    assert len(names) == 2 and "kept" in names, names
    assert all(n == "kept" or n.startswith("autosave-demo-") for n in names), names
    folders = {p.name for p in app.sessions_dir.iterdir()}
    assert folders == names  # no empty folder of a failed start either
    assert not any("recovered" in saved_label(s, app.autosaves) for s in app.saved_sessions())


def test_an_autosave_another_live_app_writes_is_not_recovered(make_controller):
    app = make_controller()
    app.start(StartRequest(str(DEMO_CLIP), "demo clip", speed=4.0))
    wait_for(lambda: list_saved(app.sessions_dir), 60, "the demo's first autosave")
    other = make_controller()  # a second app on the same sessions folder
    other.sessions_dir = app.sessions_dir
    labels = [saved_label(s, other.autosaves) for s in other.saved_sessions()]
    assert labels and labels[0].startswith("autosaving now: "), labels
    app.close()  # its lock is gone, as a killed app's is
    labels = [saved_label(s, other.autosaves) for s in other.saved_sessions()]
    assert labels[0].startswith("recovered autosave: "), labels


def test_a_damaged_watches_file_is_a_note_when_reopened(make_controller):
    app = make_controller()
    app.start(StartRequest(str(DEMO_CLIP), "demo clip", speed=4.0))
    app.watching.watch("tell me when someone mentions the budget")
    wait_for(lambda: stream_time(app) > 2.0, 60, "the demo to play")
    name = app.save("watched")
    app.close()
    (app.sessions_dir / name / "watches.json").write_text('{"next_id":"x","watches":[1]}')
    said = app.reopen(name)
    assert said.startswith(f"Reopened {name}") and "watches" in said and "left out" in said
    assert str(app.sessions_dir) not in said  # the page never shows the server's paths
    assert app.watching.watch_list() == [] and app.live().state == "reopened"
