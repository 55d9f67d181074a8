"""Memory benchmark: per-frame write cost and process RSS over simulated streams.

Synthetic observations (scenes that recur, 7x7x1280 float32 tokens as
EfficientNet-Lite0 gives, 160x90 JPEG thumbnails) go through each strategy.
Every (strategy, length) runs in a fresh subprocess so that resident memory
is comparable; a bounded memory should end a 60-minute stream with about the
RSS of a 10-minute one.

    python -m streamer.bench.memory                          # 10 and 60 min, all strategies
    python -m streamer.bench.memory --minutes 10 60 --out bench
    python -m streamer.bench.memory --one star 60            # one run, prints JSON
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamer.memory import MEMORY_NAMES, make_memory
from streamer.store import write_bytes_atomic, write_json_atomic
from streamer.types import Observation

TOKEN_GRID = 7  # EfficientNet-Lite0 at 224 px: a 7x7 map
FEATURE_DIM = 1280  # EfficientNet-Lite0 channels
SCENES = 40  # scene pool; a stream jumps between them, so scenes recur
SCENE_FRAMES = (5, 40)  # frames a scene lasts, [low, high)
NOISE = 0.3  # frame-to-frame variation within a scene, in token units
THUMB_SIZE = (160, 90)  # pixels, as perception's thumbnails
RUN_TIMEOUT = 1800  # seconds one subprocess run may take
ROOT = Path(__file__).resolve().parents[2]


def bench_memory(
    minutes: Sequence[float] = (10, 60),
    fps: float = 1.0,
    out_dir: Path | str = Path("bench"),
    strategies: Sequence[str] = MEMORY_NAMES,
) -> dict[str, Any]:
    """Run every strategy for every stream length, each in a fresh process.

    Args:
        minutes: simulated stream lengths; RSS ratio is last over first.
        fps: observations per second of stream.
        out_dir: where `memory.json` and `memory.md` are written.
        strategies: memory names to run.

    Returns:
        {"fps", "minutes", "runs": [one dict per run], "rows": [one dict per strategy]}.
    """
    runs = [_spawn(name, m, fps) for name in strategies for m in minutes]
    rows = [_row(name, [r for r in runs if r["strategy"] == name], minutes) for name in strategies]
    result = {"fps": fps, "minutes": list(minutes), "runs": runs, "rows": rows}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / "memory.json", result)
    write_bytes_atomic(out / "memory.md", markdown(result).encode("utf-8"))
    return result


def run_one(strategy: str, minutes: float, fps: float = 1.0, seed: int = 0) -> dict[str, Any]:
    """Stream `minutes` of synthetic observations into one memory; time writes, read RSS."""
    memory = make_memory(strategy)
    rss_start = rss_mb()
    frames = int(round(minutes * 60 * fps))
    write_ns = np.zeros(frames, dtype=np.int64)
    for i, obs in enumerate(synthetic_stream(frames, fps, seed)):
        start = time.perf_counter_ns()
        memory.write(obs)
        write_ns[i] = time.perf_counter_ns() - start
    rss_end = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter_ns()
        memory.save(Path(tmp))
        save_ms = (time.perf_counter_ns() - start) / 1e6
        saved = sum(p.stat().st_size for p in Path(tmp).iterdir())
    stats = memory.stats()
    ms = write_ns / 1e6
    return {
        "strategy": strategy,
        "minutes": minutes,
        "frames": frames,
        "write_ms_p50": float(np.percentile(ms, 50)),
        "write_ms_p95": float(np.percentile(ms, 95)),
        "write_ms_max": float(ms.max()),
        "rss_start_mb": rss_start,
        "rss_mb": rss_end,
        "tokens": stats.tokens,
        "budget_tokens": stats.budget_tokens,
        "bytes_held": stats.bytes_held,
        "save_ms": save_ms,
        "saved_bytes": saved,
    }


def synthetic_stream(frames: int, fps: float, seed: int = 0) -> Iterator[Observation]:
    """Observations of scenes that recur: tokens (7, 7, 1280) = scene base + noise."""
    rng = np.random.default_rng(seed)
    shape = (TOKEN_GRID, TOKEN_GRID, FEATURE_DIM)
    bases = rng.standard_normal((SCENES, *shape), dtype=np.float32) + 0.5  # (S, 7, 7, 1280)
    thumbs = [_jpeg(tuple(int(c) for c in rng.integers(0, 256, 3))) for _ in range(SCENES)]
    seq = 0
    while seq < frames:
        scene = int(rng.integers(SCENES))
        for _ in range(int(rng.integers(*SCENE_FRAMES))):
            if seq >= frames:
                return
            tokens = bases[scene] + NOISE * rng.standard_normal(shape, dtype=np.float32)
            mean = tokens.mean(axis=(0, 1))
            yield Observation(
                t=seq / fps,
                seq=seq,
                thumbnail=thumbs[scene],
                tags=((f"scene{scene}", 0.9),),
                feature=mean / np.linalg.norm(mean),
                tokens=tokens,
            )
            seq += 1


def rss_mb() -> float:
    """Resident set size of this process in MiB (peak RSS where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024  # kB -> MiB
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def markdown(result: dict[str, Any]) -> str:
    """The table of `bench_memory`'s result."""
    m = result["minutes"]
    head = (
        ["strategy", "budget (tokens)", "write p50 (ms)", "write p95 (ms)"]
        + [f"RSS@{_fmt(x)} min (MiB)" for x in m]
        + [f"RSS {_fmt(m[-1])}/{_fmt(m[0])}", "save (ms)"]
    )
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in result["rows"]:
        cells = [row["strategy"], str(row["budget_tokens"])]
        cells += [f"{row['write_ms_p50']:.3f}", f"{row['write_ms_p95']:.3f}"]
        cells += [f"{v:.0f}" for v in row["rss_mb"]]
        cells += [f"{row['rss_ratio']:.3f}", f"{row['save_ms']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    note = f"\n{result['fps']:g} fps; write times of the longest run; a fresh process per run.\n"
    return "\n".join(lines) + "\n" + note


def _row(name: str, runs: list[dict[str, Any]], minutes: Sequence[float]) -> dict[str, Any]:
    by_length = {r["minutes"]: r for r in runs}
    longest = by_length[minutes[-1]]
    rss = [by_length[m]["rss_mb"] for m in minutes]
    return {
        "strategy": name,
        "budget_tokens": longest["budget_tokens"],
        "write_ms_p50": longest["write_ms_p50"],
        "write_ms_p95": longest["write_ms_p95"],
        "rss_mb": rss,
        "rss_ratio": rss[-1] / rss[0],
        "save_ms": longest["save_ms"],
    }


def _spawn(strategy: str, minutes: float, fps: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "streamer.bench.memory", "--one", strategy, str(minutes)]
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [*cmd, "--fps", str(fps)],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _jpeg(color: tuple[int, ...]) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", THUMB_SIZE, color).save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def _fmt(x: float) -> str:
    return f"{x:g}"


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--minutes", type=float, nargs="+", default=[10, 60])
    p.add_argument("--fps", type=float, default=1.0)
    p.add_argument("--out", type=Path, default=Path("bench"))
    p.add_argument("--one", nargs=2, metavar=("STRATEGY", "MINUTES"))
    args = p.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one[0], float(args.one[1]), args.fps)))
        return
    result = bench_memory(args.minutes, args.fps, args.out)
    print(markdown(result))


if __name__ == "__main__":
    main()
