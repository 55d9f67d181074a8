"""Many viewers asking at once while the app watches: every answer comes back whole.

8 gradio_client clients x 25 questions against one app on 127.0.0.1 while it
plays the demo clip (`slow`: ~2 min on 2 busy cores); 8 x 6 in the default run.
Each client downloads the evidence images of its answers, as a browser tab
would, so a picture rewritten or removed while another client fetches it shows
up here (and in the server log as "Too little data for
declared Content-Length").
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from gradio_client import Client

from tests.ui.conftest import GATE_QUESTION, GATE_TEXT, wait_for
from tests.ui.test_client import DEMO_START, message_text

CLIENTS = 8
DEADLINE = {6: 50.0, 25: 200.0}  # s without a new question, by questions per client
QUESTIONS = [GATE_QUESTION, "What was said about the budget?", "What is on screen now?"]

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


class _Errors(logging.Handler):
    """Collects the server's error records (uvicorn logs failed responses here)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("each", [6, pytest.param(25, marks=pytest.mark.slow)])
def test_eight_clients_asking_while_it_watches_all_get_answers(served, tmp_path, each):
    errors = _Errors()
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn", "gradio")]
    for log in loggers:
        log.addHandler(errors)
    try:
        latencies = _ask_from_many_clients(served.url, tmp_path, each)
    finally:
        for log in loggers:
            log.removeHandler(errors)
    q = statistics.quantiles(latencies, n=20)
    print(
        f"\n{len(latencies)} answers: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {q[18]:.2f} s, max {max(latencies):.2f} s"
    )
    messages = [r.getMessage() + str(r.exc_info and r.exc_info[1]) for r in errors.records]
    assert not messages, messages
    assert len(latencies) == CLIENTS * each


def _ask_from_many_clients(url: str, tmp_path: Path, each: int) -> list[float]:
    starter = Client(url, verbose=False, download_files=str(tmp_path / "starter"))
    assert "Watching demo clip" in starter.predict(*DEMO_START, api_name="/start")
    wait_for(lambda: starter.predict(api_name="/status")["stream_time"] > 7.0, 60, "7 s of stream")
    # the stream clock counts audio too: wait until the sign has also been read
    wait_for(lambda: GATE_TEXT in starter.predict("gate", api_name="/timeline"), 60, "the sign")
    t_end = time.monotonic() + DEADLINE[each]
    lock, latencies, failures = threading.Lock(), [], []

    def one_client(i: int) -> None:
        client = Client(url, verbose=False, download_files=str(tmp_path / f"c{i}"))
        for k in range(each):
            if time.monotonic() > t_end:
                return
            t0 = time.monotonic()
            try:
                chat, _, gallery, notice = client.submit(
                    QUESTIONS[(i + k) % len(QUESTIONS)], [], api_name="/ask"
                ).result(timeout=60)
                ok = bool(message_text(chat[-1]).strip()) and notice == ""
                ok = ok and all(Path(g["image"]).stat().st_size > 0 for g in gallery)
            except Exception as e:  # noqa: BLE001 - counted and shown below
                ok, chat = False, [{"content": f"{type(e).__name__}: {e}"}]
            with lock:
                (latencies if ok else failures).append(
                    time.monotonic() - t0 if ok else message_text(chat[-1])
                )

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one_client, range(CLIENTS)))
    assert not failures, failures[:5]
    return latencies
