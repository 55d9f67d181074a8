"""The optional LLM judge of open answers: its replies read, and the real judge on a real run.

The judge tests that run the packaged Qwen2.5-Coder-1.5B are marked `llm` and
skipped where llama-cpp-python or its weights are missing (`make test-llm`);
reading replies and the missing-judge sentence run everywhere.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from models.llm import llama_available
from streamer.eval.judge import PROMPT_ID, SYSTEM, USER, VERDICTS, Verdict, parse_verdict
from streamer.eval.runner import run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.vstream import load_vstream
from streamer.store import read_jsonl
from tests.eval.conftest import ASSETS, deterministic


@pytest.mark.parametrize(
    ("reply", "match", "score"),
    [
        ('{"pred": "yes", "score": 5}', True, 5),
        ('```json\n{"pred": "no", "score": 1}\n```', False, 1),
        ("{'pred': 'yes', 'score': 4}", True, 4),
        ('{"pred": "NO", "score": "0"}', False, 0),
        ("pred: yes, score: 3", True, 3),
        ("Yes. The answers match.", True, None),
        ('{"pred": "yes", "score": 9}', True, None),  # off the 0-5 scale: no score
        ("I cannot tell.", None, None),
    ],
)
def test_judge_replies_are_read(reply: str, match: bool | None, score: int | None) -> None:
    assert parse_verdict(reply) == Verdict(match, score, reply)


@pytest.mark.skipif(llama_available(), reason="llama-cpp-python is installed here")
def test_a_missing_judge_says_how_to_get_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "--benchmark", "synthetic", "--out", str(tmp_path / "run"), "--judge", "llm"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.endswith("install both with make test-llm.")
    assert not (tmp_path / "run").exists()  # refused before anything streamed


def test_an_unknown_judge_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "--benchmark", "synthetic", "--out", str(tmp_path), "--judge", "gpt"]
    assert main(argv) == 2
    assert "Unknown judge 'gpt'; use --judge llm" in capsys.readouterr().err


@pytest.fixture(scope="module")
def judge():  # type: ignore[no-untyped-def]
    from streamer.errors import StreamerError
    from streamer.eval.judge import load_judge

    if not llama_available():
        pytest.skip("llama-cpp-python is not installed (make test-llm installs it)")
    try:
        return load_judge("llm")
    except StreamerError as e:
        pytest.skip(str(e))


@pytest.mark.llm
def test_the_local_judge_tells_a_match_from_a_miss(judge) -> None:  # type: ignore[no-untyped-def]
    q = "What time does gate 7 close?"
    right = judge.verdict(q, "noon", 'At 0:03 a sign on screen read "GATE 7 CLOSES AT NOON".')
    wrong = judge.verdict(q, "noon", "At 0:08 someone said the van arrived at the north entrance.")
    assert right.match is True and wrong.match is False, (right, wrong)
    assert right.score is not None and wrong.score is not None
    assert right.score > wrong.score


@pytest.mark.llm
def test_rescore_with_the_judge_adds_its_columns_and_keeps_its_verdicts(
    judge,  # type: ignore[no-untyped-def]
    clip: tuple[Path, dict],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = tmp_path / "videos"
    root.mkdir()
    shutil.copy(clip[0], root / "ego_sample_0001.mp4")
    out = tmp_path / "run"
    argv = ["eval", "--benchmark", "vstream", "--annotations"]
    argv += [str(ASSETS / "vstream-qa-sample.json"), "--video-root", str(root), "--out", str(out)]
    assert main([*argv, "--quiet", "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["judge"].startswith("not run")

    assert main(["eval", "--rescore", str(out), "--judge", "llm", "--json"]) == 0
    judged = json.loads(capsys.readouterr().out)
    j = judged["judge"]
    assert j["prompt"] == {"system": SYSTEM, "user": USER} and j["prompt_id"] == PROMPT_ID
    assert j["model"]["sha256"] == judge.described["sha256"] and j["judged"] == 2  # 2 open
    lines = read_jsonl(out / VERDICTS)
    assert sorted(r["qid"] for r in lines) == ["ego_sample_0001_0", "ego_sample_0001_1"]
    yes = [float(r["match"]) for r in lines if r["match"] is not None]
    assert judged["overall"]["open"]["judge"]["yes"] == pytest.approx(sum(yes) / len(yes))
    assert _unjudged(deterministic(judged)) == deterministic(plain)  # the headline stays
    md = (out / "report.md").read_text()
    assert "| judge yes | judge 0-5 |" in md and "## LLM judge" in md and SYSTEM in md

    assert main(["eval", "--rescore", str(out), "--json"]) == 0  # no judge: verdicts kept
    again = json.loads(capsys.readouterr().out)
    assert again["judge"] == j and again["by_answer_type"] == judged["by_answer_type"]
    assert len(read_jsonl(out / VERDICTS)) == 2  # nothing judged twice


def _unjudged(obj: Any) -> Any:
    """`obj` without the judge's columns."""
    if isinstance(obj, dict):
        return {k: _unjudged(v) for k, v in obj.items() if k != "judge"}
    return obj


def test_a_run_without_a_judge_reports_none(tmp_path: Path) -> None:
    """No verdicts stored, no judge given: the note, and no judge columns."""
    from streamer.eval.report import build_report

    root = tmp_path / "videos"
    root.mkdir()
    bench = load_vstream(ASSETS / "vstream-qa-sample.json", root)  # no video: nothing streams
    run_benchmark(bench, RunConfig(), tmp_path, progress=False)
    report = build_report(bench, tmp_path, {})
    assert report["judge"].startswith("not run (eval --judge llm runs one)")
