"""The Session API on a generated clip with known facts, with the real packaged models.

The clip (tests/conftest.py): a card "GATE 7 CLOSES AT NOON" from 3 s to 6 s, a red
circle from 6 s to 8 s, and "The delivery van arrived at the north entrance."
spoken from 8 s.
"""

from __future__ import annotations

import json
import threading

import pytest

from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.question import QuestionError
from streamer.session import Session, SessionConfig


@pytest.fixture(scope="module")
def replay(clip):
    """One pass over the clip: a question at 5 s (before the speech), the rest at the end."""
    path, _ = clip
    s = Session(SessionConfig(str(path), pace="none")).start()
    try:
        s.run_until(5.0)
        early = s.ask("When did the delivery van arrive?").result(60)
        s.run_until(None)
        yield s, early
    finally:
        s.stop()


def test_on_screen_fact(replay):
    s, _ = replay
    a = s.ask("What did the sign say?").result(60)
    assert "“GATE 7 CLOSES AT NOON”" in a.text
    ocr = [e for e in a.evidence if e.kind == "ocr"]
    assert ocr and 3.0 <= ocr[0].start <= 4.0 and 5.0 <= ocr[0].end <= 7.0
    assert ocr[0].thumbnail is not None and ocr[0].thumbnail[:2] == b"\xff\xd8"  # a JPEG


def test_spoken_fact_and_its_time(replay):
    s, _ = replay
    a = s.ask("When did the delivery van arrive?").result(60)
    speech = [e for e in a.evidence if e.kind == "speech"]
    assert speech and abs(speech[0].start - 8.0) <= 1.0
    assert "0:08" in a.text and "north entrance" in a.text.lower()


def test_no_peeking(replay):
    _, early = replay
    assert early.asked_at == 5.0
    assert "have not seen or heard anything" in early.text
    assert all(e.end <= 5.0 for e in early.evidence)


def test_multiple_choice(replay):
    s, _ = replay
    a = s.ask(
        "Where did the delivery van arrive?",
        ["at the south exit", "at the north entrance", "in the parking garage"],
    ).result(60)
    assert a.option_index == 1 and a.option == "at the north entrance"
    assert a.text.startswith("B.")


def test_streamed_tokens_make_the_answer(replay):
    s, _ = replay
    stream = s.ask("What did the sign say?")
    tokens = list(stream)
    assert len(tokens) > 3 and "".join(tokens).strip() == stream.result(5).text


def test_bad_questions(replay):
    s, _ = replay
    with pytest.raises(QuestionError, match="empty"):
        s.ask("   ")
    with pytest.raises(QuestionError, match="empty"):
        s.ask("", ["yes", "no"])
    long = s.ask("what did the sign say? " * 500).result(60)  # ~11,500 characters
    assert long.error is None and "gate" in long.text.lower()


def test_question_before_anything_was_seen(clip):
    s = Session(SessionConfig(str(clip[0]), pace="none")).start()
    try:
        s.run_until(0.0)
        a = s.ask("What is on the screen?").result(60)
    finally:
        s.stop()
    assert a.asked_at == 0.0 and "anything yet" in a.text


def test_save_and_reopen(replay, tmp_path):
    s, _ = replay
    s.save(tmp_path / "saved")
    back = Session.open(tmp_path / "saved")
    try:
        a = back.ask("When did the delivery van arrive?").result(60)
        b = s.ask("When did the delivery van arrive?").result(60)
    finally:
        back.stop()
    assert a.text == b.text and back.stream_time() == pytest.approx(s.stream_time())
    assert back.memory.stats().frames_held == s.memory.stats().frames_held


class HeldBackend(ExtractiveBackend):
    """The extractive backend, held before each answer until the test lets it go on."""

    def __init__(self) -> None:
        self.go = threading.Event()  # set by the test: answers may proceed
        self.busy = threading.Event()  # set once the first answer has begun
        self.begun: list[str] = []  # questions, in the order their answers began

    def respond(self, q, ctx):
        self.begun.append(q.text)
        self.busy.set()
        assert self.go.wait(120), "the test never let the answers go on"
        return super().respond(q, ctx)


# Ten ways of asking what the card said: each answer can be told from the others.
CARD_QUESTIONS = [
    "What did the sign say?",
    "What did the card say?",
    "What was on the screen?",
    "What text was shown?",
    "What did the sign about the gate say?",
    "When does the gate close?",
    "Which gate closes at noon?",
    "When was the gate sign shown?",
    "What closes at noon?",
    "What was written on the card?",
]


def test_questions_while_watching(clip):
    """Ten questions wait while perception goes on: none lost, none twice, none peeking.

    The reasoner is held inside the first answer while the replay runs to its
    end: perception must not wait for it, and every answer is still given from
    the stream time it was asked at.
    """
    s = Session(SessionConfig(str(clip[0]), pace="none")).start()
    backend = HeldBackend()
    try:
        s.reasoner.backend = backend
        assert s.run_until(4.0, timeout=120) == 4.0
        streams = [s.ask(q) for q in CARD_QUESTIONS]
        assert backend.busy.wait(60), "the first answer never began"
        before = s.stats().perception.observations
        s.run_until(None, timeout=120)  # fails if perception waits for the busy reasoner
        after = s.stats().perception.observations
        assert backend.begun == CARD_QUESTIONS[:1] and not any(st.done for st in streams)
        backend.go.set()
        answers = [st.result(120) for st in streams]
    finally:
        backend.go.set()
        s.stop()
    assert after > before and s.stream_time() > 4.0
    assert [a.question for a in answers] == CARD_QUESTIONS and backend.begun == CARD_QUESTIONS
    assert s.reasoner.answered == 10 and len({id(a) for a in answers}) == 10
    assert all(a.error is None and "GATE 7" in a.text for a in answers)
    assert all(a.asked_at == 4.0 and all(e.end <= 4.0 for e in a.evidence) for a in answers)


def test_asking_twice_at_the_same_time(clip):
    s = Session(SessionConfig(str(clip[0]), pace="none")).start()
    try:
        assert s.run_until(4.0, timeout=120) == 4.0
        assert s.run_until(4.0, timeout=5) == 4.0  # held at the same item: must not wait
        assert s.run_until(3.0, timeout=5) == 4.0  # never goes back in time
        a = s.ask("What did the sign say?").result(60)
    finally:
        s.stop()
    assert a.asked_at == 4.0 and "GATE 7" in a.text


def test_a_session_saved_with_the_old_fps_name_reopens(replay, tmp_path):
    s, _ = replay
    folder = s.save(tmp_path / "old")
    manifest = json.loads((folder / "manifest.json").read_text())
    perception = manifest["config"]["perception"]
    perception["fps"] = perception.pop("sample_fps")  # as sessions were saved before the rename
    del manifest["files"], manifest["checksum"]  # and before the manifest listed its files
    manifest["format"] = 1
    (folder / "manifest.json").write_text(json.dumps(manifest))
    back = Session.open(folder)
    try:
        assert back.config.perception.sample_fps == s.config.perception.sample_fps
        assert back.stream_time() == pytest.approx(s.stream_time())
    finally:
        back.stop()
