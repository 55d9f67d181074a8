"""The perception worker: frames and sound in, observations and a text timeline out.

One thread reads the source queue. Video frames are sampled (a fixed rate plus
any cut detected on a tiny grey thumbnail), encoded in small batches (tags,
pooled feature, token map), read by OCR on key frames (a scene change or every
`ocr_every` seconds; the text is carried forward while the scene stays), and
handed on as `Observation`s. Audio goes, never dropped once accepted, to a
second thread that finds and transcribes speech. Both write `TextEvent`s.

Perception never waits for the reasoner: it only calls the two callbacks it
was given (memory write, timeline add), which take a short lock.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

from models.protocols import FrameEncoder, FrameFeatures, SpeechSegment, TextLine, TextReader
from streamer.capture.base import JOIN_TIMEOUT, Source
from streamer.capture.queue import Policy
from streamer.types import AudioChunk, EndOfStream, Frame, Observation, TextEvent

CUT_SIDE = (32, 18)  # px: grey thumbnail compared frame to frame to spot cuts
OCR_CHANGE = 3.0  # mean abs grey difference since the last OCR that is worth reading again
_FLUSH = object()  # sent to the speech thread: finish the segment in progress now


@dataclass
class PerceptionConfig:
    fps: float = 1.0  # frames sampled per second of stream (plus cuts)
    cut_threshold: float = 20.0  # mean abs grey difference (0-255) that counts as a cut
    scene_threshold: float = 0.85  # feature cosine below which a frame starts a new scene
    ocr: bool = True
    ocr_every: float = 5.0  # seconds between OCR runs within one scene
    speech: bool = True
    tag_min_prob: float = 0.25  # tags at least this probable go on the timeline
    thumb_side: int = 160  # px, longest side of the JPEG thumbnail
    max_batch: int = 8  # frames encoded together when perception is behind
    max_lag: float = 3.0  # seconds: a live frame this far behind capture is dropped

    def __post_init__(self) -> None:
        if self.fps <= 0 or self.max_batch < 1 or self.max_lag <= 0:
            raise ValueError("fps, max_batch and max_lag must be positive")


class Transcriber(Protocol):
    """What the speech thread needs: audio in by stream time, finished segments out."""

    def accept(self, t_start: float, samples: np.ndarray) -> list[SpeechSegment]: ...

    def flush(self) -> list[SpeechSegment]: ...


@dataclass
class PerceptionModels:
    encoder: FrameEncoder
    reader: TextReader | None = None
    transcriber: Transcriber | None = None


@dataclass
class StageTime:
    seconds: float = 0.0
    calls: int = 0
    items: int = 0

    def add(self, seconds: float, items: int = 1) -> None:
        self.seconds += seconds
        self.calls += 1
        self.items += items

    @property
    def per_item_ms(self) -> float:
        return 1000 * self.seconds / self.items if self.items else 0.0


@dataclass
class PerceptionStats:
    frames_in: int = 0  # frames taken from the source
    frames_sampled: int = 0  # frames chosen for encoding
    frames_dropped: int = 0  # live frames skipped because perception was behind
    observations: int = 0
    text_events: int = 0
    audio_seconds: float = 0.0  # audio accepted for speech recognition
    stream_time: float = 0.0  # stream time of the newest frame or audio processed
    lag: float = 0.0  # seconds the processed stream time trails the captured one
    wall_seconds: float = 0.0
    stages: dict[str, StageTime] = field(default_factory=dict)
    ended: bool = False
    error: str | None = None

    @property
    def x_realtime(self) -> float:
        return self.stream_time / self.wall_seconds if self.wall_seconds > 0 else 0.0


ObservationSink = Callable[[Observation], None]
TextSink = Callable[[TextEvent], None]


class Perception:
    """Runs the models over a source in two threads (vision, speech)."""

    def __init__(
        self,
        source: Source,
        models: PerceptionModels,
        on_observation: ObservationSink,
        on_text: TextSink,
        config: PerceptionConfig | None = None,
    ) -> None:
        self.source, self.models, self.config = source, models, config or PerceptionConfig()
        self._on_observation, self._on_text = on_observation, on_text
        self._stats = PerceptionStats(
            stages={k: StageTime() for k in ("wait", "encode", "ocr", "speech")}
        )
        self._lock = threading.Lock()
        # unbounded: accepted audio is never dropped; None ends it, _FLUSH finishes a segment
        self._audio: queue.Queue[AudioChunk | object | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._vision = _VisionState()
        self._t0 = 0.0
        # replay gate (ask-at-time replays): nothing at or after `_gate` is processed
        self._gate: float | None = None
        self._gate_cond = threading.Condition()
        self._at_gate: float | None = None  # the gate time reached and fully processed
        self._speech_idle = threading.Event()
        self._speech_idle.set()
        self._done = threading.Event()  # the vision thread has finished

    # -- control -------------------------------------------------------------------
    def start(self) -> Perception:
        self._t0 = time.perf_counter()
        self._threads = [
            threading.Thread(target=self._run_vision, name="perception-vision", daemon=True)
        ]
        if self.config.speech and self.models.transcriber is not None:
            self._threads.append(
                threading.Thread(target=self._run_speech, name="perception-speech", daemon=True)
            )
        for t in self._threads:
            t.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        self._stop.set()
        with self._gate_cond:
            self._gate_cond.notify_all()  # wake a thread parked at the gate
        self._audio.put(None)
        for t in self._threads:
            t.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the end of stream to be fully processed. True when it has."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for t in self._threads:
            t.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def hold_at(self, t: float | None) -> None:
        """Process the stream only up to stream time `t` (None: no limit)."""
        with self._gate_cond:
            self._gate, self._at_gate = t, None
            self._gate_cond.notify_all()

    def wait_gate(self, timeout: float | None = None) -> bool:
        """Wait until everything before the gate is processed (or the stream ended)."""
        with self._gate_cond:
            return self._gate_cond.wait_for(
                lambda: self._at_gate is not None or self._done.is_set() or self._stop.is_set(),
                timeout,
            )

    def stats(self) -> PerceptionStats:
        with self._lock:
            s = self._stats
            out = PerceptionStats(
                **{
                    **s.__dict__,
                    "stages": {
                        k: StageTime(v.seconds, v.calls, v.items) for k, v in s.stages.items()
                    },
                }
            )
        if not out.ended:
            out.wall_seconds = time.perf_counter() - self._t0
        return out

    # -- vision thread -------------------------------------------------------------
    def _run_vision(self) -> None:
        pending: list[_Sample] = []
        try:
            while not self._stop.is_set():
                t = time.perf_counter()
                item = self.source.queue.get(timeout=0.1)
                self._time("wait", time.perf_counter() - t, 0)
                if item is None:
                    continue
                if not isinstance(item, EndOfStream) and self._gated(item.t):
                    if pending:
                        self._perceive(pending)
                        pending = []
                    if not self._park(item.t):
                        break
                if isinstance(item, EndOfStream):
                    self._set(error=item.error)
                    break
                if isinstance(item, AudioChunk):
                    self._accept_audio(item)
                    continue
                sample = self._take(item)
                if sample is not None:
                    pending.append(sample)
                if pending and (
                    len(pending) >= self.config.max_batch or not len(self.source.queue)
                ):
                    self._perceive(pending)
                    pending = []
            if pending:
                self._perceive(pending)
        except Exception as e:
            self._set(error=f"perception failed: {type(e).__name__}: {e}")
            raise
        finally:
            self._audio.put(None)
            if len(self._threads) > 1:
                self._threads[1].join()
            with self._lock:
                self._stats.wall_seconds = time.perf_counter() - self._t0
                self._stats.ended = True
            with self._gate_cond:
                self._done.set()
                self._gate_cond.notify_all()

    def _gated(self, t: float) -> bool:
        gate = self._gate
        return gate is not None and t >= gate

    def _park(self, t: float) -> bool:
        """At the gate: finish speech before it, report, wait to be let on. False if stopped."""
        if self.config.speech and self.models.transcriber is not None:
            self._speech_idle.clear()
            self._audio.put(_FLUSH)
            while not self._speech_idle.wait(0.1):
                if self._stop.is_set() or not self._threads[1].is_alive():
                    break
        with self._gate_cond:
            # report every gate that still holds this item (the same time may be asked twice)
            while self._gated(t) and not self._stop.is_set():
                self._at_gate = self._gate
                self._gate_cond.notify_all()
                self._gate_cond.wait()
        return not self._stop.is_set()

    def _take(self, frame: Frame) -> _Sample | None:
        """Sampling: keep frames at the configured rate, plus cuts; drop late live frames."""
        v, c = self._vision, self.config
        with self._lock:
            self._stats.frames_in += 1
            captured = self.source.stats().video_seconds
            self._stats.lag = max(0.0, captured - frame.t - self.source.frame_period)
        small = cv2.cvtColor(
            cv2.resize(frame.image, CUT_SIDE, interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
        ).astype(np.float32)
        cut = (
            v.last_small is not None
            and float(np.abs(small - v.last_small).mean()) > c.cut_threshold
        )
        due = v.next_sample is None or frame.t >= v.next_sample - 1e-6
        if not (due or cut):
            return None
        if self.source.queue.policy is Policy.DROP_OLDEST and self._stats.lag > c.max_lag:
            with self._lock:
                self._stats.frames_dropped += 1
            return None
        v.last_small = small
        v.next_sample = frame.t + 1.0 / c.fps
        with self._lock:
            self._stats.frames_sampled += 1
        return _Sample(frame, small, cut)

    def _perceive(self, samples: list[_Sample]) -> None:
        t = time.perf_counter()
        feats = self.models.encoder.encode([s.frame.image for s in samples])
        self._time("encode", time.perf_counter() - t, len(samples))
        for sample, feat in zip(samples, feats):
            self._observe(sample, feat)

    def _needs_ocr(self, sample: _Sample, scene_change: bool) -> bool:
        """OCR on key frames: a new scene, or a scene that has changed since it was read."""
        v, c = self._vision, self.config
        if not c.ocr or self.models.reader is None:
            return False
        if scene_change or v.ocr_t is None or v.ocr_small is None:
            return True
        changed = float(np.abs(sample.small - v.ocr_small).mean()) > OCR_CHANGE
        return changed and sample.frame.t - v.ocr_t >= c.ocr_every

    def _observe(self, sample: _Sample, feat: FrameFeatures) -> None:
        v, c, frame = self._vision, self.config, sample.frame
        scene_change = (
            v.feature is None or sample.cut or float(feat.feature @ v.feature) < c.scene_threshold
        )
        v.feature = feat.feature
        span_end = frame.t + 1.0 / c.fps
        lines: tuple[TextLine, ...] | None = None
        if self._needs_ocr(sample, scene_change):
            assert self.models.reader is not None
            t = time.perf_counter()
            found = self.models.reader.read(frame.image)
            self._time("ocr", time.perf_counter() - t)
            lines = tuple(found)
            v.ocr_t, v.ocr_small = frame.t, sample.small
            v.ocr_text = " / ".join(x.text for x in found)
        elif scene_change:
            v.ocr_text = ""  # new scene, not read yet: carry nothing over
        if v.ocr_text:
            self._text(TextEvent("ocr", v.ocr_text, frame.t, span_end))
        tags = [name for name, p in feat.tags if p >= c.tag_min_prob]
        if tags:
            self._text(TextEvent("tags", ", ".join(tags), frame.t, span_end, feat.tags[0][1]))
        obs = Observation(
            t=frame.t,
            seq=frame.seq,
            thumbnail=thumbnail(frame.image, c.thumb_side),
            tags=feat.tags,
            feature=feat.feature,
            tokens=feat.tokens,
            ocr=lines,
            scene_change=scene_change,
        )
        self._on_observation(obs)
        with self._lock:
            self._stats.observations += 1
            self._stats.stream_time = max(self._stats.stream_time, frame.t)

    # -- speech thread -------------------------------------------------------------
    def _accept_audio(self, chunk: AudioChunk) -> None:
        with self._lock:
            self._stats.audio_seconds += chunk.duration
            self._stats.stream_time = max(self._stats.stream_time, chunk.end)
        if self.config.speech and self.models.transcriber is not None:
            self._audio.put(chunk)

    def _run_speech(self) -> None:
        transcriber = self.models.transcriber
        assert transcriber is not None
        while True:
            chunk = self._audio.get()
            if self._stop.is_set():
                return  # stopped by the user: the backlog is not wanted any more
            t = time.perf_counter()
            if isinstance(chunk, AudioChunk):
                segments = transcriber.accept(chunk.t, chunk.samples)
            else:
                segments = transcriber.flush()
            self._time("speech", time.perf_counter() - t, int(isinstance(chunk, AudioChunk)))
            for s in segments:
                if s.text.strip():
                    self._text(
                        TextEvent(
                            "speech", s.text.strip(), s.start, max(s.end, s.start), s.confidence
                        )
                    )
            if chunk is None:
                return
            if chunk is _FLUSH:
                self._speech_idle.set()

    # -- helpers -------------------------------------------------------------------
    def _text(self, event: TextEvent) -> None:
        self._on_text(event)
        with self._lock:
            self._stats.text_events += 1

    def _time(self, stage: str, seconds: float, items: int = 1) -> None:
        with self._lock:
            self._stats.stages[stage].add(seconds, items)

    def _set(self, **fields: object) -> None:
        with self._lock:
            for k, val in fields.items():
                setattr(self._stats, k, val)


@dataclass
class _Sample:
    frame: Frame
    small: np.ndarray  # (18, 32) float32 grey thumbnail
    cut: bool  # differs sharply from the previous sample


@dataclass
class _VisionState:
    next_sample: float | None = None
    last_small: np.ndarray | None = None  # (18, 32) float32 grey thumbnail of the last sample
    feature: np.ndarray | None = None  # (D,) feature of the last observation
    ocr_t: float | None = None  # stream time OCR last ran
    ocr_small: np.ndarray | None = None  # (18, 32) grey thumbnail of the frame OCR last read
    ocr_text: str = ""  # text read in the current scene, carried forward


def thumbnail(image: np.ndarray, side: int) -> bytes:
    """(H, W, 3) uint8 RGB -> JPEG bytes, longest side `side` px."""
    h, w = image.shape[:2]
    s = side / max(h, w)
    small = (
        cv2.resize(image, (max(1, int(w * s)), max(1, int(h * s))), interpolation=cv2.INTER_AREA)
        if s < 1
        else image
    )
    ok, buf = cv2.imencode(
        ".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80]
    )
    assert ok
    return buf.tobytes()
