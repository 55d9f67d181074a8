"""A camera and a microphone on one clock: a fake camera playing a real clip and a
real, clocked microphone (PulseAudio's null sink fed by paplay, recorded through
PortAudio's `pulse` device, see tests/capture/pulse.py).

Each live test runs a few seconds of real time.
"""

from __future__ import annotations

import time
import wave

import numpy as np
import pytest

from streamer.capture import open_source
from streamer.capture import webcam as webcam_module
from streamer.synth import SPEECH_RATE, speak
from streamer.types import AudioChunk, EndOfStream, Frame
from tests.capture.fakes import Camera, FakeVideoCapture
from tests.capture.pulse import PulseServer, require_pulse

SENTENCE = "The red kettle is on the stove."
ONSET_LEVEL = 0.02  # |sample| above this: the speech has begun (espeak's silence is 0)


@pytest.fixture(scope="module")
def pulse(tmp_path_factory):
    require_pulse()
    server = PulseServer(tmp_path_factory.mktemp("pulse")).start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def sentence(tmp_path_factory):
    """The sentence as a wav (espeak-ng), and where its speech begins in it (seconds)."""
    speech = speak(SENTENCE)
    path = tmp_path_factory.mktemp("speech") / "kettle.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SPEECH_RATE)
        w.writeframes((np.clip(speech, -1, 1) * 32767).astype(np.int16).tobytes())
    return path, onset(speech, SPEECH_RATE), len(speech) / SPEECH_RATE


@pytest.fixture
def live_camera(clip, monkeypatch):
    """A 10 fps camera in real time, playing the gate clip."""
    cam = Camera(str(clip[0]))
    FakeVideoCapture.camera = cam
    monkeypatch.setattr(webcam_module.cv2, "VideoCapture", FakeVideoCapture)
    return cam


def onset(samples: np.ndarray, rate: int) -> float:
    loud = np.flatnonzero(np.abs(samples) > ONSET_LEVEL)
    assert loud.size, "no sound above the onset level"
    return float(loud[0] / rate)


def collect(src, seconds: float, frames: list[Frame], audio: list[AudioChunk]) -> None:
    """Take what the source sends for `seconds` of real time."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        item = src.queue.get(timeout=0.2)
        assert not isinstance(item, EndOfStream), item
        if isinstance(item, Frame):
            frames.append(item)
        elif isinstance(item, AudioChunk):
            audio.append(item)


def wait_for_sound(src, frames: list[Frame], audio: list[AudioChunk]) -> None:
    """Collect until the microphone delivers (PortAudio's pulse device takes 1-3 s to start)."""
    end = time.monotonic() + 10.0
    while not audio and time.monotonic() < end:
        collect(src, 0.1, frames, audio)
    assert audio, "the microphone sent nothing in 10 s"


def heard_at(audio: list[AudioChunk]) -> float:
    """Stream time of the first loud sample."""
    for c in audio:
        loud = np.flatnonzero(np.abs(c.samples) > ONSET_LEVEL)
        if loud.size:
            return c.t + loud[0] / c.sample_rate
    raise AssertionError("the sentence never arrived")


def test_a_sentence_lands_with_the_frames_of_its_moment(pulse, sentence, live_camera):
    wav, speech_onset, _ = sentence
    src = open_source("webcam:0+mic:pulse")
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    with src:
        wait_for_sound(src, frames, audio)
        collect(src, 0.5, frames, audio)
        played = src.clock.now() - src._t0  # the known moment, on the stream clock
        player = pulse.play(wav)
        collect(src, 3.5, frames, audio)
        player.wait(5)
        stats = src.stats()
    said = heard_at(audio)
    frame_then = min(frames, key=lambda f: abs(f.t - (played + speech_onset)))
    print(
        f"A/V: sentence played at {played:.3f} s (+{speech_onset:.3f} s to its first word), "
        f"heard at {said:.3f} s: offset {said - played - speech_onset:+.3f} s; "
        f"frame nearest {frame_then.t:.3f} s; drift {stats.extra['audio_drift_ms']} ms, "
        f"residual {stats.extra['av_offset_ms']} ms; sound began at {audio[0].t:.3f} s, "
        f"ends at {audio[-1].end:.3f} s, last frame {frames[-1].t:.3f} s"
    )
    assert abs(said - (played + speech_onset)) < 0.5
    assert abs(frame_then.t - said) < 0.5
    for a, b in zip(audio, audio[1:]):  # one continuous sound track
        assert b.t == pytest.approx(a.end, abs=1 / 16000)
    # the sound runs from its start (the microphone's start-up) to now, as the picture does
    assert stats.audio_seconds == pytest.approx(audio[-1].end - audio[0].t, abs=0.01)
    assert abs(audio[-1].end - frames[-1].t) < 0.5
    assert abs(stats.extra["audio_drift_ms"]) < 100  # PulseAudio paces on this machine's clock
    assert stats.extra["sound"] == 1.0 and stats.note is None
