"""A memory holds the features of one encoder: another encoder's are refused."""

from __future__ import annotations

import dataclasses

import pytest

from models.protocols import EncoderInfo
from streamer.memory import MEMORY_NAMES, MemoryConfigError, load_memory, make_memory
from tests.memory.helpers import DIM, GRID, stream

ENCODER = EncoderInfo("test-encoder@7x7", DIM, (GRID, GRID))


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_features_of_another_space_are_refused(name, tmp_path):
    memory = make_memory(name, encoder=ENCODER)
    frames = list(stream(6))
    for obs in frames[:3]:
        memory.write(dataclasses.replace(obs, space=ENCODER.space))
    memory.write(frames[3])  # an unnamed feature (a test's own) is not checked
    with pytest.raises(MemoryConfigError, match="holds test-encoder@7x7 features") as e:
        memory.write(dataclasses.replace(frames[4], space="other-vlm"))
    assert "\n" not in str(e.value) and memory.frames_seen == 4
    memory.save(tmp_path / "m")
    back = load_memory(tmp_path / "m")
    assert back.space == ENCODER.space
    with pytest.raises(MemoryConfigError):
        back.write(dataclasses.replace(frames[5], space="other-vlm"))


def test_the_first_named_feature_fixes_the_space():
    memory = make_memory("window")
    frames = list(stream(2))
    memory.write(dataclasses.replace(frames[0], space="a"))
    with pytest.raises(MemoryConfigError):
        memory.write(dataclasses.replace(frames[1], space="b"))


@pytest.mark.parametrize(
    "side, pyramid, budgets",
    [
        (7, (7, 4, 2), {"pyramid": 178, "star": 234, "window": 196, "uniform": 192}),
        (14, (14, 8, 4), {"pyramid": 712, "star": 936, "window": 784, "uniform": 768}),
        (8, (8, 5, 2), {"pyramid": 226, "star": 282, "window": 256, "uniform": 300}),
    ],
)
def test_grids_scale_to_the_encoders_frame(side, pyramid, budgets):
    """Each level keeps its share of a frame: 7x7 defaults become 14x14 ones on LLaVA-OV."""
    encoder = EncoderInfo(f"enc{side}", DIM, (side, side))
    assert make_memory("pyramid", encoder=encoder).config.grids == pyramid
    assert {n: make_memory(n, encoder=encoder).budget_tokens for n in MEMORY_NAMES} == budgets
    chosen = make_memory("pyramid", {"grids": (3, 2, 1)}, encoder)  # a setting given wins
    assert chosen.config.grids == (3, 2, 1)


@pytest.mark.parametrize(
    "grid, budgets",
    [
        ((14, 14), {"pyramid": 3136, "star": 5880, "window": 784, "uniform": 2352}),  # LLaVA-OV
        ((8, 8), {"pyramid": 1024, "star": 1920, "window": 256, "uniform": 768}),  # SmolVLM2
        ((9, 16), {"pyramid": 2304, "star": 4320, "window": 576, "uniform": 1728}),  # Qwen2.5-VL
    ],
)
def test_a_vlms_frames_stay_at_the_grid_it_was_trained_on(grid, budgets):
    """A vlm reads the tokens a memory holds: every level keeps its whole frame (the budget is
    a count of frames), never a pooled grid like (8, 5, 2) inside a 64-token image block."""
    encoder = EncoderInfo("vlm", DIM, grid, read_by_lm=True)
    assert make_memory("pyramid", encoder=encoder).config.grids == (min(grid),) * 3
    star = make_memory("star", encoder=encoder).config
    assert {star.spatial_grid, star.temporal_grid, star.abstract_grid, star.retrieved_grid} == {
        min(grid)
    }
    assert {n: make_memory(n, encoder=encoder).budget_tokens for n in MEMORY_NAMES} == budgets
    chosen = make_memory("pyramid", {"grids": (3, 2, 1)}, encoder)  # a setting given still wins
    assert chosen.config.grids == (3, 2, 1)
