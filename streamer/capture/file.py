"""A local file or a URL (http, https, rtsp, rtmp, hls) decoded with PyAV.

Video frames come out as RGB arrays, the audio track resampled to 16 kHz mono
float32; both carry stream times from the container's pts.

Its settings are a `FileConfig` (config.py). `pace="none"` reads as fast as the
consumer takes (WAIT policy: nothing is ever dropped); `pace="realtime"` plays at
the file's own speed times `speed`, as if live (DROP_OLDEST policy).
"""

from __future__ import annotations

import contextlib
import math
import os
import time
from typing import Any

import av
import numpy as np

from models.protocols import SAMPLE_RATE
from streamer.capture.base import Source
from streamer.capture.config import FileConfig
from streamer.capture.playback import (
    LOST,
    Pass,
    check_local_file,
    ends_early_note,
    error_words,
    scaled,
    stopped_note,
    why_stopped,
)
from streamer.capture.queue import StreamQueue
from streamer.capture.redial import Redial
from streamer.capture.rotation import first_frame_rotation, quarter_turned, upright_rgb
from streamer.capture.urls import NETWORK_FAILURE, target
from streamer.clock import Clock
from streamer.errors import SourceError
from streamer.timeref import format_clock
from streamer.types import AudioChunk, Frame, Policy, StatusKind

AUDIO_CHUNK_SAMPLES = 3200  # 0.2 s at 16 kHz: small enough for VAD, few enough for the queue
OPEN_TIMEOUT = 10.0  # seconds to open a network stream before giving up
READ_TIMEOUT = 10.0  # seconds without data from a network stream before giving up
MAX_DAMAGED_PACKETS = 50  # undecodable packets before the first frame: not a playable file
END_SLACK = 1.0  # seconds: a damaged file that stops this close to its length ends normally
# Seconds before the cut a resume seeks to: HLS seeks to the first keyframe after the
# target, so this must cover a keyframe interval (x264's default: 250 frames, 10 s at 25 fps).
RESUME_BACK = 10.0


class FileSource(Source):
    """Frames and audio from a file or URL, with stream times from the container's pts."""

    def __init__(
        self,
        config: FileConfig,
        *,
        clock: Clock | None = None,
        queue: StreamQueue | None = None,
    ) -> None:
        super().__init__(policy=Policy.for_pace(config.pace), clock=clock, queue=queue)
        self.config = config
        self.path = str(config.path)
        self._target = target(self.path, config.rtsp_transport)  # refuses what FFmpeg must not open
        self._redial = Redial(
            self.clock,
            self.stop_event,
            max_attempts=config.max_attempts,
            max_backoff=config.max_backoff,
        )
        self._last_item = 0.0  # clock time of the last item put on the queue
        self.pace, self.speed, self.fps = config.pace, config.speed, config.fps
        self.start_at = float(config.start)
        self.loop, self.want_video, self.want_audio = config.loop, config.video, config.audio
        self.max_side = config.max_side
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
        if not self._target.network:
            check_local_file(self.path)
        self._open_container()

    def _open_container(self) -> None:
        url = self._target.network
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
                raise SourceError(f"Cannot open {self.path}: {error_words(e)}.") from e
            raise SourceError(
                f"{self.path} is not a video or audio file that can be decoded "
                "(invalid or truncated data); check the file."
            ) from e
        self._pick_streams()

    def _pick_streams(self) -> None:
        """The streams to decode, where the stream's clock starts, its size and length."""
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
            w, h = scaled(v.codec_context.width, v.codec_context.height, self.max_side)
            if not self._target.network:  # a stream's turn is known from its first frame
                if quarter_turned(first_frame_rotation(self._target.url, self._target.options)):
                    w, h = h, w  # the size as shown: a phone's portrait clip is portrait
            rate = v.average_rate or v.guessed_rate or 0
            self._frame_period = float(1 / rate) if rate else 0.0
            self._set(width=w, height=h, fps=float(self.fps or rate or 0.0))
        if self.duration is not None:
            self._set(duration=self.duration)

    def _close(self) -> None:
        if self._container is not None:
            with contextlib.suppress(av.error.FFmpegError, OSError):  # a dead connection
                self._container.close()
            self._container = None

    # -- run -----------------------------------------------------------------------
    def _run(self) -> str:
        p: Pass | None = self._pass(0.0)
        while p is not None and not self.stop_event.is_set():
            if not self._play(p):
                break
            if p.cut_off:
                p = self._reconnected(p)
            elif self.loop and p.end > p.offset:  # a pass with nothing decoded would spin
                p = self._pass(p.end)
            else:
                break
        return "stopped" if self.stop_event.is_set() else "end"

    def _pass(self, offset: float) -> Pass:
        """A pass from `start`, its times shifted by `offset` (the loops before it)."""
        start = self.start_at + offset
        self._seek(self.start_at)
        return Pass(offset, next_sample=start, video_from=start, audio_from=start)

    def _reconnected(self, cut: Pass) -> Pass | None:
        """Reopen a network stream that stopped, and the pass that goes on from where it was.

        None when it did not come back (or it is not a network stream): the end, with a note.
        """
        if not self._target.network:
            return None
        if cut.emitted:
            self._redial.flowing()
        self._set(state="reconnecting")
        where = format_clock(self._where(cut))
        self._event(StatusKind.RECONNECTING, cut.end, f"stopped at {where} ({cut.cut_off})")
        if not self._redial.reopen(self._reopen):
            if not self.stop_event.is_set():
                self._stopped_early(cut, self._redial.failures)
            return None
        gap = self.clock.now() - self._last_item
        with self._lock:
            self._stats.reconnects += 1
            self._stats.gap_seconds += gap
            self._stats.state = "running"
        self._event(StatusKind.RECONNECTED, cut.end, f"back after {gap:.1f} s")
        return self._resume(cut, gap)

    def _resume(self, cut: Pass, gap: float) -> Pass:
        """The pass after a reconnect: a file goes on where it was, a live stream after the gap."""
        if self.duration is None:  # live: it went on without us; its clock may have restarted
            offset = cut.end + gap  # end=offset: a pass cut before any frame keeps its place
            return Pass(
                offset, offset, end=offset, video_from=offset, audio_from=offset, resumed=True
            )
        if self._pace_t0 is not None:
            self._pace_t0 += gap  # the outage is not made up for by playing fast
        t = cut.audio_to if self._vstream is None else min(cut.video_to, cut.end)
        if self._astream is not None and self._vstream is not None:
            t = min(t, cut.audio_to)
        with contextlib.suppress(SourceError):  # unseekable: decoded again from the start
            self._seek(max(0.0, t - cut.offset - RESUME_BACK))
        return Pass(
            cut.offset,
            cut.next_sample,
            end=cut.end,
            video_from=cut.video_to + 1e-3,  # frames are at least 1 ms apart
            audio_from=cut.audio_to,
            video_to=cut.video_to,
            audio_to=cut.audio_to,
            resumed=True,
        )

    def _reopen(self) -> None:
        """One attempt: the same URL opened again (SourceError if it fails)."""
        self._close()
        self._open_container()

    def _emit(self, item: Frame | AudioChunk) -> bool:
        if not super()._emit(item):
            return False
        self._last_item = self.clock.now()
        return True

    def _seek(self, t: float) -> None:
        if t <= 0 and self._seq == 0 and self._pace_t0 is None:
            return  # a fresh container is already at the start
        try:
            self._container.seek(int((t + self._origin) * av.time_base), backward=True)
        except (av.error.FFmpegError, OSError) as e:
            raise SourceError(
                f"Cannot seek in {self.path}: {error_words(e)}; play it from the start instead."
            ) from e

    def _play(self, p: Pass) -> bool:
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
        if p.damaged and not p.seen:
            raise SourceError(self._cannot_decode("no packet could be decoded"))
        if self._target.network and not p.cut_off and p.seen and self._short(p):
            # HLS skips segments it cannot fetch to the end; RTSP ends cleanly when its server
            # goes: short of a stated length, or with none (live), a stream's end is a cut
            p.cut_off = LOST
        if p.damaged and not p.cut_off:
            self._ends_early(p)
        return True

    def _where(self, p: Pass) -> float:
        """Where a pass stopped: in the file (a loop starts it again), or in the live stream."""
        return p.end - p.offset if self.duration is not None else p.end

    def _short(self, p: Pass) -> bool:
        """The pass stopped before the stream's stated length, or the stream states none."""
        return self.duration is None or p.end - p.offset < self.duration - END_SLACK

    def _decode(self, packet: Any, p: Pass) -> list[Any]:
        """The packet's frames; none for a damaged packet (the rest of the file may be fine)."""
        try:
            frames: list[Any] = packet.decode()
        except av.error.InvalidDataError as e:
            p.damaged += 1
            if not p.seen and p.damaged >= MAX_DAMAGED_PACKETS:
                raise SourceError(self._cannot_decode(error_words(e))) from e  # nothing decodable
            return []
        return frames

    def _read_failed(self, e: BaseException, p: Pass) -> None:
        """A read error ends the pass where it is if something was decoded, else is raised."""
        if p.seen:
            if self._target.network:  # something was seen: keep it, say where and why it stopped
                p.cut_off = why_stopped(e, READ_TIMEOUT)
                return
            if not self._target.network:
                p.damaged += 1  # a damaged or cut file: keep what was read before
                return
        raise SourceError(self._cannot_decode(error_words(e))) from e

    def _cannot_decode(self, reason: str) -> str:
        if self._target.network:
            return NETWORK_FAILURE
        return (
            f"Cannot decode {self.path}: {reason}; "
            "the file may be truncated or use an unsupported codec."
        )

    def _ends_early(self, p: Pass) -> None:
        """Say once that a damaged file stops before its stated length."""
        end = p.end - p.offset
        if self._noted or (self.duration is not None and end >= self.duration - END_SLACK):
            return
        self._noted = True
        self._warn(ends_early_note(os.path.basename(self.path), end, self.duration), p.end)

    def _stopped_early(self, p: Pass, attempts: int) -> None:
        """Say where and why a network stream stopped for good."""
        note = stopped_note(self._where(p), self.duration, p.cut_off, attempts)
        self._warn(note, p.end)

    def _video(self, frame: Any, p: Pass) -> bool:
        if frame.time is None:
            return True
        t = frame.time - self._origin + p.offset
        rate = self._vstream.average_rate or 25
        p.end = max(p.end, t + float(1 / rate))
        if t < p.video_from - 1e-6:
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
        w, h = scaled(frame.width, frame.height, self.max_side)
        if (w, h) != (frame.width, frame.height):
            frame = frame.reformat(width=w, height=h)
        image = upright_rgb(frame)
        if (image.shape[1], image.shape[0]) != (w, h):  # a quarter turn: the size as shown
            self._set(width=image.shape[1], height=image.shape[0])
        if not self._pace(t):
            return False
        item = Frame(t=t, wall=self._wall(), seq=self._seq, image=image)
        self._seq += 1
        p.video_to, p.emitted = t, p.emitted + 1
        return self._emit(item)

    def _audio(self, frames: list[Any], p: Pass, pending: list[np.ndarray], flush: bool) -> bool:
        for f in frames:
            if p.audio_t0 is None and f.time is not None:
                p.audio_t0 = f.time - self._origin + p.offset
            pending.append(f.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        n = sum(len(x) for x in pending)
        if n < AUDIO_CHUNK_SAMPLES and not (flush and n):
            return True
        samples = np.concatenate(pending)
        pending.clear()
        start = p.audio_from
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
        p.audio_to, p.emitted = t + len(samples) / SAMPLE_RATE, p.emitted + 1
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
