"""Perception's threads: the reader-to-vision hand-off (order, bounds, markers) and when the
speech worker drafts."""

from __future__ import annotations

import threading

import numpy as np

from streamer.perception.handoff import Drain, Handoff
from streamer.perception.sampler import Sample
from streamer.types import EndOfStream, Frame, Policy


def sample(t: float) -> Sample:
    frame = Frame(t, 0.0, int(t * 10), np.zeros((4, 4, 3), np.uint8))
    return Sample(frame, np.zeros((18, 32), np.float32), False)


def test_a_live_handoff_drops_its_oldest_sample_and_keeps_markers() -> None:
    dropped: list[float] = []
    h = Handoff(Policy.DROP_OLDEST, lambda s: dropped.append(s.frame.t), max_samples=2)
    quit_ = threading.Event()
    drain = Drain()
    for item in (sample(0.0), drain, sample(1.0), sample(2.0), sample(3.0)):
        assert h.put(item, quit_)  # never waits
    h.close(EndOfStream())
    assert dropped == [0.0, 1.0]
    got = [h.get(0.1) for _ in range(4)]
    assert got[0] is drain and isinstance(got[3], EndOfStream)
    assert [g.frame.t for g in got[1:3] if isinstance(g, Sample)] == [2.0, 3.0]
    assert h.get(0.01) is None and len(h) == 0


def test_a_replay_handoff_waits_for_space_and_gives_up_on_quit() -> None:
    h = Handoff(Policy.WAIT, lambda s: None, max_samples=1)
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


def test_no_drafts_while_a_recogniser_call_costs_more_than_two_stream_seconds() -> None:
    """Audio arriving at ~20x real time and a 0.5 s recogniser call (10 s of stream):
    one draft measures the cost, then none (each would hold the sentence back)."""
    import time

    from models.protocols import SpeechSegment
    from streamer.perception.speech import SpeechWorker
    from streamer.perception.stats import StatsBook
    from streamer.types import AudioChunk, TextEvent

    class Slow:  # a sentence that goes on for the whole stream; a slow recogniser
        language_known = True

        def __init__(self) -> None:
            self.heard = 0.0

        def accept(self, t: float, samples: np.ndarray) -> list[SpeechSegment]:
            self.heard += len(samples) / 16000
            return []

        def speaking(self) -> tuple[int, float]:
            return 0, self.heard

        def hear_open(self) -> list[SpeechSegment]:
            time.sleep(0.5)
            return [SpeechSegment(0.0, self.heard, "so far", 1.0)]

        def flush(self) -> list[SpeechSegment]:
            return []

    heard: list[TextEvent] = []
    book = StatsBook()
    worker = SpeechWorker(Slow(), heard.append, book, threading.Event(), drafts=lambda: True)
    worker.start()
    for i in range(100):  # 20 s of stream in about a second
        worker.accept(AudioChunk(i * 0.2, 16000, np.zeros(3200, np.float32)))
        time.sleep(0.01)
    worker.close()
    assert book.snapshot().speech_drafts == 1 and len(heard) == 1
