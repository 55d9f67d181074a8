"""When to read on-screen text: on key frames, carrying the text forward within a scene."""

from __future__ import annotations

import numpy as np

from models.protocols import TextLine, TextReader
from streamer.perception.cuts import grey_change
from streamer.perception.sampler import Sample

OCR_CHANGE = 3.0  # mean abs grey difference (0-255) since the last OCR that is worth reading again


class OcrScheduler:
    """Runs OCR on a new scene, or on a scene that changed `every_s` after it was read."""

    def __init__(self, reader: TextReader | None, every_s: float) -> None:
        self.reader, self.every_s = reader, every_s
        self.text = ""  # text read in the current scene, carried forward
        self._read_t: float | None = None  # stream time OCR last ran
        self._read_thumb: np.ndarray | None = None  # (18, 32) grey thumbnail of that frame

    def step(self, sample: Sample, scene_change: bool) -> tuple[TextLine, ...] | None:
        """Read `sample` if it is a key frame; its lines, or None when OCR did not run."""
        if self._due(sample, scene_change):
            assert self.reader is not None
            lines = tuple(self.reader.read(sample.frame.image))
            self._read_t, self._read_thumb = sample.frame.t, sample.thumb
            self.text = " / ".join(x.text for x in lines)
            return lines
        if scene_change:
            self.text = ""  # new scene, not read yet: carry nothing over
        return None

    def _due(self, sample: Sample, scene_change: bool) -> bool:
        if self.reader is None:
            return False
        if scene_change or self._read_t is None or self._read_thumb is None:
            return True
        changed = grey_change(sample.thumb, self._read_thumb) > OCR_CHANGE
        return changed and sample.frame.t - self._read_t >= self.every_s
