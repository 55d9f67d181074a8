"""The one object that owns the app's current `Session` (no Gradio in here).

Every browser tab of one app talks to the same controller, so all viewers
see the same stream and every question is answered by the same session.
Starting, stopping and reopening are serialised by one lock; reads (the live
view, stats, questions) take a reference to the current session under the
lock and work on it outside, so a slow read never holds up a control action.

    app = AppController(sessions_dir=Path("~/sessions").expanduser())
    app.start(StartRequest(str(DEMO_CLIP), "demo clip", speed=2.0))
    asked = app.ask("What did the sign say?")
    print("".join(asked.stream), asked.stream.result(10).evidence)
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamer.capture.config import SourceConfig
from streamer.errors import USER_ERRORS, SourceError, StreamerError
from streamer.manifest import SavedSession
from streamer.perception import PerceptionConfig
from streamer.reasoning.reasoner import AnswerStream
from streamer.session import AUTOSAVE_SECONDS, Session, SessionConfig, SessionStats
from streamer.types import Frame, StatusKind, TextEvent
from ui.model_loader import ModelLoader
from ui.retire import Retired, stop_quietly
from ui.saved import autosave_name, free_name, offered_first, safe_name, saved_folder
from ui.search import search_timeline
from ui.uploads import UploadStore
from ui.watch_control import AppWatches

DEMO_CLIP = Path(__file__).resolve().parents[1] / "assets" / "demo.mp4"
# The demo plays on a loop until another source is picked: a page opened late still plays.
DEMO_LABEL = "demo clip, playing on a loop"
MIN_SPEED, MAX_SPEED = 0.5, 8.0  # replay speeds the page offers
MODEL_WAIT = 180.0  # seconds a start waits for the models still loading
LAG_POINTS = 600  # (stream time, lag) samples kept for the lag plot
NO_SESSION = (
    "Nothing is playing yet: press Start (the demo clip is ready) or reopen a saved session."
)
ENDED = ("finishing", "ended")  # states of a stream whose source has nothing more to play


def is_demo(source: str) -> bool:
    """The bundled demo clip (which always loops)."""
    return Path(source).resolve() == DEMO_CLIP.resolve()


@dataclass(frozen=True)
class StartRequest:
    """What to watch and how."""

    source: SourceConfig | str  # the picker's config, or a spec (path, URL, webcam:N, ...)
    label: str  # what the page calls it: "demo clip", "upload “talk.mp4”", ...
    speed: float = 1.0  # replay speed of a file (ignored by live sources)
    loop: bool = False
    memory: str = SessionConfig.memory  # the default strategy
    backend: str = "extractive"
    hide_path: bool = False  # replace the path by `label` in error messages (uploads)
    source_options: dict[str, Any] = field(default_factory=dict)  # --rtsp-transport, --max-attempts

    @property
    def spec(self) -> str:
        """The source in words (autosave folder names, messages)."""
        return self.source.spec if isinstance(self.source, SourceConfig) else self.source


STATUS_WORDS = {  # how the live view's status line says what the source reported
    StatusKind.RECONNECTING: "reconnecting: {message}",
    StatusKind.RECONNECTED: "reconnected: {message}",
    StatusKind.WARNING: "{message}",  # e.g. "No sound: ..." of a camera without its microphone
    StatusKind.ERROR: "source error: {message}",
    StatusKind.END_OF_STREAM: "end of stream: {message}",  # with the note of an early end
}


@dataclass(frozen=True)
class LiveState:
    """What the live view shows at one instant."""

    generation: int  # changes each time another session becomes current
    state: str  # loading|idle|running|paused|finishing|ended|stopped|error|reopened
    label: str  # what is being watched
    frame: Frame | None
    stats: SessionStats | None
    notice: str | None  # an app-wide message: models loading or failed, a stream error
    lag: tuple[tuple[float, float], ...]  # (stream time s, perception lag s), oldest first
    status: str | None = None  # the source's latest word: reconnecting, reconnected, ended


@dataclass(frozen=True)
class Asked:
    stream: AnswerStream
    generation: int  # the session that answers (for frame_at on its evidence)


class AppController:
    """Holds the current session; thread-safe; shared by every tab of the app."""

    def __init__(
        self,
        sessions_dir: Path,
        models: ModelLoader | None = None,
        uploads: UploadStore | None = None,
        device: str = "auto",
        language: str | None = None,
        autosave_seconds: float = AUTOSAVE_SECONDS,
    ) -> None:
        self.sessions_dir = Path(sessions_dir)
        self.device, self.language = device, language  # of every session started here
        self.autosave_seconds = autosave_seconds
        self.autosaves: set[str] = set()  # folders this app's sessions autosave into
        self.models = models or ModelLoader()
        self.uploads = uploads or UploadStore()
        self._control = threading.Lock()  # one start/stop/reopen/save at a time
        self._lock = threading.RLock()  # guards the fields below (held only briefly)
        self._session: Session | None = None
        self._label = ""
        self._generation = 0
        self._notice: str | None = None  # e.g. the demo clip failed to start at launch
        self._status: str | None = None  # the current source's latest status, in words
        self._lag: deque[tuple[float, float]] = deque(maxlen=LAG_POINTS)
        self._saved_as: dict[int, str] = {}  # generation -> folder name it was saved in
        self._retired = Retired()  # replaced sessions, stopping in the background
        self._autostart: threading.Thread | None = None  # the launch's start, while it runs
        self.watching = AppWatches(self._current_generation)  # watches, alerts, channels

    # -- control -------------------------------------------------------------------
    def start(self, req: StartRequest, model_wait: float = MODEL_WAIT) -> str:
        """Watch a new source; the current session keeps running if this one fails."""
        if not MIN_SPEED <= req.speed <= MAX_SPEED:
            raise StreamerError(f"Pick a speed between {MIN_SPEED}x and {MAX_SPEED}x.")
        models = self.models.get(model_wait)
        folder = autosave_name(req.label if req.hide_path else req.spec)
        if (self.sessions_dir / folder).exists():
            folder = free_name(self.sessions_dir, folder)
        config = SessionConfig(
            source=req.source,
            pace="realtime",
            speed=req.speed,
            loop=req.loop or is_demo(req.spec),
            memory=req.memory,
            backend=req.backend,
            device=self.device,
            perception=PerceptionConfig(language=self.language),
            save_dir=str(self.sessions_dir / folder),  # a killed app loses a few seconds
            autosave_seconds=self.autosave_seconds,
            source_options=dict(req.source_options),
        )
        with self._control:
            session = Session(config, models=models)
            self.watching.notify(session, folder)
            try:
                self.watching.carry(session, self._current())  # before its first event
                session.start()
            except USER_ERRORS as e:
                session.stop()
                self._forget_uploads()
                raise _reworded(e, req) from e
            self.autosaves.add(folder)
            old = self._replace(session, req.label)
            self.watching.carry(session, old)  # what changed while the source opened
            self._retired.add(old)
            self._forget_uploads()
        return f"Watching {req.label}."

    def start_in_background(self, req: StartRequest) -> threading.Thread:
        """Start once the models are loaded (the app's launch); a failure becomes the notice."""

        def run() -> None:
            try:
                self.start(req)
            except USER_ERRORS as e:
                with self._lock:
                    self._notice = str(e)

        thread = threading.Thread(target=run, name="ui-autostart", daemon=True)
        self._autostart = thread
        thread.start()
        return thread

    @property
    def starting(self) -> bool:
        """The launch's source is still being started (models loading): nothing to ask yet."""
        thread = self._autostart
        return thread is not None and thread.is_alive() and self._current() is None

    def pause(self) -> str:
        session = self._need_live()
        if self._state(session.stats()) in ENDED:
            raise StreamerError(
                "The stream has ended, so there is nothing to pause; ask about it, save it "
                "or press Start."
            )
        session.pause()
        if session.state != "paused":
            raise StreamerError(f"Nothing to pause: the stream is {session.state}.")
        return "Paused."

    def resume(self) -> str:
        session = self._need_live()
        if session.state != "paused":
            state = self._state(session.stats())
            word = "has ended" if state in ENDED else f"is {state}"
            raise StreamerError(f"Nothing to resume: the stream {word}, not paused.")
        session.resume()
        return "Playing."

    def stop(self) -> str:
        with self._control:
            session = self._need_live()
            session.stop()
        return "Stopped. You can still ask about what was seen, save it, or start again."

    def reopen(self, name: str) -> str:
        """Make a saved session current (read-only: ask about it, no source)."""
        folder = saved_folder(self.sessions_dir, name)
        models = self.models.get(MODEL_WAIT)
        with self._control:
            session = Session.open(folder, models=models)
            self._retired.add(self._replace(session, f"saved session “{folder.name}”"))
            with self._lock:
                self._saved_as[self._generation] = folder.name
            self._forget_uploads()
        notes = [n.replace(str(folder), f"“{folder.name}”") for n in session.notes]  # no paths
        return " ".join([f"Reopened {folder.name}: ask about it below.", *notes])

    def save(self, name: str | None = None) -> str:
        """Save the current session under the sessions directory; returns its folder name."""
        with self._control:
            with self._lock:
                session, generation = self._need(), self._generation
                previous = self._saved_as.get(generation)
            folder = safe_name(name or previous)
            if (self.sessions_dir / folder).exists() and previous != folder:
                folder = free_name(self.sessions_dir, folder)  # never mix two sessions
            session.save(self.sessions_dir / folder)
            with self._lock:
                self._saved_as[generation] = folder
        return folder

    def saved_sessions(self) -> list[SavedSession]:
        """Newest first, except that what an earlier run autosaved (a crash) comes first."""
        return offered_first(Session.saved(self.sessions_dir), self.autosaves)

    def close(self) -> None:
        """Stop the current session and remove imported uploads (the app's exit)."""
        with self._control:
            stop_quietly(self._replace(None, ""))
            self._retired.join()
        self.uploads.clear()

    # -- questions -----------------------------------------------------------------
    def ask(self, question: str, options: list[str] | None = None, wait: float = 0.0) -> Asked:
        """Ask the current session; raises QuestionError/BusyError/StreamerError.

        With `wait` > 0 a question asked while the launch's source is still
        starting waits up to `wait` s for it, then is asked of it.
        """
        thread = self._autostart
        if wait > 0 and thread is not None and self.starting:
            thread.join(wait)
            with self._lock:
                notice = self._notice
            if self._current() is None and notice:
                raise StreamerError(notice)
        with self._lock:
            session, generation = self._need(), self._generation
        return Asked(session.ask(question, options), generation)

    def frame_at(self, t: float, generation: int) -> Frame | None:
        """The moment `t` of the session that gave an answer (None: not available)."""
        with self._lock:
            session = self._session if generation == self._generation else None
        return session.frame_at(t) if session is not None else None

    # -- what the page shows -------------------------------------------------------
    def live(self) -> LiveState:
        with self._lock:
            session, label, generation = self._session, self._label, self._generation
            notice = self._notice
        stats = session.stats() if session is not None else None
        frame = session.latest_frame() if session is not None else None
        status = self._take_status(session, generation)
        if stats is not None:
            self._sample_lag(generation, stats)
        if notice is None and self.models.state == "failed":
            notice = self.models.error
        if notice is None and stats is not None and stats.error:
            notice = stats.error
        with self._lock:
            lag = tuple(self._lag) if generation == self._generation else ()
        state = self._state(stats)
        return LiveState(generation, state, label, frame, stats, notice, lag, status)

    def _take_status(self, session: Session | None, generation: int) -> str | None:
        """The newest status event of the source worth a word (drops are counted apart)."""
        events = session.status_events() if session is not None else []
        with self._lock:
            if generation != self._generation:
                return None
            for e in events:
                words = STATUS_WORDS.get(e.kind)
                if words is not None:
                    self._status = words.format(message=e.message).strip(": ")
            return self._status

    def backend(self) -> str | None:
        """The reasoning backend of the current session (None before any)."""
        session = self._current()
        return session.config.backend if session is not None else None

    def memory_snapshot(self) -> Any:
        """The current session's MemorySnapshot (None before any session)."""
        session = self._current()
        return session.memory_snapshot() if session is not None else None

    def timeline(self, text: str | None = None, k: int = 50) -> list[TextEvent]:
        """The timeline in time order, or for `text` its best matches (at most SEARCH_HITS)."""
        session = self._current()
        if session is None:
            return []
        if text and text.strip():
            return search_timeline(session, text.strip())
        return session.timeline_events()

    # -- internals -----------------------------------------------------------------
    def _current(self) -> Session | None:
        return self._current_generation()[0]

    def _current_generation(self) -> tuple[Session | None, int]:
        with self._lock:
            return self._session, self._generation

    def _need(self) -> Session:
        session = self._current()
        if session is None:
            raise StreamerError(NO_SESSION)
        return session

    def _need_live(self) -> Session:
        session = self._need()
        if session.source is None:
            raise StreamerError("A reopened session has no source to play; start one instead.")
        return session

    def _replace(self, session: Session | None, label: str) -> Session | None:
        with self._lock:
            old, self._session, self._label = self._session, session, label
            self._generation += 1
            self._lag.clear()
            self._notice = None
            self._status = None
        return old

    def _forget_uploads(self) -> None:
        session = self._current()
        source = session.config.source_spec if session is not None else None
        self.uploads.keep_only({Path(source)} if source else set())

    def _sample_lag(self, generation: int, stats: SessionStats) -> None:
        lag = getattr(stats.perception, "lag", None)
        with self._lock:
            if lag is None or generation != self._generation:
                return
            if not self._lag or stats.stream_time > self._lag[-1][0]:
                self._lag.append((stats.stream_time, float(lag)))

    def _state(self, stats: SessionStats | None) -> str:
        if stats is None:
            return "loading" if self.models.state == "loading" else "idle"
        if stats.state == "running" and stats.error:
            return "error"
        if stats.state == "running" and getattr(stats.perception, "ended", False):
            return "ended"
        if stats.state == "running" and stats.source is not None and stats.source.state == "ended":
            return "finishing"  # the source is done; perception is still catching up
        return stats.state


def _reworded(e: Exception, req: StartRequest) -> Exception:
    """An upload's error names the upload, not the app's generated path for it."""
    if not req.hide_path or req.spec not in str(e):
        return e
    text = str(e).replace(req.spec, req.label)
    return SourceError(text[:1].upper() + text[1:])
