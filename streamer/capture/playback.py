"""One pass over a file or URL (what it kept, where it stopped), and the checks and
words around opening one: a local file that cannot be played, a read that failed."""

from __future__ import annotations

import errno
import math
import os
from dataclasses import dataclass

import av

from streamer.errors import SourceError
from streamer.manifest import MANIFEST_FILE
from streamer.timeref import format_clock

LOST = "the connection was lost"


@dataclass
class Pass:
    """State of one pass over the file (a loop makes several)."""

    offset: float  # added to every stream time, so looping stays monotonic
    next_sample: float  # stream time of the next frame to keep when sampling
    audio_t0: float | None = None  # stream time of the first resampled sample
    audio_sent: int = 0  # samples emitted in this pass
    end: float = 0.0  # stream time just after the last item of this pass
    damaged: int = 0  # packets that could not be decoded or read in this pass
    cut_off: str = ""  # why a network stream stopped delivering in this pass ("" if it did not)
    video_from: float = 0.0  # stream time of the first frame to keep (a seek target, a resume)
    audio_from: float = 0.0  # stream time of the first audio sample to keep
    video_to: float = -math.inf  # stream time of the last frame kept
    audio_to: float = 0.0  # stream time just after the last audio sample kept
    emitted: int = 0  # items put on the queue in this pass
    resumed: bool = False  # reopened after a cut: something was seen before this pass

    @property
    def seen(self) -> bool:
        """Something of the stream was decoded (in this pass or before a reconnect)."""
        return self.resumed or self.end > self.offset


def ends_early_note(name: str, end: float, duration: float | None) -> str:
    """What a damaged or cut file that stops at `end` (of `duration`) s is told as."""
    length = f" of {format_clock(duration)}" if duration else ""
    return (
        f"{name} ends early at {format_clock(end)}{length}: "
        "the rest of the file is damaged or missing, so what came before it was kept."
    )


def stopped_note(end: float, duration: float | None, why: str, attempts: int) -> str:
    """What a network stream that stopped at `end` s and did not come back is told as."""
    length = f" of {format_clock(duration)}" if duration else ""
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''} to reconnect"
    return (
        f"The stream stopped at {format_clock(end)}{length} ({why}) and did not "
        f"come back after {tries}; what came before it was kept."
    )


def check_local_file(path: str) -> None:
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


def scaled(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)


LOST = "the connection was lost"


def why_stopped(e: BaseException, read_timeout: float) -> str:
    """Why a network read failed, in a few words: a stall (the read timed out) or a loss."""
    timed_out = getattr(e, "errno", 0) == errno.ETIMEDOUT
    if isinstance(e, (av.error.ExitError, TimeoutError)) or timed_out:
        # PyAV's read timeout interrupts the read: FFmpeg's "immediate exit"
        return f"the server sent nothing for {read_timeout:.0f} s"
    return LOST


def error_words(e: BaseException) -> str:
    text = getattr(e, "strerror", None) or str(e) or type(e).__name__
    return str(text).rstrip(".")
