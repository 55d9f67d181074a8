"""The served app through `gradio_client`, as a script or a second viewer would use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client

from tests.conftest import ROOT
from tests.ui.conftest import GATE_QUESTION, GATE_TEXT, wait_for
from ui.controller import DEMO_LABEL

ALL_INTERFACES = ".".join(["0"] * 4)  # a non-local bind address, refused without --auth

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),  # pandas 3 notes in gradio
]

# /start inputs: mode, upload, path, url, camera, speed, loop, memory, backend, mic, mic device
DEMO_START = (
    "Demo clip",
    None,
    "",
    "",
    "webcam:0",
    1.0,
    False,
    "pyramid",
    "extractive",
    True,
    "mic:default",
)


def message_text(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if isinstance(part, dict))


def ask(client: Client, question: str) -> tuple[str, list[dict[str, Any]], int]:
    """(answer text, evidence gallery, number of streamed updates)."""
    job = client.submit(question, [], api_name="/ask")
    chat, box, gallery, notice = job.result(timeout=60)
    assert box == "" and notice == ""
    assert chat[0]["role"] == "user" and chat[-1]["role"] == "assistant"
    return message_text(chat[-1]), gallery, len(job.outputs())


def test_client_watch_ask_stop_save_reopen(served, tmp_path):
    client = Client(served.url, verbose=False, download_files=str(tmp_path))
    notice = client.predict(*DEMO_START, api_name="/start")
    assert "Watching demo clip" in notice
    wait_for(lambda: client.predict(api_name="/status")["stream_time"] > 7.5, 60, "7.5 s of stream")
    # the stream clock counts audio too: wait until the sign has also been read
    wait_for(lambda: GATE_TEXT in client.predict("gate", api_name="/timeline"), 60, "the sign")
    text, gallery, updates = ask(client, GATE_QUESTION)
    assert GATE_TEXT in text and updates >= 2  # streamed: a first token before the answer
    assert gallery and Path(gallery[0]["image"]).stat().st_size > 1000
    assert any(GATE_TEXT in (item["caption"] or "") for item in gallery)
    assert GATE_TEXT in client.predict("gate sign", api_name="/timeline")

    viewer = Client(served.url, verbose=False, download_files=str(tmp_path))  # a second tab
    assert viewer.predict(api_name="/status")["label"] == DEMO_LABEL
    assert GATE_TEXT in ask(viewer, "What did the gate sign say?")[0]

    assert "Stopped" in client.predict(api_name="/stop")
    notice, _ = client.predict("client test", api_name="/save")
    assert "Saved as “client-test”" in notice
    assert "Reopened client-test" in client.predict("client-test", api_name="/reopen")
    status = client.predict(api_name="/status")
    assert status["state"] == "reopened" and status["frame_seq"] is None
    text, gallery, _ = ask(client, GATE_QUESTION)
    assert GATE_TEXT in text and gallery


def test_errors_come_back_as_the_notice(served, tmp_path):
    client = Client(served.url, verbose=False, download_files=str(tmp_path))
    job = client.submit("What happened?", [], api_name="/ask")
    chat, _, _, notice = job.result(timeout=60)
    assert "press Start" in notice and "press Start" in message_text(chat[-1])
    url_start = ("URL", None, "", "ftp://nowhere", *DEMO_START[4:])
    assert "Type a stream URL" in client.predict(*url_start, api_name="/start")
    assert client.predict(api_name="/status")["state"] == "idle"


def test_app_command_refuses_an_open_host_without_a_password():
    r = subprocess.run(
        [sys.executable, "launch.py", "app", "--host", ALL_INTERFACES, "--no-browser"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    assert r.stderr.strip() == (
        "error: Serving beyond this machine (--share or a non-local --host) needs "
        "--auth user:password; add it or listen on 127.0.0.1."
    )
