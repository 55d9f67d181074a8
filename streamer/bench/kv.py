"""kv memory benchmark (ReKV): a full-size vision-language model of a published shape, random
weights (LLaVA-OneVision, Qwen2.5-VL, SmolVLM2).

Random weights: speed is real, words are nonsense. One run measures

- encode: frames/s of the LM prefill of one frame's visual tokens over the sinks
  and a full local window (the steady state of a stream; the vision tower's own
  cost is `bench vlm`'s), median over the frames after the window filled;
- after 1, 10 and 60 minutes of stream at 0.5 fps: retrieval ms (the question's
  query pass + scoring every block's mean key), time to the first token
  (retrieval + the cache of sinks and retrieved blocks assembled + the
  question's prefill) and the whole answer, the store's RAM and disk, the
  process RSS; and the position of the answer's last token against the LM's
  `max_position_embeddings`, with the retrieved blocks re-indexed right after
  the sinks (`KvStream.compact`, the default) and before, at their stream
  positions (the TTFT of both, and the re-indexing's own ms);
- KV GiB per hour of stream (every block, at the sampled fps), the disk's growth
  per hour once the RAM budget is full, and RSS(longest) / RSS(the length
  before): the RAM budget keeps it flat;
- after the longest stream, a save (blocks still in RAM appended, index and mean
  keys written) and a reopen (sinks prefilled, index and mean keys read back; no
  block is read), timed, and whether the reopened stream retrieves the same blocks.

Streams longer than the few frames prefilled are filled with blocks of the
model's exact geometry (keys and values of the right shape and dtype, random),
written through the same store: retrieval, offload and answers cost the same as
with encoded ones, and a 60-minute stream fits a small CPU machine.

`--model FOLDER` runs any vlm folder the kv memory reads instead of a random
published shape (e.g. the reference models: a real LM with a random vision tower);
the stream's blocks are still random, so its words are not to be read either.

    python launch.py bench kv --family llava-onevision-0.5b --minutes 1 10 60 --out bench
    python launch.py bench kv --model path/to/vlm-folder --minutes 1 10 60
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamer.bench.report import median, table, write
from streamer.errors import StreamerError

FPS = 0.5  # frames a second of stream (ReKV's setting)
QUESTION = "What is shown in the video?"
NOTE = "random weights: speed is real, words are nonsense"
FOLDER_NOTE = "the folder's weights over random KV blocks: speed and positions are real, words not"


def bench_kv(
    family: str = "llava-onevision-0.5b",
    minutes: Sequence[float] = (1, 10, 60),
    answers: int = 2,
    tokens: int = 8,
    ram_gb: float = 1.0,
    device: str = "auto",
    out_dir: Path | str = "bench",
    model: str | Path | None = None,
) -> dict[str, Any]:
    """Run the benchmark and write `kv.json` and `kv.md` into `out_dir`.

    `model`: a vlm folder (or cached id) to run instead of `family`'s random shape.
    """
    from models.vlm.device import DeviceError, placement
    from streamer.memory.kv_stream import TOP_K, WINDOW, KvStream

    try:
        where = placement(device)
    except DeviceError as e:
        raise StreamerError(str(e)) from None
    vlm, name, note = _model(family, model, device, where)
    grid, dim = vlm.info.grid, vlm.info.dim
    rng = np.random.default_rng(0)
    folder = Path(tempfile.mkdtemp(prefix="streamer-bench-kv-"))
    try:
        stream = KvStream(vlm, folder, int(ram_gb * 2**30), WINDOW, TOP_K)
        encode_s = []
        for k in range(WINDOW + 3):  # the last frames attend to a full window
            frame = rng.standard_normal((*grid, dim), dtype=np.float32)
            t0 = time.perf_counter()
            stream.add_frame(frame, k / FPS)
            encode_s.append(time.perf_counter() - t0)
        steady = encode_s[WINDOW:]
        runs = [_at(stream, m, answers, tokens, rng) for m in sorted(minutes)]
        block_bytes = _block_bytes(stream)
        reopen = _save_and_reopen(vlm, stream, folder, int(ram_gb * 2**30))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    longest, before = runs[-1], runs[-2] if len(runs) > 1 else runs[-1]
    span_h = (longest["minutes"] - before["minutes"]) / 60
    disk_rate = (longest["disk_bytes"] - before["disk_bytes"]) / 2**30 / span_h if span_h else 0.0
    result = {
        "note": note,
        "family": family if model is None else None,
        "model": name,
        "max_position_embeddings": _max_positions(vlm),
        "device": where.device,
        "dtype": where.dtype,
        "fps": FPS,
        "window": WINDOW,
        "top_k": TOP_K,
        "ram_budget_gb": ram_gb,
        "tokens": tokens,
        "answers": answers,
        "encode_frames_per_s": round(1 / median(steady), 3),
        "encode_s_per_frame": round(median(steady), 3),
        "block_bytes": block_bytes,
        "block_mb": round(block_bytes / 2**20, 3),
        # every block of an hour at FPS (RAM + disk), and the disk's growth once RAM is full
        "kv_gib_per_hour": round(block_bytes * 3600 * FPS / 2**30, 2),
        "disk_gib_per_hour": round(disk_rate, 2),
        "rss_ratio": round(longest["rss_mb"] / max(before["rss_mb"], 1e-9), 3),
        "rss_ratio_of": [before["minutes"], longest["minutes"]],
        **reopen,
        "runs": runs,
    }
    write(out_dir, "kv", result, render(result))
    return result


def _model(family: str, model: str | Path | None, device: str, where: Any) -> tuple[Any, str, str]:
    """(the vlm, its name in the report, the report's note) of `model` or `family`."""
    from models.vlm.kv import KvLanguageModel
    from models.vlm.registry import labels
    from models.vlm.synthetic import RANDOM_MODELS, build_random, published_id

    if model is None:  # every family's adapter runs the kv memory
        if family not in RANDOM_MODELS:
            raise StreamerError(
                f"The kv memory runs {labels('and')}; use --family "
                f"{' or '.join(RANDOM_MODELS)}, or --model with a folder of one."
            )
        return build_random(family, where.device, where.dtype), published_id(family), NOTE
    from models.vlm.loader import load_vlm

    vlm = load_vlm(model, device)  # its errors are one sentence (ModelMissingError, ...)
    if not isinstance(vlm, KvLanguageModel):
        raise StreamerError(
            f"{model} is a {type(vlm).__name__}; the kv memory runs {labels('and')} folders."
        )
    return vlm, Path(model).name or str(model), FOLDER_NOTE


def _max_positions(vlm: Any) -> int | None:
    """The LM's trained context (`max_position_embeddings`), where its config says."""
    text = getattr(getattr(getattr(vlm, "model", None), "config", None), "text_config", None)
    value = getattr(text, "max_position_embeddings", None)
    return int(value) if value else None


def _fill(stream: Any, minutes: float, rng: Any) -> None:
    """Random blocks of the model's geometry up to `minutes` of stream at FPS."""
    target = max(1, round(minutes * 60 * FPS))
    geometry = stream.store.get([0], 0)[0][0]  # (kv_heads, n, head_dim) of one block
    n_layers = stream.layout.n_layers
    while len(stream.store) < target:
        keys = [rng.standard_normal(geometry.shape, dtype=np.float32) for _ in range(n_layers)]
        values = [rng.standard_normal(geometry.shape, dtype=np.float32) for _ in range(n_layers)]
        stream.add_block(keys, values, len(stream.store) / FPS)  # M-RoPE: t counts time


def _at(stream: Any, minutes: float, answers: int, tokens: int, rng: Any) -> dict[str, Any]:
    """Fill `stream` to `minutes` of stream, then time retrieval and `answers` answers, and
    the first token with the blocks at their stream positions (before re-indexing)."""
    _fill(stream, minutes, rng)
    retrieve, first, total, before, compact = [], [], [], [], []
    for _ in range(answers):
        t0 = time.perf_counter()
        chosen = stream.retrieve(QUESTION)
        t1 = time.perf_counter()
        stream.answer_logits(QUESTION, chosen)
        t2 = time.perf_counter()
        for _piece in stream.answer(QUESTION, tokens, blocks=chosen):
            pass
        t3 = time.perf_counter()
        stream.compact(chosen)
        t4 = time.perf_counter()
        stream.reindex = False
        try:
            stream.answer_logits(QUESTION, chosen)
        finally:
            stream.reindex = True
        before.append(t1 - t0 + time.perf_counter() - t4)
        retrieve.append(t1 - t0)
        first.append(t2 - t0)
        total.append(t1 - t0 + t3 - t2)
        compact.append(t4 - t3)
    last = len(stream.model.kv_tail(QUESTION)) + tokens - 1  # the answer's last token
    stream.reindex = False
    at_stream = stream.compact(chosen).start + last
    stream.reindex = True
    store = stream.store
    return {
        "minutes": minutes,
        "blocks": len(store),
        "retrieval_ms": round(median(retrieve) * 1000, 1),
        "ttft_s": round(median(first), 3),
        "answer_s": round(median(total), 3),
        "last_position": stream.compact(chosen).start + last,
        "last_position_before": at_stream,
        "ttft_before_s": round(median(before), 3),
        "reindex_ms": round(median(compact) * 1000, 1),
        "ram_bytes": store.ram_bytes,
        "disk_bytes": store.disk_bytes,
        "ram_mb": round(store.ram_bytes / 2**20, 1),
        "disk_gib": round(store.disk_bytes / 2**30, 3),
        "rss_mb": round(_rss_mb(), 1),
    }


def _save_and_reopen(vlm: Any, stream: Any, folder: Path, ram_bytes: int) -> dict[str, Any]:
    """After the longest stream: a save (the blocks still in RAM appended to the layer
    files, the block index and mean keys written) and a reopen (a new stream over the same
    files: sinks prefilled, the index and mean keys read back, no block read); both timed,
    and whether the reopened stream retrieves the same blocks for the question."""
    from safetensors.numpy import load_file, save_file

    from streamer.memory.kv_stream import TOP_K, WINDOW, KvStream

    store = stream.store
    t0 = time.perf_counter()
    index = store.persist()
    places = stream.layout_of(len(store))
    keys = folder / "mean_keys.safetensors"
    save_file({f"reps.{i}": store.representatives(i) for i in range(store.n_layers)}, str(keys))
    save_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = KvStream(vlm, folder, ram_bytes, WINDOW, TOP_K)
    reps = load_file(str(keys))
    again.store.adopt(index, [reps[f"reps.{i}"] for i in range(store.n_layers)])
    again.adopt(places)
    reopen_s = time.perf_counter() - t0
    same = again.retrieve(QUESTION) == stream.retrieve(QUESTION)
    again.close()
    return {
        "save_s": round(save_s, 3),
        "reopen_s": round(reopen_s, 3),
        "reopened_blocks": len(again.store),
        "reopen_retrieves_the_same": same,
    }


def _block_bytes(stream: Any) -> int:
    k, v = stream.store.get([0], 0)[0]
    return int(k.nbytes + v.nbytes) * int(stream.layout.n_layers)


def _rss_mb() -> float:
    """The process's resident set now (not its peak), MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def render(result: dict[str, Any]) -> str:
    a, b = result["rss_ratio_of"]
    head = (
        f"# kv memory: {result['model']} ({result['device']}, {result['dtype']})\n\n"
        f"{result['note']}. Encode (LM prefill, window {result['window']} blocks) "
        f"{result['encode_frames_per_s']} frames/s ({result['encode_s_per_frame']} s a frame); "
        f"one frame's KV block {result['block_mb']} MiB; {result['kv_gib_per_hour']} GiB of KV "
        f"per hour of stream at {result['fps']} fps, the disk growing "
        f"{result['disk_gib_per_hour']} GiB an hour once the RAM budget "
        f"({result['ram_budget_gb']} GiB) is full; top {result['top_k']} blocks a layer; answers "
        f"of {result['tokens']} tokens, median of {result['answers']}; RSS({b:g} min) / "
        f"RSS({a:g} min) = {result['rss_ratio']}. Saved after {b:g} min in "
        f"{result['save_s']} s; reopened ({result['reopened_blocks']} blocks) in "
        f"{result['reopen_s']} s, retrieving "
        f"{'the same' if result['reopen_retrieves_the_same'] else 'OTHER'} blocks.\n\n"
    )
    headers = ["min", "blocks", "retrieval ms", "TTFT s", "answer s", "RAM MiB", "disk GiB"]
    headers += ["RSS MiB", "last position", "before", "TTFT before s", "re-index ms"]
    rows = [
        [
            r["minutes"],
            r["blocks"],
            r["retrieval_ms"],
            r["ttft_s"],
            r["answer_s"],
            r["ram_mb"],
            r["disk_gib"],
            r["rss_mb"],
            r["last_position"],
            r["last_position_before"],
            r["ttft_before_s"],
            r["reindex_ms"],
        ]
        for r in result["runs"]
    ]
    trained = result["max_position_embeddings"]
    positions = (
        f"Positions: the answer's last token with the retrieved blocks re-indexed right after "
        f"the sinks (last position), and at their stream positions (before); the LM was "
        f"trained on {trained if trained else 'an unstated number of'} positions.\n\n"
    )
    return head + positions + table(headers, rows)
