"""An evaluation record says when its video ended early (a cut file), as `ask` and the app do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamer.eval.stream import RunConfig, stream_video
from streamer.eval.types import EvalQuestion, EvalVideo
from tests.conftest import DEMO


def _video_record(path: Path) -> dict[str, Any]:
    # asked at 1:10, past the cut: the replay runs on until the source ends
    question = EvalQuestion("q1", "What did the sign say?", 70.0, "GATE 7 CLOSES AT NOON")
    got: list[dict[str, Any]] = []
    stream_video(EvalVideo("demo", str(path), [question]), RunConfig(), (), got.append)
    (record,) = [r for r in got if r["type"] == "video"]
    return record


def test_a_cut_video_is_recorded_as_ending_early(tmp_path: Path) -> None:
    cut = tmp_path / "half.mp4"
    data = DEMO.read_bytes()
    cut.write_bytes(data[: len(data) // 2])  # 72 s of demo, cut in half
    record = _video_record(cut)
    assert record["error"] is None and record["stream_time"] > 5.0
    assert "half.mp4 ends early at 0:" in record["stream_note"]
    whole = _video_record(DEMO)
    assert whole["stream_note"] is None
