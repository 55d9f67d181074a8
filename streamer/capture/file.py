"""A local file or a URL (http, https, rtsp, rtmp, hls) decoded with PyAV.

Video frames come out as RGB arrays, the audio track resampled to 16 kHz mono
float32; both carry stream times from the container's pts.

`pace="none"` reads as fast as the consumer takes (WAIT policy: nothing is ever
dropped); `pace="realtime"` plays at the file's own speed times `speed`, as if
live (DROP_OLDEST policy).
"""

from __future__ import annotations

import errno
import math
import os
import time
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.capture.base import Source
from streamer.capture.queue import Policy, StreamQueue
from streamer.capture.urls import NETWORK_FAILURE, target
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.manifest import MANIFEST_FILE
from streamer.timeref import format_clock
from streamer.types import AudioChunk, Frame

AUDIO_CHUNK_SAMPLES = 3200  # 0.2 s at 16 kHz: small enough for VAD, few enough for the queue
OPEN_TIMEOUT = 10.0  # seconds to open a network stream before giving up
READ_TIMEOUT = 10.0  # seconds without data from a network stream before giving up
PACES = ("none", "realtime")
MAX_DAMAGED_PACKETS = 50  # undecodable packets before the first frame: not a playable file
END_SLACK = 1.0  # seconds: a damaged file that stops this close to its length ends normally


@dataclass
class _Pass:
    """State of one pass over the file (a loop makes several)."""

    offset: float  # added to every stream time, so looping stays monotonic
    next_sample: float  # stream time of the next frame to keep when sampling
    audio_t0: float | None = None  # stream time of the first resampled sample
    audio_sent: int = 0  # samples emitted in this pass
    end: float = 0.0  # stream time just after the last item of this pass
    damaged: int = 0  # packets that could not be decoded or read in this pass
    cut_off: str = ""  # why a network stream stopped delivering in this pass ("" if it did not)


class FileSource(Source):
    """Frames and audio from a file or URL, with stream times from the container's pts."""

    def __init__(
        self,
        path: str,
        *,
        pace: str = "none",
        speed: float = 1.0,
        start: float = 0.0,
        fps: float | None = None,
        loop: bool = False,
        video: bool = True,
        audio: bool = True,
        max_side: int | None = None,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        if pace not in PACES:
            raise ValueError(f"pace must be one of {PACES}, not {pace!r}")
        if speed <= 0 or (fps is not None and fps <= 0) or start < 0:
            raise ValueError("speed and fps must be positive and start non-negative")
        policy = Policy.WAIT if pace == "none" else Policy.DROP_OLDEST
        super().__init__(policy=policy, clock=clock, queue=queue)
        self.path = str(path)
        self._target = target(self.path)  # refuses what FFmpeg must not open
        self.pace, self.speed, self.start_at, self.fps = pace, speed, float(start), fps
        self.loop, self.want_video, self.want_audio, self.max_side = loop, video, audio, max_side
        self.duration: float | None = None  # seconds, when the container knows it
        self._container: Any = None
        self._vstream: Any = None
        self._astream: Any = None
        self._origin = 0.0
        self._pace_t0: float | None = None  # clock time of stream time 0 (realtime pace)
        self._seq = 0
        self._noted = False  # "ends early" was said (once, even when looping)

    @property
    def name(self) -> str:
        return f"FileSource({os.path.basename(self.path) or self.path})"

    # -- open ----------------------------------------------------------------------
    def _open(self) -> None:
        url = self._target.network
        if not url:
            _check_local_file(self.path)
        try:
            self._container = av.open(
                self._target.url,
                options=dict(self._target.options),
                timeout=(OPEN_TIMEOUT, READ_TIMEOUT) if url else None,
            )
        except (av.error.FFmpegError, OSError) as e:
            if url:  # the same words for a closed port, a wrong server or an unknown host
                raise SourceError(NETWORK_FAILURE) from e
            if not isinstance(e, av.error.InvalidDataError):
                raise SourceError(f"Cannot open {self.path}: {_reason(e)}.") from e
            raise SourceError(
                f"{self.path} is not a video or audio file that can be decoded "
                "(invalid or truncated data); check the file."
            ) from e
        c = self._container
        self._vstream = c.streams.video[0] if self.want_video and c.streams.video else None
        self._astream = c.streams.audio[0] if self.want_audio and c.streams.audio else None
        if self._vstream is None and self._astream is None:
            c.close()
            raise SourceError(f"{self.path} has no video or audio stream to play.")
        for s in (self._vstream, self._astream):
            if s is not None and s.codec_context is None:
                c.close()
                raise SourceError(
                    f"{self.path}: the {s.type} codec is not supported; "
                    "convert the file (for example to H.264/AAC mp4)."
                )
        self._origin = (c.start_time or 0) / av.time_base
        self.duration = c.duration / av.time_base if c.duration else None
        if self._vstream is not None:
            v = self._vstream
            w, h = _scaled(v.codec_context.width, v.codec_context.height, self.max_side)
            rate = v.average_rate or v.guessed_rate or 0
            self._frame_period = float(1 / rate) if rate else 0.0
            self._set(width=w, height=h, fps=float(self.fps or rate or 0.0))
        if self.duration is not None:
            self._set(extra={"duration": self.duration})

    def _close(self) -> None:
        if self._container is not None:
            self._container.close()

    # -- run -----------------------------------------------------------------------
    def _run(self) -> str:
        offset = 0.0
        while not self.stop_event.is_set():
            p = _Pass(offset=offset, next_sample=self.start_at + offset)
            self._seek(self.start_at)
            if not self._play(p) or not self.loop:
                break
            if p.end <= offset:  # nothing decoded in a whole pass: looping would spin
                break
            offset = p.end
        return "stopped" if self.stop_event.is_set() else "end"

    def _seek(self, t: float) -> None:
        if t <= 0 and self._seq == 0 and self._pace_t0 is None:
            return  # a fresh container is already at the start
        try:
            self._container.seek(int((t + self._origin) * av.time_base), backward=True)
        except (av.error.FFmpegError, OSError) as e:
            raise SourceError(
                f"Cannot seek in {self.path}: {_reason(e)}; play it from the start instead."
            ) from e

    def _play(self, p: _Pass) -> bool:
        """Decode one pass. Returns False if stopped."""
        streams = [s for s in (self._vstream, self._astream) if s is not None]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        pending: list[np.ndarray] = []
        try:
            for packet in self._container.demux(*streams):
                for frame in self._decode(packet, p):
                    if self.stop_event.is_set():
                        return False
                    if isinstance(frame, av.VideoFrame):
                        if not self._video(frame, p):
                            return False
                    elif not self._audio(resampler.resample(frame), p, pending, flush=False):
                        return False
        except av.error.EOFError:
            pass
        except (av.error.FFmpegError, OSError) as e:
            self._read_failed(e, p)
        if self._astream is not None and not self._audio(
            resampler.resample(None), p, pending, flush=True
        ):
            return False
        if p.damaged and p.end <= p.offset:
            raise SourceError(self._cannot_decode("no packet could be decoded"))
        if p.cut_off:
            self._stopped_early(p)
        elif p.damaged:
            self._ends_early(p)
        return True

    def _decode(self, packet: Any, p: _Pass) -> list[Any]:
        """The packet's frames; none for a damaged packet (the rest of the file may be fine)."""
        try:
            frames: list[Any] = packet.decode()
        except av.error.InvalidDataError as e:
            p.damaged += 1
            if p.end <= p.offset and p.damaged >= MAX_DAMAGED_PACKETS:
                raise SourceError(self._cannot_decode(_reason(e))) from e  # nothing decodable
            return []
        return frames

    def _read_failed(self, e: BaseException, p: _Pass) -> None:
        """A read error ends the pass where it is if something was decoded, else is raised."""
        if p.end > p.offset:
            if self._target.network:  # something was seen: keep it, say where and why it stopped
                p.cut_off = _why_stopped(e)
                return
            if not self._target.network:
                p.damaged += 1  # a damaged or cut file: keep what was read before
                return
        raise SourceError(self._cannot_decode(_reason(e))) from e

    def _cannot_decode(self, reason: str) -> str:
        if self._target.network:
            return NETWORK_FAILURE
        return (
            f"Cannot decode {self.path}: {reason}; "
            "the file may be truncated or use an unsupported codec."
        )

    def _ends_early(self, p: _Pass) -> None:
        """Say once that a damaged file stops before its stated length."""
        end = p.end - p.offset
        if self._noted or (self.duration is not None and end >= self.duration - END_SLACK):
            return
        self._noted = True
        length = f" of {format_clock(self.duration)}" if self.duration else ""
        self._warn(
            f"{os.path.basename(self.path)} ends early at {format_clock(end)}{length}: "
            "the rest of the file is damaged or missing, so what came before it was kept.",
            p.end,
        )

    def _stopped_early(self, p: _Pass) -> None:
        """Say once where and why a network stream stopped, unless it reached its stated end."""
        end = p.end - p.offset
        if self.duration is None and p.cut_off == LOST:
            return  # a live HTTP stream without a length ends with EIO: that is its end
        if self._noted or (self.duration is not None and end >= self.duration - END_SLACK):
            return
        self._noted = True
        length = f" of {format_clock(self.duration)}" if self.duration else ""
        self._warn(
            f"The stream stopped at {format_clock(end)}{length} ({p.cut_off}); "
            "what came before it was kept.",
            p.end,
        )

    def _video(self, frame: Any, p: _Pass) -> bool:
        if frame.time is None:
            return True
        t = frame.time - self._origin + p.offset
        rate = self._vstream.average_rate or 25
        p.end = max(p.end, t + float(1 / rate))
        if t < self.start_at + p.offset - 1e-6:
            return True  # decoded on the way from the keyframe to the seek target
        if self.fps is not None:
            if t < p.next_sample - 1e-6:
                return True
            period = 1.0 / self.fps
            p.next_sample = (
                p.offset
                + self.start_at
                + (math.floor((t - p.offset - self.start_at) / period + 1e-6) + 1) * period
            )
        w, h = _scaled(frame.width, frame.height, self.max_side)
        if (w, h) != (frame.width, frame.height):
            frame = frame.reformat(width=w, height=h)
        image = frame.to_ndarray(format="rgb24")
        if not self._pace(t):
            return False
        item = Frame(t=t, wall=self._wall(), seq=self._seq, image=image)
        self._seq += 1
        return self._emit(item)

    def _audio(self, frames: list[Any], p: _Pass, pending: list[np.ndarray], flush: bool) -> bool:
        for f in frames:
            if p.audio_t0 is None and f.time is not None:
                p.audio_t0 = f.time - self._origin + p.offset
            pending.append(f.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        n = sum(len(x) for x in pending)
        if n < AUDIO_CHUNK_SAMPLES and not (flush and n):
            return True
        samples = np.concatenate(pending)
        pending.clear()
        start = self.start_at + p.offset
        t = (p.audio_t0 if p.audio_t0 is not None else start) + p.audio_sent / SAMPLE_RATE
        p.audio_sent += len(samples)
        if t < start:  # audio decoded between the keyframe and the seek target
            cut = min(len(samples), int(round((start - t) * SAMPLE_RATE)))
            samples, t = samples[cut:], t + cut / SAMPLE_RATE
            if not len(samples):
                return True
        p.end = max(p.end, t + len(samples) / SAMPLE_RATE)
        if not self._pace(t):
            return False
        return self._emit(AudioChunk(t=t, sample_rate=SAMPLE_RATE, samples=samples))

    def _pace(self, t: float) -> bool:
        """Realtime pace: wait until stream time `t` is due. False if stopped."""
        paused = self._wait_while_paused()
        if self.pace == "none":
            return not self.stop_event.is_set()
        if self._pace_t0 is not None:
            self._pace_t0 += paused  # a pause shifts the schedule instead of skipping ahead
        if self._pace_t0 is None:
            self._pace_t0 = self.clock.now() - t / self.speed
        delay = self._pace_t0 + t / self.speed - self.clock.now()
        return not self.clock.sleep(delay, self.stop_event)

    def _wall(self) -> float:
        return time.time()


def _check_local_file(path: str) -> None:
    if not os.path.exists(path):
        raise SourceError(f"File not found: {path}; check the path.")
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, MANIFEST_FILE)):
            raise SourceError(
                f"{path} is a saved session, not a video file; reopen it from the app's "
                f"Sessions tab or ask it with `ask {path}`."
            )
        raise SourceError(
            f"{path} is a folder and not a saved session (it has no {MANIFEST_FILE}); "
            "pick a video file, or a folder a session was saved in."
        )
    if os.path.getsize(path) == 0:
        raise SourceError(f"{path} is empty (0 bytes); pick another file.")


def _scaled(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)


STALLED = f"the server sent nothing for {READ_TIMEOUT:.0f} s"
LOST = "the connection was lost"


def _why_stopped(e: BaseException) -> str:
    """Why a network read failed, in a few words: a stall (the read timed out) or a loss."""
    timed_out = getattr(e, "errno", 0) == errno.ETIMEDOUT
    if isinstance(e, (av.error.ExitError, TimeoutError)) or timed_out:
        return STALLED  # PyAV's read timeout interrupts the read: FFmpeg's "immediate exit"
    return LOST


def _reason(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return str(text).rstrip(".")
