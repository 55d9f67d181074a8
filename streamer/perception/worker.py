"""The perception worker: composes the sampler, the OCR scheduler, the speech worker, the gate.

Two threads of its own (beside the speech worker's). The reader takes every
item off the source queue: audio goes straight to the speech worker's thread
(so what is said is never held up behind OCR or the detector), frames go
through the sampler, and the samples are handed over (`handoff.py`) to the
vision thread, which encodes them in small batches and makes `Observation`s
(with OCR on key frames). At a replay's gate the reader has the vision thread
drain what it was handed, then parks. Whatever way the vision thread ends (end
of stream, source error, a failure here, stop), its `finally` ends speech,
marks the stats ended, closes the gate and sets the done event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import numpy as np

from models.protocols import FrameFeatures, TextLine
from models.weights import ModelMissingError
from streamer.capture.base import JOIN_TIMEOUT, Source
from streamer.perception.config import PerceptionConfig, PerceptionModels
from streamer.perception.gate import SLICE_S, ReplayGate
from streamer.perception.handoff import Drain, Handoff
from streamer.perception.objects import ObjectStage
from streamer.perception.ocr import OcrScheduler
from streamer.perception.sampler import FrameSampler, Sample
from streamer.perception.speech import SpeechWorker
from streamer.perception.stats import PerceptionStats, StatsBook
from streamer.perception.thumbnail import thumbnail
from streamer.types import (
    AudioChunk,
    EndOfStream,
    Frame,
    FrameObjects,
    Observation,
    Policy,
    StreamItem,
    TextEvent,
)

ObservationSink = Callable[[Observation], None]
TextSink = Callable[[TextEvent], None]
ObjectSink = Callable[[FrameObjects], None]

log = logging.getLogger("streamer")


class Perception:
    """Runs the models over a source in two threads (vision, speech)."""

    def __init__(
        self,
        source: Source,
        models: PerceptionModels,
        on_observation: ObservationSink,
        on_text: TextSink,
        config: PerceptionConfig | None = None,
        on_objects: ObjectSink | None = None,
        drafts: Callable[[], bool] | None = None,
    ) -> None:
        self.source, self.models, self.config = source, models, config or PerceptionConfig()
        self._on_observation, self._on_text, self._on_objects = on_observation, on_text, on_objects
        c = self.config
        self._objects: ObjectStage | None = None
        if c.objects and models.detector is not None and on_objects is not None:
            self._objects = ObjectStage(
                models.detector, c.detect_every, 1.0 / c.sample_fps, c.detect_min_score
            )
        self.gate = ReplayGate()
        self._book = StatsBook()
        self._stop = threading.Event()
        self._quit = threading.Event()  # stopped, or the vision thread ended: the reader ends
        self._done = threading.Event()  # the vision thread has finished, speech included
        self._live = source.queue.policy is Policy.DROP_OLDEST
        self._handoff = Handoff(source.queue.policy, self._dropped)
        self._heard = 0.0  # stream time the audio accepted so far reaches
        self._sampler = FrameSampler(self.config, self._book)
        self._ocr = OcrScheduler(models.reader if self.config.ocr else None, self.config.ocr_every)
        self._feature: np.ndarray | None = None  # (D,) feature of the last observation
        self._speech: SpeechWorker | None = None
        if self.config.speech and models.transcriber is not None:
            self._speech = SpeechWorker(
                models.transcriber, self._text, self._book, self._stop, drafts
            )
        self._vision = threading.Thread(target=self._run, name="perception-vision", daemon=True)
        self._reader = threading.Thread(target=self._read, name="perception-read", daemon=True)

    # -- control -------------------------------------------------------------------
    def start(self) -> Perception:
        self._book.start_clock()
        if self._speech is not None:
            self._speech.start()  # before vision: the vision thread's end waits on it
        self._vision.start()
        self._reader.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        self._stop.set()
        self._quit.set()
        self.gate.close()  # wake a thread parked at the gate
        if self._speech is not None:
            self._speech.stop(timeout)
        for thread in (self._reader, self._vision):
            if thread.ident is not None:
                thread.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the end of stream to be fully processed. True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done.wait(SLICE_S) and self._vision.is_alive():
            if deadline is not None and time.monotonic() >= deadline:
                break
        return self._done.is_set()

    @property
    def running(self) -> bool:
        alive = self._vision.is_alive() or self._reader.is_alive()
        return alive or (self._speech is not None and self._speech.alive)

    def hold_at(self, t: float | None) -> None:
        """Process the stream only up to stream time `t` (None: no limit)."""
        self.gate.hold_at(t)

    def wait_gate(self, timeout: float | None = None) -> bool:
        """Wait until everything before the gate is processed (or the stream ended)."""
        return self.gate.wait_reached(timeout)

    def stats(self) -> PerceptionStats:
        return self._book.snapshot()

    # -- reader thread ---------------------------------------------------------------
    def _read(self) -> None:
        end = EndOfStream()
        try:
            end = self._read_source()
        except Exception as e:
            log.debug("perception's reader failed", exc_info=True)
            self._book.fail(unexpected(e))
        finally:
            self._handoff.close(end)  # the end marker: never waits, never dropped, comes last

    def _read_source(self) -> EndOfStream:
        """Take items off the source until its end (returned) or a stop."""
        while not self._quit.is_set():
            item = self._next_item()
            if item is None:
                continue
            if isinstance(item, EndOfStream):
                return item
            if self.gate.blocks(item.t) and not (self._drain() and self._park(item.t)):
                break
            if isinstance(item, AudioChunk):
                self._accept_audio(item)
                continue
            sample = self._sampler.take(item, self._lag(item), self._live)
            if sample is not None and not self._handoff.put(sample, self._quit):
                break
        return EndOfStream()

    def _next_item(self) -> StreamItem | None:
        t = time.perf_counter()
        item = self.source.queue.get(timeout=SLICE_S)
        self._book.time("wait", time.perf_counter() - t, 0)
        return item

    def _lag(self, frame: Frame) -> float:
        """Seconds `frame` trails the newest captured stream time."""
        captured = self.source.stats().video_seconds
        return max(0.0, captured - frame.t - self.source.frame_period)

    def _drain(self) -> bool:
        """Wait until the vision thread has encoded every sample handed over. False if it ended."""
        marker = Drain()
        self._handoff.put(marker, self._quit)
        while not marker.done.wait(SLICE_S):
            if self._quit.is_set():
                return False
        return True

    def _park(self, t: float) -> bool:
        """At the gate: finish speech before it, report, wait to be let on. False if stopped."""
        if self._speech is not None:
            self._speech.flush()
        self.gate.park(t, self._stop)
        return not self._stop.is_set() and not self.gate.closed

    def _accept_audio(self, chunk: AudioChunk) -> None:
        self._book.count(audio_seconds=chunk.duration)
        self._heard = max(self._heard, chunk.end)
        if not len(self._handoff):  # frames handed over and not seen yet: time is theirs
            self._book.advance(chunk.end)
        if self._speech is not None:
            self._speech.accept(chunk)

    def _dropped(self, sample: Sample) -> None:
        """A live sample the vision thread did not get to in time."""
        self._book.count(frames_dropped=1, frames_sampled=-1)

    # -- vision thread -------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._see()
        except ModelMissingError as e:  # already one sentence with the command that fixes it
            self._book.fail(str(e))
        except Exception as e:
            # one sentence for the user (Session raises it); the traceback for --verbose logs
            log.debug("perception failed", exc_info=True)
            self._book.fail(unexpected(e))
        finally:
            self._quit.set()  # the reader stops taking items nobody will see
            try:
                if self._speech is not None:
                    self._speech.close()
            finally:
                self._book.end()
                self.gate.close()
                self._done.set()

    def _see(self) -> None:
        """Encode what the reader hands over until its end marker (or a stop)."""
        pending: list[Sample] = []
        while not self._stop.is_set():
            item = self._handoff.get(SLICE_S)
            if item is None:
                continue
            if isinstance(item, EndOfStream):
                if item.error:
                    self._book.fail(item.error)
                break
            if isinstance(item, Drain):
                pending = self._caught_up(pending)
                item.done.set()
                continue
            lag = self._lag(item.frame)
            self._book.set(lag=lag)  # how far what is being seen trails the picture
            if self._live and lag > self.config.max_lag:
                self._dropped(item)  # fell this far behind in the hand-off
                continue
            pending.append(item)
            if not len(self._handoff):
                pending = self._caught_up(pending)
            elif len(pending) >= self.config.max_batch:
                pending = self._perceive(pending)
        self._caught_up(pending)

    def _caught_up(self, samples: list[Sample]) -> list[Sample]:
        """Perceive `samples`, the last handed over: the audio heard so far is processed too."""
        samples = self._perceive(samples)
        if not len(self._handoff):
            self._book.advance(self._heard)
        return samples

    def _perceive(self, samples: list[Sample]) -> list[Sample]:
        """Encode and observe `samples`; returns the empty list of samples still pending."""
        if not samples:
            return samples
        first = samples[0]
        early = first.cut or self._feature is None  # a new scene for sure: its text first
        read = self._read_text(first, True) if early else None
        t = time.perf_counter()
        feats = self.models.encoder.encode([s.frame.image for s in samples])
        self._book.time("encode", time.perf_counter() - t, len(samples))
        found: list[FrameObjects | None] = [None] * len(samples)
        if self._objects is not None:
            t = time.perf_counter()
            found = self._objects.step(samples)
            n = sum(f is not None for f in found)
            if n:
                self._book.time("detect", time.perf_counter() - t, n)
        for i, (sample, feat, objects) in enumerate(zip(samples, feats, found)):
            if objects is not None and self._on_objects is not None:
                self._on_objects(objects)
            self._observe(sample, feat, early and i == 0, read)
        return []

    def _read_text(self, sample: Sample, scene_change: bool) -> tuple[TextLine, ...] | None:
        """OCR `sample` if it is a key frame; its text (carried in the scene) to the timeline."""
        t = time.perf_counter()
        lines = self._ocr.step(sample, scene_change)
        if lines is not None:
            self._book.time("ocr", time.perf_counter() - t)
        if self._ocr.text:
            frame = sample.frame
            span_end = frame.t + 1.0 / self.config.sample_fps
            self._text(TextEvent("ocr", self._ocr.text, frame.t, span_end, self._ocr.confidence))
        return lines

    def _observe(
        self,
        sample: Sample,
        feat: FrameFeatures,
        read_before: bool = False,
        read: tuple[TextLine, ...] | None = None,
    ) -> None:
        """One observation of `sample`; `read`: its OCR lines if `read_before` (None: no OCR)."""
        c, frame = self.config, sample.frame
        last = self._feature
        scene_change = last is None or sample.cut or float(feat.feature @ last) < c.scene_threshold
        self._feature = feat.feature
        span_end = frame.t + 1.0 / c.sample_fps
        lines = read if read_before else self._read_text(sample, scene_change)
        tags = [name for name, p in feat.tags if p >= c.tag_min_prob]
        if tags:
            self._text(TextEvent("tags", ", ".join(tags), frame.t, span_end, feat.tags[0][1]))
        self._on_observation(
            Observation(
                t=frame.t,
                seq=frame.seq,
                thumbnail=thumbnail(frame.image, c.thumb_side),
                tags=feat.tags,
                feature=feat.feature,
                tokens=feat.tokens,
                ocr=lines,
                scene_change=scene_change,
                space=feat.space,
            )
        )
        self._book.count(observations=1)
        self._book.advance(frame.t)

    def _text(self, event: TextEvent) -> None:
        self._on_text(event)
        self._book.count(text_events=1)


def unexpected(e: Exception) -> str:
    """A programming error's one sentence (a model that cannot load says its own)."""
    return (
        f"Perception stopped on an unexpected error ({type(e).__name__}: {e}); "
        "this is a bug in streamer: please report it with the command you ran."
    )
