"""A writer thread and a reader thread on one memory: no errors, consistent views."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from streamer.memory import MEMORY_NAMES, MemoryQuery, make_memory
from tests.memory.helpers import stream

N_FRAMES = 2_000
JOIN_TIMEOUT = 60.0  # seconds


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_reads_while_writing(name: str, tmp_path) -> None:
    memory = make_memory(name)
    budget = memory.budget_tokens
    observations = list(stream(N_FRAMES, seed=31))
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        try:
            for obs in observations:
                memory.write(obs)
        except BaseException as e:
            errors.append(e)
        finally:
            done.set()

    writer = threading.Thread(target=write, name="memory-writer")
    writer.start()
    views = 0
    last_seen = 0
    query = MemoryQuery(vector=observations[0].feature, window=(0.0, 1e9))
    while not done.is_set() or views < 3:
        view = memory.read(query if views % 2 else None)
        kept = [(it.t, it.seq) for it in view.items[view.relevant :]]
        assert kept == sorted(kept)
        assert view.tokens == sum(it.n_tokens for it in view.items) <= budget
        assert view.frames_seen >= last_seen
        last_seen = view.frames_seen
        snapshot = [it.tokens.copy() for it in view.items]
        memory.stats(), memory.snapshot()
        if views % 50 == 0:
            memory.save(tmp_path)
        for it, before in zip(view.items, snapshot):  # a later write never changes a view
            assert not it.tokens.flags.writeable
            np.testing.assert_array_equal(it.tokens, before)
        views += 1
    writer.join(JOIN_TIMEOUT)
    assert not writer.is_alive() and not errors, errors
    assert memory.frames_seen == N_FRAMES and views >= 3
