"""The app's camera + microphone choice, and what the page shows of such a source:
a fake camera playing the gate clip, a microphone that is not there (no server, no
models: fast)."""

from __future__ import annotations

import time

import pytest

from streamer.capture import CameraMicConfig, WebcamConfig, open_source, source_config
from streamer.capture import webcam as webcam_module
from streamer.errors import StreamerError
from streamer.session_config import SessionStats
from streamer.types import Frame
from tests.capture.fakes import Camera, FakeVideoCapture
from ui.controller import STATUS_WORDS, LiveState
from ui.live_view import render_live
from ui.sources import WEBCAM, resolve_source
from ui.stats_view import render_stats
from ui.uploads import UploadStore


def test_camera_and_microphone_make_one_source(tmp_path):
    uploads = UploadStore(tmp_path)
    both = resolve_source(
        WEBCAM, None, None, None, "webcam:1", allow_paths=False, uploads=uploads, mic="mic:3"
    )
    assert both.config == CameraMicConfig(camera=1, mic=3)  # built, not a spec to parse back
    assert both.source == "webcam:1+mic:3" and both.label == "camera 1 + microphone 3"
    alone = resolve_source(WEBCAM, None, None, None, "webcam:1", allow_paths=False, uploads=uploads)
    assert alone.config == WebcamConfig(1) and alone.source == "webcam:1"
    default = resolve_source(
        WEBCAM, None, None, None, None, allow_paths=False, uploads=uploads, mic="mic:default"
    )
    assert default.config == CameraMicConfig(camera=0, mic=None)
    assert default.label == "camera 0 + microphone default"
    launched = resolve_source(  # the app started with --source webcam:2+mic:5
        WEBCAM, None, None, None, "webcam:2+mic:5", allow_paths=False, uploads=uploads
    )
    assert launched.config == CameraMicConfig(camera=2, mic=5)
    with pytest.raises(StreamerError, match="Pick a webcam from the list"):
        resolve_source(WEBCAM, None, None, None, "clip.mp4", allow_paths=False, uploads=uploads)
    with pytest.raises(StreamerError, match="Pick a mic from the list"):
        resolve_source(
            WEBCAM, None, None, None, "webcam:1", allow_paths=False, uploads=uploads, mic="a.mp4"
        )


def test_a_camera_without_its_microphone_says_no_sound(clip, monkeypatch):
    FakeVideoCapture.camera = Camera(str(clip[0]))
    monkeypatch.setattr(webcam_module.cv2, "VideoCapture", FakeVideoCapture)
    src = open_source(source_config("webcam:0+mic:studio"))
    with src:
        frame = src.latest_frame(timeout=5)
        time.sleep(0.3)
        stats, events = src.stats(), src.events()
    assert isinstance(frame, Frame)
    warning = next(e for e in events if e.kind in STATUS_WORDS and e.message.startswith("No sound"))
    status = STATUS_WORDS[warning.kind].format(message=warning.message)
    session = SessionStats("running", frame.t, stats, None, None, 0, 0, [])
    live = LiveState(1, "running", "camera 0 + microphone studio", frame, session, None, (), status)
    page = render_live(live)
    assert "no sound" in page and "No sound: no microphone found" in page
    panel = render_stats(live)
    assert "Live A/V" in panel and "none (no microphone)" in panel
    assert f"{stats.frames_dropped} frames dropped" in panel
