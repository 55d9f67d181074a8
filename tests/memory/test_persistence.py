"""Save and load: identical read-out, clear errors for damaged files, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streamer.memory import MEMORY_NAMES, Memory, MemoryQuery, load_memory, make_memory
from streamer.memory.pyramid import PyramidMemory
from streamer.memory.star import StarMemory
from streamer.store import StoreError
from tests.memory import save_child
from tests.memory.helpers import assert_views_equal, stream

ROOT = Path(__file__).resolve().parents[2]


def filled(name: str, n: int, seed: int = 12) -> Memory:
    memory = make_memory(name)
    for obs in stream(n, seed=seed):
        memory.write(obs)
    return memory


def queries(memory: Memory) -> list[MemoryQuery | None]:
    items = memory.read().items
    return [
        None,
        MemoryQuery(vector=items[len(items) // 2].feature, top_k=3),
        MemoryQuery(window=(40.0, 120.0), max_items=5),
    ]


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_round_trip_reads_the_same(name: str, tmp_path: Path) -> None:
    memory = filled(name, 250)
    memory.save(tmp_path)
    loaded = load_memory(tmp_path)
    assert type(loaded) is type(memory) and loaded.config == memory.config
    assert loaded.stats() == memory.stats()
    for q in queries(memory):
        assert_views_equal(loaded.read(q), memory.read(q))
    # the whole state came back, not only what read() shows: both go on alike
    for obs in stream(400, seed=13):
        memory.write(obs)
        loaded.write(obs)
    assert_views_equal(loaded.read(), memory.read())
    assert loaded.snapshot() == memory.snapshot()


@pytest.mark.parametrize("name", MEMORY_NAMES)
def test_empty_memory_round_trip(name: str, tmp_path: Path) -> None:
    make_memory(name).save(tmp_path)
    loaded = load_memory(tmp_path)
    assert loaded.read().items == () and loaded.frames_seen == 0


def test_saving_again_leaves_one_tensors_file(tmp_path: Path) -> None:
    memory = filled("star", 50)
    memory.save(tmp_path)
    memory.write(next(stream(1, seed=1)))
    memory.save(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[0] == "state.json" and names[1].startswith("tensors-")
    assert load_memory(tmp_path).frames_seen == 51


def test_class_load_checks_the_strategy(tmp_path: Path) -> None:
    filled("pyramid", 20).save(tmp_path)
    assert isinstance(PyramidMemory.load(tmp_path), PyramidMemory)
    with pytest.raises(StoreError, match="holds a 'pyramid' memory, not 'star'"):
        StarMemory.load(tmp_path)


def test_garbled_state_json(tmp_path: Path) -> None:
    filled("pyramid", 30).save(tmp_path)
    state = tmp_path / "state.json"
    state.write_bytes(state.read_bytes()[:100] + b"\x00garbage")
    with pytest.raises(
        StoreError, match=r"state.json is damaged \(not valid JSON.*cannot be loaded"
    ):
        load_memory(tmp_path)


def test_state_json_with_wrong_fields(tmp_path: Path) -> None:
    filled("star", 30).save(tmp_path)
    state = tmp_path / "state.json"
    data = json.loads(state.read_text())
    del data["slots"]
    state.write_text(json.dumps(data))
    with pytest.raises(StoreError, match="is damaged .*KeyError"):
        load_memory(tmp_path)


def test_truncated_tensors(tmp_path: Path) -> None:
    filled("window", 30).save(tmp_path)
    (tensors,) = tmp_path.glob("tensors-*.safetensors")
    tensors.write_bytes(tensors.read_bytes()[:-1000])
    with pytest.raises(StoreError, match=r"tensors-.*\.safetensors is damaged \(not a valid"):
        load_memory(tmp_path)


def test_missing_save(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="state.json is missing"):
        load_memory(tmp_path)


@pytest.mark.parametrize(("strategy", "kill_after"), [("pyramid", 7), ("star", 5), ("star", 12)])
def test_save_killed_mid_stream_loads_the_last_completed_save(
    strategy: str, kill_after: int, tmp_path: Path
) -> None:
    every = 3  # saves back to back, so the kill most likely lands inside one
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.memory.save_child", str(tmp_path), strategy, str(every)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    completed = 0
    try:
        while completed < kill_after * every:
            line = child.stdout.readline()
            assert line.startswith("saved "), f"child said {line!r}"
            completed = int(line.split()[1])
        time.sleep(0.002 * kill_after)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    loaded = load_memory(tmp_path)
    seen = loaded.frames_seen
    assert seen >= completed and seen % every == 0  # a whole save, maybe one more than reported
    reference = make_memory(strategy)
    for obs in stream(seen, seed=save_child.SEED):
        reference.write(obs)
    assert_views_equal(loaded.read(), reference.read())
