"""Fixtures of the evaluation tests: the real OVBench annotations, a fake video root, runs.

The fake root holds short generated clips named like real OVBench ids, one per
layout the loader understands, so those questions run end to end while the
other 7,000 are counted as missing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from streamer.eval.ovbench import load_ovbench
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.types import Benchmark
from streamer.synth import Card, ClipScript, Shape, draw_frame, render

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "tests" / "assets"
OVBENCH = Path(os.environ.get("OVBENCH_ANNOTATIONS", ROOT.parent / "shared/data/ovbench"))
OVBENCH_RECORDS = 7005  # 1,396 ava + 1,948 coin + 1,714 hirest + 1,947 tao
OVBENCH_VIDEOS = 1441  # 64 ava + 601 coin + 450 hirest + 326 tao

# Real OVBench ids with few, early questions, each placed in another layout
# (<root>/<id>.mp4 for ids without an extension is covered in test_loaders.py).
COIN_ID = "MyAmydMgtbc.mp4"  # 2 questions, up to 0:15: <root>/<id>
HIREST_ID = "FOSNif19b1k.mp4"  # 2 questions, up to 0:28 (past the clip's end): <root>/HiREST/<id>
TAO_ID = "Hurling_v_C5DkqCKgM5M"  # 6 questions, up to 0:03: frames at 30 fps under val/HACS/
TAO_DIR = "val/HACS/Hurling_v_C5DkqCKgM5M"
FAKE_QUESTIONS = 2 + 2 + 6


@pytest.fixture(scope="session")
def synthetic_seed0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one-minute seed-0 synthetic stream's questions file (its video beside it)."""
    from streamer.eval.synthetic import SyntheticSpec, generate

    return generate(SyntheticSpec(minutes=1, seed=0), tmp_path_factory.mktemp("synthetic-seed0"))


def ovbench_annotations() -> Path:
    if not OVBENCH.is_dir():
        pytest.skip(f"the OVBench annotations are not at {OVBENCH} (set OVBENCH_ANNOTATIONS)")
    return OVBENCH


# The clips are silent on purpose: Whisper's temperature fallback samples when a clip
# decodes poorly, so the same speech can be transcribed differently from run to run,
# and serial / Ray / resumed runs could not be compared answer for answer.
def _clip(path: Path, seconds: float, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    script = ClipScript(
        duration=seconds,
        cards=[Card(1.0, 4.0, text)],
        shapes=[Shape(5.0, 7.0, "circle", "red")],
        width=320,
        height=180,
        fps=5,
        audio=False,
    )
    render(script, str(path))


def _frames(folder: Path, seconds: float, fps: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    script = ClipScript(seconds, cards=[Card(1.0, 2.5, "HURLING")], width=160, height=90)
    for i in range(int(seconds * fps)):
        img = draw_frame(script, i / fps)
        Image.fromarray(np.ascontiguousarray(img)).save(folder / f"frame{1600 + i:04d}.jpg")


@pytest.fixture(scope="session")
def ovbench_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A video root in three layouts: <id>, <SUBSET>/<id>, a folder of frames."""
    root = tmp_path_factory.mktemp("ovbench-videos")
    _clip(root / COIN_ID, 16.0, "MAKE THE DETERGENT")
    _clip(root / "HiREST" / HIREST_ID, 12.0, "FLIP EACH ROW")
    _frames(root / TAO_DIR, 4.0, 30)
    return root


@dataclass
class Run:
    bench: Benchmark
    out: Path
    report: dict[str, Any]


@pytest.fixture(scope="session")
def ovbench_serial(ovbench_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The fake-root OVBench run, serial and uninterrupted: the reference for resume and Ray."""
    bench = load_ovbench(ovbench_annotations(), ovbench_root)
    out = tmp_path_factory.mktemp("ovbench-serial")
    config = RunConfig(frames_cache=str(tmp_path_factory.mktemp("frames")))
    run_benchmark(bench, config, out, progress=False)
    return Run(bench, out, finish(bench, out))


def answers(out: Path) -> dict[str, tuple[str, int | None, float]]:
    """qid -> (answer text, chosen option, asked_at) over every shard of a run folder."""
    from streamer.store import read_jsonl

    got = {}
    for shard in sorted((out / "shards").glob("*.jsonl")):
        for r in read_jsonl(shard):
            if r["type"] == "answer":
                got[r["qid"]] = (r["prediction"], r["option_index"], r["asked_at"])
    return got


def deterministic(report: dict[str, Any]) -> dict[str, Any]:
    """The parts of a report that must not change between equivalent runs (no timings)."""
    keys = ("videos", "questions", "overall", "without_yesno", "yesno", "by_answer_type")
    return {k: report[k] for k in keys} | {"memory": report["memory"]}
