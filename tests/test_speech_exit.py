"""A transcription under way when the program ends is let finish (bounded), not torn down.

Whisper runs in native code on a daemon thread; an interpreter that finalises under
it aborts the process ("terminate called without an active exception", exit 134).
The check runs a child process whose speech worker is mid-transcription at exit:
the transcription must reach its end before the process does.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import sys, threading, time
    import numpy as np
    from streamer.perception.speech import SpeechWorker
    from streamer.perception.stats import StatsBook
    from streamer.types import AudioChunk

    class Slow:  # stands for Whisper: a transcription that takes a while
        def accept(self, t, samples):
            started.set()
            time.sleep(1.5)
            open(sys.argv[1], "w").write("finished")
            return []
        def flush(self):
            return []
        def hear_open(self):
            return []

    started = threading.Event()
    w = SpeechWorker(Slow(), lambda e: None, StatsBook(), threading.Event())
    w.start()
    w.accept(AudioChunk(0.0, 16000, np.zeros(1600, np.float32)))
    started.wait(10)
    # the program ends here, the worker inside its transcription
    """
)


def test_a_transcription_under_way_finishes_before_the_process_ends(tmp_path):
    marker = tmp_path / "done.txt"
    run = subprocess.run(
        [sys.executable, "-c", CHILD, str(marker)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert marker.read_text() == "finished"
