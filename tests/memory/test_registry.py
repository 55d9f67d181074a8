"""Strategies by name, configs validated with one clear sentence."""

from __future__ import annotations

import pytest

from streamer.errors import StreamerError
from streamer.memory import MEMORY_NAMES, MemoryConfigError, make_memory
from streamer.memory.pyramid import PyramidConfig, PyramidMemory
from tests.memory.helpers import observation, scene_bases


def test_names() -> None:
    assert MEMORY_NAMES == ("pyramid", "star", "window", "uniform")
    assert isinstance(make_memory("pyramid"), PyramidMemory)


def test_unknown_name_is_a_user_error() -> None:
    with pytest.raises(StreamerError, match="Unknown memory 'rekv'; choose one of pyramid.*kv"):
        make_memory("rekv")


def test_kv_needs_the_vlm_itself() -> None:
    with pytest.raises(StreamerError, match="works only with a vlm backend"):
        make_memory("kv")  # no model: the kv memory prefills a vlm's language model


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("pyramid", {"capacities": (2, 2), "grids": (7, 4, 2)}),
        ("pyramid", {"capacities": (2, 0, 2), "grids": (7, 4, 2)}),
        ("pyramid", {"grids": (2, 4, 7)}),
        ("star", {"temporal_slots": 0}),
        ("star", {"abstract_decay": 1.0}),
        ("star", {"retrieved_frames": 30}),
        ("window", {"frames": 0}),
        ("uniform", {"frames": 1}),
        ("window", {"size": 3}),
    ],
)
def test_bad_settings(name: str, settings: dict) -> None:
    with pytest.raises(MemoryConfigError):
        make_memory(name, settings)


def test_config_from_json_lists() -> None:
    assert PyramidConfig(capacities=[1, 1], grids=[3, 1]).capacities == (1, 1)  # type: ignore[arg-type]


def test_custom_pyramid_budget() -> None:
    assert make_memory("pyramid", {"capacities": (1, 3), "grids": (5, 1)}).budget_tokens == 25 + 3


def test_observation_shapes_are_checked() -> None:
    memory = make_memory("window")
    tokens = scene_bases(2)
    memory.write(observation(0.0, 0, tokens[0]))
    with pytest.raises(ValueError, match="feature size changed"):
        memory.write(observation(1.0, 1, tokens[1][:, :, :8]))


def test_token_grid_is_not_hard_coded() -> None:
    """A 16x16 map (a ViT) is pooled to each level's grid like a 7x7 one."""
    memory = make_memory("pyramid")
    memory.write(observation(0.0, 0, scene_bases(1, grid=16, dim=24)[0]))
    (item,) = memory.read().items
    assert item.tokens.shape == (7, 7, 24) and item.feature.shape == (24,)


def test_each_strategy_describes_itself_where_its_frames_are_shown():
    from streamer.memory.kv import KvMemory
    from streamer.memory.registry import STRATEGIES
    from ui.memory_view import render_memory

    for cls in [*STRATEGIES.values(), KvMemory]:
        assert len(cls.description.split()) >= 5, cls.name
    snap = make_memory("window").snapshot()
    assert snap.description == STRATEGIES["window"].description
    assert snap.description in render_memory(snap)
