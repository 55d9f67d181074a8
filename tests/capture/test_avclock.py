"""The microphone's clock against the session's: a recording resampled 0.5 % fast
(a microphone whose crystal runs fast) is placed back on the session clock.

Arrival times are given, not waited for: these tests run in well under a second.
"""

from __future__ import annotations

import numpy as np
import pytest

from models.protocols import SAMPLE_RATE
from streamer.capture.avclock import CONFIRM_BLOCKS, GAP_SECONDS, AudioClock
from streamer.synth import SPEECH_RATE, speak

BLOCK = 1600  # samples a callback (0.1 s at 16 kHz)
SENTENCE_EVERY = 10.0  # seconds of session time between sentences


@pytest.fixture(scope="module")
def sentence() -> np.ndarray:
    """A real spoken sentence (espeak-ng) at 16 kHz."""
    s = speak("The kettle is boiling in the kitchen.")
    n = int(len(s) * SAMPLE_RATE / SPEECH_RATE)
    return np.interp(np.linspace(0, len(s) - 1, n), np.arange(len(s)), s).astype(np.float32)


def room(sentence: np.ndarray, seconds: float) -> np.ndarray:
    """What the room sounds like on the session clock: the sentence every 10 s."""
    out = np.zeros(int(seconds * SAMPLE_RATE), np.float32)
    for start in np.arange(0.0, seconds - 5, SENTENCE_EVERY):
        i = int(start * SAMPLE_RATE)
        out[i : i + len(sentence)] = sentence[: len(out) - i]
    return out


def fast_microphone(audio: np.ndarray, fast: float) -> np.ndarray:
    """The same sound counted by a clock `fast` too quick: 1+fast samples per sample."""
    n = int(len(audio) * (1 + fast))
    return np.interp(np.linspace(0, len(audio) - 1, n), np.arange(len(audio)), audio).astype(
        np.float32
    )


def onsets(t0: float, samples: np.ndarray) -> list[float]:
    """Stream times where a sentence begins (sound after at least 2 s of silence)."""
    loud = np.flatnonzero(np.abs(samples) > 0.02)
    starts = loud[np.r_[True, np.diff(loud) > 2 * SAMPLE_RATE]]
    return [t0 + i / SAMPLE_RATE for i in starts]


@pytest.mark.parametrize("fast", [0.005, -0.005])
def test_a_microphone_half_a_percent_off_stays_within_one_block(sentence, fast):
    heard = room(sentence, 60.0)
    device = fast_microphone(heard, fast)
    clock = AudioClock()
    rate = SAMPLE_RATE * (1 + fast)  # device samples per session second
    placed, worst = [], 0.0
    for i in range(0, len(device) - BLOCK, BLOCK):
        arrival = 0.5 + (i + BLOCK) / rate  # the block's last sample was heard now
        p = clock.place(device[i : i + BLOCK], arrival)
        if placed:  # continuous: each block starts where the one before ended
            assert p.t == pytest.approx(placed[-1][0] + len(placed[-1][1]) / SAMPLE_RATE)
        placed.append((p.t, p.samples))
        worst = max(worst, abs(p.t + len(p.samples) / SAMPLE_RATE - arrival))
    print(f"mic {fast:+.1%}: drift {clock.drift:+.3f} s measured, worst block {worst:.3f} s off")
    assert worst < BLOCK / SAMPLE_RATE  # within one audio block all along
    assert clock.drift == pytest.approx(fast * 60, abs=0.02)  # measured: 0.3 s in 60 s
    assert abs(clock.offset) < 0.02
    track = np.concatenate([s for _, s in placed])
    found = onsets(placed[0][0], track)
    assert len(found) == 6
    # every sentence is heard where the session clock had it: 0.5 s + 10 s apart
    assert found == pytest.approx([0.5 + k * SENTENCE_EVERY for k in range(6)], abs=0.1)
    # uncorrected, the last sentence would sit 0.25 s off
    assert abs(50 * fast) > 2 * BLOCK / SAMPLE_RATE


def test_a_stalled_microphone_leaves_a_hole_not_a_shift(sentence):
    clock = AudioClock()
    block = np.zeros(BLOCK, np.float32)
    for k in range(1, 21):  # 2 s of blocks, then 3 s of nothing
        clock.place(block, k * 0.1)
    late = [clock.place(block, 5.1 + 0.1 * k) for k in range(CONFIRM_BLOCKS - 1)]
    p = clock.place(sentence[:BLOCK], 5.1 + 0.1 * (CONFIRM_BLOCKS - 1))
    assert [q.t for q in late] == pytest.approx([2.0 + 0.1 * k for k in range(len(late))], abs=0.01)
    assert p.t == pytest.approx(5.0 + 0.1 * (CONFIRM_BLOCKS - 1))  # at its own moment
    assert clock.gaps == pytest.approx(3.0, abs=0.01)
    assert 3.0 > GAP_SECONDS


def test_a_late_burst_is_delayed_audio_not_lost(sentence):
    """A busy machine held the callbacks 1.5 s, then they came all at once."""
    clock = AudioClock()
    block = np.zeros(BLOCK, np.float32)
    for k in range(1, 21):
        clock.place(block, k * 0.1)
    burst = [clock.place(block, 3.5) for _ in range(15)]  # 2.0-3.5 s of audio, at 3.5 s
    assert burst[0].t == pytest.approx(2.0) and clock.gaps == 0.0
    for k in range(36, 100):  # back to normal: one block every 0.1 s
        clock.place(block, k * 0.1)
    assert abs(clock.offset) < 0.01 and abs(clock.drift) < 0.02


def test_a_reopened_microphone_is_anchored_afresh():
    clock = AudioClock()
    block = np.zeros(BLOCK, np.float32)
    for k in range(1, 11):
        clock.place(block, k * 0.1)
    clock.restart()
    p = clock.place(block, 1.6)  # reopened 0.5 s later: less than a gap, still a new start
    assert p.t == pytest.approx(1.5) and clock.gaps == pytest.approx(0.5)
    q = clock.place(block, 1.7)
    assert q.t == pytest.approx(1.6)
