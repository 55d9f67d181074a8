"""Every strategy stays inside its token budget over a long stream and counts every frame."""

from __future__ import annotations

import pytest

from streamer.memory import MEMORY_NAMES, make_memory
from tests.memory.helpers import stream

N_FRAMES = 20_000  # 5.6 hours at 1 fps
CHECK_EVERY = 50  # frames between full checks (stats + read)

DEFAULT_BUDGETS = {"pyramid": 178, "star": 234, "window": 196, "uniform": 192}


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_default_budgets(name: str) -> None:
    assert make_memory(name).budget_tokens == DEFAULT_BUDGETS[name]


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_budget_holds_over_20000_frames(name: str) -> None:
    memory = make_memory(name)
    budget = memory.budget_tokens
    for i, obs in enumerate(stream(N_FRAMES, seed=3)):
        memory.write(obs)
        if i % CHECK_EVERY and i != N_FRAMES - 1:
            continue
        stats = memory.stats()
        assert stats.frames_seen == i + 1
        assert stats.tokens <= budget == stats.budget_tokens
        assert stats.tokens == sum(stats.tokens_by_level.values())
        view = memory.read()
        assert view.tokens == stats.tokens and view.frames_seen == i + 1
        keys = [(it.t, it.seq) for it in view.items]
        assert keys == sorted(keys), f"read-out not in time order at frame {i}"
        assert all(it.span[0] <= it.t <= it.span[1] for it in view.items)
    held = memory.stats().tokens
    if name == "uniform":  # between halvings it holds from half the frames to all of them
        assert budget // 2 < held <= budget
    else:  # a long stream fills the budget exactly
        assert held == budget


@pytest.mark.parametrize("name", ["pyramid", "uniform"])
def test_every_frame_is_accounted_for(name: str) -> None:
    """Held items tile the stream: their frame counts add up to the frames seen."""
    memory = make_memory(name)
    for i, obs in enumerate(stream(3_000, seed=4)):
        memory.write(obs)
        if i % 97 == 0:
            assert sum(it.frames for it in memory.read().items) == i + 1
    items = memory.read().items
    assert items[0].span[0] == 0.0 and max(it.span[1] for it in items) == 2999.0


def test_window_holds_the_latest_frames() -> None:
    memory = make_memory("window", {"frames": 5})
    for obs in stream(100, seed=5):
        memory.write(obs)
    assert [it.seq for it in memory.read().items] == [95, 96, 97, 98, 99]


def test_uniform_keeps_every_kth_frame() -> None:
    memory = make_memory("uniform", {"frames": 4, "grid": 2})
    for obs in stream(20, seed=6):
        memory.write(obs)
    # 0..3 held; 4 doubles k to 2 (keep 0, 2, 4); 6 fills; 8 doubles to 4 (0, 4, 8); 12 fills;
    # 16 doubles to 8 (0, 8, 16); 17..19 are counted in 16's span.
    items = memory.read().items
    assert [it.seq for it in items] == [0, 8, 16]
    assert [it.frames for it in items] == [8, 8, 4]
    assert [it.span for it in items] == [(0.0, 7.0), (8.0, 15.0), (16.0, 19.0)]
    assert items[0].tokens.shape == (2, 2, 16)


def test_snapshot_shows_which_frames_sit_where() -> None:
    memory = make_memory("star")
    for obs in stream(200, seed=8):
        memory.write(obs)
    snap = memory.snapshot()
    assert [lv.name for lv in snap.levels] == ["spatial", "temporal", "abstract", "retrieved"]
    assert [lv.capacity for lv in snap.levels] == [2, 25, 1, 2]
    assert [len(lv.items) for lv in snap.levels] == [2, 25, 1, 2]
    assert [lv.grid for lv in snap.levels] == [(4, 4), (2, 2), (2, 2), (7, 7)]
    assert snap.frames_seen == 200 and snap.tokens == snap.budget_tokens == 234
    temporal = snap.levels[1].items
    assert sum(it.weight for it in temporal) == 198
    assert [it.t for it in temporal] == sorted(it.t for it in temporal)
    assert all(it.thumbnail and it.span[0] <= it.t <= it.span[1] for it in temporal)
    stats = memory.stats()
    assert stats.frames_held == 30 and stats.bytes_held > 234 * 16 * 4
