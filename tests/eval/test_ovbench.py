"""OVBench: all records load; a fake root runs end to end; resume and Ray answer the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from streamer.eval.ovbench import load_ovbench, load_records
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from tests.eval.conftest import (
    COIN_ID,
    FAKE_QUESTIONS,
    HIREST_ID,
    OVBENCH_RECORDS,
    OVBENCH_VIDEOS,
    ROOT,
    TAO_ID,
    Run,
    answers,
    deterministic,
    ovbench_annotations,
)


def test_every_record_loads_and_maps() -> None:
    records = load_records(ovbench_annotations())
    assert len(records) == OVBENCH_RECORDS
    assert Counter(s for s, _, _ in records) == {
        "ava": 1396,
        "coin": 1948,
        "hirest": 1714,
        "tao": 1947,
    }
    bench = load_ovbench(ovbench_annotations(), None)  # no root: every video is missing
    assert bench.videos == [] and len(bench.missing_videos) == OVBENCH_VIDEOS
    assert bench.missing_questions == OVBENCH_RECORDS


def test_questions_keep_options_answers_and_ask_time(ovbench_root: Path) -> None:
    bench = load_ovbench(ovbench_annotations(), ovbench_root)
    qs = {q.qid: q for v in bench.videos for q in v.questions}
    for q in qs.values():
        assert q.options and q.options[q.answer_index or 0] == q.answer
        assert q.window == (0.0, q.at)
    tao = next(v for v in bench.videos if v.subset == "tao")
    assert tao.frames_fps == 30 and all(q.image_file for q in tao.questions)
    assert any(o.startswith("[") for q in tao.questions for o in q.options or ())  # boxes as text
    assert [q.at for q in tao.questions] == sorted(q.at for q in tao.questions)


def test_fake_root_runs_found_videos_and_counts_the_rest(ovbench_serial: Run) -> None:
    bench, report = ovbench_serial.bench, ovbench_serial.report
    assert sorted(v.video_id for v in bench.videos) == sorted([COIN_ID, HIREST_ID, TAO_ID])
    assert report["videos"] == {
        "found": 3,
        "missing": OVBENCH_VIDEOS - 3,
        "streamed": 3,
        "errors": {},
    }
    assert report["questions"]["answered"] == FAKE_QUESTIONS
    assert report["questions"]["missing_video"] == OVBENCH_RECORDS - FAKE_QUESTIONS
    assert report["questions"]["unanswered"] == 0
    assert report["future_violations"] == 0
    assert set(report["by_answer_type"]) <= {
        "FuturePrediction",
        "Hallucination",
        "PastMemory",
        "SpatialPerception",
        "SpatioTemporalPerception",
        "TemporalPerception",
    }
    assert 0.0 < report["overall"]["random"] < 1.0
    assert (ovbench_serial.out / "report.md").read_text().startswith("# ovbench")


def _first_answer(out: Path) -> bool:
    return (out / "shards").exists() and bool(answers(out))


def test_resume_after_kill_gives_the_same_report(
    ovbench_serial: Run, ovbench_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "killed"
    cmd = [
        sys.executable,
        str(ROOT / "launch.py"),
        "eval",
        "--benchmark",
        "ovbench",
        "--quiet",
        "--annotations",
        str(ovbench_annotations()),
        "--video-root",
        str(ovbench_root),
        "--out",
        str(out),
        "--cache",
        str(tmp_path / "cache"),
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _first_answer(out):
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "no answer was written in time"
            time.sleep(0.05)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    partial = answers(out)
    assert 0 < len(partial) < FAKE_QUESTIONS  # killed mid-way
    assert not (out / "report.json").exists()
    bench = ovbench_serial.bench
    run_benchmark(
        bench, RunConfig(frames_cache=str(tmp_path / "cache" / "frames")), out, progress=False
    )
    resumed = finish(bench, out)
    assert answers(out) == answers(ovbench_serial.out)
    assert deterministic(resumed) == deterministic(ovbench_serial.report)


def test_local_ray_gives_the_same_answers(ovbench_serial: Run, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    from streamer.errors import StreamerError

    out = tmp_path / "ray"
    config = RunConfig(frames_cache=str(tmp_path / "frames"))
    try:
        run_benchmark(ovbench_serial.bench, config, out, ray_address="local", progress=False)
    except StreamerError as e:
        pytest.skip(f"Ray could not start here: {e}")
    assert answers(out) == answers(ovbench_serial.out)
    assert deterministic(finish(ovbench_serial.bench, out)) == deterministic(ovbench_serial.report)
