"""vlm backend benchmark: a full-size model of a published shape with random weights.

Random weights: speed is real, words are nonsense. One run measures

- vision encode, ms per frame (median; one frame per pass, as perception sends them);
- time to first token (prompt assembly + prefill) and decode tokens/s of an
  answer read from each memory strategy, after 1, 10 and 60 minutes of stream
  at 0.5 fps. The memories are bounded, so TTFT should not grow with the stream:
  the table gives TTFT(longest) / TTFT(shortest) per strategy;
- peak RSS of the process (and peak GPU memory on CUDA);
- with `--live N`: whether the vision side keeps up with N minutes of a stream
  followed in real time, OCR and speech beside it (`vlm_live`).

A few frames are encoded once and written again and again to fill the memories
(a 60-minute stream is 1,800 writes), so the run fits a small CPU machine.

    python launch.py bench vlm --family llava-onevision-0.5b --minutes 1 10 60 --out bench
"""

from __future__ import annotations

import io
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamer.bench.report import median, table, write
from streamer.bench.vlm_live import render_live
from streamer.errors import StreamerError
from streamer.memory import MEMORY_NAMES, make_memory
from streamer.reasoning.question import parse_question
from streamer.reasoning.vlm import model_prompt
from streamer.types import Observation

FPS = 0.5  # frames a second written to memory (perception's vlm sampling, typical)
FRAMES = 4  # distinct frames encoded (and timed); the memories are filled by cycling them
FRAME_SIZE = (360, 640)  # (H, W) px of each noise frame, as the demo clip
QUESTION = "What is shown in the video?"
NOTE = "random weights: speed is real, words are nonsense"


def bench_vlm(
    family: str = "llava-onevision-0.5b",
    minutes: Sequence[float] = (1, 10, 60),
    strategies: Sequence[str] = MEMORY_NAMES,
    answers: int = 2,
    tokens: int = 8,
    device: str = "auto",
    out_dir: Path | str = "bench",
    live_minutes: float = 0.0,
) -> dict[str, Any]:
    """Run the benchmark and write `vlm.json` and `vlm.md` into `out_dir`.

    `live_minutes` > 0: also follow that much of a generated stream in real time
    with the model as the frame encoder, OCR and speech beside it (`vlm_live`).
    """
    from models.vlm.device import DeviceError, placement
    from models.vlm.synthetic import RANDOM_MODELS, build_random, published_id

    if family not in RANDOM_MODELS:
        raise StreamerError(f"Unknown family {family!r}; use one of {', '.join(RANDOM_MODELS)}.")
    try:
        where = placement(device)
    except DeviceError as e:
        raise StreamerError(str(e)) from None
    start = time.perf_counter()
    vlm = build_random(family, where.device, where.dtype, vision_int8=where.vision_int8)
    build_s = time.perf_counter() - start
    frames = _noise_frames()
    encode_ms = []
    for frame in frames:
        t0 = time.perf_counter()
        vlm.encode([frame])
        encode_ms.append((time.perf_counter() - t0) * 1000)
    features = vlm.encode(frames)
    thumb = _thumbnail(frames[0])
    runs = []
    for name in strategies:
        filled = [_fill(vlm, name, m, features, thumb) for m in minutes]
        runs += _timed(vlm, filled, answers, tokens)
    result = {
        "note": NOTE,
        "family": family,
        "model": published_id(family),
        "device": where.device,
        "dtype": where.dtype,
        "vision": "int8 linear layers" if where.vision_int8 else where.dtype,
        "fps": FPS,
        "minutes": list(minutes),
        "tokens": tokens,
        "answers": answers,
        "build_s": round(build_s, 2),
        "encode_ms_per_frame": median(encode_ms),
        "runs": runs,
        "ttft_ratio": _ratios(runs, minutes),
        "peak_rss_mb": _peak_rss_mb(),
        "peak_gpu_mb": _peak_gpu_mb(where.device),
    }
    if live_minutes > 0:
        from streamer.bench.vlm_live import keeps_up

        result["live"] = keeps_up(vlm, live_minutes, FPS, out_dir)
    write(out_dir, "vlm", result, render(result))
    return result


def _fill(
    vlm: Any, strategy: str, minutes: float, features: Sequence[Any], thumb: bytes
) -> dict[str, Any]:
    """A fresh memory filled with `minutes` of stream, and the prompt read from it."""
    memory = make_memory(strategy, {}, vlm.info)
    n = max(1, round(minutes * 60 * FPS))
    t0 = time.perf_counter()
    for seq in range(n):
        f = features[seq % len(features)]
        memory.write(
            Observation(seq / FPS, seq, thumb, (), f.feature, f.tokens, space=vlm.info.space)
        )
    fill_s = time.perf_counter() - t0
    view = memory.read()
    items = sorted(view.items, key=lambda i: (i.t, i.seq))
    parts, times = model_prompt(vlm, parse_question(QUESTION, (n - 1) / FPS), items, [])
    embeds = vlm.prompt_inputs(parts, times)[0]  # Qwen2.5-VL's go with 3-D positions
    return {
        "strategy": strategy,
        "minutes": minutes,
        "frames_written": n,
        "fill_s": round(fill_s, 3),
        "frames_held": len(items),
        "visual_tokens": int(view.tokens),
        "prompt_tokens": int(embeds.shape[1]),
        "parts": parts,
        "times": times,
    }


def _timed(
    vlm: Any, filled: list[dict[str, Any]], answers: int, tokens: int
) -> list[dict[str, Any]]:
    """Each filled memory's TTFT and tokens/s, medians of `answers`.

    The lengths take turns (1, 10, 60, 1, 10, 60, ...), so a machine that slows
    down or speeds up during the run moves every length alike.
    """
    from models.vlm.synthetic import timed_answer

    timed: list[list[tuple[float, float]]] = [[] for _ in filled]
    for _ in range(answers):
        for i, f in enumerate(filled):
            timed[i].append(timed_answer(vlm, f["parts"], tokens, f["times"]))
    return [
        {
            **{k: v for k, v in f.items() if k not in ("parts", "times")},
            "ttft_s": median([t for t, _ in runs]),
            "tokens_per_s": median([r for _, r in runs]),
        }
        for f, runs in zip(filled, timed)
    ]


def _ratios(runs: list[dict[str, Any]], minutes: Sequence[float]) -> dict[str, float]:
    """TTFT at the longest stream over TTFT at the shortest, per strategy."""
    lo, hi = min(minutes), max(minutes)
    out = {}
    for r in runs:
        if r["minutes"] == hi:
            base = next(b for b in runs if b["strategy"] == r["strategy"] and b["minutes"] == lo)
            out[r["strategy"]] = round(r["ttft_s"] / max(base["ttft_s"], 1e-9), 3)
    return out


def render(result: dict[str, Any]) -> str:
    head = (
        f"# vlm backend: {result['model']} ({result['device']}, {result['dtype']})\n\n"
        f"{result['note']}. Vision encode {result['encode_ms_per_frame']:.0f} ms/frame "
        f"(median; vision tower in {result.get('vision', result['dtype'])}); "
        f"answers of {result['tokens']} tokens, median of {result['answers']}; "
        f"peak RSS {result['peak_rss_mb']:.0f} MiB"
        + (f", peak GPU {result['peak_gpu_mb']:.0f} MiB" if result["peak_gpu_mb"] else "")
        + f"; model built in {result['build_s']:.0f} s.\n\n"
    )
    rows = [
        [
            r["strategy"],
            r["minutes"],
            r["frames_written"],
            r["frames_held"],
            r["visual_tokens"],
            r.get("prompt_tokens", ""),
            round(r["ttft_s"] * 1000),
            r["tokens_per_s"],
        ]
        for r in result["runs"]
    ]
    headers = [
        "strategy",
        "min",
        "written",
        "held",
        "visual tokens",
        "prompt tokens",
        "TTFT ms",
        "tokens/s",
    ]
    ratio = [[s, v] for s, v in result["ttft_ratio"].items()]
    lo, hi = min(result["minutes"]), max(result["minutes"])
    return (
        head
        + table(headers, rows)
        + f"\nTTFT({hi:g} min) / TTFT({lo:g} min):\n\n"
        + table(["strategy", "ratio"], ratio)
        + (render_live(result["live"]) if "live" in result else "")
    )


def _noise_frames() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (*FRAME_SIZE, 3), dtype=np.uint8) for _ in range(FRAMES)]


def _thumbnail(frame: np.ndarray) -> bytes:
    from PIL import Image

    image = Image.fromarray(frame)
    image.thumbnail((160, 90))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux -> MiB


def _peak_gpu_mb(device: str) -> float | None:
    if device != "cuda":
        return None
    import torch

    return float(torch.cuda.max_memory_allocated()) / 2**20
