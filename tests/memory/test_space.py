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
