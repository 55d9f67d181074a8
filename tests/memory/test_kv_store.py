"""The KV block store: bit-identical round trips from RAM and disk, a RAM budget kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamer.memory.kv_store import KvStore

LAYERS, HEADS, TOKENS, HEAD_DIM = 3, 2, 196, 16  # 196 tokens: one 14x14 LLaVA-OV frame
BLOCK_BYTES = LAYERS * 2 * HEADS * TOKENS * HEAD_DIM * 4  # keys + values, float32: 150528


def block(seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    shape = (HEADS, TOKENS, HEAD_DIM)
    keys = [rng.standard_normal(shape, dtype=np.float32) for _ in range(LAYERS)]
    values = [rng.standard_normal(shape, dtype=np.float32) for _ in range(LAYERS)]
    return keys, values


def test_round_trip_from_ram_and_disk_is_bit_identical(tmp_path: Path) -> None:
    store = KvStore(LAYERS, tmp_path, ram_bytes=2 * BLOCK_BYTES)
    blocks = [block(i) for i in range(5)]
    ids = [store.add(k, v) for k, v in blocks]
    assert ids == [0, 1, 2, 3, 4]
    assert [store.on_disk(i) for i in ids] == [True, True, True, False, False]
    for layer in range(LAYERS):
        got = store.get([4, 0, 2, 3], layer)  # any order, RAM and disk mixed
        for (k, v), i in zip(got, [4, 0, 2, 3]):
            assert k.tobytes() == blocks[i][0][layer].tobytes()
            assert v.tobytes() == blocks[i][1][layer].tobytes()
            assert k.shape == (HEADS, TOKENS, HEAD_DIM) and k.dtype == np.float32
    store.close()
    with pytest.raises(KeyError):
        store.get([5], 0)


def test_ram_stays_under_the_budget_and_disk_grows_by_whole_blocks(tmp_path: Path) -> None:
    budget = int(3.5 * BLOCK_BYTES)
    store = KvStore(LAYERS, tmp_path, ram_bytes=budget, sync_every=4)
    for i in range(10):
        store.add(*block(i))
        assert store.ram_bytes <= budget
        on_disk = sum(store.on_disk(j) for j in range(i + 1))
        assert store.ram_bytes == (i + 1 - on_disk) * BLOCK_BYTES
        assert store.disk_bytes == on_disk * BLOCK_BYTES
    store.flush()
    files = sorted(tmp_path.glob("layer_*.kv"))
    assert len(files) == LAYERS
    assert sum(f.stat().st_size for f in files) == 7 * BLOCK_BYTES  # 10 blocks, 3 fit in RAM
    store.close()


def test_representative_keys_are_the_block_means_and_stay_in_ram(tmp_path: Path) -> None:
    store = KvStore(LAYERS, tmp_path, ram_bytes=0)  # every block straight to disk
    blocks = [block(i) for i in range(4)]
    for k, v in blocks:
        store.add(k, v)
    assert store.ram_bytes == 0 and store.disk_bytes == 4 * BLOCK_BYTES
    for layer in range(LAYERS):
        reps = store.representatives(layer)
        assert reps.shape == (4, HEADS, HEAD_DIM)
        want = np.stack([b[0][layer].mean(axis=1) for b in blocks])
        np.testing.assert_allclose(reps, want, rtol=1e-6, atol=1e-6)
    assert store.representative_bytes == 4 * LAYERS * HEADS * HEAD_DIM * 4


def test_a_block_of_the_wrong_shape_is_refused(tmp_path: Path) -> None:
    store = KvStore(LAYERS, tmp_path, ram_bytes=BLOCK_BYTES)
    keys, values = block(0)
    with pytest.raises(ValueError):
        store.add(keys[:2], values[:2])
    with pytest.raises(ValueError):
        store.add([k[:, :10] for k in keys], values)


def test_persist_writes_each_block_once_and_adopt_reads_them_back(tmp_path: Path) -> None:
    store = KvStore(LAYERS, tmp_path, ram_bytes=2 * BLOCK_BYTES)
    blocks = [block(i) for i in range(4)]
    for k, v in blocks:
        store.add(k, v)  # blocks 0, 1 spilled; 2, 3 in RAM
    index = store.persist()
    size = (tmp_path / "layer_000.kv").stat().st_size
    assert size == 4 * BLOCK_BYTES // LAYERS  # RAM blocks appended once
    assert store.persist() == index and (tmp_path / "layer_000.kv").stat().st_size == size
    store.add(*block(4))  # spills block 2, already on disk: not written again
    assert (tmp_path / "layer_000.kv").stat().st_size == size
    reps = [store.representatives(layer)[:4] for layer in range(LAYERS)]
    store.close()

    again = KvStore(LAYERS, tmp_path, ram_bytes=2 * BLOCK_BYTES)
    again.adopt(index, reps)
    assert len(again) == 4 and all(again.on_disk(b) for b in range(4))
    for layer in range(LAYERS):
        for b, (k, v) in enumerate(again.get([0, 1, 2, 3], layer)):
            assert k.tobytes() == blocks[b][0][layer].tobytes()
            assert v.tobytes() == blocks[b][1][layer].tobytes()
        np.testing.assert_array_equal(again.representatives(layer), reps[layer])

    with open(tmp_path / "layer_001.kv", "r+b") as f:  # a file cut short: refused
        f.truncate(size - 1)
    with pytest.raises(ValueError, match="layer 1"):
        KvStore(LAYERS, tmp_path, ram_bytes=0).adopt(index, reps)


RSS_CHILD = """
import sys
from pathlib import Path

import numpy as np

from streamer.memory.kv_store import KvStore

layers, heads, tokens, head_dim, ram_budget = 3, 2, 196, 16, 8 * 2**20
rng = np.random.default_rng(0)
pool = [rng.standard_normal((heads, tokens, head_dim), dtype=np.float32) for _ in range(16)]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


store = KvStore(layers, Path(sys.argv[1]), ram_bytes=ram_budget)
rss = {}
for b in range(1800):  # 60 minutes at 0.5 fps
    # fresh arrays every block (a copy of the pool), as the prefill hands over
    keys = [pool[(b + i) % 16] * (1.0 + b) for i in range(layers)]
    values = [pool[(b + i + 7) % 16] - b for i in range(layers)]
    store.add(keys, values)
    if b + 1 in (300, 1800):  # 10 and 60 minutes
        rss[b + 1] = rss_mb()
first = store.get([0], 1)[0][0]  # the oldest block back from disk
assert first.tobytes() == (pool[1] * 1.0).tobytes(), "block 0 changed on disk"
store.flush()
print(rss[300], rss[1800], store.ram_bytes, store.disk_bytes, len(store))
"""


def test_rss_is_flat_from_10_to_60_minutes_and_the_disk_holds_the_rest(tmp_path: Path) -> None:
    """1800 blocks (an hour at 0.5 fps) through an 8 MiB budget: RSS after 10 and after 60
    minutes within 10 % (every block kept in RAM would add ~250 MiB to a ~40 MiB process),
    and the layer files hold exactly the blocks that left RAM."""
    import subprocess
    import sys

    folder = tmp_path / "kv"
    done = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=240,
        check=True,
    )
    rss_10, rss_60, ram, disk, blocks = (float(x) for x in done.stdout.split())
    assert blocks == 1800
    assert ram <= 8 * 2**20 and ram % BLOCK_BYTES == 0
    in_ram = ram // BLOCK_BYTES
    assert disk == (blocks - in_ram) * BLOCK_BYTES
    files = sorted(folder.glob("layer_*.kv"))
    assert len(files) == LAYERS and sum(f.stat().st_size for f in files) == disk
    assert rss_60 / rss_10 <= 1.10, (rss_10, rss_60)
