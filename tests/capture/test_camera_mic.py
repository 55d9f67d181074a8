"""A camera and a microphone on one clock: a fake camera playing a real clip and a
real, clocked microphone (PulseAudio's null sink fed by paplay, recorded through
PortAudio's `pulse` device, see tests/capture/pulse.py).

Each live test runs a few seconds of real time.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from streamer.capture import open_source, source_config
from streamer.types import AudioChunk, EndOfStream, Frame, StatusKind
from tests.capture.pulse import ONSET_LEVEL


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


def drain(src, frames: list[Frame], audio: list[AudioChunk]) -> None:
    """Take what a stopped source left in its queue, up to its end marker."""
    for item in src.queue:
        if isinstance(item, Frame):
            frames.append(item)
        elif isinstance(item, AudioChunk):
            audio.append(item)


def heard_at(audio: list[AudioChunk]) -> float:
    """Stream time of the first loud sample."""
    for c in audio:
        loud = np.flatnonzero(np.abs(c.samples) > ONSET_LEVEL)
        if loud.size:
            return c.t + loud[0] / c.sample_rate
    raise AssertionError("the sentence never arrived")


def test_a_sentence_lands_with_the_frames_of_its_moment(pulse, sentence, live_camera):
    wav, speech_onset = sentence.path, sentence.onset
    src = open_source(source_config("webcam:0+mic:pulse"))
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    with src:
        wait_for_sound(src, frames, audio)
        collect(src, 0.5, frames, audio)
        played = src.now()  # the known moment, on the stream clock
        player = pulse.play(wav)
        collect(src, 3.5, frames, audio)
        player.wait(5)
    drain(src, frames, audio)  # the source counts what it queued: take all of it
    stats = src.stats()
    said = heard_at(audio)
    frame_then = min(frames, key=lambda f: abs(f.t - (played + speech_onset)))
    print(
        f"A/V: sentence played at {played:.3f} s (+{speech_onset:.3f} s to its first word), "
        f"heard at {said:.3f} s: offset {said - played - speech_onset:+.3f} s; "
        f"frame nearest {frame_then.t:.3f} s; drift {stats.av.audio_drift_ms} ms, "
        f"residual {stats.av.av_offset_ms} ms; sound began at {audio[0].t:.3f} s, "
        f"ends at {audio[-1].end:.3f} s, last frame {frames[-1].t:.3f} s"
    )
    assert abs(said - (played + speech_onset)) < 0.5
    assert abs(frame_then.t - said) < 0.5
    for a, b in zip(audio, audio[1:]):  # one continuous sound track
        assert b.t == pytest.approx(a.end, abs=1 / 16000)
    # the sound runs from its start (the microphone's start-up) to now, as the picture does
    assert stats.audio_seconds == pytest.approx(audio[-1].end - audio[0].t, abs=0.01)
    assert abs(audio[-1].end - frames[-1].t) < 0.5
    assert abs(stats.av.audio_drift_ms) < 100  # PulseAudio paces on this machine's clock
    assert stats.av.sound and stats.note is None


def kinds_and_words(events) -> list[tuple[StatusKind, str]]:
    return [(e.kind, e.message) for e in events]


def test_the_camera_unplugged_keeps_the_sound(pulse, sentence, live_camera):
    wav, speech_onset = sentence.path, sentence.onset
    src = open_source(source_config("webcam:0+mic:pulse", max_backoff=1.0))
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    with src:
        wait_for_sound(src, frames, audio)
        live_camera.unplug_after = live_camera.delivered  # the cable is pulled now
        events, deadline = [], time.monotonic() + 5.0
        while not any(k is StatusKind.RECONNECTING for k, _ in events):  # the camera is gone
            assert time.monotonic() < deadline, "the camera was never seen gone"
            collect(src, 0.05, frames, audio)
            events += kinds_and_words(src.events())
        collect(src, 0.3, frames, audio)  # well inside the camera's gap (stamps jitter ~0.05 s)
        played = src.now()
        player = pulse.play(wav)
        collect(src, 3.0, frames, audio)
        player.wait(5)
        events += kinds_and_words(src.events())
    times = sorted(f.t for f in frames)
    assert times[-1] > played + 1.0, "frames again after the camera's gap"
    i = int(np.argmax(np.diff(times)))
    hole = (times[i], times[i + 1])
    said = heard_at([c for c in audio if c.t >= played - 0.2])
    print(f"camera gap {hole[0]:.2f}-{hole[1]:.2f} s, played at {played:.2f} s, heard {said:.2f} s")
    assert hole[1] - hole[0] > 1.0  # 0.5 s + 1 s of backoff without a camera
    assert hole[0] < said < hole[1]  # the sentence was heard while the camera was gone
    assert abs(said - (played + speech_onset)) < 0.5
    assert any(k is StatusKind.RECONNECTING and "sound goes on" in m for k, m in events)
    assert any(k is StatusKind.RECONNECTED and "camera" in m for k, m in events)
    assert src.stats().av.camera_reconnects == 1


def test_the_sound_server_stopped_keeps_the_picture(pulse, live_camera):
    src = open_source(source_config("webcam:0+mic:pulse", max_backoff=1.0))
    frames: list[Frame] = []
    audio: list[AudioChunk] = []
    with src:
        wait_for_sound(src, frames, audio)
        pulse.stop()  # the microphone is gone
        lost_at = src.now()
        collect(src, 1.5, frames, audio)
        pulse.start()  # and back
        back_at = src.now()
        end = time.monotonic() + 10.0
        while time.monotonic() < end and not [c for c in audio if c.t > back_at]:
            collect(src, 0.2, frames, audio)
        stats = src.stats()
        events = kinds_and_words(src.events())
    assert [f for f in frames if lost_at < f.t < back_at], "frames while the sound was gone"
    new = [c for c in audio if c.t > back_at]
    assert new, "the microphone came back"
    assert any(k is StatusKind.RECONNECTING and "picture goes on" in m for k, m in events)
    assert any(k is StatusKind.RECONNECTED and "microphone" in m for k, m in events)
    assert stats.av.mic_reconnects == 1 and stats.av.audio_gap_seconds > 1.0
    assert new[0].t > max(c.end for c in audio if c.t < back_at) - 1e-6  # never back in time
    print(
        f"sound lost at {lost_at:.2f} s, server back at {back_at:.2f} s, "
        f"audio again from {new[0].t:.2f} s; gap {stats.av.audio_gap_seconds} s"
    )


def test_a_missing_microphone_still_starts_the_camera(live_camera):
    src = open_source(source_config("webcam:0+mic:studio"))
    frames: list[Frame] = []
    with src:
        collect(src, 0.5, frames, [])
        stats = src.stats()
        events = src.events()
    assert frames and stats.av.sound is False
    assert stats.note is not None and stats.note.startswith("No sound: no microphone found")
    assert stats.note.endswith(".") and ". " not in stats.note  # one sentence
    assert [e.message for e in events if e.kind is StatusKind.WARNING] == [stats.note]


def test_devices_lists_the_microphone_and_names_or_indexes_open_it(pulse, live_camera, capsys):
    from cli.main import main

    assert main(["devices", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    mics = {m["name"]: m for m in listed["microphones"]}
    assert (
        "pulse" in mics and mics["pulse"]["rate"] > 0 and mics["pulse"]["spec"].startswith("mic:")
    )
    for spec in (f"webcam:0+{mics['pulse']['spec']}", "mic:pulse+webcam:0"):  # index, name
        src = open_source(source_config(spec))
        audio: list[AudioChunk] = []
        with src:
            wait_for_sound(src, [], audio)
        assert src.stats().av.sound and audio


def test_asking_a_live_source_needs_a_watching_time(capsys):
    from cli.main import EXIT_USER_ERROR, main

    assert main(["ask", "webcam:0+mic:default", "-q", "What was said?"]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert err == (
        "error: webcam:0+mic:default is live and has no end; give --at SECONDS to watch "
        "before asking."
    )
