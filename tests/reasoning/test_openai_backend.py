"""The openai backend against a real OpenAI-compatible server, not a mock.

`transformers serve` (a FastAPI server of transformers 5) serves the packaged
Qwen2.5-Coder-0.5B-Instruct, offline, on a free port of 127.0.0.1 for the whole
file (`oai_server`), from the folder `served_model` converts its GGUF into once
(serving the GGUF itself parses and dequantizes it at every start). The bundled
demo clip is replayed to just after its "GATE 7 CLOSES AT NOON" card (`demo`),
and the backend answers about it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.server
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

from streamer.reasoning.openai_chat import FALLBACK, TEXT_ONLY_NOTE, OpenAIBackend
from streamer.reasoning.openai_prompt import FRAME_SIDE, Endpoint, frame_image, parse_endpoint
from streamer.reasoning.reasoner import Reasoner
from streamer.reasoning.timeline_prompt import parse_option
from streamer.session import Session, SessionConfig
from streamer.types import Answer
from tests.conftest import DEMO, ROOT
from tests.reasoning.served_model import served_folder
from tests.ui.conftest import free_port, wait_for

pytestmark = pytest.mark.timeout(900)  # the first test waits for the server

GATE = "When does gate 7 close?"
OPTIONS = ["at 7 PM", "at noon", "at midnight"]
KEY = "sk-streamer-test"  # never in an answer, a log or a saved session
AT = 12.0  # s: the gate 7 card shows 3-6 s into the demo
START_S = 300.0  # s: imports and a 1 GB folder; minutes only when the cores are shared


class Server:
    def __init__(self, process: subprocess.Popen[str], url: str, log: Path) -> None:
        self.process, self.url, self.log = process, url, log


@pytest.fixture(scope="module")
def oai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`transformers serve` on the packaged 0.5B model; no Hugging Face network access."""
    folder = served_folder()
    port = free_port()
    log = tmp_path_factory.mktemp("oai") / "serve.log"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_ENDPOINT": "http://127.0.0.1:9",  # a closed port: any hub request would fail here
    }
    command = [str(Path(sys.executable).with_name("transformers")), "serve"]
    command += [str(folder), "--host", "127.0.0.1", "--port", str(port)]
    command += ["--device", "cpu"]
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, text=True, env=env
        )
    server = Server(process, f"http://127.0.0.1:{port}/v1", log)

    def up() -> bool:
        assert process.poll() is None, log.read_text()[-3000:]
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, START_S, "transformers serve to load the 0.5B model")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def demo(oai_server: Server) -> Iterator[Session]:
    """The demo replayed to AT with the openai backend (speech and objects off: not asked)."""
    backend = f"openai:{model_id(oai_server)}@{oai_server.url}"
    config = SessionConfig(str(DEMO), pace="none", backend=backend)
    config.perception.speech = False
    config.perception.objects = False
    s = Session(config).start()
    try:
        s.run_until(AT)
    finally:
        s.stop()  # a stopped session answers from what it kept; no capture thread is left
    yield s


def ask(backend: OpenAIBackend, s: Session, question: str, options=None) -> Answer:
    """`question` asked of `backend` over the session's timeline and memory at AT."""
    assert s.timeline is not None and s.memory is not None
    r = Reasoner(s.timeline, s.memory, backend, lambda: AT).start()
    try:
        return r.ask(question, options).result(120)
    finally:
        r.stop()


def model_id(server: Server) -> str:
    return str(httpx.get(server.url + "/models", timeout=10).json()["data"][0]["id"])


def test_parse_endpoint_adds_what_a_user_leaves_out():
    assert parse_endpoint("llava:7b@localhost:11434") == Endpoint(
        "llava:7b", "http://localhost:11434/v1"
    )
    assert parse_endpoint("m@https://h.example/api/v1/") == Endpoint(
        "m", "https://h.example/api/v1"
    )
    assert parse_endpoint("gpt-4o-mini").base_url == "https://api.openai.com/v1"
    for bad in ("", "@http://localhost:8000", "model@"):
        with pytest.raises(Exception, match="needs a model and the server's URL"):
            parse_endpoint(bad)


def test_the_server_answers_from_the_demo_timeline_and_streams(demo, oai_server):
    """Frames go as images; transformers serve drops image content for a text-only model
    (HTTP 200, the text answered), so this is also its answer to images."""
    held = demo.memory.read().items
    full = [i for i in held if i.level == "level1"]
    assert full and all(side(i.thumbnail) == FRAME_SIDE for i in full)  # frames, not thumbnails
    stream = demo.ask(GATE)
    pieces = list(stream)
    a = stream.result(120)
    assert a.backend == "openai" and a.error is None
    assert "noon" in a.text.lower(), a.text
    assert FALLBACK not in a.text and "does not take images" not in a.text
    assert len(pieces) > 2  # streamed as the server wrote it, not in one piece
    assert any(e.kind == "ocr" and "GATE 7" in e.text for e in a.evidence)
    assert any(e.kind == "frame" for e in a.evidence)  # the frames were sent
    log = oai_server.log.read_text()
    assert 'POST /v1/chat/completions HTTP/1.1" 200' in log
    assert "huggingface.co" not in log and "127.0.0.1:9" not in log


def test_multiple_choice_parses_to_the_option_the_model_named(demo, oai_server):
    endpoint = Endpoint(model_id(oai_server), oai_server.url)
    a = ask(OpenAIBackend(endpoint, timeline_decides=False), demo, GATE, OPTIONS)
    assert a.option_index == 1, a.text
    assert parse_option(a.text, OPTIONS) == 1  # the reply named it, not the fallback


def test_a_choice_the_timeline_decides_is_stated_without_a_request(demo, oai_server):
    """The card "GATE 7 CLOSES AT NOON" decides it (found.py): the server is not asked,
    as it is when every answer is left to it."""
    endpoint = Endpoint(model_id(oai_server), oai_server.url)
    before = posts(oai_server)
    a = ask(OpenAIBackend(endpoint), demo, GATE, OPTIONS)
    assert a.option_index == 1 and "0:03" in a.text, a.text  # the moment that decides it
    assert any(e.kind == "ocr" and "GATE 7" in e.text for e in a.evidence)
    assert posts(oai_server) == before
    ask(OpenAIBackend(endpoint, timeline_decides=False), demo, GATE, OPTIONS)
    assert posts(oai_server) == before + 1


def test_a_reply_that_misses_the_value_read_gives_way_to_the_found_answer(demo, oai_server):
    """Cut to one token, the server's reply does not hold the 7 the card shows; the found
    answer stands in its place. Left to the server, the cut reply is the answer."""
    endpoint = Endpoint(model_id(oai_server), oai_server.url)
    which = "Which gate closes at noon?"
    cut = ask(OpenAIBackend(endpoint, max_tokens=1, timeline_decides=False), demo, which)
    assert cut.text.strip() and "7" not in cut.text, cut.text
    held = ask(OpenAIBackend(endpoint, max_tokens=1), demo, which)
    assert "7" in held.text and "0:03" in held.text, held.text
    assert any(e.kind == "ocr" and "GATE 7" in e.text for e in held.evidence)


def posts(server: Server) -> int:
    """Chat requests the server has answered so far."""
    return server.log.read_text().count("POST /v1/chat/completions")


def test_a_server_that_is_down_gives_one_sentence_and_the_timeline_answer(demo):
    url = f"http://127.0.0.1:{free_port()}/v1"
    a = ask(OpenAIBackend(Endpoint("model", url)), demo, GATE)
    why, _, rest = a.text.partition(FALLBACK)
    sentence = why.replace(url, "URL")
    assert sentence.count(".") + sentence.count("?") == 1 and "did not answer" in why, a.text
    assert "NOON" in rest.upper()
    assert a.error is None and any("GATE 7" in e.text for e in a.evidence)


def test_a_timeout_gives_one_sentence_and_the_timeline_answer(demo, oai_server):
    backend = OpenAIBackend(Endpoint(model_id(oai_server), oai_server.url), timeout=0.05)
    a = ask(backend, demo, GATE)
    why, _, rest = a.text.partition(FALLBACK)
    assert "took more than 0.05 s" in why and why.count(";") == 1, a.text
    assert "NOON" in rest.upper()


def test_an_error_from_the_server_is_one_sentence_after_one_text_only_try(demo, oai_server):
    """transformers serve pinned to one model refuses another (HTTP 400): the request
    with images fails, the text-only retry too, and the answer says why."""
    backend = OpenAIBackend(Endpoint("no-such-model", oai_server.url))
    a = ask(backend, demo, GATE)
    why, _, rest = a.text.partition(FALLBACK)
    assert "refused the request (400" in why and "pinned" in why, a.text
    assert "NOON" in rest.upper()
    posts = oai_server.log.read_text().count('POST /v1/chat/completions HTTP/1.1" 400')
    assert posts >= 2  # the request with images, then the one without


def test_a_model_that_refuses_images_is_asked_again_text_only(demo, oai_server, monkeypatch):
    """llama-server without a vision projector answers HTTP 500 "image input is not
    supported" to a request with images; `refusing_images` puts those words in front of
    the real server (text requests pass through to it). The key from the environment
    is sent as a bearer token."""
    monkeypatch.setenv("STREAMER_OPENAI_API_KEY", KEY)
    with refusing_images(oai_server.url) as (url, keys):
        backend = OpenAIBackend(Endpoint(model_id(oai_server), url))
        a = ask(backend, demo, GATE)
    assert keys == [f"Bearer {KEY}"] * 2  # the request with images, then the text-only one
    assert KEY not in a.text
    assert a.text.endswith(TEXT_ONLY_NOTE.format(url=url)), a.text
    assert "noon" in a.text.lower() and FALLBACK not in a.text
    assert not any(e.kind == "frame" for e in a.evidence)  # no frame was read


def test_ask_on_the_command_line_names_the_backend_and_survives_a_server_that_is_down(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/v1"
    saved = tmp_path / "saved"
    argv = ["ask", str(DEMO), "--at", "8", "-q", GATE, "--backend", f"openai:m@{url}"]
    r = subprocess.run(
        [sys.executable, "launch.py", *argv, "--save", str(saved), "--json", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "STREAMER_OPENAI_API_KEY": KEY},
    )
    assert r.returncode == 0, r.stderr[-2000:]
    answer = json.loads(r.stdout.splitlines()[-1])
    assert answer["backend"] == "openai" and "did not answer" in answer["answer"]
    assert "NOON" in answer["answer"].upper() and "Traceback" not in r.stderr
    manifest = (saved / "manifest.json").read_text()
    assert f"openai:m@{url}" in manifest  # the backend is saved, its key is not
    saved_text = [f.read_bytes() for f in saved.rglob("*") if f.is_file()]
    assert not any(KEY.encode() in b for b in saved_text) and KEY not in r.stdout + r.stderr


def test_pyramid_levels_are_sent_at_full_half_and_quarter_size(demo):
    full = next(i for i in demo.memory.read().items if i.level == "level1")
    sides = {
        level: side(frame_image(dataclasses.replace(full, level=level)))
        for level in ("level1", "level2", "level3", "window")
    }
    assert sides == {"level1": 640, "level2": 320, "level3": 160, "window": 640}


def side(jpeg: bytes) -> int:
    """The longest side, px, of a JPEG."""
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    return max(image.shape[:2])


REFUSAL = {
    "error": {
        "code": 500,
        "message": "image input is not supported - hint: if this is unexpected, "
        "you may need to provide the mmproj",
        "type": "server_error",
    }
}


@contextlib.contextmanager
def refusing_images(upstream: str) -> Iterator[tuple[str, list[str]]]:
    """A relay to `upstream` that refuses requests with images as llama-server does.

    Yields its URL and the Authorization header of each request it got.
    """
    keys: list[str] = []

    class Relay(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            keys.append(str(self.headers.get("Authorization")))
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if b'"image_url"' in body:
                self.reply(500, json.dumps(REFUSAL).encode())
                return
            path = self.path.removeprefix("/v1")
            with httpx.stream(
                "POST",
                upstream + path,
                content=body,
                headers={"Content-Type": "application/json"},
                timeout=120,
            ) as r:
                self.send_response(r.status_code)
                self.send_header("Content-Type", r.headers.get("content-type", "text/plain"))
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in r.iter_raw():
                    self.wfile.write(chunk)
                    self.wfile.flush()

        def reply(self, status: int, data: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:  # quiet: pytest shows failures
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", keys
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
