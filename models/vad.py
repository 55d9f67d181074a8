"""Silero VAD: speech probability per 32 ms window, and the spans where someone speaks.

The packaged ONNX model runs in onnxruntime directly (no torch, no hub
download). `SileroVad` holds the shared session; a `VadStream` holds the
recurrent state of one audio stream; `SpanTracker` turns window
probabilities into speech spans with Silero's hysteresis rules.

Example:
    >>> vad = SileroVad()
    >>> vad.speech_spans(samples)  # doctest: +SKIP
    [(1.984, 4.64)]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from models import weights
from models.loading import loads
from models.protocols import SAMPLE_RATE

__all__ = ["SileroVad", "Span", "SpanTracker", "VadConfig", "VadStream", "WINDOW", "as_mono_float"]

WINDOW = 512  # samples: 32 ms at 16 kHz, the only window Silero VAD v5+ takes at 16 kHz
CONTEXT = 64  # samples of the previous window that Silero v5+ prepends to each input at 16 kHz
STATE_SHAPE = (2, 1, 128)  # LSTM state (h and c, batch 1, 128 units)


@dataclass(frozen=True)
class VadConfig:
    """When probabilities become speech spans; defaults follow Silero's get_speech_timestamps."""

    threshold: float = 0.5  # a window is speech when its probability is >= this
    neg_threshold_gap: float = 0.15  # ... and silence when it is < threshold - gap
    min_speech_s: float = 0.25  # shorter spans are dropped
    min_silence_s: float = 0.5  # a pause this long ends a span
    max_segment_s: float = 15.0  # longer speech is split, at its latest pause if it had one
    min_split_pause_s: float = 0.1  # a pause at least this long is a split point (Silero: 98 ms)
    pad_s: float = 0.2  # audio kept either side of a span when it is transcribed

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), not {self.threshold}")
        if self.max_segment_s <= self.min_speech_s or self.min_silence_s <= 0:
            raise ValueError("need max_segment_s > min_speech_s and min_silence_s > 0")
        if self.pad_s < 0 or self.pad_s >= self.min_silence_s:
            raise ValueError("pad_s must be in [0, min_silence_s): the end pad must be heard")


@dataclass(frozen=True)
class Span:
    """A stretch of speech in samples; a `cut` side was split off mid-speech, not at a pause."""

    start: int  # first sample
    end: int  # one past the last sample
    cut_before: bool = False  # continues a span split at max_segment_s
    cut_after: bool = False  # speech goes on in the next span


class SpanTracker:
    """Window probabilities in, closed speech spans out; one tracker per stream.

    Hysteresis as in Silero's get_speech_timestamps: a window >= threshold is
    speech, one < threshold - gap is silence, anything between keeps the state.
    A span longer than max_segment_s is cut at its latest pause of at least
    min_split_pause_s, else at its least speech-like window.
    """

    def __init__(self, config: VadConfig, rate: int = SAMPLE_RATE) -> None:
        self.config = config
        self._min_speech = int(config.min_speech_s * rate)
        self._min_silence = int(config.min_silence_s * rate)
        self._max_len = int(config.max_segment_s * rate)
        self._min_pause = int(config.min_split_pause_s * rate)
        self._start: int | None = None  # sample where the open span began
        self._continued = False  # the open span continues one that was cut
        self._silence_from: int | None = None  # sample where the current pause began
        self._pause_mid: int | None = None  # middle of the latest long-enough pause in the span
        self._dip: tuple[float, int] | None = None  # (lowest probability, its window's middle)

    @property
    def open_start(self) -> int | None:
        """First sample of the span still open, or None."""
        return self._start

    @property
    def pausing(self) -> bool:
        """The open span has gone quiet (it ends if the pause lasts `min_silence_s`)."""
        return self._silence_from is not None

    def push(self, prob: float, pos: int) -> list[Span]:
        """Take the probability of the window starting at sample `pos`; return spans it closed."""
        end = pos + WINDOW
        out: list[Span] = []
        cfg = self.config
        if prob >= cfg.threshold:
            if self._silence_from is not None and pos - self._silence_from >= self._min_pause:
                self._pause_mid = (self._silence_from + pos) // 2
            self._silence_from = None
            if self._start is None:
                self._start = pos
        elif prob < cfg.threshold - cfg.neg_threshold_gap and self._start is not None:
            if self._silence_from is None:
                self._silence_from = pos
            if end - self._silence_from >= self._min_silence:
                out += self._close(self._silence_from)
        if self._start is not None and pos - self._start >= self._min_speech:
            if self._dip is None or prob < self._dip[0]:
                self._dip = (prob, pos + WINDOW // 2)
        if self._start is not None and end - self._start > self._max_len:
            out += self._split(end)
        return out

    def finish(self, end: int) -> list[Span]:
        """End of audio at sample `end`: close the open span, if any."""
        if self._start is None:
            return []
        return self._close(self._silence_from if self._silence_from is not None else end)

    def peek(self, end: int) -> Span | None:
        """The span `finish(end)` would close, left open: what a replay's gate hears so far."""
        if self._start is None:
            return None
        stop = self._silence_from if self._silence_from is not None else end
        if stop - self._start < self._min_speech and not self._continued:
            return None
        in_speech = self._silence_from is None
        return Span(self._start, stop, cut_before=self._continued, cut_after=in_speech)

    def _split(self, end: int) -> list[Span]:
        assert self._start is not None
        if self._silence_from is not None:  # in a pause: end the span where the pause began
            return self._close(self._silence_from)
        cut = end
        if self._pause_mid is not None:
            cut = self._pause_mid
        elif self._dip is not None:
            cut = self._dip[1]
        span = Span(self._start, cut, cut_before=self._continued, cut_after=True)
        self._start, self._continued = cut, True
        self._pause_mid = self._dip = None
        return [span]

    def _close(self, end: int) -> list[Span]:
        start, continued = self._start, self._continued
        self._start, self._continued = None, False
        self._silence_from = self._pause_mid = self._dip = None
        if start is None or (end - start < self._min_speech and not continued):
            return []  # a blip, not speech; a continued span is kept however short
        return [Span(start, end, cut_before=continued)]


def as_mono_float(samples: np.ndarray) -> np.ndarray:
    """(n,) float32 view of float audio in [-1, 1]; integer PCM is refused, not rescaled."""
    audio = np.asarray(samples)
    if audio.dtype.kind != "f":
        raise ValueError(f"expected float audio in [-1, 1], got {audio.dtype}")
    return audio.astype(np.float32, copy=False).reshape(-1)


class VadStream:
    """The recurrent state of Silero VAD over one audio stream."""

    def __init__(self, vad: SileroVad) -> None:
        self._vad = vad
        self._state = np.zeros(STATE_SHAPE, np.float32)  # (2, 1, 128)
        self._context = np.zeros(CONTEXT, np.float32)  # (64,) tail of the previous window

    def prob(self, window: np.ndarray) -> float:
        """Speech probability of the next (512,) float32 window of the stream."""
        x = np.concatenate([self._context, window]).astype(np.float32, copy=False)[None]  # (1, 576)
        prob, self._state = self._vad.run(x, self._state)
        self._context = x[0, -CONTEXT:]
        return prob


class SileroVad:
    """Voice activity detection behind the `VoiceDetector` protocol; loads on first use."""

    def __init__(self, config: VadConfig | None = None, threads: int = 1) -> None:
        self.config = config or VadConfig()
        self.threads = threads  # onnxruntime intra-op threads; the model is tiny
        self._lock = threading.Lock()
        self._session: Any = None

    def load(self) -> None:
        """Load now instead of on the first call."""
        with self._lock:
            self._load_locked()

    def stream(self) -> VadStream:
        """Fresh state for a new audio stream."""
        return VadStream(self)

    def run(self, x: np.ndarray, state: np.ndarray) -> tuple[float, np.ndarray]:
        """One step: (1, 576) float32 input and (2, 1, 128) state -> (probability, new state)."""
        with self._lock:
            self._load_locked()
            feeds = {"input": x, "state": state, "sr": np.array(SAMPLE_RATE, np.int64)}
            out, new_state = self._session.run(None, feeds)  # (1, 1), (2, 1, 128)
        return float(out[0, 0]), new_state

    def speech_spans(self, samples: np.ndarray) -> list[tuple[float, float]]:
        """(start, end) seconds of speech in (n,) float32 16 kHz mono audio."""
        samples = as_mono_float(samples)
        n = len(samples)
        padded = np.pad(samples, (0, -n % WINDOW))  # (ceil(n / 512) * 512,)
        stream, tracker = self.stream(), SpanTracker(self.config)
        spans: list[Span] = []
        for pos in range(0, len(padded), WINDOW):
            spans += tracker.push(stream.prob(padded[pos : pos + WINDOW]), pos)
        spans += tracker.finish(n)
        return [(sp.start / SAMPLE_RATE, min(sp.end, n) / SAMPLE_RATE) for sp in spans]

    @loads("Silero voice activity detector")
    def _load_locked(self) -> None:
        if self._session is not None:
            return
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        path = weights.ensure(weights.SILERO_VAD)
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
