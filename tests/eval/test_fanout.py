"""`eval --compare` on one replay: every strategy answers as its own replay would have.

The one-minute seed-0 synthetic stream (speech, cards, shapes; 16 questions) is
streamed once for four strategies and once alone for two of them: pyramid (the
session's own memory) and star (a memory added to it). Their answer records
(prediction, option, evidence) and memory statistics must be the same, while the
frame encoder ran once for the four. Each replay finds its spoken language
afresh (a stream's language is its own), as a fresh process does.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamer.errors import StreamerError
from streamer.eval.fanout import run_shared
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.shards import Shard
from streamer.eval.stream import RunConfig
from streamer.eval.synthetic import load_synthetic
from streamer.eval.types import Benchmark, EvalVideo
from streamer.eval.vstream import load_vstream
from streamer.modelset import load_models
from streamer.store import read_jsonl
from streamer.synth import Card, ClipScript, render
from tests.eval.conftest import ASSETS, answers
from tests.models.vlm.conftest import tiny_llava  # noqa: F401  (the checkpoint fixture)

SHARED = ("pyramid", "star", "window", "uniform")
ALONE = ("pyramid", "star")  # the session's own memory, and one added to it
AUDIO_CHUNK_S = 0.2  # a chunk that began before the question is heard whole (perception gate)


@dataclass
class Runs:
    bench: Benchmark
    shared: dict[str, Path]  # run folder by strategy, all four from one replay
    alone: dict[str, Path]  # run folder by strategy, one replay each
    frames_shared: int  # frames the encoder encoded in the shared replay
    frames_alone: dict[str, int]


@pytest.fixture(scope="module")
def runs(synthetic_seed0: Path, tmp_path_factory: pytest.TempPathFactory) -> Runs:
    bench = load_synthetic(synthetic_seed0)
    root = tmp_path_factory.mktemp("fanout")
    with _counting_encoder() as encoded:
        shared = {m: root / "shared" / m for m in SHARED}
        run_shared(bench, RunConfig(), shared, progress=False)
        frames_shared = sum(encoded)
        frames_alone, alone = {}, {}
        for memory in ALONE:
            encoded.clear()
            alone[memory] = root / "alone" / memory
            run_benchmark(bench, RunConfig(memory=memory), alone[memory], progress=False)
            frames_alone[memory] = sum(encoded)
    return Runs(bench, shared, alone, frames_shared, frames_alone)


@pytest.fixture(scope="module")
def video(runs: Runs) -> EvalVideo:
    (v,) = runs.bench.videos
    return v


class _counting_encoder:  # noqa: N801  (used as a context manager, like a function)
    """The packaged frame encoder, counting the frames it encodes (it still encodes them)."""

    def __enter__(self) -> list[int]:
        self.encoder: Any = load_models().encoder
        self.real = self.encoder.encode
        counts: list[int] = []

        def encode(images: list[np.ndarray]) -> Any:
            counts.append(len(images))
            return self.real(images)

        self.encoder.encode = encode
        return counts

    def __exit__(self, *exc: object) -> None:
        del self.encoder.encode  # the class's method again


def _records(out: Path, video: EvalVideo) -> list[dict[str, Any]]:
    return list(read_jsonl(Shard(out, video).path))


def _answers(out: Path, video: EvalVideo) -> dict[str, tuple[Any, ...]]:
    """qid -> what must not change between equivalent runs (no timings).

    Not `seen_until`: asked mid-sentence (q0015 at 7.0 s) the speech heard at the
    gate ends at 6.965 s in one replay, 7.136 s in the next, of one strategy alone.
    """
    got = {}
    for r in _records(out, video):
        if r["type"] == "answer":
            evidence = [(e["start"], e["end"], e["kind"], e["text"]) for e in r["evidence"]]
            got[r["qid"]] = (
                r["prediction"],
                r["option"],
                r["option_index"],
                r["asked_at"],
                r["memory_bytes"],
                r["error"],
                evidence,
            )
    return got


def _video_line(out: Path, video: EvalVideo) -> dict[str, Any]:
    (line,) = [r for r in _records(out, video) if r["type"] == "video"]
    return line


def test_each_strategy_answers_as_its_own_replay_does(runs: Runs, video: EvalVideo) -> None:
    qids = {q.qid for q in video.questions}
    for memory in ALONE:
        shared, alone = _answers(runs.shared[memory], video), _answers(runs.alone[memory], video)
        assert set(shared) == qids
        for qid in sorted(qids):
            assert shared[qid] == alone[qid], (memory, qid)
        with_, without = (
            _video_line(runs.shared[memory], video),
            _video_line(runs.alone[memory], video),
        )
        assert with_["memory"] == without["memory"]  # the same observations, in the same order
        assert with_["stream_time"] == without["stream_time"]
        assert with_["shared_with"] == [m for m in SHARED if m != memory]
        assert without["shared_with"] is None


def test_the_shared_replay_encoded_each_frame_once(runs: Runs, video: EvalVideo) -> None:
    assert runs.frames_shared > 30  # a frame a second of a one-minute stream, and its cuts
    assert runs.frames_alone == {m: runs.frames_shared for m in ALONE}
    held = {m: _video_line(runs.shared[m], video)["memory"] for m in SHARED}
    assert {h["frames_seen"] for h in held.values()} == {runs.frames_shared}
    assert len({h["tokens"] for h in held.values()}) > 1  # four memories, not one shown four times


def test_no_strategy_sees_the_future(runs: Runs, video: EvalVideo) -> None:
    for memory in SHARED:
        records = [r for r in _records(runs.shared[memory], video) if r["type"] == "answer"]
        assert len(records) == len(video.questions)
        for r in records:
            assert all(
                e["start"] <= r["asked_at"] and e["end"] <= r["asked_at"] for e in r["evidence"]
            )
        report = finish(runs.bench, runs.shared[memory], embed=False)
        assert report["future_violations"] == 0
        assert report["questions"]["unanswered"] == 0
        assert report["streaming"]["shared_with"] == sorted(set(SHARED) - {memory})


def test_a_resumed_comparison_streams_only_for_the_unfinished(
    runs: Runs, video: EvalVideo, tmp_path: Path
) -> None:
    """pyramid finished the video; star has its first answer: star alone is streamed, to 15 s."""
    early = [q for q in video.questions if q.at < 15.0]
    bench = Benchmark("synthetic", [EvalVideo(video.video_id, video.path, early)])
    done, half = tmp_path / "pyramid", tmp_path / "star"
    shutil.copytree(runs.shared["pyramid"], done)
    before = Shard(done, video).path.read_bytes()
    star = _records(runs.shared["star"], video)
    first = next(r for r in star if r["type"] == "answer" and r["qid"] == early[0].qid)
    Shard(half, video).append(first)
    with _counting_encoder() as encoded:
        run_shared(bench, RunConfig(), {"pyramid": done, "star": half}, progress=False)
    assert Shard(done, video).path.read_bytes() == before  # not streamed for pyramid
    assert 0 < sum(encoded) < runs.frames_shared  # the first 15 s only
    asked = [r for r in _records(half, video) if r["type"] == "answer"]
    assert sorted(r["qid"] for r in asked) == sorted(q.qid for q in early)  # each once
    want = _answers(runs.shared["star"], video)
    assert _answers(half, video) == {q.qid: want[q.qid] for q in early}
    assert _video_line(half, video)["shared_with"] is None  # it streamed alone


def test_kv_cannot_share_a_replay(tmp_path: Path) -> None:
    bench = Benchmark("synthetic", [])
    with pytest.raises(StreamerError, match="kv memory cannot share"):
        run_shared(bench, RunConfig(), {"pyramid": tmp_path / "p", "kv": tmp_path / "k"})
    assert not (tmp_path / "p").exists()  # refused before anything was written


def test_a_vlm_fed_memories_answer_as_their_own_replays_do(
    tiny_llava: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    """With a vlm backend the memories hold the vlm's own tokens: added ones too."""
    root = tmp_path / "videos"
    root.mkdir()
    cards = [Card(3.0, 6.0, "GATE 7\nCLOSES AT NOON")]  # silent: speech is not what is tested
    script = ClipScript(12.0, cards=cards, width=320, height=180, fps=5, audio=False)
    render(script, str(root / "ego_sample_0001.mp4"))
    bench = load_vstream(ASSETS / "vstream-qa-sample.json", root)
    config = RunConfig(backend=f"vlm:{tiny_llava}", device="cpu")
    shared = {m: tmp_path / "shared" / m for m in ALONE}
    run_shared(bench, config, shared, progress=False)
    for memory in ALONE:
        alone = tmp_path / "alone" / memory
        run_benchmark(bench, replace(config, memory=memory), alone, progress=False)
        assert answers(shared[memory]) == answers(alone)
        (v,) = bench.videos
        held = _video_line(shared[memory], v)["memory"]
        assert held == _video_line(alone, v)["memory"] and held["frames_seen"] > 0
        report = finish(bench, shared[memory], embed=False)
        assert report["questions"]["answered_by"] == {"vlm": 3}
