"""One watched stream: a source, perception, a memory, a timeline and a reasoner.

The UI, the command line and the evaluator all use this class and nothing
behind it:

    with Session(SessionConfig("talk.mp4", pace="none")) as s:
        s.run_until(60.0)                    # replay up to 1:00 (ask-at-time replays)
        stream = s.ask("What did she say about the budget?")
        for token in stream: print(token, end="")
        print(stream.answer.evidence)
        s.search("gate 7")                   # the timeline, ranked as an answer ranks it
        s.watches.watch("tell me when …")    # its standing questions (session_watches.py)

A live session (`pace="realtime"`, a webcam) answers from memory as it stands
when the question is asked, while perception keeps going.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from streamer.capture import FileConfig, first_frame, open_source
from streamer.capture.base import Source
from streamer.errors import StreamerError
from streamer.memory import Memory, MemorySnapshot, make_memory
from streamer.memory.registry import reads_model
from streamer.memory.timeline import Timeline
from streamer.modelset import ModelSet, load_models
from streamer.perception import Perception
from streamer.reasoning.backend import Backend
from streamer.reasoning.evidence import Scored, search_events
from streamer.reasoning.reasoner import AnswerStream, Reasoner
from streamer.reasoning.registry import make_backend
from streamer.session_catalogue import SessionCatalogue
from streamer.session_config import AUTOSAVE_SECONDS, SessionConfig, SessionStats, saved_config
from streamer.session_store import Checked, SavedParts, SessionFolder, load_saved, read_checked
from streamer.session_watches import SessionWatches, WatchedStream
from streamer.store import remove_orphaned_temp_files
from streamer.types import Frame, FrameObjects, Observation, StatusEvent, TextEvent

__all__ = [
    "AUTOSAVE_SECONDS",
    "Session",
    "SessionConfig",
    "SessionStats",
    "saved_config",
]


class Session(SessionCatalogue):
    def __init__(self, config: SessionConfig, models: ModelSet | None = None) -> None:
        self.config = config
        self.models = models
        self.source: Source | None = None
        self.perception: Perception | None = None
        self.memory: Memory | None = None
        self.fed: list[Memory] = []  # more memories written with every observation (add_memory)
        self.timeline: Timeline | None = None
        self.reasoner: Reasoner | None = None
        self._backend: Backend | None = None  # made once: a model loads once per session
        self.state = "idle"
        self._stream_time = 0.0  # stream time reached (restored for reopened sessions)
        self._ask_lock = threading.Lock()
        self._reasoner_live = False  # False after stop(): the next ask() restarts the reasoner
        self.notes: list[str] = []  # what a reopen or resume left out, one sentence each
        self.folder = SessionFolder(config, self._saved_parts, self._perceived, self._stop_pictures)
        self.watches = SessionWatches(  # standing questions: may be set before start()
            WatchedStream(self.stream_time, self._newest, lambda: self.timeline, self._made_backend)
        )

    # -- life cycle ----------------------------------------------------------------
    def start(self) -> Session:
        """Open the source, load models, start perception and the reasoner."""
        if self.config.source is None:
            raise StreamerError(
                "This session has no source to watch; give a file, URL or webcam:N."
            )
        if self.config.save_dir:  # a folder it cannot write fails now, not after the replay
            self.folder.claim()
        try:
            self._start()
        except BaseException:
            if self.source is not None:  # opened before the memory is built: stop its thread
                self.source.stop()
            self.folder.release()
            raise
        return self

    def _start(self) -> None:
        assert self.config.source is not None
        resumed = self.folder.resumed
        at = max(self.config.start, resumed.stream_time if resumed else 0.0)
        self.source = open_source(self.config.source_config(start=at))
        self.models = self.models or load_models(
            self.config.perception.ocr, self.config.perception.speech
        )
        encoder = self._made_backend().frame_encoder()
        if encoder is not None:  # a backend that sees: its own vision side fills the memory
            self.models = replace(self.models, encoder=encoder)
        if not self.config.is_replay:  # a stream that plays on: nothing may load once it has
            self.models.load_all()
        self.source.start()
        self._fit_encoder(encoder)
        if resumed is not None and self.config.save_dir:  # the save it continues
            self._load_saved(Path(self.config.save_dir), encoder)
        if self.memory is None:
            self.memory = make_memory(  # the kv memory prefills the vlm itself: `model`
                self.config.memory, self.config.memory_settings(), self.models.encoder.info, encoder
            )
        if self.timeline is None:
            self.timeline = Timeline(self.models.embedder.embed, self.models.embedder.dim)
        perception = self.config.perception
        side = self._made_backend().frame_side()
        if side is not None and side > perception.thumb_side:  # the frames a server is sent
            perception = replace(perception, thumb_side=side)
        self.perception = Perception(
            self.source,
            self.models.perception(self.config.perception.language),
            self._observe,
            self._text,
            perception,
            on_objects=self._objects_seen,
            # a watch for words in a stream that plays on hears sentences as they go
            drafts=None if self.config.is_replay else self.watches.listens,
        )
        if self.config.is_replay:
            self.perception.hold_at(0.0)  # a replay waits for run_until(): nothing runs ahead
        self.watches.start()
        self.perception.start()
        self._start_reasoner()
        self.state = "running"
        self.folder.start_autosave()

    def _fit_encoder(self, encoder: object) -> None:
        """A vlm that reads frames at their own aspect (Qwen2.5-VL) is told the opened
        source's frame size before a memory reads its grid: one grid for the stream."""
        fit = getattr(encoder, "fit_frame_size", None)
        stats = self.source.stats() if self.source is not None else None
        if fit is not None and stats is not None and stats.width > 0 and stats.height > 0:
            fit(stats.height, stats.width)

    def _start_reasoner(self) -> None:
        assert self.timeline is not None
        self.reasoner = Reasoner(self.timeline, self.memory, self._made_backend(), self.stream_time)
        self.reasoner.start()
        self._reasoner_live = True

    def _made_backend(self) -> Backend:
        """The session's backend, made on first need: a model loads once per session."""
        if self._backend is None:
            self._backend = make_backend(self.config.backend, self.config.device)
        return self._backend

    def _newest(self) -> float:
        """Seconds of video a source that plays on has captured (0.0: a held replay, none yet)."""
        playing = self.source if not self.config.is_replay else None
        return playing.stats().video_seconds if playing is not None else 0.0

    def _stop_pictures(self) -> None:  # also when an autosave fails: nothing more is kept
        if self.source is not None:
            self.source.stop()

    def stop(self) -> None:
        """Stop everything (bounded joins); saves a last time if a save folder is set."""
        self._stop_pictures()
        if self.perception is not None:
            self.perception.stop()
        self.watches.stop()  # after perception: what it handed over is checked first
        for memory in ([self.memory] if self.memory is not None else []) + self.fed:
            memory.finish()  # the kv memory's prefill worker ends; it still answers
        if self.reasoner is not None:
            with self._ask_lock:
                self.reasoner.stop()
                self._reasoner_live = False
        if self.state in ("running", "paused"):
            self.state = "stopped"
        self.folder.finish()  # the last save, after the autosave thread has ended

    def __enter__(self) -> Session:
        return self if self.state != "idle" else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def pause(self) -> None:
        if self.source is not None and self.state == "running":
            self.source.pause()
            self.state = "paused"

    def resume(self) -> None:
        if self.source is not None and self.state == "paused":
            self.source.resume()
            self.state = "running"

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the whole stream has been perceived. True when it has."""
        if self.perception is None:
            return True
        done = self.perception.join(timeout)
        if done:
            self.watches.settle()  # the alerts of the whole stream have fired
        if done and self.state == "running":
            error = self.folder.error or self.perception.stats().error
            self.state = "error" if error else "ended"
        return done

    def run_until(self, t: float | None, timeout: float | None = None) -> float:
        """Replay up to stream time `t` (None: the end) and hold there. Returns the time held.

        Nothing at or after `t` enters memory until the next call, so a question
        asked now sees exactly the stream before `t`.
        """
        if self.perception is None:
            raise StreamerError("The session has not been started.")
        if t is None:
            self.perception.hold_at(None)
            reached_in_time = self.wait(timeout)
        else:
            self.perception.hold_at(t)
            reached_in_time = self.perception.wait_gate(timeout)
        self.watches.settle()  # the alerts of everything before `t` have fired
        if not reached_in_time:
            raise StreamerError(
                f"The replay did not reach {t if t is not None else 'the end'} "
                f"within {timeout} s; try a longer timeout."
            )
        error = self.folder.error or self.perception.stats().error
        if error:
            raise StreamerError(error)
        reached = self.perception.stats().stream_time if t is None else t
        self._stream_time = max(self._stream_time, reached)
        return self._stream_time

    def add_memory(self, name: str) -> Memory:
        """Another memory, of strategy `name`, fed the session memory's observations from now
        on, in order, at the same gates: strategies compared on one perception pass (`eval
        --compare`). Add it before the first run_until(); ask it with `ask(..., memory=it)`.
        Not one that `reads_model` (kv)."""
        if self.models is None or self.memory is None:
            raise StreamerError("Start the session before adding a memory to it.")
        memory = make_memory(name, None, self.models.encoder.info)
        self.fed.append(memory)
        return memory

    # -- questions -----------------------------------------------------------------
    def ask(
        self,
        question: str,
        options: list[str] | None = None,
        memory: Memory | None = None,
        prompt: str | None = None,
    ) -> AnswerStream:
        """Ask at the current stream time; iterate the result for tokens.

        `memory`: answer from one added with add_memory() (default: the session's own).
        A stopped session still answers from what it kept (its reasoner restarts;
        a later stop() stops it again). `prompt`: the user turn verbatim (Question.prompt).
        """
        if self.reasoner is None:
            raise StreamerError("The session has not been started or opened.")
        with self._ask_lock:
            if not self._reasoner_live:
                self._start_reasoner()
            if self.fed and self.timeline is not None:  # memories compared: each answer pays
                self.timeline.forget_queries()  # for its question's embedding, as if alone
            return self.reasoner.ask(question, options, memory, prompt)

    def stream_time(self) -> float:
        """Seconds of stream perceived so far (the 'now' of a question)."""
        if self.perception is not None:
            gate = self.perception.gate.limit
            t = self.perception.stats().stream_time
            return max(self._stream_time, min(t, gate) if gate is not None else t)
        return self._stream_time

    @property
    def duration(self) -> float | None:
        """Seconds of stream in all when known (a file), else None (live, reopened)."""
        return self.source.duration if self.source is not None else None

    def status_events(self) -> list[StatusEvent]:
        """What the source reported since the last call: reconnecting, drops, errors, end."""
        return self.source.events() if self.source is not None else []

    # -- what the UI shows ---------------------------------------------------------
    def latest_frame(self) -> Frame | None:
        """The newest captured frame (a latest-frame slot: never a backlog)."""
        return self.source.latest_frame() if self.source is not None else None

    def memory_snapshot(self) -> MemorySnapshot | None:
        """Which frames the memory holds, where (levels, slots), for display."""
        return self.memory.snapshot() if self.memory is not None else None

    def timeline_events(self, window: tuple[float, float] | None = None) -> list[TextEvent]:
        """The timeline in time order: all of it, or the events in `window` (seconds)."""
        if self.timeline is None:
            return []
        lo, hi = window if window is not None else (0.0, float("inf"))
        return sorted(self.timeline.window(lo, hi), key=lambda e: (e.start, e.end))

    def search(self, text: str, k: int = 50) -> list[Scored]:
        """The `k` timeline events most relevant to `text`, best first, ranked as an answer
        ranks its evidence: meaning and wording, the kinds and numbered things it names."""
        if self.timeline is None:
            return []
        return search_events(self.timeline, text, self.stream_time())[:k]

    def frame_at(self, t: float) -> Frame | None:
        """The frame at stream time `t` of a file source (decoded again), else None."""
        if self.config.source is None or self.source is None or self.source.live:
            return None
        config = self.config.source_config(start=max(0.0, t))
        return first_frame(config) if isinstance(config, FileConfig) else None

    # -- observing -----------------------------------------------------------------
    def _observe(self, obs: Observation) -> None:
        assert self.memory is not None
        self.memory.write(obs)
        for other in self.fed:
            other.write(obs)
        self.watches.observation(obs)

    def _text(self, event: TextEvent) -> None:
        assert self.timeline is not None
        i = self.timeline.add(event)
        self.watches.text(i, self.timeline.event(i))  # as it stands: merged or revised

    def _objects_seen(self, found: FrameObjects) -> None:
        assert self.timeline is not None
        self.timeline.add_objects(found)
        self.watches.objects(found)

    def stats(self) -> SessionStats:
        p = self.perception.stats() if self.perception is not None else None
        error = self.folder.error or (p.error if p is not None else None)
        if p is not None and p.ended and self.state in ("running", "paused"):
            self.state = "error" if error else "ended"  # the stream has run out
        r = self.reasoner
        return SessionStats(
            state=self.state,
            stream_time=round(self.stream_time(), 3),
            source=self.source.stats() if self.source is not None else None,
            perception=p,
            memory=self.memory.stats() if self.memory is not None else None,
            timeline_events=len(self.timeline) if self.timeline is not None else 0,
            answered=r.answered if r else 0,
            latencies=list(r.latencies) if r else [],
            error=error,
            notify=self.watches.notify_stats(),
        )

    # -- persistence ---------------------------------------------------------------
    def save(self, folder: str | Path | None = None) -> Path:
        """Write the session atomically into `folder` (None: its save folder)."""
        return self.folder.save(folder)

    def _saved_parts(self) -> SavedParts | None:
        if self.timeline is None or self.memory is None:
            return None
        return SavedParts(self.timeline, self.memory, self.watches, self.stream_time())

    def _perceived(self) -> bool:
        p = self.perception.stats() if self.perception is not None else None
        return p is not None and (p.frames_in > 0 or p.audio_seconds > 0)

    def _load_saved(self, folder: Path, model: object, checked: Checked | None = None) -> None:
        """Take the timeline, memory and watches of a save (`model`: a kv memory's vlm)."""
        manifest, note = checked or read_checked(folder)
        assert self.models is not None
        self.timeline, self.memory = load_saved(folder, manifest, self.models, model)
        self.notes += [n for n in (note or self.watches.load(folder),) if n]
        self._stream_time = float(manifest.stream_time)

    @classmethod
    def open(cls, folder: str | Path, models: ModelSet | None = None) -> Session:
        """Reopen a saved session read-only: ask about it without its source.

        What had to be left out (damaged watches) is in `notes`, one sentence each.
        """
        folder = Path(folder)
        manifest, note = read_checked(folder)  # before any model loads
        remove_orphaned_temp_files(folder)  # what a save killed mid-write left
        session = cls(saved_config(folder, manifest.config), models)
        session.models = models or load_models(ocr=False, speech=False)
        # a kv memory's blocks are the vlm's own cache: it reopens with that model
        model = session._made_backend().frame_encoder() if reads_model(manifest.memory) else None
        session._load_saved(folder, model, (manifest, note))
        session._start_reasoner()
        session.state = "reopened"
        return session
