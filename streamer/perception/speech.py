"""The speech worker: its own thread turns accepted audio into speech `TextEvent`s.

Accepted audio is never dropped (the queue is unbounded; the source's queue
policy decided what to accept). `flush()` hears everything accepted so far,
the sentence still being spoken as a draft that its whole later replaces (the
replay gate needs this before a question, and the segment goes on, so a replay
stopped at many questions hears what one that never stopped hears);
`close()` ends the stream. With `drafts` saying yes (a watch listens for words
in a stream that plays on), the open sentence is also heard as a draft after
each `DRAFT_EVERY_S` more of it, when the worker is not behind: a word is
known while the sentence goes on, not only after its pause.
Every wait here ends when the worker finishes, fails or stops, or when it has
made no progress for `STALL_S`.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from models.protocols import SpeechSegment
from streamer.capture.base import JOIN_TIMEOUT
from streamer.perception.config import Transcriber
from streamer.perception.stats import StatsBook
from streamer.types import AudioChunk, TextEvent

EXIT_WAIT_S = 30.0  # at interpreter exit: how long a transcription still running may finish
STALL_S = 120.0  # seconds without one finished item: a Whisper call on a 15 s segment takes ~2 s
SLICE_S = 0.1  # seconds between checks while waiting
DRAFT_EVERY_S = 1.0  # seconds of more open speech between two drafts of it
DRAFT_BACKLOG = 2  # audio chunks waiting (0.2 s each from files): more and no draft is heard
# a draft may hold the whole sentence back by one recogniser call: drafts are heard only while
# a call costs at most this much stream time at the rate audio arrives (Whisper base ~1.5 s a
# call on 2 busy cores: drafts at 1x, none at 4x, where they held finished sentences back)
DRAFT_MAX_DELAY_S = 2.0

log = logging.getLogger("streamer")


@dataclass
class _Flush:
    """Hear the segment in progress as a draft now; `done` is set once it is."""

    done: threading.Event = field(default_factory=threading.Event)


_END = None  # the last item: flush, then the thread ends
_Item = AudioChunk | _Flush | None
_BUSY: set[int] = set()  # ids of the workers inside a transcription now


@atexit.register
def _let_transcriptions_finish() -> None:
    """A worker may still be inside Whisper when the program ends; the interpreter tearing
    down under native code aborts the process, so the transcriptions under way may finish
    (bounded; a worker waiting for audio is not waited for)."""
    deadline = time.monotonic() + EXIT_WAIT_S
    while _BUSY and time.monotonic() < deadline:
        time.sleep(SLICE_S / 2)


class SpeechWorker:
    """Audio chunks in (any thread), speech events out (to `on_text`, from its own thread)."""

    def __init__(
        self,
        transcriber: Transcriber,
        on_text: Callable[[TextEvent], None],
        book: StatsBook,
        stop: threading.Event,
        drafts: Callable[[], bool] | None = None,
    ) -> None:
        self._transcriber, self._on_text, self._book, self._stop = transcriber, on_text, book, stop
        self._drafts = drafts  # asked after each chunk: hear the open sentence as it goes?
        self._draft_start: int | None = None  # first sample of the sentence drafted last
        self._drafted = 0.0  # seconds of it that draft heard
        self._call_s: float | None = None  # wall seconds of the last recogniser call
        self._arrivals: deque[tuple[float, float]] = deque(maxlen=50)  # (wall, chunk end)
        self._queue: queue.Queue[_Item] = queue.Queue()  # unbounded: accepted audio is kept
        self._thread = threading.Thread(target=self._run, name="perception-speech", daemon=True)
        self._progress = time.monotonic()  # when the worker last finished an item
        self._failed = False

    def start(self) -> None:
        self._progress = time.monotonic()
        self._thread.start()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def accept(self, chunk: AudioChunk) -> None:
        if not self._failed:
            self._arrivals.append((time.monotonic(), chunk.end))
            self._queue.put(chunk)

    def flush(self) -> None:
        """Transcribe everything accepted so far, the open segment as a draft (bounded wait)."""
        marker = _Flush()
        self._queue.put(marker)
        self._wait(marker.done.is_set)

    def close(self) -> None:
        """End of stream: transcribe the rest, then the thread ends (bounded wait)."""
        self._queue.put(_END)
        self._wait(lambda: not self._thread.is_alive())

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Stopped by the user (the shared stop event is set): the backlog is not wanted."""
        self._queue.put(_END)
        if self._thread.ident is not None:
            self._thread.join(timeout)

    def _wait(self, done: Callable[[], bool]) -> None:
        since = time.monotonic()
        while not done():
            if self._thread.ident is None or not self._thread.is_alive() or self._stop.is_set():
                return
            if time.monotonic() - max(self._progress, since) > STALL_S:
                self._fail(f"Speech recognition made no progress for {STALL_S:.0f} s.")
                return
            time.sleep(SLICE_S)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                item = self._queue.get()
                if self._stop.is_set():
                    return  # stopped: the backlog is not wanted any more
                _BUSY.add(id(self))
                try:
                    self._handle(item)
                finally:
                    _BUSY.discard(id(self))
                self._progress = time.monotonic()
                if item is _END:
                    return
        except Exception as e:
            log.debug("speech recognition failed", exc_info=True)
            self._fail(f"Speech recognition failed ({type(e).__name__}: {e}).")
        finally:
            self._release_flushes()

    def _handle(self, item: _Item) -> None:
        t = time.perf_counter()
        if isinstance(item, AudioChunk):
            segments = self._transcriber.accept(item.t, item.samples)
            if segments:  # a sentence was read whole: what a call costs now
                self._call_s = time.perf_counter() - t
            elif self._draft_due():
                called = time.perf_counter()
                segments = self._transcriber.hear_open()
                self._call_s = time.perf_counter() - called
                self._book.count(speech_drafts=1)
        else:
            segments = self._transcriber.flush() if item is _END else self._transcriber.hear_open()
        self._book.time("speech", time.perf_counter() - t, int(isinstance(item, AudioChunk)))
        self._emit(segments)
        if isinstance(item, _Flush):
            item.done.set()

    def _draft_due(self) -> bool:
        """Hear the open sentence now: drafts wanted, it is still being spoken (not in a
        pause: its whole may come next), DRAFT_EVERY_S more of it, the worker not behind,
        the language known, a recogniser call not costing over DRAFT_MAX_DELAY_S of stream."""
        if self._drafts is None or self._queue.qsize() > DRAFT_BACKLOG or not self._drafts():
            return False
        if self._call_s is not None and self._call_s * self._arrival_rate() > DRAFT_MAX_DELAY_S:
            return False
        speaking = self._transcriber.speaking()
        if speaking is None or not self._transcriber.language_known:
            return False
        start, heard = speaking
        if start != self._draft_start:  # a new sentence
            self._draft_start, self._drafted = start, 0.0
        if heard - self._drafted < DRAFT_EVERY_S:
            return False
        self._drafted = heard
        return True

    def _arrival_rate(self) -> float:
        """Stream seconds of audio arriving per wall second, over the last chunks (1 if unknown)."""
        if len(self._arrivals) < 2:
            return 1.0
        (w0, t0), (w1, t1) = self._arrivals[0], self._arrivals[-1]
        return (t1 - t0) / (w1 - w0) if w1 > w0 else 1.0

    def _emit(self, segments: list[SpeechSegment]) -> None:
        for s in segments:
            if s.text.strip():
                text, end = s.text.strip(), max(s.end, s.start)
                self._on_text(TextEvent("speech", text, s.start, end, s.confidence))
                self._book.count(text_events=1)

    def _fail(self, error: str) -> None:
        self._failed = True
        self._book.fail(error)

    def _release_flushes(self) -> None:
        """The thread is ending: nobody must wait on a flush it will never do."""
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if isinstance(item, _Flush):
                item.done.set()
