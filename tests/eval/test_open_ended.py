"""VStream-QA and RVS samples streamed on a generated clip and scored (open answers)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli.main import main
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.vstream import load_vstream
from tests.eval.conftest import ASSETS


def test_vstream_sample_scores(clip: tuple[Path, dict], tmp_path: Path) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    shutil.copy(clip[0], root / "ego_sample_0001.mp4")
    bench = load_vstream(ASSETS / "vstream-qa-sample.json", root)
    run_benchmark(bench, RunConfig(), tmp_path / "run", progress=False)
    report = finish(bench, tmp_path / "run")
    assert report["questions"] == {
        "total": 4,
        "answered": 3,
        "missing_video": 1,
        "unanswered": 0,
        "backend_errors": 0,
        "answered_by": {"extractive": 3},
    }
    open_ = report["by_answer_type"]["Information"]["open"]
    assert open_["contains"] == 1.0 and open_["f1"] > 0 and open_["cosine"] > 0.2  # "noon"
    assert report["yesno"]["n"] == 1 and report["yesno"]["accuracy"] == 1.0
    assert set(report["by_answer_type"]) == {"Information", "Location", "Yes/No"}


def test_rvs_sample_through_the_command_line(
    clip: tuple[Path, dict], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "videos"
    (root / "ego").mkdir(parents=True)
    shutil.copy(clip[0], root / "ego" / "rvs_ego_sample_01.mp4")
    out = tmp_path / "run"
    argv = [
        "eval",
        "--benchmark",
        "rvs",
        "--annotations",
        str(ASSETS / "rvs-sample.json"),
        "--video-root",
        str(root),
        "--out",
        str(out),
        "--quiet",
        "--json",
    ]
    assert main(argv) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"]["answered"] == 2 and report["questions"]["missing_video"] == 1
    assert report["overall"]["open"]["n"] == 2
    assert all(0.0 <= g["open"]["cosine"] <= 1.0 for g in report["by_sub_type"].values())
    assert (out / "report.md").exists() and (out / "run.json").exists()
    assert main(argv[:-1]) == 0  # a second run resumes: nothing left to ask
    assert "2 of 3 questions answered" in capsys.readouterr().out


def test_an_unreadable_video_is_reported_not_fatal(tmp_path: Path) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    (root / "ego_sample_0001.mp4").write_bytes(b"not a video at all")
    bench = load_vstream(ASSETS / "vstream-qa-sample.json", root)
    run_benchmark(bench, RunConfig(), tmp_path / "run", progress=False)
    report = finish(bench, tmp_path / "run", embed=False)
    assert list(report["videos"]["errors"]) == ["ego_sample_0001"]
    assert report["questions"]["unanswered"] == 3 and report["questions"]["answered"] == 0
    assert report["overall"]["accuracy"] is None


def test_compare_runs_each_strategy_apart_and_prints_one_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    (root / "ego_sample_0001.mp4").write_bytes(b"not a video")  # fails fast: no streaming
    out = tmp_path / "cmp"
    sample = str(ASSETS / "vstream-qa-sample.json")
    argv = ["eval", "--benchmark", "vstream", "--annotations", sample, "--video-root", str(root)]
    argv += ["--out", str(out), "--quiet", "--compare", "uniform"]  # window is added
    assert main(argv) == 0
    table = capsys.readouterr().out
    lines = table.splitlines()
    assert lines[2].startswith("| uniform |")
    assert lines[3].startswith("| window (recent-frames baseline) |")
    assert "recent-frames baseline: the same backend fed only the last few frames" in table
    assert "*random baseline*" in table and (out / "compare.md").read_text().startswith(
        table.rstrip()
    )
    for memory in ("window", "uniform"):
        assert json.loads((out / memory / "report.json").read_text())["config"]["memory"] == memory
