"""Webcam and microphone sources through fakes that play real recorded media."""

from __future__ import annotations

import numpy as np
import pytest

from models.protocols import SAMPLE_RATE
from streamer.capture import microphone as mic_module
from streamer.capture import open_source, source_config
from streamer.capture import webcam as webcam_module
from streamer.clock import ManualClock
from streamer.errors import SourceError
from streamer.synth import speak
from streamer.types import AudioChunk, Frame, StatusKind
from tests.capture.fakes import Camera, FakeInputStream, FakeSoundDevice, FakeVideoCapture
from tests.capture.helpers import audio_track


@pytest.fixture
def camera(clip, monkeypatch):
    clock = ManualClock()
    cam = Camera(str(clip[0]), clock)
    FakeVideoCapture.camera = cam
    monkeypatch.setattr(webcam_module.cv2, "VideoCapture", FakeVideoCapture)
    return cam


def take_frames(src, n: int) -> list[Frame]:
    frames = []
    while len(frames) < n:
        item = src.queue.get(timeout=20)
        assert item is not None and not hasattr(item, "reason"), item
        if isinstance(item, Frame):
            frames.append(item)
    return frames


def test_webcam_streams_frames_with_capture_clock_times(camera):
    src = open_source(source_config("webcam:0"), clock=camera.clock)
    with src:
        frames = take_frames(src, 30)
        latest = src.latest_frame(timeout=5)
    assert [f.seq for f in frames] == list(range(30))
    assert [f.t for f in frames] == pytest.approx([(i + 1) / 10 for i in range(30)])
    assert frames[0].image.shape == (360, 640, 3)
    # the clip's first frames are the green scene: RGB order, not OpenCV's BGR
    r, g, b = frames[0].image[100, 100].astype(int)
    assert g > r + 30 and g > b + 30
    assert latest is not None and latest.seq >= 29


def test_webcam_reconnects_after_unplug(camera):
    camera.unplug_after = 12
    src = open_source(source_config("webcam:0", max_backoff=2.0), clock=camera.clock)
    with src:
        frames = take_frames(src, 25)
    kinds = [e.kind for e in src.events()]
    assert StatusKind.RECONNECTING in kinds and StatusKind.RECONNECTED in kinds
    assert src.stats().reconnects == 1
    assert camera.failed_opens == 2  # came back on the third try
    times = [f.t for f in frames]
    assert all(b > a for a, b in zip(times, times[1:]))
    # backoff 0.5 s then 1 s then 2 s (capped) while unplugged: 3.5 s gap in stream time
    gap = times[12] - times[11]
    assert gap == pytest.approx(0.5 + 1.0 + 2.0 + 0.1)
    assert src.stats().gap_seconds == pytest.approx(0.5 + 1.0 + 2.0)  # counted as missed


def test_webcam_gives_up_after_max_attempts(camera):
    camera.unplug_after, camera.replug_after_opens = 5, 99
    src = open_source(source_config("webcam:0", max_attempts=3), clock=camera.clock)
    src.start()
    end = None
    for item in src.queue:
        end = item
    src.stop()
    assert end.reason == "error" and "did not come back" in end.error
    assert src.stats().state == "error"


def test_no_camera_is_a_clear_error():
    # the real OpenCV: this machine has no camera
    with pytest.raises(SourceError, match="No camera found"):
        open_source(source_config("webcam:0")).start()


@pytest.fixture(scope="module")
def recording() -> np.ndarray:
    """A real recorded sentence (espeak-ng), resampled to 16 kHz."""
    speech = speak("Testing the microphone, one two three.")
    n = int(len(speech) * SAMPLE_RATE / 22050)
    return np.interp(np.linspace(0, len(speech) - 1, n), np.arange(len(speech)), speech).astype(
        np.float32
    )


def test_microphone_delivers_the_recording_in_order(recording, monkeypatch):
    FakeInputStream.recording = recording
    monkeypatch.setattr(mic_module, "import_sounddevice", lambda: FakeSoundDevice(["pulse"]))
    src = open_source(source_config("mic:default"))
    chunks: list[AudioChunk] = []
    with src:
        while sum(len(c.samples) for c in chunks) < len(recording):
            item = src.queue.get(timeout=20)
            assert isinstance(item, AudioChunk), item
            chunks.append(item)
    got = audio_track(chunks)[: len(recording)]
    assert np.corrcoef(got, recording)[0, 1] > 0.999
    assert chunks[0].t == 0.0
    for a, b in zip(chunks, chunks[1:]):
        assert b.t == pytest.approx(a.end)


def test_microphone_unknown_device(monkeypatch):
    monkeypatch.setattr(mic_module, "import_sounddevice", lambda: FakeSoundDevice(["pulse"]))
    with pytest.raises(SourceError, match="No microphone found"):
        open_source(source_config("mic:studio")).start()


def test_microphone_with_real_portaudio_and_no_device():
    # the real sounddevice and PortAudio: this machine has no sound card
    with pytest.raises(SourceError, match="microphone|PortAudio"):
        open_source(source_config("mic:default")).start()
