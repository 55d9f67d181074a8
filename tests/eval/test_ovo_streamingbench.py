"""OVO-Bench and StreamingBench: the sample files load, are asked at their times, score officially.

The sample files in tests/assets are written by hand in the published formats;
the videos are short generated clips (a card 1-4 s "GATE 7 CLOSES AT NOON", a
red circle 5-7 s) placed where the annotations say they are.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from cli.main import main
from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
from streamer.eval.official import ovo_scores, streamingbench_scores
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.scoring import Row
from streamer.eval.stream import RunConfig
from streamer.eval.types import AnswerRecord, EvalQuestion
from streamer.store import read_jsonl
from streamer.synth import Card, ClipScript, Shape, render
from tests.eval.conftest import ASSETS, deterministic

OVO = ASSETS / "ovo-bench-sample.json"
SB = ASSETS / "streamingbench-sample.json"
EGO = "Ego4D/clips/sample-ego-0001.mp4"
COIN = "COIN/sample_coin_0001.mp4"
SB_VIDEO = "sample_1_Text-Rich_Understanding.mp4"


def _clip(path: Path, cards: list[Card]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    script = ClipScript(
        duration=8.5,
        cards=cards,
        shapes=[Shape(5.0, 7.0, "circle", "red")],
        width=320,
        height=180,
        fps=5,
        audio=False,
    )
    render(script, str(path))


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("videos")
    _clip(root / EGO, [Card(1.0, 4.0, "PACK THE TOOLS")])
    _clip(root / COIN, [Card(1.0, 4.0, "GATE 7\nCLOSES AT NOON")])
    _clip(root / SB_VIDEO, [Card(1.0, 4.0, "GATE 7\nCLOSES AT NOON")])
    return root


def test_ovo_bench_sample_loads_in_its_categories(root: Path) -> None:
    bench = load_benchmark(BenchmarkArgs("ovo-bench", str(OVO), str(root)))
    assert [v.video_id for v in bench.videos] == [
        "COIN/sample_coin_0001",
        "Ego4D/clips/sample-ego-0001",
    ]
    assert bench.missing_videos == ["MovieNet/tt0000001.mp4"] and bench.missing_questions == 3
    coin, ego = bench.videos
    assert [(q.qid, q.at, q.sub_type) for q in coin.questions] == [
        ("4/0", 3.0, "REC"),
        ("2", 4.0, "OCR"),
        ("3", 6.0, "STU"),
        ("4/1", 7.0, "REC"),
    ]
    rec = coin.questions[0]
    assert rec.question == "How many times did they show a red circle?" and rec.answer == "0"
    assert rec.answer_type == "forward" and rec.scoring == "number"
    ssr = [q for q in ego.questions if q.sub_type == "SSR"]
    assert [(q.at, q.answer, q.scoring) for q in ssr] == [
        (2.0, "Yes", "yesno"),
        (6.0, "No", "yesno"),
    ]
    epm = next(q for q in ego.questions if q.qid == "0")
    assert (
        epm.answer_type == "backward" and epm.answer_index == 2 and epm.answer == "PACK THE TOOLS"
    )


def _row(q: EvalQuestion, prediction: str, option_index: int | None = None) -> Row:
    a = AnswerRecord(q.qid, "v", q, prediction, q.at, q.at, option_index=option_index)
    return Row(q, a, correct=False, random=0.0, majority=False)


def _mc(qid: str, task: str, category: str, gt: int) -> EvalQuestion:
    options = ("w", "x", "y", "z")
    return EvalQuestion(qid, "?", 1.0, options[gt], options, gt, category, task, "choice")


def test_ovo_scores_as_its_script_on_hand_counted_answers() -> None:
    rows = [
        _row(_mc("0", "EPM", "backward", 2), "", option_index=2),  # right
        _row(_mc("1", "EPM", "backward", 1), "", option_index=0),  # wrong
        _row(_mc("2", "HLD", "backward", 0), "A. w"),  # right: the letter is read
        _row(_mc("3", "OCR", "realtime", 3), "no idea"),  # wrong: no letter D in it
        _row(
            EvalQuestion(
                "4/0", "?", 3.0, "2", scoring="number", answer_type="forward", sub_type="REC"
            ),
            "2 times: at 0:05 and 0:09.",
        ),  # right: first number
        _row(
            EvalQuestion(
                "4/1", "?", 7.0, "3", scoring="number", answer_type="forward", sub_type="REC"
            ),
            "Once, at 0:05.",
        ),  # wrong: 1
        _row(
            EvalQuestion(
                "5/0", "?", 2.0, "Yes", scoring="yesno", answer_type="forward", sub_type="SSR"
            ),
            "Yes. At 0:02 ...",
        ),  # right
        _row(
            EvalQuestion(
                "5/1", "?", 6.0, "No", scoring="yesno", answer_type="forward", sub_type="CRR"
            ),
            "Yes, it can.",
        ),  # wrong
    ]
    s = ovo_scores(rows)
    assert s["tasks"]["EPM"] == {"n": 2, "accuracy": 0.5} and s["tasks"]["HLD"]["accuracy"] == 1.0
    assert s["tasks"]["REC"] == {"n": 2, "accuracy": 0.5}
    assert s["averages"] == {"backward": 0.75, "realtime": 0.0, "forward": 0.5}  # task means
    # score.py's "Total Avg.": the mean of the three category averages, not of the tasks
    assert s["total_avg"] == pytest.approx((0.75 + 0.0 + 0.5) / 3, abs=1e-4)
    assert s["backward_realtime"] == 0.375
    assert s["mean_over_tasks"] == pytest.approx((0.5 + 1.0 + 0.0 + 0.5 + 1.0 + 0.0) / 6, abs=1e-4)
    # without forward the script prints no "Total Avg.", so neither do we
    assert ovo_scores(rows[:4])["total_avg"] is None


def test_streamingbench_sample_loads_both_settings(root: Path) -> None:
    full = load_benchmark(BenchmarkArgs("streamingbench", str(SB), str(root)))
    assert full.name == "streamingbench" and full.missing_videos == [
        "./videos/sample_2_Counting.mp4"
    ]
    (video,) = full.videos
    assert [(q.at, q.answer_index, q.answer_type) for q in video.questions] == [
        (4.0, 2, "real-time"),
        (6.0, 0, "real-time"),
        (7.0, 1, "contextual"),
    ]
    assert video.questions[1].options == (  # "A.A red circle.": the letter prefix goes
        "A red circle.",
        "A blue square.",
        "A green triangle.",
        "Nothing.",
    )
    real = load_benchmark(BenchmarkArgs("streamingbench", str(SB), str(root), subset="real"))
    assert [q.at for q in real.videos[0].questions] == [4.0, 6.0]
    ctx = load_benchmark(BenchmarkArgs("streamingbench", str(SB), str(root), context_s=60))
    assert ctx.name == "streamingbench-60s"
    assert [(v.start, len(v.questions)) for v in ctx.videos] == [(0.0, 3)]  # all within 60 s
    short = load_benchmark(BenchmarkArgs("streamingbench", str(SB), str(root), context_s=3))
    assert [(v.start, [q.at for q in v.questions]) for v in short.videos] == [
        (1.0, [4.0]),
        (3.0, [6.0]),
        (4.0, [7.0]),
    ]


def test_streamingbench_scores_by_letter() -> None:
    q = [
        _mc(str(i), t, c, gt)
        for i, (t, c, gt) in enumerate(
            [
                ("Counting", "real-time", 1),
                ("Counting", "real-time", 2),
                ("Source Discrimination", "omni-source", 0),
            ]
        )
    ]
    rows = [_row(q[0], "", 1), _row(q[1], "B. x"), _row(q[2], "(A) w")]
    s = streamingbench_scores(rows)
    assert s["total"] == {"n": 3, "accuracy": pytest.approx(2 / 3, abs=1e-4)}
    assert s["categories"]["real-time"]["accuracy"] == 0.5
    assert s["tasks"]["Source Discrimination"]["accuracy"] == 1.0


def test_ovo_bench_streams_each_question_at_its_time(
    root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = BenchmarkArgs("ovo-bench", str(OVO), str(root))
    bench = load_benchmark(args)
    source = {"benchmark_args": asdict(args), "command": ["launch.py", "eval", "..."]}
    run_benchmark(bench, RunConfig(), tmp_path, progress=False, source=source)
    report = finish(bench, tmp_path, embed=False)
    answers = [
        AnswerRecord.from_dict(r)
        for shard in sorted((tmp_path / "shards").glob("*.jsonl"))
        for r in read_jsonl(shard)
        if r["type"] == "answer"
    ]
    assert len(answers) == 8 and report["future_violations"] == 0
    for a in answers:
        assert a.asked_at == pytest.approx(a.question.at)
        assert all(e.end <= a.asked_at + 1e-6 for e in a.evidence)
    ocr = next(a for a in answers if a.qid == "2")
    assert ocr.option_index == 1  # the card on screen, read by OCR
    official = report["official"]
    assert set(official["averages"]) == {"backward", "realtime", "forward"}
    md = (tmp_path / "report.md").read_text()
    assert 'score.py "Total Avg." (mean of backward, real-time, forward)' in md
    assert "backward + real-time" in md
    names = ("accuracy.png", "latency.png", "memory.png", "lag.png")
    assert report["plots"] == [f"plots/{n}" for n in names]
    for path in report["plots"]:  # real PNGs, embedded in the report
        assert (tmp_path / path).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"]({path})" in md
    assert all(a.memory_bytes and a.perceive_wall_s for a in answers)
    assert report["command"] == source["command"]
    _has_provenance(report, md)
    capsys.readouterr()
    rescore = ["eval", "--rescore", str(tmp_path), "--json"]
    assert main(rescore) == 0  # nothing streamed
    again = json.loads(capsys.readouterr().out)
    assert deterministic(again) == deterministic(report)
    assert again["official"] == report["official"] and again["series"] == report["series"]
    # the whole report again, and the run's provenance kept with the rescore's beside it
    made = dict(again["provenance"])
    assert made.pop("rescored")["command"] == ["launch.py", *rescore]
    assert made == report["provenance"]
    assert {**again, "provenance": made} == report
    assert (
        "Rescored (report rebuilt from the stored answers) by: `launch.py eval --rescore"
        in (tmp_path / "report.md").read_text()
    )


def _has_provenance(report: dict, md: str) -> None:
    """The command, commit, seed, package versions and model hashes, in JSON and Markdown."""
    from models import weights

    made = report["provenance"]
    assert made["command"] == ["launch.py", "eval", "..."] and made["seed"] == 0
    assert len(made["commit"]) == 40 and isinstance(made["dirty"], bool)
    for package in ("numpy", "torch", "transformers", "onnxruntime", "faiss-cpu", "av", "opencv"):
        assert made["versions"][package], package
    llama = made["versions"].get("llama-cpp-python")
    assert (llama is not None) == _installed("llama_cpp")
    hashes = {m["name"]: m["sha256"] for m in made["models"]}
    for spec in (weights.EFFICIENTNET_LITE0, weights.MINILM_L6, weights.WHISPER_BASE):
        assert hashes[spec.name] == spec.sha256
        assert f"`{spec.sha256}`" in md
    assert {m["role"] for m in made["models"]} >= {"OCR detection", "object detector"}
    assert f"at commit {made['commit']}" in md and "Seed: 0" in md


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def test_streamingbench_with_short_context_sees_nothing_older(root: Path, tmp_path: Path) -> None:
    """Each question streamed from `context` seconds before it: the card (1-4 s) is gone at 7 s."""
    bench = load_benchmark(BenchmarkArgs("streamingbench", str(SB), str(root), context_s=3))
    run_benchmark(bench, RunConfig(), tmp_path, progress=False)
    report = finish(bench, tmp_path, embed=False)
    assert report["questions"]["answered"] == 3 and report["future_violations"] == 0
    starts = {v.key: v.start for v in bench.videos}
    for shard in sorted((tmp_path / "shards").glob("*.jsonl")):
        start = starts[shard.stem]
        for r in read_jsonl(shard):
            if r["type"] == "answer":
                assert all(start - 1e-6 <= e["start"] <= r["asked_at"] for e in r["evidence"])
    assert report["official"]["total"]["n"] == 3
