"""Pyramid memory: the later frame of the most similar pair moves down, area-pooled."""

from __future__ import annotations

import numpy as np

from streamer.memory.pooling import area_pool
from streamer.memory.pyramid import PyramidConfig, PyramidMemory
from tests.memory.helpers import DIM, observation, scene_bases


def pooled_by_loops(tokens: np.ndarray, out: int) -> np.ndarray:
    """Adaptive average pooling written out cell by cell: (h, w, D) -> (out, out, D)."""
    h, w, d = tokens.shape
    result = np.zeros((out, out, d), dtype=np.float64)
    for i in range(out):
        r0, r1 = (i * h) // out, -((-(i + 1) * h) // out)
        for j in range(out):
            c0, c1 = (j * w) // out, -((-(j + 1) * w) // out)
            result[i, j] = tokens[r0:r1, c0:c1].astype(np.float64).mean(axis=(0, 1))
    return result


def test_area_pool_matches_the_cell_average() -> None:
    tokens = scene_bases(1, seed=9)[0]  # (7, 7, 16)
    for out in (7, 4, 3, 2, 1):
        np.testing.assert_allclose(area_pool(tokens, out), pooled_by_loops(tokens, out), rtol=1e-6)
    np.testing.assert_allclose(area_pool(tokens, 1)[0, 0], tokens.mean(axis=(0, 1)), rtol=1e-6)


def test_later_frame_of_the_near_duplicate_pair_moves_down() -> None:
    a, b, c = scene_bases(3, seed=1)
    rng = np.random.default_rng(0)
    memory = PyramidMemory(PyramidConfig(capacities=(3, 2, 2), grids=(7, 4, 2)))
    # level 1 holds a, b, c (different scenes) ...
    for seq, tokens in enumerate([a, b, c]):
        memory.write(observation(float(seq), seq, tokens))
    assert memory.level_items(1) == []
    # ... and a near-duplicate of c arrives: (c, c') is the most similar adjacent pair.
    c_again = c + 0.01 * rng.standard_normal(c.shape).astype(np.float32)
    memory.write(observation(3.0, 3, c_again))
    assert [it.seq for it in memory.level_items(0)] == [0, 1, 2]
    (moved,) = memory.level_items(1)
    assert moved.seq == 3 and moved.level == "level2" and moved.span == (3.0, 3.0)
    assert moved.tokens.shape == (4, 4, DIM)
    np.testing.assert_allclose(moved.tokens, pooled_by_loops(c_again, 4), rtol=1e-5, atol=1e-6)


def test_second_push_pools_again_and_last_level_merges_spans() -> None:
    bases = scene_bases(2, seed=2)
    memory = PyramidMemory(PyramidConfig(capacities=(1, 1, 2), grids=(7, 4, 2)))
    rng = np.random.default_rng(1)
    frames = [bases[i % 2] + 0.05 * rng.standard_normal(bases[0].shape) for i in range(6)]
    for seq, tokens in enumerate(frames):
        memory.write(observation(float(seq), seq, tokens.astype(np.float32)))
    levels = [memory.level_items(i) for i in range(3)]
    assert [len(held) for held in levels] == [1, 1, 2]
    assert [it.tokens.shape[:2] for held in levels for it in held] == [
        (7, 7),
        (4, 4),
        (2, 2),
        (2, 2),
    ]
    # level 3 pooled twice: 7x7 -> 4x4 -> 2x2
    for it in levels[2]:
        twice = pooled_by_loops(pooled_by_loops(frames[it.seq], 4), 2)
        np.testing.assert_allclose(it.tokens, twice, rtol=1e-5, atol=1e-6)
    # 6 frames, 4 held: the 2 dropped at the last level live on in their neighbours' spans
    items = memory.read().items
    assert sum(it.frames for it in items) == 6
    assert any(it.frames > 1 and it.span[1] > it.t for it in levels[2])


def test_readout_interleaves_levels_in_time_order() -> None:
    memory = PyramidMemory()
    bases = scene_bases(4, seed=3)
    for seq in range(40):
        memory.write(observation(float(seq), seq, bases[(seq // 5) % 4]))
    items = memory.read().items
    assert [it.t for it in items] == sorted(it.t for it in items)
    assert {it.level for it in items} == {"level1", "level2", "level3"}
    # each scene's first frame stays whole; its repeats are the later frames of identical pairs
    assert all(it.seq % 5 == 0 for it in items if it.level == "level1")
