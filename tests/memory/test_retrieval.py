"""read(query): the most similar items first, a time window, `now`, max_items."""

from __future__ import annotations

import numpy as np
import pytest

from streamer.memory import MEMORY_NAMES, MemoryQuery, make_memory
from streamer.memory.retrieval import overlaps
from tests.memory.helpers import stream


def filled(name: str, n: int = 300):
    memory = make_memory(name)
    observations = list(stream(n, seed=11))
    for obs in observations:
        memory.write(obs)
    return memory, observations


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_a_held_frames_feature_brings_it_first(name: str) -> None:
    memory, observations = filled(name)
    for item in memory.read().items:
        if item.frames != 1 or item.level in ("abstract", "temporal"):
            continue  # a query for one frame's own feature
        vector = observations[item.seq].feature
        view = memory.read(MemoryQuery(vector=vector, top_k=3))
        assert view.items[0].seq == item.seq and view.items[0].level == item.level
        assert view.scores[0] == pytest.approx(1.0, abs=1e-5)
        assert view.relevant == 3 and list(view.scores[:3]) == sorted(view.scores[:3])[::-1]
        rest = [it.t for it in view.items[3:]]
        assert rest == sorted(rest) and len(view.items) == len(memory.read().items)


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_time_window_keeps_only_overlapping_items(name: str) -> None:
    memory, _ = filled(name)
    everything = memory.read().items
    for window in [(0.0, 30.0), (100.0, 180.0), (250.0, 299.0), (299.0, 299.0)]:
        view = memory.read(MemoryQuery(window=window))
        assert all(overlaps(it.span, window) for it in view.items)
        expected = [it for it in everything if overlaps(it.span, window)]
        assert [it.seq for it in view.items] == [it.seq for it in expected]
        assert view.tokens == sum(it.n_tokens for it in expected)
    assert memory.read(MemoryQuery(window=(299.0, 299.0))).items  # the newest frame is held


def test_window_and_vector_combine() -> None:
    memory, observations = filled("pyramid")
    held = memory.read().items
    target = held[len(held) // 2]
    window = (target.span[0], target.span[1])
    view = memory.read(MemoryQuery(vector=observations[target.seq].feature, window=window))
    assert view.items[0].seq == target.seq
    assert all(overlaps(it.span, window) for it in view.items)


def test_max_items_keeps_the_most_similar_then_the_latest() -> None:
    memory, observations = filled("pyramid")
    held = memory.read().items
    oldest = held[0]
    view = memory.read(MemoryQuery(vector=observations[oldest.seq].feature, top_k=1, max_items=4))
    assert len(view.items) == 4 and view.items[0].seq == oldest.seq
    assert [it.seq for it in view.items[1:]] == [it.seq for it in held[-3:]]


def test_now_leaves_out_later_items() -> None:
    memory, _ = filled("window")
    view = memory.read(MemoryQuery(now=297.5))
    assert [it.seq for it in view.items] == [296, 297]


def test_query_checks() -> None:
    memory, _ = filled("window")
    with pytest.raises(ValueError, match="dimensions"):
        memory.read(MemoryQuery(vector=np.ones(5, dtype=np.float32)))
    with pytest.raises(ValueError):
        MemoryQuery(window=(5.0, 1.0))
