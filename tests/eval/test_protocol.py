"""--protocol DIR: questions asked in the benchmark's templates, read from a checkout, never run.

The checkouts here are folders laid out as the benchmarks' repositories are
(`constant.py` and `data/ovo_bench_new.json`; `src/benchmark/StreamingBench.py`
and `src/data/questions_real.json`), with templates written for these tests in
the same form: module-level string constants with `{}` slots.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from streamer.errors import StreamerError
from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
from streamer.eval.ovo_bench import read_records, to_questions
from streamer.eval.protocol import protocol_templates, string_constants
from streamer.eval.runner import finish, prepare, run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.streamingbench import to_question
from streamer.eval.types import Benchmark
from streamer.session import Session
from streamer.synth import Card, ClipScript, Shape, render
from tests.eval.conftest import ASSETS

COIN = "COIN/sample_coin_0001.mp4"
# Written as OVO-Bench's constant.py is: a commented-out older template, triple-quoted text.
CONSTANTS = '''
BACKWARD_TASKS = ["EPM", "ASI", "HLD"]
BR_PROMPT_TEMPLATE = """Question: {}
Options: {}
Answer with the option's letter."""
# REC_PROMPT_TEMPLATE = """an older wording: {}"""
REC_PROMPT_TEMPLATE = """Count the repetitions. {} One number only."""
SSR_PROMPT_TEMPLATE = """Step: {}. Is it being done now? Yes or No."""
CRR_PROMPT_TEMPLATE = """{} Can it be answered yet? Yes or No."""
open(__file__ + ".ran", "w").write("executed")  # reading must never run this
'''
SB_BENCHMARK = '''
import os
PROMPT_TEMPLATE = """Pick one.

Question: {}

Options:
{}
{}
{}
{}"""
'''


def _ovo_checkout(tmp_path: Path) -> Path:
    (tmp_path / "data").mkdir(parents=True)
    (tmp_path / "constant.py").write_text(CONSTANTS)
    shutil.copy(ASSETS / "ovo-bench-sample.json", tmp_path / "data" / "ovo_bench_new.json")
    return tmp_path


def test_constants_are_read_never_run(tmp_path: Path) -> None:
    path = _ovo_checkout(tmp_path) / "constant.py"
    strings = string_constants(path.read_text())
    assert strings["REC_PROMPT_TEMPLATE"] == "Count the repetitions. {} One number only."
    assert set(strings) == {f"{t}_PROMPT_TEMPLATE" for t in ("BR", "REC", "SSR", "CRR")}
    load_benchmark(BenchmarkArgs("ovo-bench", video_root=str(tmp_path), protocol=str(tmp_path)))
    assert not Path(f"{path}.ran").exists()


def test_ovo_questions_take_the_checkout_templates(tmp_path: Path) -> None:
    checkout = _ovo_checkout(tmp_path / "OVO-Bench")
    bench = load_benchmark(BenchmarkArgs("ovo-bench", None, str(tmp_path), protocol=str(checkout)))
    assert not bench.videos and bench.missing_questions == 11  # no video here: all counted
    t = protocol_templates("ovo-bench", checkout)
    qs = {
        q.qid: q
        for r in read_records(checkout / "data/ovo_bench_new.json")
        for q in to_questions(r, t)
    }
    assert qs["0"].prompt == (
        "Question: What did the first card I saw say?\n"
        "Options: A. OPEN THE DOOR; B. WATER THE PLANTS; C. PACK THE TOOLS; D. CALL THE OFFICE;\n"
        "Answer with the option's letter."
    )
    assert qs["4/1"].prompt == (
        "Count the repetitions. How many times did they show a red circle? One number only."
    )
    assert qs["5/1"].prompt == "Step: pack the tools. Is it being done now? Yes or No."
    assert qs["6/0"].prompt == (
        "The man opens the door, what does he see? Can it be answered yet? Yes or No."
    )
    assert qs["0"].question == "What did the first card I saw say?"  # reports keep the question
    sha = hashlib.sha256((checkout / "constant.py").read_bytes()).hexdigest()
    assert bench.prompts == f"the benchmark's templates: {checkout / 'constant.py'} (sha256 {sha})"


def test_streamingbench_questions_take_the_checkout_template(tmp_path: Path) -> None:
    (tmp_path / "src" / "benchmark").mkdir(parents=True)
    (tmp_path / "src" / "data").mkdir()
    (tmp_path / "src" / "benchmark" / "StreamingBench.py").write_text(SB_BENCHMARK)
    shutil.copy(ASSETS / "streamingbench-sample.json", tmp_path / "src/data/questions_real.json")
    t = protocol_templates("streamingbench", tmp_path)
    r = {
        "task_type": "Counting",
        "question": "How many?",
        "time_stamp": "00:00:03",
        "answer": "B",
        "options": ["1", "2", "3", "4"],  # no letters: lettered as its eval does
    }
    assert to_question("q", r, t).prompt == (
        "Pick one.\n\nQuestion: How many?\n\nOptions:\nA. 1\nB. 2\nC. 3\nD. 4"
        "\n\nThe best option is:"
    )
    r["options"] = ["A. 1", "B. 2"]  # the template wants four: one sentence, not a traceback
    with pytest.raises(ValueError, match="does not take 3 values"):
        to_question("q", r, t)


def test_answers_in_the_templates_are_no_resume_of_ours(tmp_path: Path) -> None:
    ours = Benchmark("ovo-bench", [])
    prepare(tmp_path, ours, RunConfig())
    theirs = Benchmark("ovo-bench", [], prompts="the benchmark's templates: constant.py")
    with pytest.raises(StreamerError, match="choose another --out folder"):
        prepare(tmp_path, theirs, RunConfig())
    assert prepare(tmp_path / "b", theirs, RunConfig())["identity"]["prompts"] == "benchmark"


def test_a_checkout_without_templates_is_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "--benchmark", "ovo-bench", "--protocol", str(tmp_path)]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "give --protocol the folder of a checkout" in err
    (tmp_path / "constant.py").write_text('BR_PROMPT_TEMPLATE = "{} {}"\n')
    with pytest.raises(StreamerError, match="defines no REC_PROMPT_TEMPLATE"):
        load_benchmark(BenchmarkArgs("ovo-bench", protocol=str(tmp_path)))


def test_the_backend_is_asked_the_template_at_stream_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout = _ovo_checkout(tmp_path / "OVO-Bench")
    root = tmp_path / "videos"
    (root / "COIN").mkdir(parents=True)
    script = ClipScript(
        duration=8.5,
        cards=[Card(1.0, 4.0, "GATE 7\nCLOSES AT NOON")],
        shapes=[Shape(5.0, 7.0, "circle", "red")],
        width=320,
        height=180,
        fps=5,
        audio=False,
    )
    render(script, str(root / COIN))
    asked: list[tuple[float, str]] = []
    questions: list[str] = []  # the bare question beside the template: what the timeline is read by
    real_ask = Session.ask

    def spy(self: Session, text: str, options: Any, memory: Any, prompt: str) -> Any:
        asked.append((round(self.stream_time(), 1), prompt))
        questions.append(text)
        return real_ask(self, text, options, memory, prompt)

    monkeypatch.setattr(Session, "ask", spy)
    bench = load_benchmark(BenchmarkArgs("ovo-bench", None, str(root), protocol=str(checkout)))
    out = tmp_path / "run"
    run_benchmark(bench, RunConfig(), out, progress=False)
    report = finish(bench, out, embed=False)
    # each question asked at its own time, in the template, nothing later in memory
    assert [(t, text.split("\n")[0]) for t, text in asked] == [
        (3.0, "Count the repetitions. How many times did they show a red circle? One number only."),
        (4.0, "Question: What does the text on the screen say now?"),
        (6.0, "Question: What shape is on the screen right now?"),
        (7.0, "Count the repetitions. How many times did they show a red circle? One number only."),
    ]
    assert questions[:2] == [
        "How many times did they show a red circle?",
        "What does the text on the screen say now?",
    ]
    assert report["future_violations"] == 0
    annotations = checkout / "data" / "ovo_bench_new.json"
    sha = hashlib.sha256(annotations.read_bytes()).hexdigest()
    assert report["asked"] == {"prompts": bench.prompts, "annotations": {str(annotations): sha}}
    md = (out / "report.md").read_text()
    assert f"Questions asked in the benchmark's templates: {checkout / 'constant.py'}" in md
    assert sha in md
