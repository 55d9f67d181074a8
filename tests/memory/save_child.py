"""A writer to be killed: streams observations into a memory and saves every few frames.

    python -m tests.memory.save_child FOLDER STRATEGY EVERY

Prints "saved N" (N = frames written) after each completed save.
"""

from __future__ import annotations

import sys

from streamer.memory import make_memory
from tests.memory.helpers import stream

SEED = 21
FRAMES = 100_000


def main() -> None:
    folder, strategy, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
    memory = make_memory(strategy)
    for i, obs in enumerate(stream(FRAMES, seed=SEED)):
        memory.write(obs)
        if (i + 1) % every == 0:
            memory.save(folder)
            print(f"saved {i + 1}", flush=True)


if __name__ == "__main__":
    main()
