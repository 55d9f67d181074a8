"""The app's controller on the demo clip with the real models (no Gradio server)."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from streamer.errors import SourceError, StreamerError
from tests.ui.conftest import GATE_QUESTION, GATE_TEXT, stream_time, wait_for
from ui.app import AppOptions, check_access
from ui.controller import DEMO_CLIP, DEMO_LABEL, MAX_SPEED, NO_SESSION, AppController, StartRequest
from ui.live_view import render_live
from ui.sources import FILE, URL, resolve_source

ALL_INTERFACES = ".".join(["0"] * 4)  # a non-local bind address, refused without --auth

pytestmark = pytest.mark.timeout(240)


def demo(speed: float = 1.0, memory: str = "pyramid") -> StartRequest:
    return StartRequest(str(DEMO_CLIP), "demo clip", speed=speed, memory=memory)


def answer(app: AppController, question: str = GATE_QUESTION):
    asked = app.ask(question)
    tokens = list(asked.stream)
    result = asked.stream.result(30)
    assert "".join(tokens).strip() == result.text
    return asked, result


def test_watch_ask_stop_save_reopen(make_controller):
    app = make_controller()
    assert app.start(demo()) == "Watching demo clip."
    wait_for(lambda: stream_time(app) > 7.0, 60, "7 s of the demo clip")
    asked, a = answer(app)
    assert GATE_TEXT in a.text and a.asked_at > 7.0
    ocr = [e for e in a.evidence if e.kind == "ocr" and GATE_TEXT in e.text]
    assert ocr and ocr[0].thumbnail and 3.0 <= ocr[0].start <= 6.0
    moment = app.frame_at(ocr[0].start, asked.generation)
    assert moment is not None and moment.image.shape == (360, 640, 3)
    assert app.frame_at(ocr[0].start, asked.generation + 1) is None  # another session's time

    with ThreadPoolExecutor(4) as pool:  # several tabs asking at once are all answered
        texts = list(pool.map(lambda _: answer(app)[1].text, range(4)))
    assert all(GATE_TEXT in t for t in texts)

    assert app.pause() == "Paused." and app.live().state == "paused"
    assert app.resume() == "Playing." and app.live().state == "running"
    app.stop()
    live = app.live()
    assert live.state == "stopped" and live.frame is not None  # the last frame stays on show
    assert GATE_TEXT in answer(app)[1].text  # a stopped session still answers

    folder = app.save("demo test")
    assert folder == "demo-test" and (app.sessions_dir / folder / "manifest.json").exists()
    assert app.save() == folder  # saving again updates the same folder
    names = [s.name for s in app.saved_sessions()]
    assert folder in names and all(n == folder or n in app.autosaves for n in names)
    assert "Reopened demo-test" in app.reopen(folder)
    live = app.live()
    assert live.state == "reopened" and live.frame is None and live.lag == ()
    asked, again = answer(app)
    assert GATE_TEXT in again.text
    assert app.frame_at(again.evidence[0].start, asked.generation) is None  # no source
    with pytest.raises(StreamerError, match="no source"):
        app.pause()


def test_bad_upload_shows_a_sentence_and_the_session_survives(make_controller, tmp_path):
    app = make_controller()
    app.start(demo(speed=2.0, memory="star"))
    bad = tmp_path / "holiday.mp4"
    bad.write_text("this is not a video\n" * 50)
    src = resolve_source(FILE, str(bad), None, None, None, allow_paths=False, uploads=app.uploads)
    assert src.source != str(bad) and "holiday" not in src.source  # a generated name
    with pytest.raises(SourceError) as err:
        app.start(StartRequest(src.source, src.label, hide_path=True))
    message = str(err.value)
    assert message.startswith("Upload “holiday.mp4” is not a video")
    assert src.source not in message
    assert list(app.uploads.root.iterdir()) == []  # the failed upload's copy is gone
    live = app.live()
    assert live.label == "demo clip" and live.state == "running"
    wait_for(lambda: stream_time(app) > 1.0, 60, "the demo clip to keep playing")
    assert answer(app, "What did the screen read?")[1].text


def test_errors_are_one_sentence(make_controller):
    app = make_controller()
    for call in (lambda: app.ask("anything?"), app.stop, app.save):
        with pytest.raises(StreamerError, match="press Start"):
            call()
    assert "press Start" in NO_SESSION
    with pytest.raises(StreamerError, match="speed between"):
        app.start(StartRequest(str(DEMO_CLIP), "demo clip", speed=20))
    with pytest.raises(StreamerError, match="No saved session"):
        app.reopen("nothing-here")
    with pytest.raises(SourceError, match="No camera found"):
        app.start(StartRequest("webcam:7", "camera 7"))
    with pytest.raises(StreamerError, match="upload the file instead"):
        resolve_source(
            FILE, None, "/etc/passwd", None, None, allow_paths=False, uploads=app.uploads
        )
    with pytest.raises(StreamerError, match="URL"):
        resolve_source(URL, None, None, "ftp://x", None, allow_paths=True, uploads=app.uploads)
    assert app.live().state == "idle"


def test_serving_beyond_this_machine_needs_a_password():
    check_access(AppOptions())
    for options in (AppOptions(host=ALL_INTERFACES), AppOptions(share=True)):
        with pytest.raises(StreamerError, match="--auth user:password"):
            check_access(options)
    check_access(AppOptions(host=ALL_INTERFACES, auth=("me", "secret")))
    assert not AppOptions(share=True, auth=("me", "secret")).local_only


def test_a_busy_port_is_refused_before_anything_loads():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(StreamerError, match=f"Port {port} on 127.0.0.1 is in use") as e:
            check_access(AppOptions(port=port))
        assert "\n" not in str(e.value)
    check_access(AppOptions(port=port))  # free again once its listener closed


def test_the_status_line_says_what_the_source_reported(make_controller, clip):
    app = make_controller()
    path, _ = clip  # 12 s
    app.start(StartRequest(str(path), "gate clip", speed=8.0))
    assert app.live().status is None  # "started" is not worth a word
    wait_for(lambda: app.live().state == "ended", 60, "the end of the clip")
    live = app.live()
    assert live.status == "end of stream"
    assert "end of stream" in render_live(live)
    assert app.live().status == "end of stream"  # kept for every tab, not drained by one
    app.start(demo(speed=1.0))
    assert app.live().status is None  # a new session starts with a clean line


def test_the_status_line_says_a_cut_file_ended_early(make_controller, clip, tmp_path):
    cut = tmp_path / "half.mp4"  # the 12 s gate clip's first half of bytes
    data = clip[0].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    app = make_controller()
    app.start(StartRequest(str(cut), "half clip", speed=8.0))
    wait_for(lambda: app.live().state == "ended", 60, "the end of the cut clip")
    live = app.live()
    assert live.status is not None and live.status.startswith("end of stream: half.mp4 ends early")
    assert "of 0:12" in live.status and "ends early at 0:" in render_live(live)


def test_the_demo_clip_plays_on_a_loop(make_controller):
    """A newcomer who opens the page late still finds it playing, not ended at 72 s."""
    app = make_controller()
    assert "on a loop" in app.start(StartRequest(str(DEMO_CLIP), DEMO_LABEL, speed=MAX_SPEED))
    clip_seconds = 72.0  # assets/demo.mp4
    wait_for(lambda: stream_time(app) > clip_seconds + 4.0, 90, "the demo's second pass")
    live = app.live()
    assert live.state == "running" and live.label == DEMO_LABEL
    assert "on a loop" in render_live(live)


def test_the_apps_language_is_every_started_streams(models, tmp_path):
    """`launch.py app --language en`: each stream the app starts is read in it, from its
    first sentence (nothing to detect)."""
    app = AppController(tmp_path / "sessions", models=models, language="en")
    try:
        app.start(demo())
        session = app._current()
        assert session is not None and session.perception is not None
        transcriber = session.perception.models.transcriber
        assert transcriber is not None and transcriber.language.code == "en"
        assert session.config.perception.language == "en"
    finally:
        app.close()
