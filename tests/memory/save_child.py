"""A writer to be killed inside a save, at a chosen point of it.

    python -m tests.memory.save_child FOLDER STRATEGY EVERY POINT SAVE

Streams observations into a memory and saves it into FOLDER every EVERY
frames, printing "saved N" (N = frames written) after each completed save.
In save number SAVE (1 = the first) it stops at POINT, prints
"paused POINT N" and waits to be killed. The points of a save:

    tensors-written   the new tensors file is written and fsync'ed, under its temporary name
    tensors-renamed   the tensors file has its own name; state.json is still the old one
    state-written     the new state.json is written, under its temporary name
    state-renamed     state.json names the new tensors file (the commit point); the old
                      tensors file is not deleted yet

They are found by wrapping `os.replace`, the rename that every atomic write of
streamer/store.py ends with; nothing else in this process renames a file. A
save that ends without reaching POINT is said so, and the child exits 3.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from streamer.memory import make_memory
from streamer.memory.state import STATE_FILE, TENSORS_PREFIX
from tests.memory.helpers import stream

SEED = 21
POINTS = ("tensors-written", "tensors-renamed", "state-written", "state-renamed")
KILL_WAIT = 300.0  # seconds paused before giving up on being killed


def pause_inside_saves(point: str, frames: list[int]) -> None:
    """Make every rename check for `point`; it pauses there once `frames` holds a count."""
    rename = os.replace

    def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        file = saved_file(Path(dst).name)
        if frames and point == f"{file}-written":
            wait_to_be_killed(point, frames[0])
        rename(src, dst, *args, **kwargs)
        if frames and point == f"{file}-renamed":
            wait_to_be_killed(point, frames[0])

    os.replace = replace


def saved_file(name: str) -> str:
    """Which file of a save `name` is: "state", "tensors" or ""."""
    if name == STATE_FILE:
        return "state"
    return "tensors" if name.startswith(TENSORS_PREFIX) else ""


def wait_to_be_killed(point: str, frames: int) -> None:
    print(f"paused {point} {frames}", flush=True)
    time.sleep(KILL_WAIT)
    sys.exit(f"paused at {point} for {KILL_WAIT:.0f} s and was never killed")


def main() -> None:
    folder, strategy, every, point, at_save = sys.argv[1:6]
    every_n, at_save_n = int(every), int(at_save)
    assert point in POINTS, f"no point {point!r}; the points are {', '.join(POINTS)}"
    armed: list[int] = []  # the frame count of the save to pause in, once it starts
    pause_inside_saves(point, armed)
    memory = make_memory(strategy)
    for i, obs in enumerate(stream(every_n * at_save_n, seed=SEED)):
        memory.write(obs)
        if (i + 1) % every_n == 0:
            if (i + 1) // every_n == at_save_n:
                armed.append(i + 1)
            memory.save(folder)
            print(f"saved {i + 1}", flush=True)
    print(f"save {at_save_n} ended without reaching {point}", flush=True)
    sys.exit(3)


if __name__ == "__main__":
    main()
