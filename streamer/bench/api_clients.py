"""API clients that load the app, run as their own process as browser tabs would be.

    python -m streamer.bench.api_clients URL CLIENTS QUESTIONS DOWNLOAD_DIR [SECONDS]

Each client asks its questions one after another through `gradio_client` (all
QUESTIONS of them, or as many as fit in SECONDS when given) and downloads the
evidence images of each answer; prints one JSON line:
{"latencies": [s per answered question], "failures": [what went wrong]}.
The load test (tests/ui/test_load.py) and `bench page` both run it.
In their own process the clients' threads (SSE readers, heartbeats, cancel
polls) do not compete with the server for its interpreter lock.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from gradio_client import Client

QUESTIONS = [
    "What does the gate sign say?",
    "What was said about the budget?",
    "What is on screen now?",
]
ANSWER_TIMEOUT = 60.0  # s for one answer


def message_text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def run(
    url: str, clients: int, each: int, downloads: Path, seconds: float | None = None
) -> dict[str, list[Any]]:
    lock, latencies, failures = threading.Lock(), [], []
    deadline = time.monotonic() + seconds if seconds else float("inf")

    def one_client(i: int) -> None:
        # plain http on the loopback: no TLS context (and CA bundle) built per request
        folder = str(downloads / f"c{i}")
        client = Client(url, verbose=False, download_files=folder, ssl_verify=False)
        for k in range(each):
            t0 = time.monotonic()
            if t0 >= deadline:
                break
            try:
                chat, _, gallery, notice = client.submit(
                    QUESTIONS[(i + k) % len(QUESTIONS)], [], api_name="/ask"
                ).result(timeout=ANSWER_TIMEOUT)
                text = message_text(chat[-1])
                ok = bool(text.strip()) and notice == ""
                ok = ok and all(Path(g["image"]).stat().st_size > 0 for g in gallery)
            except Exception as e:  # noqa: BLE001 - reported to the test
                ok, text = False, f"{type(e).__name__}: {e}"
            with lock:
                if ok:
                    latencies.append(time.monotonic() - t0)
                else:
                    failures.append(text)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one_client, range(clients)))
    return {"latencies": latencies, "failures": failures}


if __name__ == "__main__":
    url, n, each, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
    seconds = float(sys.argv[5]) if len(sys.argv) > 5 else None
    print(json.dumps(run(url, n, each, folder, seconds)))
