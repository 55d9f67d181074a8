"""A question asked mid-sentence must not change what later questions hear.

The one-minute seed-0 synthetic stream says "The workshop was moved to
Saturday." from 6.6 s to 8.7 s, and a question is asked at 7.0 s, in the middle
of it. Each question is asked both ways: all in one replay (as `eval` asks
them) and each alone in its own replay (as `ask --at` does); the answers must
rest on the same evidence. The questions of the first 15 s are used (the race
at 7.0 s and the question that lost its fact at 13.9 s): asking each of the
stream's 16 questions alone would replay ten minutes of stream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streamer.eval.stream import RunConfig, stream_video
from streamer.eval.synthetic import load_synthetic
from streamer.eval.types import EvalVideo

FIRST_S = 15.0  # the questions asked in the stream's first 15 s
SPOKEN = (6.5, 8.8)  # "The workshop was moved to Saturday." (the facts file says 6.56-8.70)


@pytest.fixture(scope="module")
def video(synthetic_seed0: Path) -> EvalVideo:
    bench = load_synthetic(synthetic_seed0)
    (v,) = bench.videos
    early = [q for q in v.questions if q.at < FIRST_S]
    assert any(SPOKEN[0] < q.at < SPOKEN[1] for q in early)  # one is asked mid-sentence
    return EvalVideo(v.video_id, v.path, early)


def _answers(video: EvalVideo) -> dict[str, dict[str, Any]]:
    got: list[dict[str, Any]] = []
    stream_video(video, RunConfig(), (), got.append)
    return {r["qid"]: r for r in got if r["type"] == "answer"}


def _evidence(answer: dict[str, Any]) -> list[tuple[float, float, str, str]]:
    return [(e["start"], e["end"], e["kind"], e["text"]) for e in answer["evidence"]]


def test_every_question_rests_on_the_same_evidence_asked_together_or_alone(
    video: EvalVideo,
) -> None:
    together = _answers(video)
    assert set(together) == {q.qid for q in video.questions}
    for q in video.questions:
        alone = _answers(EvalVideo(video.video_id, video.path, [q]))[q.qid]
        assert _evidence(together[q.qid]) == _evidence(alone), q.question
        assert together[q.qid]["prediction"] == alone["prediction"], q.question
    late = [q for q in video.questions if q.at > SPOKEN[1] and "workshop" in q.question]
    assert late
    for q in late:  # the fact spoken before is heard, whole
        texts = [t for *_, t in _evidence(together[q.qid])]
        assert any("Saturday" in t for t in texts), together[q.qid]["prediction"]
