"""Many viewers asking at once while the app watches: every answer comes back whole.

8 clients x 25 questions against one app on 127.0.0.1 while it plays the demo
clip. The clients run in a process of their own, as browser tabs do, and each
downloads the evidence images of its answers, so a picture rewritten or
removed while another client fetches it shows up here (and in the server log
as "Too little data for declared Content-Length").

Why this once took minutes: the clients' threads shared the server's process
(and its interpreter lock), each of their requests built a TLS context for a
plain-http URL, every answer went out a word at a time (a dozen updates of the
whole chat per answer, each building Gradio components for the skipped
outputs), and the one reasoner thread embedded the same question again for
every viewer. The chat now sends a growing answer at most ten times a second
and the timeline keeps the vectors of recent queries.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import time

import pytest
from gradio_client import Client

from tests.conftest import ROOT
from tests.ui.conftest import GATE_TEXT, wait_for
from tests.ui.test_client import DEMO_START

CLIENTS, QUESTIONS = 8, 25
RUN_TIMEOUT = 240  # s for all the clients' questions: the bound of this test

pytestmark = [
    pytest.mark.timeout(360),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


class _Errors(logging.Handler):
    """Collects the server's error records (uvicorn logs failed responses here)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_eight_clients_asking_25_questions_while_it_watches_all_get_answers(served, tmp_path):
    starter = Client(served.url, verbose=False, download_files=str(tmp_path / "starter"))
    assert "Watching demo clip" in starter.predict(*DEMO_START, api_name="/start")
    # the stream clock counts audio too: wait until the sign has also been read
    wait_for(lambda: GATE_TEXT in starter.predict("gate", api_name="/timeline"), 90, "the sign")
    errors = _Errors()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn", "gradio")]
    for log in loggers:
        log.addHandler(errors)
    try:
        t0 = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "streamer.bench.api_clients",
                served.url,
                str(CLIENTS),
                str(QUESTIONS),
                str(tmp_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
        wall = time.monotonic() - t0
    finally:
        for log in loggers:
            log.removeHandler(errors)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    latencies, failures = result["latencies"], result["failures"]
    assert not failures, failures[:5]
    q = statistics.quantiles(latencies, n=20)
    print(
        f"\n{len(latencies)} answers in {wall:.1f} s: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {q[18]:.2f} s, max {max(latencies):.2f} s"
    )
    messages = [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in errors.records]
    assert not messages, messages
    assert len(latencies) == CLIENTS * QUESTIONS
    assert served.app.live().state in ("running", "finishing", "ended")  # it kept watching
