"""A microphone's blocks placed on the session's stream clock, its drift measured and corrected.

A camera frame is stamped with the session clock when it is read. A microphone
counts samples on its own crystal, which runs a little fast or slow against that
clock (0.1-0.5 % is common) and can stall or restart. Counting samples alone, a
laptop's sound would slide 0.3 s away from its picture in a minute at 0.5 %.

`AudioClock.place(n, arrival)` takes one block of `n` samples and the session time
its callback ran, and returns where the block goes on the stream clock and how many
samples it should last there:

- The first block is anchored at its arrival minus its own length: the moment its
  first sample was heard. (PortAudio's reported input latency is not subtracted:
  through PulseAudio it said 0.2 s while blocks came 0-0.1 s after their last
  sample, which put speech 0.22 s early; see tests/capture/test_camera_mic.py.)
- Each later block follows the one before, sample for sample, so the audio stays
  continuous. Its offset (where the sample count puts its end, minus where the
  clock does) is smoothed over ~1 s, and every block is stretched or shrunk by a
  tenth of that offset (at most `MAX_SLEW`, inaudible to speech models), which
  keeps the offset within a few ms of zero for a clock up to 2 % off.
- A device that delivered nothing for more than `GAP_SECONDS` lost that audio
  (a stall): once three blocks in a row stay that far behind without catching up,
  the block starts at its own moment and the hole is counted, never squeezed out
  of later speech. Blocks that come late and then in a burst (a busy machine
  held the callback; seen under load here) are audio delayed, not lost: they stay
  continuous, and a late block moves the average by at most two blocks' length.
  A reopened device (`restart`) is anchored afresh at once.

`drift` is what the sample count alone would be off by now (seconds, + = the
microphone runs fast): the slope of the raw offset (sample count minus clock) over
the blocks since the anchor, a least-squares fit, times the time since the first
block (blocks more than two block lengths off the line are left out: a burst is not
drift), so neither the callbacks' jitter nor where the first block happened to be
anchored counts as drift. `offset` is what remains after the correction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.protocols import SAMPLE_RATE

SMOOTHING = 0.1  # weight of the newest block in the offset average: ~10 blocks, 1 s at 0.1 s
GAIN = 0.1  # share of the smoothed offset taken out per block
MAX_SLEW = 0.02  # a block is stretched or shrunk by at most 2 % (32 of 1,600 samples)
GAP_SECONDS = 1.0  # behind the clock by more than this: audio was lost, start afresh
CONFIRM_BLOCKS = 3  # ...on this many blocks in a row that do not catch up (not a late burst)
OUTLIER_BLOCKS = 2.0  # an offset counts at most this many blocks' length in the average


@dataclass
class Placed:
    """Where one block goes: its first sample's stream time and its samples on that clock."""

    t: float  # stream time of the first sample, seconds
    samples: np.ndarray  # (m,) float32, m = the block's length after the drift correction


class AudioClock:
    """Stream times for microphone blocks, kept in step with the session clock."""

    def __init__(self, rate: int = SAMPLE_RATE) -> None:
        self.rate = rate
        self._next: int | None = None  # stream sample index of the next block's first sample
        self._smoothed = 0.0  # smoothed offset, seconds
        self._fit = _LineFit()  # raw offset against time since the latest anchor
        self.offset = 0.0  # latest smoothed offset after correction, seconds
        self.drift = 0.0  # what the sample count alone would be off by now, seconds
        self.corrected = 0.0  # seconds added (+) or taken out (-) by stretching blocks
        self.gaps = 0.0  # seconds of stream the device did not deliver
        self.device_seconds = 0.0  # seconds the device delivered, by its own count
        self._drift_base = 0.0  # drift measured before the latest anchor, seconds
        self._anchor_clock = 0.0  # session time of the latest anchor's first sample
        self._anchor_samples = 0  # device samples since the latest anchor
        self._carry = 0.0  # the fraction of a sample the rounding owes the next block
        self._restarting = False
        self._late: list[float] = []  # offsets of the latest run of blocks far behind

    def restart(self) -> None:
        """The device was reopened: the next block is anchored afresh at its own moment."""
        self._restarting = True

    def place(self, block: np.ndarray, arrival: float) -> Placed:
        """Place a block of samples whose callback ran at session time `arrival` (seconds)."""
        n = len(block)
        heard_end = arrival  # session time of the block's last sample (within a block)
        self.device_seconds += n / self.rate
        if self._next is None or self._restarting:
            return self._anchor(block, heard_end)
        start = self._next / self.rate
        measured = start + n / self.rate - heard_end  # + = the sample count runs ahead
        if self._lost(measured, n):  # nothing came for a while: that audio is lost
            return self._anchor(block, heard_end)
        bound = OUTLIER_BLOCKS * n / self.rate
        self._smoothed += SMOOTHING * (float(np.clip(measured, -bound, bound)) - self._smoothed)
        limit = MAX_SLEW * n
        change = float(np.clip(-GAIN * self._smoothed * self.rate, -limit, limit))
        m = max(1, n + int(round(change + self._carry)))
        self._carry += change - (m - n)
        self.corrected += (m - n) / self.rate
        self._smoothed += (m - n) / self.rate  # the correction moves the next offsets too
        self.offset = self._smoothed
        # what the count alone would be off by: the offset left plus all that was taken out
        self._measure_drift(n, heard_end)
        self._next += m
        return Placed(start, block if m == n else _resample(block, m))

    def _measure_drift(self, n: int, heard_end: float) -> None:
        self._anchor_samples += n
        x = heard_end - self._anchor_clock  # clock seconds since the anchor
        y = self._anchor_samples / self.rate - x  # the raw offset
        if self._fit.n < 10 or abs(y - self._fit.at(x)) < OUTLIER_BLOCKS * n / self.rate:
            self._fit.add(x, y)  # a late block (a burst) is not drift
        self.drift = self._drift_base + self._fit.slope() * x

    def _lost(self, measured: float, n: int) -> bool:
        """Far behind on CONFIRM_BLOCKS blocks in a row, not catching up: audio was lost."""
        if measured >= -GAP_SECONDS:
            self._late = []
            return False
        self._late.append(measured)
        caught_up = self._late[-1] - self._late[0] > 0.5 * n / self.rate
        return len(self._late) >= CONFIRM_BLOCKS and not caught_up

    def _anchor(self, block: np.ndarray, heard_end: float) -> Placed:
        n = len(block)
        first = max(0, int(round((heard_end - n / self.rate) * self.rate)))
        if self._next is not None:
            first = max(first, self._next)  # never back over audio already placed
            self.gaps += (first - self._next) / self.rate
        self._drift_base = self.drift
        self._anchor_clock, self._anchor_samples = first / self.rate, n
        self._fit = _LineFit()
        self._next = first + n
        self._smoothed = self.offset = 0.0
        self._restarting = False
        self._late = []
        return Placed(first / self.rate, block)


class _LineFit:
    """Running least-squares slope of y against x."""

    def __init__(self) -> None:
        self.n = 0
        self.sx = self.sy = self.sxx = self.sxy = 0.0

    def add(self, x: float, y: float) -> None:
        self.n += 1
        self.sx += x
        self.sy += y
        self.sxx += x * x
        self.sxy += x * y

    def at(self, x: float) -> float:
        mean_x, mean_y = self.sx / max(self.n, 1), self.sy / max(self.n, 1)
        return mean_y + self.slope() * (x - mean_x)

    def slope(self) -> float:
        d = self.n * self.sxx - self.sx * self.sx
        return (self.n * self.sxy - self.sx * self.sy) / d if self.n > 2 and d > 1e-12 else 0.0


def _resample(block: np.ndarray, m: int) -> np.ndarray:
    """(n,) -> (m,) by linear interpolation; m within 2 % of n."""
    n = len(block)
    x = np.linspace(0.0, n - 1, m)
    out: np.ndarray = np.interp(x, np.arange(n), block).astype(np.float32)
    return out
