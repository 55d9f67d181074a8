"""STAR memory: weighted k-means slots, recurring scenes, retrieval of raw frames."""

from __future__ import annotations

import numpy as np
import pytest

from streamer.memory.pooling import area_pool
from streamer.memory.star import StarConfig, StarMemory
from tests.memory.helpers import DIM, observation, scene_bases, stream

NOISE = 0.2


class Scenes:
    """Writes scenes (base index, frame count) into a memory, one frame a second."""

    def __init__(self, memory: StarMemory, n_bases: int, seed: int = 0) -> None:
        self.memory = memory
        self.bases = scene_bases(n_bases, seed=seed)
        self.rng = np.random.default_rng(seed + 100)
        self.frames: list[np.ndarray] = []  # (h, w, D) tokens written, by seq
        self.labels: list[int] = []  # base index of each frame, by seq

    def play(self, base: int, count: int, clean_at: int | None = None) -> None:
        """`count` noisy frames of `base`; frame `clean_at` of them is the base itself."""
        for k in range(count):
            noise = 0.0 if k == clean_at else NOISE
            shape = self.bases[base].shape
            tokens = (self.bases[base] + noise * self.rng.standard_normal(shape)).astype(np.float32)
            seq = len(self.frames)
            self.memory.write(observation(float(seq), seq, tokens))
            self.frames.append(tokens)
            self.labels.append(base)


@pytest.mark.parametrize("iters", [0, 3])
def test_slot_weights_sum_to_the_frames_absorbed(iters: int) -> None:
    memory = StarMemory(StarConfig(kmeans_iters=iters))
    for i, obs in enumerate(stream(600, seed=2)):
        memory.write(obs)
        absorbed = max(0, i + 1 - memory.config.spatial_frames)
        assert sum(memory.slot_weights()) == absorbed
    temporal = [it for it in memory.read().items if it.level == "temporal"]
    assert len(temporal) == 25
    assert sum(it.frames for it in temporal) == sum(it.weight for it in temporal) == 598


def test_a_scene_that_recurs_lands_in_its_old_slot() -> None:
    memory = StarMemory(StarConfig(spatial_frames=1, temporal_slots=3, retrieved_frames=1))
    scenes = Scenes(memory, 3)
    for base in (0, 1, 2):
        scenes.play(base, 10)
    assert sorted(memory.slot_weights()) == [9, 10, 10]  # the newest frame is still spatial
    first = memory.slot_items()
    slot_a = next(i for i, it in enumerate(first) if it is not None and it.seq < 10)
    assert first[slot_a] is not None and first[slot_a].span == (0.0, 9.0)
    scenes.play(0, 10)  # scene 0 comes back
    weights = memory.slot_weights()
    assert weights[slot_a] == 10 + 9  # its 9 new frames out of the spatial part joined it
    assert sorted(weights) == [10, 10, 19]  # the other two slots still hold 1 and 2
    item = memory.slot_items()[slot_a]
    assert item is not None and item.span == (0.0, 38.0) and item.frames == 19


def test_retrieved_frames_are_nearest_the_heaviest_centroids() -> None:
    memory = StarMemory(StarConfig(spatial_frames=1, temporal_slots=3, retrieved_frames=2))
    scenes = Scenes(memory, 3, seed=4)
    scenes.play(0, 30, clean_at=12)
    scenes.play(1, 20, clean_at=7)
    scenes.play(2, 6)
    view = memory.read()
    retrieved = [it for it in view.items if it.level == "retrieved"]
    assert sorted(it.seq for it in retrieved) == [12, 37]  # the clean frames of scenes 0 and 1
    slots = [it for it in memory.slot_items() if it is not None]
    heaviest = sorted(slots, key=lambda it: -it.weight)[:2]
    for it in retrieved:
        assert it.tokens.shape == (7, 7, DIM)
        np.testing.assert_array_equal(it.tokens, scenes.frames[it.seq])  # the raw frame
        slot = next(s for s in heaviest if scenes.labels[s.seq] == scenes.labels[it.seq])
        members = [
            s for s in range(len(scenes.frames) - 1) if scenes.labels[s] == scenes.labels[it.seq]
        ]
        dists = [
            float(((area_pool(scenes.frames[s], 2) - slot.tokens) ** 2).sum()) for s in members
        ]
        assert members[int(np.argmin(dists))] == it.seq  # nearest of all its cluster's frames


def test_abstract_is_a_decayed_mean() -> None:
    memory = StarMemory(StarConfig(abstract_decay=0.5))
    bases = scene_bases(3, seed=5)
    for seq, tokens in enumerate(bases):
        memory.write(observation(float(seq), seq, tokens))
    (abstract,) = [it for it in memory.read().items if it.level == "abstract"]
    pooled = [area_pool(b, 2).astype(np.float64) for b in bases]
    expected = 0.25 * pooled[0] + 0.25 * pooled[1] + 0.5 * pooled[2]
    np.testing.assert_allclose(abstract.tokens, expected, rtol=1e-5)
    assert abstract.span == (0.0, 2.0) and abstract.frames == 3 and abstract.seq == 2
    assert abstract.weight == pytest.approx(1 / (0.25**2 + 0.25**2 + 0.5**2))


def test_budget_is_fixed_and_documented() -> None:
    memory = StarMemory()
    assert memory.budget_tokens == 2 * 16 + 25 * 4 + 4 + 2 * 49 == 234
    for obs in stream(400, seed=7):
        memory.write(obs)
    stats = memory.stats()
    assert stats.tokens_by_level == {"spatial": 32, "temporal": 100, "abstract": 4, "retrieved": 98}
