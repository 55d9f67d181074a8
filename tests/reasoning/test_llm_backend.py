"""The llm backend's own code with a scripted model: phrasing, its fallback, choices, failures.

The model here is `ScriptedModel` / `ScriptedScorer` (tests/reasoning/fakes.py):
it replies (or scores) what each test wrote, so these run in `make test`. The
timeline is the hand-built one of tests/conftest.py with the real embedder, and
every answer is compared with the extractive backend's on the same question:
the llm backend may say it in other words, never say another thing.
"""

from __future__ import annotations

import re
import threading

import pytest

from models.weights import ModelMissingError
from streamer.errors import SourceError
from streamer.memory.timeline import Timeline
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.llm import NOT_SEEN, LlmBackend
from streamer.reasoning.llm_phrasing import SYSTEM
from streamer.reasoning.question import parse_question
from streamer.reasoning.timeline_prompt import parse_option, select_events
from streamer.timeref import format_clock
from streamer.types import TextEvent
from tests.conftest import TIMELINE_EVENTS as EVENTS
from tests.reasoning.conftest import NOW
from tests.reasoning.fakes import ScriptedModel, ScriptedScorer

VAN = "When did the delivery van arrive?"
WHERE = "Where did the delivery van arrive?"
BUDGET = "How many times was the budget mentioned?"
NORTH = "at the north entrance"
OTHERS = ["at the south exit", "in the parking garage"]
GATES = [  # the synthetic benchmark's cards: gate 55's supports 7 PM and 6 PM alike
    TextEvent("ocr", "GATE 55 / CLOSES AT 7 PM", 16.0, 19.0),
    TextEvent("ocr", "GATE 25 / CLOSES AT 9 AM", 21.0, 24.0),
    TextEvent("ocr", "GATE 49 / CLOSES AT 9 AM", 26.0, 29.0),
]
GATE55 = "What time does gate 55 close?"
GATE55_OPTIONS = ["7 PM", "6 PM", "NOON", "9 AM"]


def extractive(reasoner, text, options=None, at=NOW, on=None):
    return reasoner(ExtractiveBackend(), at=at, on=on).ask(text, options).result(30)


def answer(reasoner, model, text, options=None, at=NOW, on=None):
    return reasoner(LlmBackend(model), at=at, on=on).ask(text, options).result(30)


@pytest.fixture(scope="module")
def gates(timeline_of) -> Timeline:
    return timeline_of(*GATES)


# -- open answers: phrased from the extractive answer ----------------------------------
@pytest.mark.parametrize(
    ("question", "phrased"),
    [
        (VAN, "At 0:08, someone said the delivery van arrived at the north entrance."),
        (WHERE, "The delivery van arrived at the north entrance, someone said at 0:08."),
        (BUDGET, "The budget was mentioned 2 times, at 0:14 and at 0:19."),
        ("Was there a sign about the gate?", "Yes: at 0:03 a sign read GATE 7 CLOSES AT NOON."),
    ],
)
def test_phrasing_that_keeps_the_fact_is_the_answer(reasoner, question, phrased):
    found = extractive(reasoner, question)
    model = ScriptedModel(phrased)
    a = answer(reasoner, model, question)
    assert a.text == phrased and a.error is None and a.backend == "llm"
    assert [(e.start, e.text) for e in a.evidence] == [(e.start, e.text) for e in found.evidence]
    (call,) = model.calls
    assert call.system == SYSTEM and f"Found answer: {found.text}" in call.user
    for e in found.evidence:  # the evidence lines the model phrases from, with their times
        assert f"[{format_clock(e.start)}]" in call.user and e.text.strip('"') in call.user


def test_phrasing_without_a_time_gets_the_found_one(reasoner):
    a = answer(reasoner, ScriptedModel("The delivery van arrived at the north entrance."), WHERE)
    assert a.text == "The delivery van arrived at the north entrance, said at 0:08."


@pytest.mark.parametrize(
    ("question", "phrased"),
    [
        (VAN, "At 0:10, the delivery van arrived at the north entrance."),  # another time
        (WHERE, "The delivery van arrived at the south exit at 0:08."),  # another place
        (BUDGET, "The budget was mentioned once, at 0:14."),  # another count
        ("Was there a sign about the gate?", "No sign about the gate was shown at 0:03."),
        (VAN, f"{NOT_SEEN} that."),  # the model denies what the evidence says
        (VAN, ""),
    ],
)
def test_phrasing_that_changes_the_fact_gives_the_extractive_answer(reasoner, question, phrased):
    found = extractive(reasoner, question)
    a = answer(reasoner, ScriptedModel(phrased), question)
    assert a.text == found.text and a.error is None
    assert [e.start for e in a.evidence] == [e.start for e in found.evidence]


@pytest.mark.parametrize(
    ("question", "at"),
    [
        ("What colour was the bicycle?", NOW),  # nothing related
        (WHERE, 5.0),  # asked before the fact
        ("What did the sign say?", NOW),  # a summary of several moments
    ],
)
def test_answers_not_phrased_are_the_extractive_ones_without_the_model(reasoner, question, at):
    model = ScriptedModel()
    a = answer(reasoner, model, question, at=at)
    assert model.calls == [] and a.text == extractive(reasoner, question, at=at).text


def test_empty_timeline_is_answered_without_the_model(reasoner, timeline_of):
    empty = timeline_of()
    model = ScriptedModel()
    a = answer(reasoner, model, VAN, on=empty)
    assert model.calls == [] and "anything yet" in a.text and a.evidence == []


def test_answer_streams_a_word_at_a_time_once_checked(reasoner):
    gate = threading.Event()
    phrased = "At 0:08, someone said the delivery van arrived at the north entrance."
    pieces = re.findall(r"\s*\S+", phrased)
    stream = reasoner(LlmBackend(ScriptedModel([pieces[0], gate, *pieces[1:]]))).ask(VAN)
    tokens = iter(stream)
    gate.set()  # nothing comes out before the whole sentence is checked
    assert "".join(tokens).strip() == phrased
    assert stream.result(30).text == phrased


# -- multiple choice -------------------------------------------------------------------
def test_close_evidence_is_decided_by_the_option_likelihoods(reasoner, gates):
    """Gate 55's options are close in the option scoring; the model's scores choose."""
    assert extractive(reasoner, GATE55, GATE55_OPTIONS, at=40.0, on=gates).option_index == 0
    for right in range(4):  # whichever option the scores favour is chosen
        scores = [[-6.0, -0.2] if i != right else [-0.1, -0.1] for i in range(4)]
        model = ScriptedScorer(logprobs=[scores])
        a = answer(reasoner, model, GATE55, GATE55_OPTIONS, at=40.0, on=gates)
        assert a.option_index == right and a.option == GATE55_OPTIONS[right]
        assert a.text.startswith(f"{'ABCD'[right]}. {GATE55_OPTIONS[right]}")
        ((messages, continuations),) = model.scored
        assert continuations == tuple(GATE55_OPTIONS) and model.calls == []
        user = messages[-1].content
        # gate 55's card is shown; the other gates' cards hold another number
        shown = [e.text for e in GATES if f"[{format_clock(e.start)}]" in user]
        assert shown == ["GATE 55 / CLOSES AT 7 PM"], user
        assert "Options: 7 PM; 6 PM; NOON; 9 AM" in user


def test_clear_evidence_is_not_asked_of_the_model(reasoner):
    options = [OTHERS[0], NORTH, OTHERS[1]]
    model = ScriptedScorer()  # any scoring request would fail the test
    a = answer(reasoner, model, WHERE, options)
    found = extractive(reasoner, WHERE, options)
    assert model.scored == [] and a.option_index == found.option_index == 1
    assert a.text == found.text and [e.start for e in a.evidence] == [8.0]


def test_unrelated_options_are_the_extractive_guess(reasoner):
    options = ["red", "blue"]
    model = ScriptedScorer()
    a = answer(reasoner, model, "What colour was the bicycle?", options)
    found = extractive(reasoner, "What colour was the bicycle?", options)
    assert model.scored == [] and a.option_index == found.option_index and a.evidence == []


def test_model_without_scores_leaves_the_choice_to_the_evidence(reasoner, gates):
    model = ScriptedModel()  # streams only: no `continuation_logprobs`
    a = answer(reasoner, model, GATE55, GATE55_OPTIONS, at=40.0, on=gates)
    assert a.option_index == 0 and model.calls == []


@pytest.mark.parametrize("at", [5.0, 12.0, 30.0, 80.0, NOW])
def test_select_events_never_past_the_question(timeline, at):
    """The choice prompt's related events (shared with the vlm backend) begun by `at`."""
    shown = [s.event.start for s in select_events(parse_question("What was said?", at), timeline)]
    assert sorted(shown) == [e.start for e in EVENTS if e.start <= at]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("B. at the north entrance", 1),
        ("at the north entrance", 1),  # the text alone
        ("A. at the north entrance", 1),  # the text wins over a wrong letter
        ("C", 2),
        ("(A)", 0),
        ("Answer: A", 0),
        ("D. on the roof", None),  # no such option
        ("Either at the south exit or at the north entrance.", None),  # two named, no letter
        ("", None),
    ],
)
def test_parse_option(reply, expected):
    """How the vlm backend reads a lettered reply (`timeline_prompt.parse_option`)."""
    assert parse_option(reply, [OTHERS[0], NORTH, OTHERS[1]]) == expected


# -- failures --------------------------------------------------------------------------
def one_sentence(text: str) -> bool:
    return "\n" not in text and not re.search(r"[.!?]\s+\S", text.strip())


def test_model_failing_gives_an_error_and_the_worker_goes_on(reasoner):
    phrased = "At 0:08, someone said the delivery van arrived at the north entrance."
    model = ScriptedModel(["At", " 0:08", RuntimeError("the context window is full")], phrased)
    r = reasoner(LlmBackend(model))
    failed = r.ask(VAN).result(30)
    assert failed.error and one_sentence(failed.error)
    assert "llm" in failed.error and "the context window is full" in failed.error
    after = r.ask(VAN).result(30)
    assert after.error is None and after.text == phrased
    assert r.answered == 2 and len(model.calls) == 2


def test_scoring_failure_gives_an_error(reasoner, gates):
    class Broken(ScriptedScorer):
        def continuation_logprobs(self, messages, continuations):
            raise ValueError("bad logits")

    a = answer(reasoner, Broken(), GATE55, GATE55_OPTIONS, at=40.0, on=gates)
    assert a.error and one_sentence(a.error) and "bad logits" in a.error


@pytest.mark.parametrize(
    "problem",
    [
        SourceError("The stream ended; open it again to ask about it."),
        ModelMissingError("No GGUF model file at /x.gguf; give the path of a .gguf file."),
    ],
)
def test_user_error_from_the_model_is_shown_as_it_is(reasoner, problem):
    a = answer(reasoner, ScriptedModel([problem]), VAN)
    assert a.error == str(problem) and a.text == str(problem)
