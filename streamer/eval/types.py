"""Records of the evaluation: questions with their ask time, videos, answers as stored.

A benchmark loader yields `EvalVideo`s, each with its `EvalQuestion`s sorted by
ask time; the runner streams the video once and writes one `AnswerRecord` per
question (and a `VideoRecord` when the video is done) to the video's shard.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any

# How an answer is judged (streamer/eval/scoring.py):
#   choice  the chosen option against the right one (OVBench's rule)
#   text    open-ended: exact / contains / token F1 / embedding cosine; contains decides
#   time    the first clock time in the answer falls inside `answer_span` (± a tolerance)
#   number  the first number in the answer equals the gold number
#   yesno   the answer starts with the gold yes / no
SCORINGS = ("choice", "text", "time", "number", "yesno")


@dataclass(frozen=True)
class EvalQuestion:
    """One question, asked at stream time `at` of its video, with its gold answer."""

    qid: str  # unique within the benchmark
    question: str
    at: float  # stream time to ask at, seconds (the question's "now")
    answer: str  # the gold answer: an option's text for "choice", free text otherwise
    options: tuple[str, ...] | None = None
    answer_index: int | None = None  # 0-based index of the right option ("choice")
    answer_type: str = ""
    sub_type: str = ""
    scoring: str = "text"  # one of SCORINGS
    answer_span: tuple[float, float] | None = None  # "time": the stream span the answer names
    window: tuple[float, float] | None = None  # the stretch of stream the question is about
    image_file: str | None = None  # OVBench TAO: the frame the question was written on
    prompt: str | None = None  # what the backend is asked, when not `question` (a template)
    # StreamingBench's irregular option lists: the letter each option is shown under (when
    # not A, B, C, ...), and the gold letter when no option shown carries it (answer_index
    # is then None: no option is right, as in its count.py)
    letters: tuple[str, ...] | None = None
    gold_letter: str | None = None

    def __post_init__(self) -> None:
        if self.scoring not in SCORINGS:
            raise ValueError(f"scoring must be one of {SCORINGS}, not {self.scoring!r}")
        if self.scoring == "choice" and not self.options:
            raise ValueError(f"question {self.qid} is multiple choice without options")

    def letter(self, i: int) -> str:
        """The letter option `i` is shown under."""
        return self.letters[i] if self.letters else chr(65 + i)

    @property
    def right_letter(self) -> str:
        """The letter of the right option, as a letter-scored benchmark compares it."""
        if self.answer_index is None:
            assert self.gold_letter is not None, f"question {self.qid} has no gold letter"
            return self.gold_letter
        return self.letter(self.answer_index)

    @property
    def is_yesno(self) -> bool:
        """A yes/no question (reported apart: it has a ~50% floor)."""
        if self.scoring == "yesno":
            return True
        return (
            bool(self.options)
            and len(self.options or ()) == 2
            and all(re.match(r"\s*(yes|no)\b", o, re.I) for o in self.options or ())
        )

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EvalQuestion:
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        for key in ("options", "answer_span", "window", "letters"):
            if kw.get(key) is not None:
                kw[key] = tuple(kw[key])
        return cls(**kw)


@dataclass
class EvalVideo:
    """One video to stream and the questions asked about it, sorted by ask time."""

    video_id: str
    path: str | None  # a file, or a folder of frames; None when not found
    questions: list[EvalQuestion]
    start: float = 0.0  # stream time the source starts at, seconds
    subset: str = ""  # OVBench: ava | coin | hirest | tao
    frames_fps: float | None = None  # `path` is a folder of frames shown at this rate

    def __post_init__(self) -> None:
        self.questions.sort(key=lambda q: (q.at, q.qid))

    @property
    def key(self) -> str:
        """A file-name-safe name for this video's shard."""
        name = f"{self.subset}__{self.video_id}" if self.subset else self.video_id
        if self.start:
            name += f"__from{self.start:g}"
        return re.sub(r"[^A-Za-z0-9._-]+", "_", name)


@dataclass
class Benchmark:
    """A loaded benchmark: the videos found, and what could not be found."""

    name: str
    videos: list[EvalVideo]  # found videos (path set)
    missing_videos: list[str] = field(default_factory=list)  # ids not found under the root
    missing_questions: int = 0  # questions of the missing videos
    annotations: list[str] = field(default_factory=list)  # files the questions came from
    prompts: str = ""  # whose words the backend is asked in: "" ours, else the templates read

    @property
    def questions(self) -> int:
        return sum(len(v.questions) for v in self.videos)


@dataclass(frozen=True)
class EvidenceRecord:
    start: float
    end: float
    kind: str
    text: str
    score: float
    frame_held: bool  # the memory still held a frame of that moment (a thumbnail came back)


@dataclass
class AnswerRecord:
    """One answered question as written to a shard (a JSONL line with type "answer")."""

    qid: str
    video_id: str
    question: EvalQuestion
    prediction: str  # the answer's text
    asked_at: float  # stream time the answer was given at, seconds
    seen_until: float  # newest frame time or end of speech held when asked (<= asked_at)
    option: str | None = None
    option_index: int | None = None
    backend: str = ""  # the backend that answered (a missing llm falls back to extractive)
    evidence: list[EvidenceRecord] = field(default_factory=list)
    first_token_s: float = 0.0
    total_s: float = 0.0
    error: str | None = None
    memory_bytes: int | None = None  # what the memory held when asked (RAM)
    perceive_wall_s: float | None = None  # wall seconds perception had run when asked

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["question"] = self.question.to_dict()
        return {"type": "answer", **d}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnswerRecord:
        kw = {k: v for k, v in d.items() if k != "type"}
        kw["question"] = EvalQuestion.from_dict(kw["question"])
        kw["evidence"] = [EvidenceRecord(**e) for e in kw.get("evidence", [])]
        return cls(**kw)


@dataclass
class VideoRecord:
    """A video streamed to its last question (a JSONL line with type "video")."""

    video_id: str
    key: str
    questions: int
    stream_time: float  # stream seconds perceived
    wall_s: float  # seconds it took, models already loaded
    memory: dict[str, Any] | None = None  # MemoryStats at the last question
    x_realtime: float = 0.0  # stream seconds perceived per wall second
    error: str | None = None  # one sentence when the video could not be streamed
    # the source's own word on how it ended early: a cut file, a stream that stopped
    stream_note: str | None = None
    # the other strategies fed by the same replay (eval --compare): wall_s is that replay's
    shared_with: list[str] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"type": "video", **asdict(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> VideoRecord:
        return cls(**{k: v for k, v in d.items() if k != "type"})
