"""Typed records that cross thread and module boundaries.

Every item carries its stream time `t`: seconds from the start of the stream,
taken from the container's pts for files and from the capture clock for live
devices.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np

from models.protocols import TextLine


class Policy(enum.StrEnum):
    """What a full bounded queue does, from the source through perception to the kv prefill.

    A replay read as fast as it is taken waits (back-pressure, nothing lost); a live
    source or a paced replay drops its oldest item, counted, so falling behind never
    grows a backlog. A str, so a config holding one saves as JSON ("wait", "drop").
    """

    WAIT = "wait"
    DROP_OLDEST = "drop"

    @classmethod
    def for_pace(cls, pace: str) -> Policy:
        """`pace="none"` (a replay as fast as it is taken) waits; "realtime" drops."""
        return cls.WAIT if pace == "none" else cls.DROP_OLDEST


@dataclass(frozen=True, eq=False)
class Frame:
    """One decoded video frame."""

    t: float  # stream time, seconds
    wall: float  # capture wall time (time.time()), seconds
    seq: int  # 0-based index among the frames this source emitted
    image: np.ndarray  # (H, W, 3) uint8 RGB

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True, eq=False)
class AudioChunk:
    """A run of mono audio samples starting at stream time `t`."""

    t: float  # stream time of the first sample, seconds
    sample_rate: int  # Hz; sources resample to models.protocols.SAMPLE_RATE (16 kHz)
    samples: np.ndarray  # (n,) float32 in [-1, 1]

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sample_rate

    @property
    def end(self) -> float:
        return self.t + self.duration


@dataclass(frozen=True)
class EndOfStream:
    """The marker a source always sends last (from a `finally`)."""

    reason: str = "end"  # "end" | "stopped" | "error" | "limit"
    error: str | None = None  # one-sentence message when reason == "error"
    note: str | None = None  # one sentence on an ending kept despite damage (a cut file)


class StatusKind(enum.Enum):
    STARTED = "started"
    FRAME_DROPPED = "frame_dropped"
    AUDIO_DROPPED = "audio_dropped"
    RECONNECTING = "reconnecting"
    RECONNECTED = "reconnected"
    ERROR = "error"
    WARNING = "warning"  # the stream goes on or ends normally, but something was lost
    END_OF_STREAM = "end_of_stream"


@dataclass(frozen=True)
class StatusEvent:
    """Something a source reports to whoever watches it (UI counters, logs)."""

    kind: StatusKind
    t: float  # stream time when it happened, seconds
    wall: float  # time.time() when it happened
    message: str = ""


StreamItem = Frame | AudioChunk | EndOfStream


@dataclass(frozen=True)
class AvSync:
    """Sound against picture of a camera + microphone source (`CameraMicSource`)."""

    sound: bool  # the microphone is open or being reopened
    picture: bool  # the camera is open or being reopened
    audio_drift_ms: float  # how far the sample count alone would be off the clock
    av_offset_ms: float  # what is left after the correction
    audio_corrected_ms: float  # the correction applied so far
    audio_gap_seconds: float  # sound missed while the microphone was away
    camera_reconnects: int
    mic_reconnects: int
    mic_overflows: int  # blocks PortAudio reported as overflowed


@dataclass
class SourceStats:
    """Counters of one source; a snapshot is returned by `Source.stats()`."""

    state: str = "idle"  # idle | running | reconnecting | ended | error | stopped
    frames: int = 0  # frames put on the queue
    frames_dropped: int = 0  # frames thrown away by DROP_OLDEST
    audio_seconds: float = 0.0  # audio put on the queue
    audio_dropped_seconds: float = 0.0
    video_seconds: float = 0.0  # stream time of the last frame (plus one frame)
    width: int = 0
    height: int = 0
    fps: float = 0.0  # nominal frame rate of the source (after sampling)
    reconnects: int = 0
    gap_seconds: float = 0.0  # time without data between losing a stream and getting it back
    error: str | None = None
    note: str | None = None  # a warning kept for the user: "the file ends early at 0:25 ..."
    duration: float | None = None  # seconds a file or stream says it lasts, when it says
    av: AvSync | None = None  # a camera + microphone source's sync checks


@dataclass(frozen=True, eq=False)
class Observation:
    """What perception made of one sampled frame; what memory strategies store."""

    t: float  # stream time of the frame, seconds
    seq: int  # the frame's sequence number at the source
    thumbnail: bytes  # small JPEG (longest side ~160 px) for evidence and the UI
    tags: tuple[tuple[str, float], ...]  # top-k (class name, probability)
    feature: np.ndarray  # (D,) float32, L2-normalised pooled feature (1280 for EfficientNet-Lite0)
    tokens: np.ndarray  # (h, w, D) float32 spatial feature map (7x7 at 224 px input)
    ocr: tuple[TextLine, ...] | None = None  # None when OCR did not run on this frame
    scene_change: bool = False  # this frame starts a new scene (feature distance)
    space: str = ""  # the encoder that made `feature`/`tokens` (EncoderInfo.space); "" unnamed


@dataclass(frozen=True)
class SeenObject:
    """One detected object in one sampled frame."""

    label: str  # COCO class name: "person", "car", ...
    score: float  # detector score, 0..1
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 relative to the frame (0..1)
    colour: str  # dominant colour named from a small palette: "red", "grey", ...
    track: int  # id given by the tracker: the same object keeps it from frame to frame


@dataclass(frozen=True)
class ShownShape:
    """A region that stands out from a plain backdrop (a drawn shape, a sign), by colour."""

    colour: str  # palette name of its pixels: "red", "yellow", ...
    shape: str  # "circle" | "square" | "rectangle" | "triangle" | "" (another outline)
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 relative to the frame (0..1)

    @property
    def words(self) -> str:
        """'red circle', 'green shape'."""
        return f"{self.colour} {self.shape or 'shape'}"


@dataclass(frozen=True)
class FrameObjects:
    """What the detector found in one sampled frame (possibly nothing)."""

    t: float  # stream time of the frame, seconds
    end: float  # stream time the frame stands for until (the next sample), seconds
    objects: tuple[SeenObject, ...]
    scene_colour: str = ""  # dominant colour of the whole frame
    shown: tuple[ShownShape, ...] = ()  # salient regions on a plain backdrop, largest first


TEXT_KINDS = ("speech", "ocr", "tags", "objects")


@dataclass(frozen=True)
class TextEvent:
    """A piece of the text timeline: something said, shown or seen, with its time span."""

    kind: str  # one of TEXT_KINDS
    text: str
    start: float  # stream time, seconds
    end: float  # stream time, seconds (>= start)
    confidence: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in TEXT_KINDS:
            raise ValueError(f"kind must be one of {TEXT_KINDS}, not {self.kind!r}")
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")


@dataclass(frozen=True)
class Evidence:
    """A moment an answer rests on: what was said, shown or seen, and when."""

    start: float  # stream time, seconds
    end: float  # stream time, seconds
    kind: str  # "speech" | "ocr" | "tags" | "objects" | "frame"
    text: str
    score: float  # relevance to the question, higher is better
    thumbnail: bytes | None = None  # JPEG of the frame at that moment, when memory holds one


@dataclass
class Answer:
    """The finished answer to one question."""

    question: str
    text: str
    asked_at: float  # stream time when the question was asked, seconds
    evidence: list[Evidence] = field(default_factory=list)
    option: str | None = None  # the chosen option's text, for a multiple-choice question
    option_index: int | None = None  # 0-based index of the chosen option
    backend: str = "extractive"
    first_token_s: float = 0.0  # seconds from ask() to the first token
    total_s: float = 0.0  # seconds from ask() to the last token
    error: str | None = None  # one sentence, when the question could not be answered
