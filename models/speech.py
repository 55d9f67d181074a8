"""Speech to text: Whisper base (faster-whisper, int8) behind the `SpeechRecognizer` protocol.

`WhisperRecognizer` transcribes a clip it is given, deterministically: the
same audio gives the same words. Turning a stream of audio into stream-time
segments (VAD, buffering, clock) is the engine's job
(`streamer/perception/transcriber.py`).

Example:
    >>> asr = WhisperRecognizer()
    >>> for seg in asr.transcribe(samples):  # doctest: +SKIP
    ...     print(f"{seg.start:.1f}-{seg.end:.1f} {seg.text}")
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from models import weights
from models.loading import loads
from models.protocols import SpeechSegment, SpokenLanguage
from models.vad import WINDOW, as_mono_float

__all__ = [
    "SpeechSegment",
    "SpokenLanguage",
    "WhisperConfig",
    "WhisperRecognizer",
    "check_language",
]


@dataclass(frozen=True)
class WhisperConfig:
    """How Whisper runs."""

    compute_type: str = "int8"  # CTranslate2 quantisation on CPU
    threads: int = 2  # CTranslate2 intra-op threads
    beam_size: int = 1  # greedy: 0.75 s vs 1.1 s (beam 5) for 5.8 s of speech here, same words
    sticky_language: bool = True  # settle a stream's detected language (see _settle_language)
    # Whisper's own silence rule: drop a segment when no_speech_prob > 0.6 and avg_logprob < -1.
    no_speech_threshold: float = 0.6
    logprob_threshold: float = -1.0

    def __post_init__(self) -> None:
        if self.threads < 1 or self.beam_size < 1:
            raise ValueError("threads and beam_size must be >= 1")


class WhisperRecognizer:
    """Whisper base behind the `SpeechRecognizer` protocol; loads on first use."""

    def __init__(self, config: WhisperConfig | None = None) -> None:
        self.config = config or WhisperConfig()
        self._lock = threading.Lock()
        self._model: Any = None

    def load(self) -> None:
        """Load now instead of on the first call (assembles the weights on first run)."""
        with self._lock:
            self._load_locked()

    def transcribe(
        self, samples: np.ndarray, draft: bool = False, language: SpokenLanguage | None = None
    ) -> list[SpeechSegment]:
        """Segments of (n,) float32 16 kHz mono audio, times relative to its first sample.

        `language`: the stream's (read in when known; detected and settled there when
        not, a known language skips detection, about 1 s a clip here); None detects it
        for this clip. A `draft` (part of a sentence still being spoken) settles nothing.
        """
        audio = as_mono_float(samples)
        if len(audio) < WINDOW:
            return []
        cfg = self.config
        with self._lock:
            self._load_locked()
            segments, info = self._model.transcribe(
                audio,
                language=language.code if language is not None else None,
                beam_size=cfg.beam_size,
                # temperature 0 only: faster-whisper's default falls back to sampling at
                # 0.2..1.0 on hard audio (noise, logprob < -1), so one clip read twice
                # could give two texts; greedy decoding gives the same words every time
                temperature=[0.0],
                vad_filter=False,  # callers pass speech; the stream transcriber runs Silero itself
                condition_on_previous_text=False,  # no prompt from an earlier 30 s window
            )
            segments = list(segments)  # the generator decodes lazily: consume it under the lock
            if language is not None and not language.known and cfg.sticky_language and not draft:
                _settle_language(language, info.language, info.language_probability)
        out = []
        for seg in segments:
            text = seg.text.strip()
            no_speech = seg.no_speech_prob > cfg.no_speech_threshold
            if text and not (no_speech and seg.avg_logprob < cfg.logprob_threshold):
                conf = min(1.0, math.exp(seg.avg_logprob))
                out.append(SpeechSegment(float(seg.start), float(seg.end), text, conf))
        return out

    @loads("Whisper speech recogniser")
    def _load_locked(self) -> None:
        if self._model is not None:
            return
        from faster_whisper import WhisperModel

        model_dir = weights.ensure(weights.WHISPER_BASE).parent
        self._model = WhisperModel(
            str(model_dir),
            device="cpu",
            compute_type=self.config.compute_type,
            cpu_threads=self.config.threads,
            local_files_only=True,
        )


def _settle_language(stream: SpokenLanguage, language: str, prob: float) -> None:
    """Keep a language found with p >= 0.9, or found in two clips in a row with p >= 0.5.

    A lower bar would let one misdetected short or noisy clip fix the wrong
    language for the rest of the stream (espeak English scores only 0.83).
    """
    if prob >= 0.9 or (prob >= 0.5 and language == stream.heard):
        stream.code = language
    stream.heard = language if prob >= 0.5 else None


def check_language(code: str) -> str:
    """`code` if Whisper reads that language; ValueError in one sentence if not."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if code not in _LANGUAGE_CODES:
        raise ValueError(
            f"Whisper does not know the language {code!r}; give a code such as en, de, fr or "
            "es, or leave the language out to have it detected."
        )
    return code
