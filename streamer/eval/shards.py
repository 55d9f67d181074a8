"""Per-video JSONL shards: answers appended as they come, read back to resume.

    out/shards/<video key>.jsonl
        {"type": "answer", "qid": ..., "prediction": ..., "evidence": [...], ...}
        ...
        {"type": "video", "stream_time": ..., "memory": {...}}   # the video is done

Every line is appended with a flush and fsync (streamer.store.append_jsonl); a
line torn by a kill is ignored on reading and cut off before the next append.
A video whose shard ends without an error-free "video" line is streamed again
on the next run, asking only the questions it has no answer for yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamer.eval.types import AnswerRecord, EvalVideo, VideoRecord
from streamer.store import append_jsonl, read_jsonl

SHARDS = "shards"


@dataclass
class ShardState:
    answers: dict[str, AnswerRecord] = field(default_factory=dict)  # by qid
    video: VideoRecord | None = None  # the last "video" line, if any

    @property
    def done(self) -> bool:
        return self.video is not None and self.video.error is None


class Shard:
    """The shard file of one video in a run folder."""

    def __init__(self, out: Path, video: EvalVideo) -> None:
        self.path = Path(out) / SHARDS / f"{video.key}.jsonl"

    def load(self) -> ShardState:
        state = ShardState()
        if not self.path.exists():
            return state
        for r in read_jsonl(self.path):
            if r.get("type") == "answer":
                a = AnswerRecord.from_dict(r)
                state.answers[a.qid] = a
            elif r.get("type") == "video":
                state.video = VideoRecord.from_dict(r)
        return state

    def append(self, record: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        append_jsonl(self.path, [record])
