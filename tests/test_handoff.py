"""The hand-off between perception's reader and vision threads: order, bounds, markers."""

from __future__ import annotations

import threading

import numpy as np

from streamer.perception.handoff import Drain, Handoff
from streamer.perception.sampler import Sample
from streamer.types import EndOfStream, Frame


def sample(t: float) -> Sample:
    frame = Frame(t, 0.0, int(t * 10), np.zeros((4, 4, 3), np.uint8))
    return Sample(frame, np.zeros((18, 32), np.float32), False)


def test_a_live_handoff_drops_its_oldest_sample_and_keeps_markers() -> None:
    dropped: list[float] = []
    h = Handoff(True, lambda s: dropped.append(s.frame.t), max_samples=2)
    quit_ = threading.Event()
    drain = Drain()
    for item in (sample(0.0), drain, sample(1.0), sample(2.0), sample(3.0), EndOfStream()):
        assert h.put(item, quit_)  # never waits
    assert dropped == [0.0, 1.0]
    got = [h.get(0.1) for _ in range(4)]
    assert got[0] is drain and isinstance(got[3], EndOfStream)
    assert [g.frame.t for g in got[1:3] if isinstance(g, Sample)] == [2.0, 3.0]
    assert h.get(0.01) is None and len(h) == 0


def test_a_replay_handoff_waits_for_space_and_gives_up_on_quit() -> None:
    h = Handoff(False, lambda s: None, max_samples=1)
    quit_ = threading.Event()
    assert h.put(sample(0.0), quit_)
    done: list[bool] = []
    putter = threading.Thread(target=lambda: done.append(h.put(sample(1.0), quit_)))
    putter.start()
    putter.join(0.3)
    assert putter.is_alive()  # full: it waits, nothing is dropped
    first = h.get(0.1)
    putter.join(2)
    assert isinstance(first, Sample) and first.frame.t == 0.0 and done == [True]
    assert h.put(Drain(), quit_)  # a marker goes in even when full
    blocked = threading.Thread(target=lambda: done.append(h.put(sample(2.0), quit_)))
    blocked.start()
    quit_.set()
    blocked.join(2)
    assert done == [True, False] and len(h) == 2  # the sample of 1.0 s and the marker
