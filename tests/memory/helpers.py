"""Synthetic observations with known structure: scenes that recur, small token maps."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from streamer.memory import MemoryItem, MemoryView
from streamer.types import Observation

GRID = 7  # the encoder's 7x7 map
DIM = 16  # small feature size keeps 20,000-frame tests fast
THUMB = b"\xff\xd8\xff\xe0 tiny jpeg \xff\xd9"


def observation(t: float, seq: int, tokens: np.ndarray) -> Observation:
    """An observation whose feature is the unit mean of its (h, w, D) tokens."""
    mean = tokens.astype(np.float64).mean(axis=(0, 1))
    feature = (mean / np.linalg.norm(mean)).astype(np.float32)
    return Observation(
        t=t,
        seq=seq,
        thumbnail=THUMB + seq.to_bytes(4, "little"),
        tags=(("scene", 0.5),),
        feature=feature,
        tokens=tokens.astype(np.float32),
    )


def scene_bases(n: int, seed: int = 0, grid: int = GRID, dim: int = DIM) -> np.ndarray:
    """(n, grid, grid, dim) well-separated scene token maps."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, grid, grid, dim)).astype(np.float32) + 0.5


def stream(
    n: int, seed: int = 0, scenes: int = 12, noise: float = 0.2, fps: float = 1.0
) -> Iterator[Observation]:
    """`n` observations at `fps`: scenes of 5-30 frames drawn from a pool that recurs."""
    rng = np.random.default_rng(seed)
    bases = scene_bases(scenes, seed)
    seq = 0
    while seq < n:
        base = bases[rng.integers(scenes)]
        for _ in range(int(rng.integers(5, 31))):
            if seq >= n:
                return
            tokens = base + noise * rng.standard_normal(base.shape).astype(np.float32)
            yield observation(seq / fps, seq, tokens)
            seq += 1


def assert_views_equal(a: MemoryView, b: MemoryView) -> None:
    """Same items (tensors and metadata), same order, same scores."""
    assert a.tokens == b.tokens and a.frames_seen == b.frames_seen
    assert a.relevant == b.relevant and a.scores == b.scores
    assert len(a.items) == len(b.items)
    for x, y in zip(a.items, b.items):
        assert_items_equal(x, y)


def assert_items_equal(x: MemoryItem, y: MemoryItem) -> None:
    assert (x.t, x.span, x.frames, x.level, x.weight, x.seq) == (
        y.t,
        y.span,
        y.frames,
        y.level,
        y.weight,
        y.seq,
    )
    assert x.thumbnail == y.thumbnail and x.tags == y.tags
    assert x.tokens.dtype == y.tokens.dtype == np.float32
    np.testing.assert_array_equal(x.tokens, y.tokens)
    np.testing.assert_array_equal(x.feature, y.feature)
