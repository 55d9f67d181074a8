"""Evidence comes in the order the answer rests on it: what it quotes, then the frames."""

from __future__ import annotations

from streamer.reasoning.evidence import Scored, answer_first
from streamer.reasoning.timeline_prompt import cited_evidence
from streamer.types import Evidence, TextEvent


def moment(kind: str, t: float) -> Evidence:
    return Evidence(t, t + 1.0, kind, f"{kind} at {t}", 1.0, None)


def test_the_quoted_moment_comes_first_then_the_frames_nearest_it() -> None:
    quoted = [moment("ocr", 14.0), moment("speech", 3.0)]
    frames = [moment("frame", t) for t in (0.0, 10.0, 15.0, 30.0)]
    order = [(e.kind, e.start) for e in answer_first(quoted, frames)]
    assert order == [("ocr", 14.0), ("speech", 3.0)] + [
        ("frame", t) for t in (15.0, 10.0, 0.0, 30.0)
    ]
    assert [e.start for e in answer_first([], frames[::-1])] == [0.0, 10.0, 15.0, 30.0]


def test_cited_moments_in_the_order_the_answer_names_them() -> None:
    scored = [
        Scored(TextEvent("speech", "The van arrived.", 8.0, 10.0), 0.9, 0.9, 1.0),
        Scored(TextEvent("speech", "Water the plants.", 70.0, 73.0), 0.8, 0.8, 1.0),
    ]
    text = "At 1:10 someone said to water the plants; the van came at 0:08."
    assert [e.start for e in cited_evidence(text, scored, [], 100.0)] == [70.0, 8.0]
