"""Which frames perception looks at: a fixed rate, plus cuts, minus late live frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from streamer.perception.config import PerceptionConfig
from streamer.perception.cuts import CutDetector, grey_thumb
from streamer.perception.stats import StatsBook
from streamer.types import Frame


@dataclass
class Sample:
    frame: Frame
    thumb: np.ndarray  # (18, 32) float32 grey thumbnail
    cut: bool  # differs sharply from the previous sample


class FrameSampler:
    """Keeps frames at `sample_fps` and on cuts; drops live frames more than `max_lag` late.

    A file read without pacing is never dropped from: it applies back-pressure instead.
    """

    def __init__(self, config: PerceptionConfig, book: StatsBook) -> None:
        self.config, self._book = config, book
        self._cuts = CutDetector(config.cut_threshold)
        self._next: float | None = None  # stream time the next sample is due

    def take(self, frame: Frame, lag: float, live: bool) -> Sample | None:
        """The sample made of `frame`, or None when it is skipped or dropped.

        `lag` is how far (seconds) the frame trails capture; `live` says the
        source drops its oldest items when perception is behind.
        """
        self._book.count(frames_in=1)
        thumb = grey_thumb(frame.image)
        cut = self._cuts.is_cut(thumb)
        due = self._next is None or frame.t >= self._next - 1e-6
        if not (due or cut):
            return None
        if live and lag > self.config.max_lag:
            self._book.count(frames_dropped=1)
            return None
        self._cuts.keep(thumb)
        self._next = frame.t + 1.0 / self.config.sample_fps
        self._book.count(frames_sampled=1)
        return Sample(frame, thumb, cut)
