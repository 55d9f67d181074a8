"""StreamQueue policies, deterministic (no sleeps to measure)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from streamer.capture.queue import StreamQueue
from streamer.types import AudioChunk, EndOfStream, Frame, Policy

IMG = np.zeros((2, 2, 3), np.uint8)


def frame(i: int, t: float | None = None) -> Frame:
    return Frame(t=i / 10 if t is None else t, wall=0.0, seq=i, image=IMG)


def chunk(t: float, seconds: float = 0.5) -> AudioChunk:
    return AudioChunk(t=t, sample_rate=100, samples=np.zeros(int(seconds * 100), np.float32))


def test_drop_oldest_keeps_the_newest_and_counts():
    dropped = []
    q = StreamQueue(Policy.DROP_OLDEST, max_frames=3, max_audio_seconds=1.0, on_drop=dropped.append)
    for i in range(10):
        assert q.put(frame(i))
    for k in range(4):
        q.put(chunk(k * 0.5))
    q.close(EndOfStream())
    items = list(q)
    assert [i.seq for i in items if isinstance(i, Frame)] == [7, 8, 9]
    assert [i.t for i in items if isinstance(i, AudioChunk)] == [1.0, 1.5]
    assert q.dropped_frames == 7 and q.dropped_audio_seconds == pytest.approx(1.0)
    assert len(dropped) == 9 and isinstance(items[-1], EndOfStream)


def test_wait_applies_back_pressure_and_loses_nothing():
    q = StreamQueue(Policy.WAIT, max_frames=2)
    stop = threading.Event()

    def produce() -> None:
        for i in range(50):
            assert q.put(frame(i), stop)
        q.close(EndOfStream())

    t = threading.Thread(target=produce)
    t.start()
    got = [i.seq for i in q if isinstance(i, Frame)]
    t.join(5)
    assert got == list(range(50)) and q.dropped_frames == 0


def test_wait_put_gives_up_when_stopped():
    q = StreamQueue(Policy.WAIT, max_frames=1)
    stop = threading.Event()
    assert q.put(frame(0), stop)
    stop.set()
    assert q.put(frame(1), stop) is False
    assert len(q) == 1


def test_items_come_out_in_stream_time_order_and_end_marker_last():
    q = StreamQueue(Policy.WAIT)
    q.close(EndOfStream("stopped"))  # closed early: still delivered after the items
    q.put(frame(0, t=1.0))
    q.put(chunk(0.0))
    q.put(chunk(0.5))
    q.put(frame(1, t=2.0))
    out = list(q)
    assert [type(i).__name__ for i in out] == [
        "AudioChunk",
        "AudioChunk",
        "Frame",
        "Frame",
        "EndOfStream",
    ]
    assert out[-1].reason == "stopped"
    assert q.get(timeout=0.01) is None  # the marker is handed out once


def test_bounds_are_validated():
    with pytest.raises(ValueError):
        StreamQueue(Policy.WAIT, max_frames=0)
