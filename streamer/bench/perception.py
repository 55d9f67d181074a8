"""Perception throughput: the whole stack (decode, encode, detect, OCR, speech), `pace=none`.

Two streams: the bundled demo clip, and a generated 10-minute stream with a
spoken sentence every 20 s and a text card every 30 s, sampled at 1 fps.
Models are loaded once, before timing; each run is a fresh session.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from streamer.bench.report import median, table, write
from streamer.perception import PerceptionConfig
from streamer.synth import Card, ClipScript, Shape, Speech, render

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo.mp4"
PLACES = ["north entrance", "loading dock", "main hall", "car park", "side door", "roof"]
THINGS = ["delivery van", "red bicycle", "tall ladder", "blue umbrella", "coffee machine"]
WORDS = ["GATE", "EXIT", "ROOM", "PLATFORM", "LEVEL", "DOCK"]


def long_script(minutes: float = 10.0, seed: int = 0) -> ClipScript:
    """A stream with a sentence every 20 s and a card every 30 s (5 s long), shapes between."""
    rng = random.Random(seed)
    duration = minutes * 60
    speech = [
        Speech(t, f"The {rng.choice(THINGS)} is at the {rng.choice(PLACES)} now.")
        for t in range(5, int(duration) - 5, 20)
    ]
    cards = [
        Card(t, t + 5, f"{rng.choice(WORDS)} {rng.randint(1, 99)}")
        for t in range(10, int(duration) - 5, 30)
    ]
    shapes = [
        Shape(
            t + 8,
            t + 14,
            rng.choice(["circle", "square", "triangle"]),
            rng.choice(["red", "blue", "yellow", "green"]),
        )
        for t in range(10, int(duration) - 15, 30)
    ]
    return ClipScript(duration=duration, cards=cards, shapes=shapes, speech=speech)


def ensure_long_stream(out_dir: Path, minutes: float = 10.0) -> Path:
    path = out_dir / f"stream-{minutes:g}min.mp4"
    if not path.exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        render(long_script(minutes), str(path))
    return path


def run_once(source: str, models: Any, sample_fps: float = 1.0) -> dict[str, Any]:
    from streamer.session import Session, SessionConfig

    cfg = SessionConfig(source, pace="none", perception=PerceptionConfig(sample_fps=sample_fps))
    with Session(cfg, models=models) as s:
        s.run_until(None)
        p = s.stats().perception
    assert p is not None
    return {
        "stream_seconds": p.stream_time,
        "wall_seconds": p.wall_seconds,
        "x_realtime": p.x_realtime,
        "observations": p.observations,
        "stages": {k: {"seconds": v.seconds, "items": v.items} for k, v in p.stages.items()},
    }


def bench_perception(
    runs: int = 3, minutes: float = 10.0, out_dir: Path | str = "bench", include_long: bool = True
) -> dict[str, Any]:
    from streamer.modelset import load_models

    out = Path(out_dir)
    models = load_models()
    run_once(str(DEMO), models)  # warm-up: loads every model, exports the encoder once
    streams = {"demo clip (72 s)": str(DEMO)}
    if include_long:
        streams[f"generated ({minutes:g} min)"] = str(ensure_long_stream(out, minutes))
    result: dict[str, Any] = {"runs": runs, "streams": {}}
    rows = []
    for label, path in streams.items():
        rs = [run_once(path, models) for _ in range(runs)]
        stage = {k: median([r["stages"][k]["seconds"] for r in rs]) for k in rs[0]["stages"]}
        wall = median([r["wall_seconds"] for r in rs])
        s0 = rs[0]["stream_seconds"]
        result["streams"][label] = {
            "path": path,
            "runs": rs,
            "median_wall": wall,
            "median_x_realtime": median([r["x_realtime"] for r in rs]),
            "median_stage_seconds": stage,
        }
        rows.append(
            [
                label,
                f"{s0:.0f}",
                wall,
                s0 / wall if wall else 0.0,
                *(
                    f"{stage[k]:.1f} ({100 * stage[k] / wall:.0f}%)"
                    for k in ("encode", "detect", "ocr", "speech")
                ),
            ]
        )
    md = (
        f"Perception throughput, `pace=none`, 1 sampled fps, median of {runs} runs "
        "(stage seconds; speech runs in its own thread beside vision)\n\n"
        + table(
            [
                "stream",
                "stream s",
                "wall s",
                "x realtime",
                "encode s",
                "detect s",
                "OCR s",
                "speech s (VAD+ASR)",
            ],
            rows,
        )
    )
    write(out, "perception", result, md)
    return result
