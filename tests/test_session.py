"""The Session API on a generated clip with known facts, with the real packaged models.

The clip (tests/conftest.py): a card "GATE 7 CLOSES AT NOON" from 3 s to 6 s, a red
circle from 6 s to 8 s, and "The delivery van arrived at the north entrance."
spoken from 8 s.
"""

from __future__ import annotations

import json
import time

import pytest

from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.question import QuestionError
from streamer.session import Session, SessionConfig
from tests.conftest import DEMO


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


class SlowBackend(ExtractiveBackend):
    """The extractive backend at a model's pace: 100 ms a token (~1 s an answer)."""

    def respond(self, q, draft):
        for token in super().respond(q, draft):
            time.sleep(0.1)
            yield token


def test_questions_while_watching_live():
    """Ten questions answered while a real-time replay runs: none lost, none twice."""
    s = Session(SessionConfig(str(DEMO), pace="realtime", speed=4.0)).start()
    try:
        s.reasoner.backend = SlowBackend()
        deadline = time.monotonic() + 60
        while s.stats().perception.observations < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        questions = [f"question {i}: what did the sign say?" for i in range(10)]
        streams = [s.ask(q) for q in questions]
        before = s.stats().perception.frames_in
        answers = [st.result(120) for st in streams]
        after = s.stats().perception.frames_in
    finally:
        s.stop()
    assert [a.question for a in answers] == questions
    assert s.reasoner.answered == 10 and len({id(a) for a in answers}) == 10
    assert after > before  # perception kept ingesting while questions were answered
    assert all(a.asked_at <= b.asked_at for a, b in zip(answers, answers[1:]))
    assert answers[-1].total_s > 8.0  # the last waited for the nine before it


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
    (folder / "manifest.json").write_text(json.dumps(manifest))
    back = Session.open(folder)
    try:
        assert back.config.perception.sample_fps == s.config.perception.sample_fps
        assert back.stream_time() == pytest.approx(s.stream_time())
    finally:
        back.stop()
