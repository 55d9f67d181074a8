"""The committed one-minute needle-in-the-stream fixture, streamed with the default setup."""

from __future__ import annotations

from pathlib import Path

import pytest

from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.types import AnswerRecord
from streamer.store import read_jsonl
from tests.eval.conftest import ASSETS

FIXTURE = ASSETS / "synthetic-1min-seed9-320x180.jsonl"
AUDIO_CHUNK_S = 0.2  # a chunk that began before the question is heard whole (perception gate)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    bench = load_benchmark(BenchmarkArgs("synthetic", annotations=str(FIXTURE)))
    out = tmp_path_factory.mktemp("synthetic")
    run_benchmark(bench, RunConfig(), out, progress=False)
    return out, finish(bench, out)


def test_scores_clearly_above_the_baselines(run: tuple[Path, dict]) -> None:
    _, report = run
    overall = report["overall"]
    assert overall["n"] == 23 and report["questions"]["unanswered"] == 0
    assert overall["accuracy"] >= overall["random"] + 0.25
    choice = [g for t, g in report["by_answer_type"].items() if t.endswith("-choice")]
    assert sum(g["accuracy"] * g["n"] for g in choice) > sum(g["random"] * g["n"] for g in choice)


def test_no_answer_sees_the_future(run: tuple[Path, dict]) -> None:
    out, report = run
    records = [
        AnswerRecord.from_dict(r)
        for r in read_jsonl(next((out / "shards").glob("*.jsonl")))
        if r["type"] == "answer"
    ]
    assert len(records) == 23
    for a in records:
        assert a.asked_at == pytest.approx(a.question.at)
        assert all(e.start <= a.asked_at and e.end <= a.asked_at for e in a.evidence)
        assert a.seen_until <= a.asked_at + AUDIO_CHUNK_S + 1e-6
    assert report["future_violations"] == 0
    assert report["lookahead"]["max_s"] <= AUDIO_CHUNK_S + 1e-6
