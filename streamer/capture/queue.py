"""The bounded queue between a capture thread and its consumer (`streamer.bounded`).

- WAIT: back-pressure. `put` blocks while full; nothing is ever dropped. For files
  read as fast as the consumer takes them (`pace="none"`: evaluation, indexing).
- DROP_OLDEST: `put` never blocks; when full, the oldest item of the same kind is
  dropped and counted. For live devices and real-time replays, where falling behind
  must not grow a backlog.

Frames and audio are held in two lanes with their own bounds (a frame is ~1 MB,
a chunk of audio ~6 KB) and handed out in stream-time order.
"""

from __future__ import annotations

from collections.abc import Callable

from streamer.bounded import BoundedQueue, Lane
from streamer.types import AudioChunk, Frame, Policy

DEFAULT_MAX_FRAMES = 32  # ~1 s of 30 fps video; ~88 MB at 720p RGB
DEFAULT_MAX_AUDIO_SECONDS = 30.0  # audio is cheap: 30 s of 16 kHz float32 is 1.9 MB


def _one(item: Frame | AudioChunk) -> float:
    return 1.0  # frames are bounded by count


def _seconds(item: Frame | AudioChunk) -> float:
    return item.duration if isinstance(item, AudioChunk) else 0.0  # audio by its length


class StreamQueue(BoundedQueue[Frame | AudioChunk]):
    """Bounded frames + audio queue; the end marker is always delivered last."""

    def __init__(
        self,
        policy: Policy,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_audio_seconds: float = DEFAULT_MAX_AUDIO_SECONDS,
        on_drop: Callable[[Frame | AudioChunk], None] | None = None,
    ) -> None:
        self._frames: Lane[Frame | AudioChunk] = Lane(max_frames, _one)
        self._audio: Lane[Frame | AudioChunk] = Lane(max_audio_seconds, _seconds)
        super().__init__(policy, (self._frames, self._audio), on_drop)

    @property
    def max_frames(self) -> int:
        return int(self._frames.capacity)

    @max_frames.setter
    def max_frames(self, n: int) -> None:
        self._frames.capacity = n

    @property
    def max_audio_seconds(self) -> float:
        return self._audio.capacity

    @property
    def dropped_frames(self) -> int:
        return self._frames.dropped

    @property
    def dropped_audio_seconds(self) -> float:
        return self._audio.dropped_weight

    def _lane(self, item: Frame | AudioChunk) -> Lane[Frame | AudioChunk]:
        return self._frames if isinstance(item, Frame) else self._audio

    def _next(self) -> Lane[Frame | AudioChunk] | None:
        """The earlier of the two heads in stream time (a frame on a tie)."""
        frames, audio = self._frames.items, self._audio.items
        if frames and (not audio or frames[0].t <= audio[0].t):
            return self._frames
        return self._audio if audio else None
