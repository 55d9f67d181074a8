"""The packaged models a session uses, loaded once and shared between sessions.

Loading takes seconds (the frame encoder's ONNX export on first use, Whisper,
MiniLM); the UI keeps one `ModelSet` for the app's lifetime.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.protocols import (
    FrameEncoder,
    Loadable,
    ObjectDetector,
    SpeechRecognizer,
    TextEmbedder,
    TextReader,
)
from streamer.perception import PerceptionModels

if TYPE_CHECKING:
    from models.vad import SileroVad  # the transcriber streams it: more than a VoiceDetector

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # weights are packaged: never reach a hub


@dataclass
class ModelSet:
    encoder: FrameEncoder
    reader: TextReader | None  # None when OCR is off
    recognizer: SpeechRecognizer | None  # None when speech is off
    vad: SileroVad | None
    embedder: TextEmbedder
    detector: ObjectDetector | None = None  # None: no objects on the timeline

    def load_all(self) -> None:
        """Load every model now (the app does it while the page opens), not on first use."""
        for part in (
            self.encoder,
            self.reader,
            self.recognizer,
            self.vad,
            self.embedder,
            self.detector,
        ):
            if isinstance(part, Loadable):
                part.load()

    def perception(self, language: str | None = None) -> PerceptionModels:
        """Models for one stream: the speech transcriber keeps per-stream state (its
        language among it: `language`, or detected in this stream)."""
        transcriber = None
        if self.recognizer is not None and self.vad is not None:
            from streamer.perception.transcriber import SpeechTranscriber

            transcriber = SpeechTranscriber(self.recognizer, self.vad, language=language)
        return PerceptionModels(self.encoder, self.reader, transcriber, self.detector)


_lock = threading.Lock()
_cache: dict[tuple[bool, bool], ModelSet] = {}


def load_models(ocr: bool = True, speech: bool = True) -> ModelSet:
    """The packaged models, loaded (and verified) once per process."""
    with _lock:
        key = (ocr, speech)
        if key not in _cache:
            from models.detector import SsdDetector
            from models.frame_encoder import EfficientNetEncoder
            from models.text_embedder import MiniLmEmbedder

            reader = recognizer = vad = None
            if ocr:
                from models.ocr import RapidTextReader

                reader = RapidTextReader()
            if speech:
                from models.speech import WhisperRecognizer
                from models.vad import SileroVad

                recognizer, vad = WhisperRecognizer(), SileroVad()
            _cache[key] = ModelSet(
                EfficientNetEncoder(), reader, recognizer, vad, MiniLmEmbedder(), SsdDetector()
            )
        return _cache[key]
