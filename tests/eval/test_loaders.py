"""Loaders without streaming: video layouts, frame folders, VStream-QA/RVS, synthetic plans."""

from __future__ import annotations

import json
import random
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from streamer.errors import StreamerError
from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
from streamer.eval.frames import frames_to_video
from streamer.eval.locate import VideoRoot
from streamer.eval.synthetic import load_synthetic, make_questions
from streamer.eval.synthetic_facts import plant
from streamer.eval.vstream import load_rvs, load_vstream
from tests.eval.conftest import ASSETS

FIXTURE = ASSETS / "synthetic-1min-seed9-320x180.jsonl"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_video_root_layouts(tmp_path: Path) -> None:
    root = VideoRoot(tmp_path)
    a = _touch(tmp_path / "abc.mp4")
    b = _touch(tmp_path / "COIN" / "def.mkv")
    c = _touch(tmp_path / "ghi.mp4")
    frames = tmp_path / "val" / "HACS" / "jkl"
    _touch(frames / "frame0001.jpg")
    assert root.find("abc") == root.find("abc.mp4") and root.find("abc").path == a  # type: ignore[union-attr]
    assert root.find("def.mp4", subset="coin").path == b  # type: ignore[union-attr]
    assert root.find("ghi.mp4").path == c  # type: ignore[union-attr]
    found = root.find("jkl", "tao", image_file="val/HACS/jkl/frame0001.jpg")
    assert found is not None and found.frames and found.path == frames
    assert root.find("missing") is None and VideoRoot(None).find("abc") is None


def test_a_frame_folder_becomes_a_video_at_its_rate(tmp_path: Path) -> None:
    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(12):
        Image.fromarray(np.full((90, 160, 3), i * 20, np.uint8)).save(folder / f"{i + 7:05d}.jpg")
    video = frames_to_video(folder, 25.0, tmp_path / "cache")
    assert frames_to_video(folder, 25.0, tmp_path / "cache") == video  # cached
    with av.open(str(video)) as c:
        times = [f.time for f in c.decode(video=0)]
    assert len(times) == 12 and times[0] == 0.0 and abs(times[-1] - 11 / 25) < 1e-6
    with pytest.raises(StreamerError):
        frames_to_video(tmp_path / "cache", 25.0, tmp_path / "cache2")  # no images in it


def test_vstream_and_rvs_samples_load(tmp_path: Path) -> None:
    _touch(tmp_path / "ego_sample_0001.mp4")
    _touch(tmp_path / "ego" / "rvs_ego_sample_01.mp4")
    vs = load_vstream(ASSETS / "vstream-qa-sample.json", tmp_path)
    assert [v.video_id for v in vs.videos] == ["ego_sample_0001"]
    assert vs.missing_videos == ["movie_sample_0002"] and vs.missing_questions == 1
    qs = vs.videos[0].questions
    assert [q.at for q in qs] == [7.0, 9.0, 11.5] and qs[0].window == (3.0, 7.0)
    assert [q.scoring for q in qs] == ["text", "yesno", "text"]
    rvs = load_rvs(ASSETS / "rvs-sample.json", tmp_path)
    assert [v.video_id for v in rvs.videos] == ["rvs_ego_sample_01"]
    assert rvs.missing_questions == 1
    assert [q.qid for q in rvs.videos[0].questions] == [
        "rvs_ego_sample_01/0",
        "rvs_ego_sample_01/1",
    ]
    with pytest.raises(StreamerError):
        load_vstream(tmp_path / "nope.json", tmp_path)


def test_synthetic_plans_are_seeded_and_never_ask_too_early() -> None:
    def plan(seed: int) -> list:
        rng = random.Random(seed)
        facts = plant(600.0, rng)
        return [facts, make_questions(facts, 600.0, rng)]

    assert plan(3) == plan(3) and plan(3) != plan(4)
    facts, questions = plan(3)
    assert {q.answer_type for q in questions} >= {
        "sign-what",
        "sign-choice",
        "speech-what",
        "speech-choice",
        "when",
        "count",
        "yesno",
        "colour",
    }
    for q in questions:
        assert q.at <= 600.0 - 0.5
        if q.answer_span:
            assert q.at >= q.answer_span[1] + 1.0  # asked after the fact, never before
        if q.options:
            assert len(set(q.options)) == 4 and q.options[q.answer_index or 0] == q.answer


def test_the_committed_fixture_matches_its_generator() -> None:
    bench = load_benchmark(BenchmarkArgs("synthetic", annotations=str(FIXTURE)))
    assert len(bench.videos) == 1 and bench.questions == 23
    rng = random.Random(9)
    facts = plant(60.0, rng)
    assert [q.to_dict() for q in make_questions(facts, 60.0, rng)] == [
        q.to_dict()
        for q in sorted(load_synthetic(FIXTURE).videos[0].questions, key=lambda q: q.qid)
    ]


def test_a_run_folder_saved_with_the_old_fps_name_resumes(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from streamer.eval.runner import prepare
    from streamer.eval.stream import RunConfig

    bench = SimpleNamespace(name="synthetic", annotations=None, prompts="")
    old = {"benchmark": "synthetic", "memory": "pyramid", "backend": "extractive", "fps": 2.0}
    (tmp_path / "run.json").write_text(json.dumps({"identity": old, "config": {}}))
    info = prepare(tmp_path, bench, RunConfig(sample_fps=2.0))  # type: ignore[arg-type]
    assert info["identity"]["sample_fps"] == 2.0
    with pytest.raises(StreamerError, match="holds a run of"):
        prepare(tmp_path, bench, RunConfig(sample_fps=1.0))  # type: ignore[arg-type]


def test_a_run_in_a_given_language_is_another_run(tmp_path: Path) -> None:
    """Answers read in a given language differ from detected ones: a run folder holds one;
    a folder from before the setting (detected) still resumes without it."""
    from types import SimpleNamespace

    from streamer.eval.runner import prepare
    from streamer.eval.stream import RunConfig

    bench = SimpleNamespace(name="synthetic", annotations=None, prompts="")
    prepare(tmp_path / "detected", bench, RunConfig())  # type: ignore[arg-type]
    info = prepare(tmp_path / "detected", bench, RunConfig())  # type: ignore[arg-type]
    assert "language" not in info["identity"]
    with pytest.raises(StreamerError, match="holds a run of"):
        prepare(tmp_path / "detected", bench, RunConfig(language="en"))  # type: ignore[arg-type]
    info = prepare(tmp_path / "en", bench, RunConfig(language="en"))  # type: ignore[arg-type]
    assert info["identity"]["language"] == "en"
