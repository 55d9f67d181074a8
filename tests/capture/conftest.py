"""Fixtures of the live capture tests: a real-time fake camera and a PulseAudio microphone."""

from __future__ import annotations

import pytest

from streamer.capture import webcam as webcam_module
from tests.capture.fakes import Camera, FakeVideoCapture
from tests.capture.pulse import PulseServer, Recording, require_pulse, spoken


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    """A private PulseAudio daemon whose null sink's monitor is the microphone `pulse`."""
    require_pulse()
    server = PulseServer(tmp_path_factory.mktemp("pulse")).start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sentence(tmp_path_factory) -> Recording:
    """A sentence spoken by espeak-ng, as a wav to play into the microphone."""
    return spoken("The red kettle is on the stove.", tmp_path_factory.mktemp("speech"))


@pytest.fixture
def live_camera(clip, monkeypatch) -> Camera:
    """A 10 fps camera in real time, playing the gate clip (tests/conftest.py)."""
    cam = Camera(str(clip[0]))
    FakeVideoCapture.camera = cam
    monkeypatch.setattr(webcam_module.cv2, "VideoCapture", FakeVideoCapture)
    return cam
