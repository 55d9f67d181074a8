"""Perception: frames and sound in, observations and a text timeline out.

The `Perception` worker (worker.py) composes small parts, each in its module:

- sampler.py: which frames are looked at (a fixed rate, plus cuts, minus late live frames)
- cuts.py: cut detection on a tiny grey thumbnail
- ocr.py: when on-screen text is read, and carried forward within a scene
- speech.py: the speech thread (never drops accepted audio; flushed at the gate)
- transcriber.py: VAD + recognizer turned into stream-time speech segments
- gate.py: the replay gate that holds an ask-at-time replay at a stream time
- stats.py: counters and stage timings

Perception never waits for the reasoner: it only calls the two callbacks it
was given (memory write, timeline add), which take a short lock.
"""

from streamer.perception.config import PerceptionConfig, PerceptionModels, Transcriber
from streamer.perception.gate import ReplayGate
from streamer.perception.stats import PerceptionStats, StageTime
from streamer.perception.thumbnail import thumbnail
from streamer.perception.worker import Perception

__all__ = [
    "Perception",
    "PerceptionConfig",
    "PerceptionModels",
    "PerceptionStats",
    "ReplayGate",
    "StageTime",
    "Transcriber",
    "thumbnail",
]
