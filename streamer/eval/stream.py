"""Streaming one video through a `Session` and asking its questions at their own times.

Each question is asked exactly as a live user would ask it: the replay is held at
the question's time (`Session.run_until`), so nothing at or after that moment is
in memory, then the question is asked and its answer awaited. A stop hears the
sentence being spoken as a draft and lets it go on (`SpeechWorker.flush`), so
stopping at one question changes nothing another one hears. Questions already
answered in an earlier run are not asked again; the replay still stops at their
times, so a resumed run streams exactly as the first did.

Several memory strategies can share one replay (`stream_lanes`, what `eval
--compare` does): perception runs once, every strategy's memory receives every
observation (`Session.add_memory`), and at each question's time the question is
asked once per strategy, from its memory and the one timeline. Each strategy's
records are the ones its own replay would have written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from streamer.errors import USER_ERRORS
from streamer.eval.types import AnswerRecord, EvalQuestion, EvalVideo, EvidenceRecord, VideoRecord
from streamer.memory.items import DEFAULT_MEMORY

if TYPE_CHECKING:
    from streamer.memory import Memory
    from streamer.session import Session

ANSWER_TIMEOUT = 600.0  # seconds one answer may take (a slow local LLM on a long question)
REPLAY_BASE_S = 300.0  # seconds a replay may take to reach a question, plus ...
REPLAY_PER_STREAM_S = 10.0  # ... this many per second of stream to go (perception runs ~2-5x)
Emit = Callable[[dict[str, Any]], None]  # receives each record as a JSON-ready dict


@dataclass(frozen=True)
class RunConfig:
    """What is being measured; a run folder holds answers of one config only."""

    memory: str = DEFAULT_MEMORY
    backend: str = "extractive"
    sample_fps: float = 1.0  # frames perception samples per second of stream (plus cuts)
    frames_cache: str | None = None  # where folders of frames become videos
    answer_timeout: float = ANSWER_TIMEOUT
    device: str = "auto"  # where a vlm backend runs; not in identity(): a resumed run may move
    language: str | None = None  # what is spoken; None: detected in each video

    def identity(self) -> dict[str, Any]:
        """The settings that change answers (a resumed run must match them)."""
        same = {"memory": self.memory, "backend": self.backend, "sample_fps": self.sample_fps}
        return same | ({"language": self.language} if self.language else {})  # older: detected


def saved_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """An identity read from a run folder, in today's names (older run folders saved `fps`)."""
    out = dict(identity)
    if "fps" in out:
        fps = out.pop("fps")
        out.setdefault("sample_fps", fps)
    return out


def source_path(video: EvalVideo, config: RunConfig) -> str:
    """The file to stream: the video itself, or a frame folder made into one."""
    assert video.path is not None
    if video.frames_fps is None:
        return video.path
    from streamer.eval.benchmarks import default_cache
    from streamer.eval.frames import frames_to_video

    cache = Path(config.frames_cache) if config.frames_cache else default_cache() / "frames"
    return str(frames_to_video(Path(video.path), video.frames_fps, cache))


@dataclass(frozen=True)
class Lane:
    """One memory strategy's part in a replay: the qids it has answers for, where records go."""

    memory: str
    answered: Collection[str]
    emit: Emit


def stream_video(
    video: EvalVideo, config: RunConfig, answered: Collection[str], emit: Emit
) -> VideoRecord:
    """Stream `video` once, asking each question not in `answered` at its time."""
    (record,) = stream_lanes(video, config, [Lane(config.memory, answered, emit)])
    return record


def stream_lanes(video: EvalVideo, config: RunConfig, lanes: Sequence[Lane]) -> list[VideoRecord]:
    """Stream `video` once for all `lanes` (their strategies; the rest of `config` is shared).

    The first lane's memory is the session's own, the others are added to it. Each
    lane gets the answers to its questions not yet answered and its video record;
    the records' wall time and speed are the one replay's.
    """
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    t0 = time.perf_counter()
    others = [lane.memory for lane in lanes[1:]]
    records = [
        VideoRecord(video.video_id, video.key, len(video.questions), 0.0, 0.0) for _ in lanes
    ]
    session = None
    try:
        session = Session(
            SessionConfig(
                source=source_path(video, config),
                pace="none",
                start=video.start,
                memory=lanes[0].memory,
                backend=config.backend,
                device=config.device,
                perception=PerceptionConfig(sample_fps=config.sample_fps, language=config.language),
            )
        ).start()
        # None: the session's own memory (the first lane's); the others are added to it
        memories = [None, *(session.add_memory(name) for name in others)]
        _ask_all(session, video, config, list(zip(lanes, memories, strict=True)))
        stats = session.stats()
        p = stats.perception
        note = stats.source.note if stats.source is not None else None
        for record, memory in zip(records, memories, strict=True):
            record.stream_time = stats.stream_time
            record.stream_note = note
            held = memory.stats() if memory is not None else stats.memory
            record.memory = asdict(held) if held is not None else None
            record.x_realtime = round(p.x_realtime, 2) if p is not None else 0.0
    except USER_ERRORS as e:
        for record in records:
            record.error = str(e)
    finally:
        if session is not None:
            session.stop()
    wall_s = round(time.perf_counter() - t0, 3)
    for lane, record in zip(lanes, records, strict=True):
        record.wall_s = wall_s
        if others:
            record.shared_with = [x.memory for x in lanes if x is not lane]
        lane.emit(record.to_dict())
    return records


def _ask_all(
    session: Session,
    video: EvalVideo,
    config: RunConfig,
    lanes: Sequence[tuple[Lane, Memory | None]],
) -> None:
    duration = session.duration
    held: float | None = video.start
    for q in video.questions:
        # past the end: run to the end, so the last sentence is heard before asking
        gate = None if duration is not None and q.at >= duration else q.at
        if held is not None and gate != held:
            to_go = (duration if gate is None else gate) or 0.0
            session.run_until(gate, REPLAY_BASE_S + REPLAY_PER_STREAM_S * (to_go - held))
            held = gate
        for lane, memory in lanes:
            if q.qid not in lane.answered:
                # with memories added, each answer embeds its question anew (Session.ask)
                lane.emit(ask(session, video, q, config.answer_timeout, memory).to_dict())


def ask(
    session: Session,
    video: EvalVideo,
    q: EvalQuestion,
    timeout: float,
    memory: Memory | None = None,
) -> AnswerRecord:
    """Ask `q` now and wait for the answer; note how far the session had seen.

    `memory`: one added to the session to answer from (default: its own).
    """
    seen = _seen_until(session, memory)
    held = session.stats()
    own = held.memory.bytes_held if held.memory is not None else None
    held_bytes = memory.stats().bytes_held if memory is not None else own
    # the benchmark's template, when the run reads one, is sent verbatim; the question's own
    # words are what the extractive reading and the evidence search go by
    stream = session.ask(q.question, list(q.options) if q.options else None, memory, q.prompt)
    try:
        a = stream.result(timeout)
    except TimeoutError:
        error = f"No answer within {timeout:.0f} s."
        return AnswerRecord(q.qid, video.video_id, q, "", session.stream_time(), seen, error=error)
    return AnswerRecord(
        qid=q.qid,
        video_id=video.video_id,
        question=q,
        prediction=a.text,
        backend=a.backend,
        asked_at=round(a.asked_at, 3),
        seen_until=round(seen, 3),
        option=a.option,
        option_index=a.option_index,
        evidence=[
            EvidenceRecord(
                round(e.start, 3), round(e.end, 3), e.kind, e.text, e.score, e.thumbnail is not None
            )
            for e in a.evidence
        ],
        first_token_s=a.first_token_s,
        total_s=a.total_s,
        error=a.error,
        memory_bytes=held_bytes,
        perceive_wall_s=round(held.perception.wall_seconds, 3) if held.perception else None,
    )


def _seen_until(session: Session, memory: Memory | None) -> float:
    """The newest moment memory or the timeline holds: frame times, the end of speech heard.

    On-screen text and tags carry the span their sampled frame stands for (to the
    next sample), so their start, the frame's time, is what was seen.
    """
    times = [e.end if e.kind == "speech" else e.start for e in session.timeline_events()]
    snap = memory.snapshot() if memory is not None else session.memory_snapshot()
    if snap is not None:
        times += [it.t for level in snap.levels for it in level.items]
    return max(times, default=0.0)
