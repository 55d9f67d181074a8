"""Save and load: identical read-out, clear errors for damaged files, crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from models.atomic import TMP_MARK
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


EVERY = 40  # frames between the child's saves


def kill_inside_save(folder: Path, strategy: str, point: str, save: int) -> tuple[list[int], int]:
    """Run save_child until it pauses at `point` of save number `save`, then SIGKILL it.

    Returns the frame counts of the saves it completed and of the save it was killed in.
    """
    args = [folder, strategy, EVERY, point, save]
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.memory.save_child", *map(str, args)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    said: list[list[str]] = []
    try:
        for line in child.stdout:  # until it pauses, or ends without pausing
            said.append(line.split())
            if said[-1][0] == "paused":
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        if child.poll() is None:
            child.kill()  # a second SIGKILL, or the end of a child that failed the test
        child.wait(10)
    assert said and said[-1][:2] == ["paused", point], f"child said {said}"
    assert child.returncode == -signal.SIGKILL
    return [int(w[1]) for w in said if w[0] == "saved"], int(said[-1][2])


def written(strategy: str, frames: int) -> Memory:
    """The memory the child held after `frames` frames."""
    memory = make_memory(strategy)
    for obs in stream(frames, seed=save_child.SEED):
        memory.write(obs)
    return memory


@pytest.mark.parametrize("strategy", ["pyramid", "star"])
@pytest.mark.parametrize(
    ("point", "survives"),
    [
        ("tensors-written", "previous"),
        ("tensors-renamed", "previous"),
        ("state-written", "previous"),
        ("state-renamed", "new"),  # the commit point is passed
    ],
)
def test_save_killed_inside_loads_a_complete_save(
    strategy: str, point: str, survives: str, tmp_path: Path
) -> None:
    completed, killed_in = kill_inside_save(tmp_path, strategy, point, save=2)
    assert completed == [EVERY] and killed_in == 2 * EVERY
    leftovers = {p.name for p in tmp_path.iterdir()} - {"state.json"}
    temp = [n for n in leftovers if TMP_MARK in n]
    assert len(temp) == (1 if point.endswith("-written") else 0)  # killed mid-write
    assert len(leftovers - set(temp)) == (1 if point == "tensors-written" else 2)

    frames = EVERY if survives == "previous" else killed_in
    loaded = load_memory(tmp_path)
    assert loaded.frames_seen == frames
    assert_views_equal(loaded.read(), written(strategy, frames).read())

    loaded.save(tmp_path)  # a save over the leftovers keeps only itself
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len(names) == 2 and names[0] == "state.json" and names[1].startswith("tensors-")
    assert_views_equal(load_memory(tmp_path).read(), loaded.read())


def test_first_save_killed_before_its_commit_leaves_no_save(tmp_path: Path) -> None:
    completed, _ = kill_inside_save(tmp_path, "star", "state-written", save=1)
    assert completed == []
    with pytest.raises(StoreError, match="state.json is missing"):
        load_memory(tmp_path)
    filled("star", 10).save(tmp_path)  # the folder is still usable
    assert load_memory(tmp_path).frames_seen == 10
