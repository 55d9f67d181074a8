"""The llm backend never less accurate than the extractive one, on every answer type (`-m llm`).

Both backends stream the committed one-minute synthetic fixture (23 questions
of seven answer types, tests/assets) with the default memory; the llm one
answers with the packaged Qwen2.5-Coder-1.5B GGUF. Skipped, with the reason,
where llama-cpp-python or the weights are not installed (`make test-llm`).
"""

from __future__ import annotations

from typing import Any

import pytest

from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from tests.eval.conftest import ASSETS

pytestmark = pytest.mark.llm

FIXTURE = ASSETS / "synthetic-1min-seed9-320x180.jsonl"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    from models.llm import LlamaModel, llama_available
    from models.weights import ModelMissingError

    if not llama_available():
        pytest.skip("llama-cpp-python is not installed (make test-llm installs it)")
    try:
        LlamaModel().load()
    except ModelMissingError as e:
        pytest.skip(str(e))
    bench = load_benchmark(BenchmarkArgs("synthetic", annotations=str(FIXTURE)))
    done = {}
    for backend in ("extractive", "llm"):
        out = tmp_path_factory.mktemp(backend)
        run_benchmark(bench, RunConfig(backend=backend), out, progress=False)
        done[backend] = finish(bench, out, embed=False)
    return done


def test_llm_is_at_least_as_accurate_on_every_answer_type(reports):
    extractive = reports["extractive"]["by_answer_type"]
    llm = reports["llm"]["by_answer_type"]
    assert set(llm) == set(extractive) and len(llm) >= 5
    worse = {
        kind: (extractive[kind]["accuracy"], llm[kind]["accuracy"])
        for kind in extractive
        if llm[kind]["accuracy"] < extractive[kind]["accuracy"]
    }
    assert not worse, f"(extractive, llm) accuracy where the llm backend is worse: {worse}"
    assert reports["llm"]["overall"]["accuracy"] >= reports["extractive"]["overall"]["accuracy"]


def test_llm_answered_every_question_itself(reports):
    questions = reports["llm"]["questions"]
    assert questions["unanswered"] == 0 and questions["backend_errors"] == 0
    assert questions["answered_by"] == {"llm": questions["total"]}
    assert reports["llm"]["future_violations"] == 0
