"""A bounded queue between a capture thread and its consumer, with an explicit policy.

- WAIT: back-pressure. `put` blocks while full; nothing is ever dropped. For files
  read as fast as the consumer takes them (`pace="none"`: evaluation, indexing).
- DROP_OLDEST: `put` never blocks; when full, the oldest item of the same kind is
  dropped and counted. For live devices and real-time replays, where falling behind
  must not grow a backlog.

Frames and audio are held in two deques with their own bounds (a frame is ~1 MB,
a chunk of audio ~6 KB) and handed out in stream-time order.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator

from streamer.types import AudioChunk, EndOfStream, Frame, Policy, StreamItem

DEFAULT_MAX_FRAMES = 32  # ~1 s of 30 fps video; ~88 MB at 720p RGB
DEFAULT_MAX_AUDIO_SECONDS = 30.0  # audio is cheap: 30 s of 16 kHz float32 is 1.9 MB


class StreamQueue:
    """Bounded frames + audio queue; the end marker is always delivered last."""

    def __init__(
        self,
        policy: Policy,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_audio_seconds: float = DEFAULT_MAX_AUDIO_SECONDS,
        on_drop: Callable[[Frame | AudioChunk], None] | None = None,
    ) -> None:
        if max_frames < 1 or max_audio_seconds <= 0:
            raise ValueError("queue bounds must be positive")
        self.policy = policy
        self.max_frames = max_frames
        self.max_audio_seconds = max_audio_seconds
        self._on_drop = on_drop
        self._frames: deque[Frame] = deque()
        self._audio: deque[AudioChunk] = deque()
        self._audio_seconds = 0.0
        self._end: EndOfStream | None = None
        self._end_taken = False
        self._cond = threading.Condition()
        self.dropped_frames = 0
        self.dropped_audio_seconds = 0.0

    # -- producer side -------------------------------------------------------------
    def put(self, item: Frame | AudioChunk, stop: threading.Event | None = None) -> bool:
        """Add an item. Returns False if `stop` was set while waiting (item not added)."""
        with self._cond:
            if self.policy is Policy.WAIT:
                while self._full(item) and not (stop is not None and stop.is_set()):
                    self._cond.wait(0.05)
                if stop is not None and stop.is_set() and self._full(item):
                    return False
            else:
                while self._full(item):
                    self._drop_oldest(item)
            if isinstance(item, Frame):
                self._frames.append(item)
            else:
                self._audio.append(item)
                self._audio_seconds += item.duration
            self._cond.notify_all()
            return True

    def close(self, marker: EndOfStream) -> None:
        """Send the end marker. Never blocks; later puts are still accepted but follow it."""
        with self._cond:
            if self._end is None:
                self._end = marker
            self._cond.notify_all()

    def _full(self, item: Frame | AudioChunk) -> bool:
        if isinstance(item, Frame):
            return len(self._frames) >= self.max_frames
        # one chunk is always accepted into an empty audio deque, whatever its length
        return bool(self._audio) and self._audio_seconds + item.duration > self.max_audio_seconds

    def _drop_oldest(self, item: Frame | AudioChunk) -> None:
        dropped: Frame | AudioChunk
        if isinstance(item, Frame):
            dropped = self._frames.popleft()
            self.dropped_frames += 1
        else:
            dropped = self._audio.popleft()
            self._audio_seconds -= dropped.duration
            self.dropped_audio_seconds += dropped.duration
        if self._on_drop is not None:
            self._on_drop(dropped)

    # -- consumer side -------------------------------------------------------------
    def get(self, timeout: float | None = None) -> StreamItem | None:
        """Next item in stream-time order, the end marker once drained, or None on timeout."""
        with self._cond:
            if not self._cond.wait_for(self._ready, timeout):
                return None
            item = self._pop()
            self._cond.notify_all()
            return item

    def _ready(self) -> bool:
        return bool(self._frames or self._audio) or (self._end is not None and not self._end_taken)

    def _pop(self) -> StreamItem:
        if self._frames and (not self._audio or self._frames[0].t <= self._audio[0].t):
            return self._frames.popleft()
        if self._audio:
            chunk = self._audio.popleft()
            self._audio_seconds -= chunk.duration
            return chunk
        assert self._end is not None
        self._end_taken = True
        return self._end

    def __iter__(self) -> Iterator[StreamItem]:
        """Items until (and including) the end marker."""
        while True:
            item = self.get(timeout=0.1)
            if item is None:
                continue
            yield item
            if isinstance(item, EndOfStream):
                return

    def __len__(self) -> int:
        with self._cond:
            return len(self._frames) + len(self._audio)
