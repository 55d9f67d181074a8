"""Typed source configs: each checks its values, a spec is read in one place, and
`open_source` makes the source of a config's kind (a fake camera playing the gate
clip and a fake microphone playing a spoken sentence stand in for the devices)."""

from __future__ import annotations

import dataclasses
import json
import time

import numpy as np
import pytest

from models.protocols import SAMPLE_RATE
from streamer.capture import (
    CameraMicConfig,
    FileConfig,
    FileSource,
    MicrophoneConfig,
    SourceConfig,
    WebcamConfig,
    is_live,
    open_source,
    replayed,
    source_config,
)
from streamer.capture import microphone as mic_module
from streamer.capture import webcam as webcam_module
from streamer.capture.camera_mic import CameraMicSource
from streamer.capture.microphone import MicrophoneSource
from streamer.capture.webcam import WebcamSource
from streamer.errors import SourceError
from streamer.session_config import SessionConfig
from streamer.synth import speak
from streamer.types import AudioChunk, EndOfStream, Frame
from tests.capture.fakes import Camera, FakeInputStream, FakeSoundDevice, FakeVideoCapture


def one_sentence(error: pytest.ExceptionInfo[SourceError]) -> str:
    text = str(error.value)
    assert text.endswith(".") and "\n" not in text and ". " not in text, text
    assert text[:1].isupper(), text
    return text


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: FileConfig(""), "No source given"),
        (lambda: FileConfig("a.mp4", pace="fast"), "pace is none or realtime"),
        (lambda: FileConfig("a.mp4", speed=0), "speed (0) must be positive"),
        (lambda: FileConfig("a.mp4", start=-1), "start (-1 s) not negative"),
        (lambda: FileConfig("a.mp4", fps=0), "frame rate must be positive"),
        (lambda: FileConfig("a.mp4", max_side=-5), "positive number of pixels"),
        (lambda: FileConfig("rtsp://h/cam", rtsp_transport="sctp"), "tcp, udp, not 'sctp'"),
        (lambda: FileConfig("a.mp4", max_attempts=0), "max_attempts) must be 1 or more"),
        (lambda: FileConfig("a.mp4", max_backoff=0), "max_backoff) must be a positive"),
        (lambda: WebcamConfig(-1), "camera is a number from 0"),
        (lambda: WebcamConfig(" "), "Name the camera"),
        (lambda: WebcamConfig(0, fps=-2), "frame rate must be positive"),
        (lambda: MicrophoneConfig(-3), "microphone is a number from 0"),
        (lambda: CameraMicConfig(camera=0, mic=-1), "microphone is a number from 0"),
        (lambda: CameraMicConfig(camera=-2), "camera is a number from 0"),
        (lambda: CameraMicConfig(max_attempts=0), "max_attempts) must be 1 or more"),
    ],
)
def test_each_config_refuses_a_bad_value_in_one_sentence(make, words):
    with pytest.raises(SourceError) as err:
        make()
    assert words in one_sentence(err)


@pytest.mark.parametrize(
    "spec, option, kind",
    [
        ("webcam:0", "pace", "webcam"),
        ("mic:default", "fps", "mic"),
        ("webcam:0+mic:default", "rtsp_transport", "webcam+mic"),
        ("talk.mp4", "camera", "file"),
    ],
)
def test_an_option_the_kind_does_not_take_is_an_error(spec, option, kind):
    with pytest.raises(SourceError) as err:
        source_config(spec, **{option: "x"})
    text = one_sentence(err)
    assert f"A {kind} source ({spec}) does not take {option}" in text


def test_an_option_given_as_none_is_not_given():
    assert source_config("webcam:0", fps=None, max_attempts=None) == WebcamConfig(0)
    assert source_config("a.mp4", max_attempts=None).max_attempts == FileConfig("a").max_attempts


@pytest.mark.parametrize(
    "spec, want",
    [
        ("talk.mp4", FileConfig("talk.mp4")),
        ("  http://host/a.mp4 ", FileConfig("http://host/a.mp4")),
        ("webcam:2", WebcamConfig(2)),
        ("webcam:Integrated Cam", WebcamConfig("Integrated Cam")),  # looked up when opened
        ("camera:/dev/video4", WebcamConfig("/dev/video4")),
        ("webcam:", WebcamConfig(0)),
        ("mic:pulse", MicrophoneConfig("pulse")),
        ("microphone:", MicrophoneConfig(None)),
        ("webcam:1+mic:pulse", CameraMicConfig(camera=1, mic="pulse")),
        ("mic:3+webcam:0", CameraMicConfig(camera=0, mic=3)),
        ("mic:default", MicrophoneConfig(None)),
        ("webcam:0+mic:", CameraMicConfig(camera=0, mic=None)),
        ("clips/a+b.mp4", FileConfig("clips/a+b.mp4")),
    ],
)
def test_a_spec_is_read_into_its_config_and_said_back(spec, want):
    got = source_config(spec)
    assert got == want and type(got) is type(want)
    assert source_config(got.spec) == got  # what a session saves reads back the same
    assert is_live(spec) == got.live == (not isinstance(got, FileConfig))


def test_kinds_are_registered_by_name():
    assert SourceConfig.kinds == {
        "file": FileConfig,
        "webcam": WebcamConfig,
        "mic": MicrophoneConfig,
        "webcam+mic": CameraMicConfig,
    }
    assert WebcamConfig("2") == WebcamConfig(2) and MicrophoneConfig("default").device is None
    assert WebcamConfig.options() == ("fps", "max_side", "max_backoff", "max_attempts")
    assert "path" not in FileConfig.options() and "start" in FileConfig.options()
    with pytest.raises(TypeError):
        SourceConfig()  # type: ignore[abstract]  # a kind says itself back as a spec


@pytest.mark.parametrize(
    "config, cls",
    [
        (FileConfig("assets/demo.mp4"), FileSource),
        (WebcamConfig(2, fps=5.0), WebcamSource),
        (MicrophoneConfig("pulse"), MicrophoneSource),
        (CameraMicConfig(camera=1, mic="studio", max_attempts=2), CameraMicSource),
    ],
)
def test_open_source_makes_the_source_of_the_kind(config, cls):
    src = open_source(config)  # made, not started: no device is opened
    assert type(src) is cls and src.config is config
    assert src.live == config.live
    if isinstance(config, WebcamConfig):
        assert src.camera.device == 2 and src.fps == 5.0
    if isinstance(config, CameraMicConfig):
        assert (src.camera.device, src.mic.device, src.camera.max_attempts) == (1, "studio", 2)


def test_the_session_gives_a_file_its_replay_and_a_live_device_none():
    replay = SessionConfig("clip.mp4", pace="none", speed=2.0, start=3.0, loop=True)
    assert replay.source_config() == FileConfig(
        "clip.mp4", pace="none", speed=2.0, start=3.0, loop=True
    )
    assert replay.source_config(start=7.5).start == 7.5  # a resume starts where it was
    live = SessionConfig("webcam:0", speed=2.0, loop=True, source_options={"max_attempts": 3})
    assert live.source_config() == WebcamConfig(0, max_attempts=3)
    wrong = SessionConfig("webcam:0", source_options={"rtsp_transport": "udp"})
    with pytest.raises(SourceError) as err:
        wrong.source_config()
    assert "does not take rtsp_transport" in one_sentence(err)
    mic = MicrophoneConfig("pulse")
    assert replayed(mic, pace="none", speed=3.0, start=1.0, loop=True) is mic


def test_a_picked_config_reaches_the_session_as_it_is_and_is_saved_as_its_spec():
    """The app's picker gives the session a config, not a string it parses back."""
    from pathlib import Path

    from streamer.session_config import saved_config

    picked = CameraMicConfig(camera=2, mic="studio", fps=5.0)
    config = SessionConfig(picked, speed=2.0, source_options={"max_attempts": 4})
    assert config.source_config() == dataclasses.replace(picked, max_attempts=4)
    assert config.source_spec == picked.spec == "webcam:2+mic:studio"
    saved = json.loads(json.dumps(config.saved()))  # what a manifest keeps
    assert saved["source"] == picked.spec
    back = saved_config(Path("saved"), saved)
    assert back.source_config().spec == picked.spec
    file = SessionConfig(FileConfig("clip.mp4", max_side=320), pace="none", start=4.0)
    assert file.source_config() == FileConfig("clip.mp4", pace="none", start=4.0, max_side=320)
    with pytest.raises(SourceError) as err:
        SessionConfig(picked, source_options={"rtsp_transport": "udp"}).source_config()
    assert "does not take rtsp_transport" in one_sentence(err)


class RecordedCapture(FakeVideoCapture):
    opened: list[int | str] = []

    def __init__(self, index: int | str) -> None:
        type(self).opened.append(index)
        super().__init__(index)


class RecordedStream(FakeInputStream):
    opened: list[object] = []

    def __init__(self, **kwargs: object) -> None:
        type(self).opened.append(kwargs["device"])
        super().__init__(**kwargs)  # type: ignore[arg-type]


class RecordedSoundDevice(FakeSoundDevice):
    InputStream = RecordedStream


def test_a_camera_mic_config_reaches_its_devices(clip, monkeypatch):
    """The picker's devices go to OpenCV and PortAudio as given: no spec string between."""
    speech = speak("The camera and the microphone are both here.")
    n = int(len(speech) * SAMPLE_RATE / 22050)  # espeak-ng speaks at 22,050 Hz
    RecordedStream.recording = np.interp(
        np.linspace(0, len(speech) - 1, n), np.arange(len(speech)), speech
    ).astype(np.float32)
    RecordedCapture.camera, RecordedCapture.opened, RecordedStream.opened = (
        Camera(str(clip[0])),
        [],
        [],
    )
    monkeypatch.setattr(webcam_module.cv2, "VideoCapture", RecordedCapture)
    monkeypatch.setattr(
        mic_module, "import_sounddevice", lambda: RecordedSoundDevice(["front", "studio"])
    )
    src = open_source(CameraMicConfig(camera=3, mic="studio"))
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    with src:
        end = time.monotonic() + 20
        while (not frames or not audio) and time.monotonic() < end:
            item = src.queue.get(timeout=1)
            assert not isinstance(item, EndOfStream), item
            if isinstance(item, Frame):
                frames.append(item)
            elif isinstance(item, AudioChunk):
                audio.append(item)
    assert RecordedCapture.opened == [3] and RecordedStream.opened == ["studio"]
    assert frames and audio
    assert frames[0].image.shape == (360, 640, 3)  # the gate clip's frames
    assert np.abs(np.concatenate([a.samples for a in audio])).max() > 0.01  # the sentence
    assert src.stats().note is None  # the microphone was found: no "No sound"
