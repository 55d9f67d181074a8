"""3-D rotary position ids (M-RoPE) for a prompt whose visual tokens we splice in ourselves.

Qwen2-VL and Qwen2.5-VL rotate each query and key by three positions, (t, h, w):
a text token has the same number on all three axes, one more than the token before;
a visual token (i, j) of a frame has (p + tau, p + i, p + j), where p is the position
the visual block starts at and tau the frame's temporal index. The text after a block
continues from the block's largest position + 1 (Qwen2.5-VL's `get_rope_index`).
Nothing here needs torch: the adapter turns the (3, L) array into `position_ids`.

Example:
    >>> run = VisualRun(grids=((2, 2), (2, 2)), offsets=(0, 4))
    >>> position_ids([1, run, 2])[:, [0, 1, 5, 9, 10]].tolist()
    [[0, 1, 5, 6, 7], [0, 1, 1, 6, 7], [0, 1, 1, 6, 7]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Segment", "VisualRun", "next_position", "position_ids", "temporal_offsets"]

# floor((t_k - t_0) * tokens_per_second) would drop a step when float error puts
# 3 * 0.5 * 2 at 2.9999999999999996; 1e-6 of a position is far below any real spacing.
_SNAP = 1e-6


@dataclass(frozen=True)
class VisualRun:
    """Frames with no text between them: one video, in the order they are fed."""

    grids: tuple[tuple[int, int], ...]  # (h, w) merged tokens of each frame
    offsets: tuple[int, ...]  # each frame's temporal index, in positions after the run's start

    def __post_init__(self) -> None:
        if not self.grids or len(self.grids) != len(self.offsets):
            raise ValueError(f"{len(self.grids)} frames but {len(self.offsets)} temporal offsets")
        if any(b < a for a, b in zip(self.offsets, self.offsets[1:])) or self.offsets[0] < 0:
            raise ValueError(f"temporal offsets must start >= 0 and not decrease: {self.offsets}")

    @property
    def n_tokens(self) -> int:
        return sum(h * w for h, w in self.grids)


Segment = int | VisualRun  # an int: that many text tokens


def temporal_offsets(times: Sequence[float], tokens_per_second: float) -> tuple[int, ...]:
    """Each frame's temporal index: its stream time after the first frame's, in positions.

    floor((t_k - t_0) * tokens_per_second). For frames a steady `dt` apart this is the
    library's `int(k * tokens_per_second * second_per_grid_t)` with second_per_grid_t = dt.
    """
    if any(b < a for a, b in zip(times, times[1:])):
        raise ValueError(f"frame times of one video must not decrease: {list(times)}")
    return tuple(math.floor((t - times[0]) * tokens_per_second + _SNAP) for t in times)


def position_ids(segments: Sequence[Segment]) -> np.ndarray:
    """(3, L) int64 (t, h, w) positions of the prompt laid out as `segments`."""
    columns: list[np.ndarray] = []
    start = 0
    for segment in segments:
        if isinstance(segment, VisualRun):
            for (h, w), tau in zip(segment.grids, segment.offsets):
                rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")  # (h, w)
                t = np.full(h * w, tau)
                columns.append(np.stack([t, rows.ravel(), cols.ravel()]) + start)  # (3, h*w)
            start = int(max(c.max() for c in columns[-len(segment.grids) :])) + 1
        elif segment > 0:
            columns.append(np.broadcast_to(np.arange(start, start + segment), (3, segment)))
            start += segment
    if not columns:
        return np.zeros((3, 0), np.int64)
    return np.concatenate(columns, axis=1).astype(np.int64)


def next_position(positions: np.ndarray) -> int:
    """Where the token after `positions` (3, L) goes, on all three axes: the largest + 1."""
    return int(positions.max()) + 1 if positions.size else 0
