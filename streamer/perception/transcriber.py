"""Streaming speech to text in stream time: Silero VAD finds speech, a recognizer reads it.

Each speech segment is transcribed once it is over (a pause of `min_silence_s`,
or `max_segment_s` of speech) and reported with stream times. The models are
adapters from `models/` (`SileroVad`, `WhisperRecognizer`); what turns them
into a timeline of the stream lives here.

Example:
    >>> transcriber = SpeechTranscriber(WhisperRecognizer(), SileroVad())  # doctest: +SKIP
    >>> for t, chunk in chunks:  # doctest: +SKIP
    ...     for seg in transcriber.accept(t, chunk):
    ...         print(f"{seg.start:.1f}-{seg.end:.1f} {seg.text}")
    >>> transcriber.flush()  # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from models.protocols import SAMPLE_RATE, SpeechRecognizer, SpeechSegment, SpokenLanguage
from models.vad import WINDOW, SileroVad, Span, SpanTracker, as_mono_float


class SpeechTranscriber:
    """Streaming speech to text: audio chunks in, finished speech segments out.

    Segment times are stream times: samples are counted from the `t_start` of
    the first chunk, and each later chunk's `t_start` corrects that clock. A
    chunk that does not follow on from the previous one (a gap or overlap above
    `gap_tolerance_s`, e.g. dropped audio) ends the open segment and restarts
    the clock at its own `t_start`. Audio is kept only as long as a segment may
    still need it: at most about `max_segment_s` plus padding.

    Not thread-safe: one transcriber per audio stream, fed by one thread.
    """

    def __init__(
        self,
        recognizer: SpeechRecognizer,
        vad: SileroVad,
        gap_tolerance_s: float = 0.1,
        language: str | None = None,
    ) -> None:
        self.recognizer, self.vad = recognizer, vad
        self.language = SpokenLanguage(language)  # this stream's: given, or settled as heard
        self.gap_tolerance_s = gap_tolerance_s
        self._pad = int(self.vad.config.pad_s * SAMPLE_RATE)
        self._reset()

    def _reset(self) -> None:
        self._t0: float | None = None  # stream time of sample 0
        self._n = 0  # samples accepted since t0
        self._buf = np.zeros(0, np.float32)  # (n - buf_start,) the samples still kept
        self._buf_start = 0  # sample index of _buf[0]
        self._vad_pos = 0  # first sample not yet seen by the VAD
        self._heard_until = 0  # audio before this sample was already given to the recognizer
        self._vad_stream = self.vad.stream()
        self._tracker = SpanTracker(self.vad.config)

    @property
    def buffered_seconds(self) -> float:
        """Audio held for segments not yet transcribed."""
        return len(self._buf) / SAMPLE_RATE

    def accept(self, t_start: float, samples: np.ndarray) -> list[SpeechSegment]:
        """Add a chunk of (n,) float 16 kHz mono audio starting at stream time `t_start`.

        Returns:
            The speech segments this chunk completed (often none), in time order.
        """
        chunk = as_mono_float(samples)
        out: list[SpeechSegment] = []
        if self._t0 is not None:
            drift = t_start - (self._t0 + self._n / SAMPLE_RATE)
            if abs(drift) > self.gap_tolerance_s:
                out += self.flush()  # audio was dropped or the source jumped
            else:
                self._t0 += drift  # follow the source's clock so small drifts never add up
        if self._t0 is None:
            self._t0 = t_start
        self._buf = np.concatenate([self._buf, chunk])
        self._n += len(chunk)
        while self._vad_pos + WINDOW <= self._n:
            out += self._step(self._window(self._vad_pos))
        self._trim()
        return out

    @property
    def language_known(self) -> bool:
        """The recognizer reads in a known language: a draft need not detect one (Whisper
        guesses badly and slowly on a second of speech)."""
        return self.language.known

    def speaking(self) -> tuple[int, float] | None:
        """(first sample, seconds heard) of the sentence still being spoken; None when none
        is open or it has paused (it may be ending: its whole is read soon)."""
        start = self._tracker.open_start
        if start is None or self._tracker.pausing:
            return None
        return start, (self._n - start) / SAMPLE_RATE

    def hear_open(self) -> list[SpeechSegment]:
        """The speech still open, transcribed as far as it has been heard; nothing changes.

        A replay's gate calls this before a question, so a sentence being spoken
        is heard up to that moment while its span goes on: once it ends it is
        transcribed whole, exactly as in a replay that never stopped there
        (ending it at the gate would transcribe two halves, each misheard). The
        timeline lets the whole sentence replace this draft (same start).
        """
        span = self._tracker.peek(self._n)
        if span is None:
            return []
        return self._read(span, draft=True)

    def flush(self) -> list[SpeechSegment]:
        """End of stream: transcribe what is still open and start afresh."""
        out: list[SpeechSegment] = []
        if self._vad_pos < self._n:  # a last partial window, padded with silence
            tail = self._window(self._vad_pos)
            out += self._step(np.pad(tail, (0, WINDOW - len(tail))))
        for span in self._tracker.finish(self._n):
            out += self._transcribe(span)
        self._reset()
        return out

    def _window(self, pos: int) -> np.ndarray:
        lo = pos - self._buf_start
        return self._buf[lo : lo + WINDOW]  # (<= 512,)

    def _step(self, window: np.ndarray) -> list[SpeechSegment]:
        """Run the VAD on the window at `_vad_pos`; transcribe the spans it closes."""
        spans = self._tracker.push(self._vad_stream.prob(window), self._vad_pos)
        self._vad_pos += WINDOW
        out: list[SpeechSegment] = []
        for span in spans:
            out += self._transcribe(span)
        return out

    def _transcribe(self, span: Span) -> list[SpeechSegment]:
        """Transcribe one span as one stream-time segment.

        The audio is padded by `pad_s` on sides that border silence, not on a
        side cut mid-speech, so consecutive pieces neither overlap nor leave a gap.
        """
        segments = self._read(span)
        self._heard_until = self._bounds(span)[1]
        return segments

    def _bounds(self, span: Span) -> tuple[int, int]:
        """The samples [lo, hi) a span is read from: padded where it borders silence."""
        a, b = span.start, min(span.end, self._n)
        lo = max(a if span.cut_before else a - self._pad, self._heard_until, self._buf_start)
        hi = min(b if span.cut_after else b + self._pad, self._n)
        return lo, hi

    def _read(self, span: Span, draft: bool = False) -> list[SpeechSegment]:
        """Transcribe a span's audio as one stream-time segment (a draft settles nothing)."""
        lo, hi = self._bounds(span)
        a, b = span.start, min(span.end, self._n)
        if hi - lo < WINDOW:
            return []
        audio = self._buf[lo - self._buf_start : hi - self._buf_start]  # (hi - lo,)
        parts = self.recognizer.transcribe(audio, draft=draft, language=self.language)
        text = " ".join(p.text for p in parts).strip()
        if not text:
            return []
        weight = [max(p.end - p.start, 1e-3) for p in parts]
        conf = float(np.average([p.confidence for p in parts], weights=weight))
        assert self._t0 is not None
        return [SpeechSegment(self._t0 + a / SAMPLE_RATE, self._t0 + b / SAMPLE_RATE, text, conf)]

    def _trim(self) -> None:
        """Drop audio no open or future segment can need."""
        open_start = self._tracker.open_start
        needed = open_start if open_start is not None else self._vad_pos
        keep = max(self._buf_start, needed - self._pad)
        if keep > self._buf_start:
            self._buf = self._buf[keep - self._buf_start :].copy()
            self._buf_start = keep
