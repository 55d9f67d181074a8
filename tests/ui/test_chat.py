"""How an answer reads in the chat: a vlm answer says which frames the model read."""

from __future__ import annotations

from streamer.types import Answer, Evidence
from ui.chat import EVIDENCE_LINES, format_answer


def frame(t: float) -> Evidence:
    return Evidence(t, t, "frame", f"frame at 0:{t:02.0f}", 1.0, b"")


def test_a_vlm_answer_names_the_frames_it_read_and_lists_cited_lines_first():
    said = Evidence(4.0, 6.0, "speech", "the gate closes at noon", 0.9)
    frames = [frame(t) for t in range(0, 2 * EVIDENCE_LINES, 2)]
    answer = Answer("When?", "At noon.", 30.0, [*frames, said], backend="vlm")
    text = format_answer(answer)
    assert f"the model read {len(frames)} frames from 0:00 to 0:{frames[-1].end:02.0f}" in text
    listed = [line for line in text.splitlines() if line.startswith("- ")]
    assert "heard: the gate closes at noon" in listed[0]  # not pushed out by the frames
    assert len(listed) == EVIDENCE_LINES


def test_an_answer_without_frames_says_nothing_of_frames():
    said = Evidence(4.0, 6.0, "speech", "the gate closes at noon", 0.9)
    text = format_answer(Answer("When?", "At noon.", 30.0, [said]))
    assert "frame" not in text and "1 piece of evidence" in text
