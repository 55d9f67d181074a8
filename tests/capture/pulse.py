"""A real, clocked fake microphone: a private PulseAudio daemon with a null sink.

What `paplay` plays into the sink comes out of its monitor source in real time,
paced by PulseAudio's own clock, and PortAudio records it through ALSA's `pulse`
device: the same path a laptop's microphone takes. A `pacat` of silence keeps the
sink running between sentences, as a microphone never stops sending.

The daemon listens only on a unix socket in a temporary folder; clients find it
through PULSE_SERVER, set while the server runs and restored after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from streamer.synth import SPEECH_RATE, speak

ONSET_LEVEL = 0.02  # |sample| above this: speech has begun (espeak's silence is 0)
SINK = "nullsink"
RATE = 16000
START_TIMEOUT = 10.0  # seconds for the daemon to answer


REQUIRED = os.environ.get("STREAMER_REQUIRE_PULSE") == "1"  # make test: fail, never skip


def unavailable(reason: str) -> None:
    """Skip with the reason; under `make test` (which installs PulseAudio) fail instead."""
    if REQUIRED:
        pytest.fail(f"{reason} (STREAMER_REQUIRE_PULSE=1)")
    pytest.skip(reason)


def require_pulse() -> None:
    """Skip, saying why, when this machine has no PulseAudio (make test installs it)."""
    missing = [b for b in ("pulseaudio", "pactl", "paplay", "pacat") if not shutil.which(b)]
    if missing:
        unavailable(f"PulseAudio is not installed ({', '.join(missing)} missing)")


class PulseServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "native"
        self._daemon: subprocess.Popen[bytes] | None = None
        self._feeder: subprocess.Popen[bytes] | None = None
        self._saved_env: str | None = None

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "PULSE_SERVER": f"unix:{self.socket}",
            "HOME": str(self.folder),
            "XDG_RUNTIME_DIR": str(self.folder / "run"),
        }

    def start(self) -> PulseServer:
        (self.folder / "run").mkdir(parents=True, exist_ok=True)
        script = self.folder / "default.pa"
        script.write_text(
            f"load-module module-native-protocol-unix socket={self.socket} auth-anonymous=1\n"
            f"load-module module-null-sink sink_name={SINK} rate={RATE} channels=1\n"
            f"set-default-sink {SINK}\nset-default-source {SINK}.monitor\n"
        )
        log = open(self.folder / "pulse.log", "ab")  # noqa: SIM115 - the daemon holds it
        self._daemon = subprocess.Popen(
            [
                "pulseaudio",
                "-n",
                "-F",
                str(script),
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--use-pid-file=no",
                "--log-target=stderr",
            ],
            env=self.env,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode:
            if time.monotonic() > deadline or self._daemon.poll() is not None:
                self.stop()
                unavailable(f"PulseAudio did not start here: {self.log_tail()}")
            time.sleep(0.05)
        self._feeder = subprocess.Popen(
            [
                "pacat",
                "--playback",
                f"--device={SINK}",
                "--raw",
                "--format=s16le",
                f"--rate={RATE}",
                "--channels=1",
                "/dev/zero",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if self._saved_env is None:
            self._saved_env = os.environ.get("PULSE_SERVER", "")
        os.environ["PULSE_SERVER"] = f"unix:{self.socket}"
        return self

    def play(self, wav: Path) -> subprocess.Popen[bytes]:
        """Start playing a recording into the sink (returns at once)."""
        return subprocess.Popen(["paplay", f"--device={SINK}", str(wav)], env=self.env)

    def stop(self) -> None:
        """Kill the daemon (and the silence): every stream recording from it ends."""
        for p in (self._feeder, self._daemon):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(5)
        self._feeder = self._daemon = None

    def close(self) -> None:
        self.stop()
        if self._saved_env is not None:
            if self._saved_env:
                os.environ["PULSE_SERVER"] = self._saved_env
            else:
                os.environ.pop("PULSE_SERVER", None)

    def log_tail(self) -> str:
        path = self.folder / "pulse.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return " / ".join(lines[-3:]) or "no log"


@dataclass(frozen=True)
class Recording:
    path: Path  # a 16-bit mono wav
    onset: float  # seconds into the file where the speech begins
    seconds: float  # its length


def onset(samples: np.ndarray, rate: int) -> float:
    """Seconds to the first sample louder than ONSET_LEVEL."""
    loud = np.flatnonzero(np.abs(samples) > ONSET_LEVEL)
    assert loud.size, "no sound above the onset level"
    return float(loud[0] / rate)


def spoken(text: str, folder: Path) -> Recording:
    """`text` spoken by espeak-ng, written as a wav for paplay."""
    speech = speak(text)
    path = folder / "speech.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SPEECH_RATE)
        w.writeframes((np.clip(speech, -1, 1) * 32767).astype(np.int16).tobytes())
    return Recording(path, onset(speech, SPEECH_RATE), len(speech) / SPEECH_RATE)
