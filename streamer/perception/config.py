"""What perception is asked to do (`PerceptionConfig`) and with which models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from models.protocols import FrameEncoder, ObjectDetector, SpeechSegment, TextReader


@dataclass
class PerceptionConfig:
    sample_fps: float = 1.0  # frames sampled per second of stream (plus cuts)
    cut_threshold: float = 20.0  # mean abs grey difference (0-255) that counts as a cut
    scene_threshold: float = 0.85  # feature cosine below which a frame starts a new scene
    ocr: bool = True
    ocr_every: float = 5.0  # seconds between OCR runs within one scene
    speech: bool = True
    language: str | None = None  # what is spoken ("en"); None: detected in each stream
    objects: bool = True  # COCO objects on the sampled frames (needs a detector)
    detect_every: float = 1.0  # seconds of stream between detector runs (cuts run it at once)
    detect_min_score: float = 0.4  # detections this sure or more are kept
    tag_min_prob: float = 0.25  # tags at least this probable go on the timeline
    thumb_side: int = 160  # px, longest side of the JPEG thumbnail
    max_batch: int = 8  # frames encoded together when perception is behind
    max_lag: float = 3.0  # seconds: a live frame this far behind capture is dropped

    def __post_init__(self) -> None:
        if self.sample_fps <= 0 or self.max_batch < 1 or self.max_lag <= 0:
            raise ValueError("sample_fps, max_batch and max_lag must be positive")
        if self.detect_every <= 0 or not 0.0 <= self.detect_min_score <= 1.0:
            raise ValueError("detect_every must be positive and detect_min_score in 0..1")
        if self.language is not None:
            from models.speech import check_language

            check_language(self.language)

    @classmethod
    def from_dict(cls, saved: Mapping[str, Any]) -> PerceptionConfig:
        """A config saved with `asdict`; sessions saved before the rename wrote `fps`."""
        fields = dict(saved)
        if "fps" in fields:
            fps = fields.pop("fps")
            fields.setdefault("sample_fps", fps)
        return cls(**fields)


class Transcriber(Protocol):
    """What the speech worker needs: audio in by stream time, finished segments out."""

    def accept(self, t_start: float, samples: np.ndarray) -> list[SpeechSegment]: ...

    def flush(self) -> list[SpeechSegment]: ...

    def hear_open(self) -> list[SpeechSegment]: ...  # the open segment so far, left open

    def speaking(self) -> tuple[int, float] | None: ...  # (start, seconds) of speech going on

    @property
    def language_known(self) -> bool: ...  # a draft would not have to detect the language


@dataclass
class PerceptionModels:
    encoder: FrameEncoder
    reader: TextReader | None = None
    transcriber: Transcriber | None = None
    detector: ObjectDetector | None = None
