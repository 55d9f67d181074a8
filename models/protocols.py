"""The small interfaces `streamer/` codes against, and the records they return.

Importing this module is cheap (numpy only): the adapters behind these
protocols import their heavy libraries when a model is first used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

SAMPLE_RATE = 16_000  # Hz: every speech model here takes 16 kHz mono float32


@dataclass(frozen=True)
class EncoderInfo:
    """Which encoder made a set of frame features: features of two spaces never mix."""

    space: str  # e.g. "efficientnet-lite0@224"; a VLM's vision tower names its model
    dim: int  # D, the feature and token size
    grid: tuple[int, int]  # (h, w) of the token map of one frame
    # the tokens are what a language model reads (a VLM's own): a memory keeps each frame
    # at `grid`, the grid the model was trained on, and trades frames, not tokens per frame
    read_by_lm: bool = False


@dataclass(frozen=True, eq=False)
class FrameFeatures:
    """What the frame encoder made of one image."""

    tags: tuple[tuple[str, float], ...]  # top-k (ImageNet class name, probability), best first
    feature: np.ndarray  # (D,) float32, L2-normalised pooled feature; D = 1280 (EfficientNet-Lite0)
    tokens: np.ndarray  # (h, w, D) float32 spatial feature map; (7, 7, 1280) at 224 px input
    space: str  # EncoderInfo.space of the encoder that made it


@dataclass(frozen=True)
class TextLine:
    """One line of text found in an image."""

    text: str
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels of the input image
    confidence: float  # 0..1


@dataclass(frozen=True)
class Detection:
    """One object found in an image."""

    label: str  # COCO class name: "person", "bicycle", ...
    score: float  # 0..1
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 relative to the image (0..1)


@dataclass(frozen=True)
class SpeechSegment:
    """A stretch of transcribed speech."""

    start: float  # seconds (relative to the audio given, or stream time for SpeechTranscriber)
    end: float  # seconds, >= start
    text: str
    confidence: float = 1.0  # 0..1, exp(mean token log-probability)


@runtime_checkable
class FrameEncoder(Protocol):
    """Images in, tags and features out."""

    @property
    def info(self) -> EncoderInfo:
        """The space, size and grid of what `encode` returns."""
        ...

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        """Encode (H, W, 3) uint8 RGB images; one FrameFeatures per image, same order."""
        ...


@runtime_checkable
class TextReader(Protocol):
    """On-screen text (OCR)."""

    def read(self, image: np.ndarray) -> list[TextLine]:
        """Lines of text in an (H, W, 3) uint8 RGB image, top to bottom."""
        ...


@runtime_checkable
class ObjectDetector(Protocol):
    """Images in, the objects in each out."""

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Detection]]:
        """Objects in (H, W, 3) uint8 RGB images, best score first; one list per image."""
        ...


@runtime_checkable
class VoiceDetector(Protocol):
    """Where in a clip someone speaks."""

    def speech_spans(self, samples: np.ndarray) -> list[tuple[float, float]]:
        """(start, end) seconds of speech in (n,) float32 16 kHz mono audio."""
        ...


@dataclass
class SpokenLanguage:
    """The language one audio stream is read in, kept by whoever reads that stream.

    `code` is given (`--language en`) or None until the recognizer has settled
    on one from what it heard; `heard` is the recognizer's note between clips.
    Each stream has its own: a language heard in one stream never carries over.
    """

    code: str | None = None
    heard: str | None = None

    @property
    def known(self) -> bool:
        return self.code is not None


@runtime_checkable
class SpeechRecognizer(Protocol):
    """Speech to text."""

    def transcribe(
        self, samples: np.ndarray, draft: bool = False, language: SpokenLanguage | None = None
    ) -> list[SpeechSegment]:
        """Segments of (n,) float32 16 kHz mono audio, times relative to its first sample.

        `language`: the stream's language, read in when known, else detected and
        possibly settled there; None detects it for this clip alone. A `draft` (a
        sentence still being spoken, read in part) settles nothing.
        """
        ...


@runtime_checkable
class TextEmbedder(Protocol):
    """Sentences to vectors for similarity search."""

    @property
    def dim(self) -> int:
        """Length of each embedding."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised rows, one per text."""
        ...


@runtime_checkable
class Loadable(Protocol):
    """An adapter that can load its weights now instead of on first use."""

    def load(self) -> object:
        """Load (and verify) the weights; slow the first time, a no-op after."""
        ...
