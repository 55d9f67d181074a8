"""The API at /v1 beside the page, driven by the official `openai` client, curl and httpx.

Real models, a real generated clip, the real Gradio server: a question sent as
an OpenAI chat completion gets the answer the page's chat gets.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import openai
import pytest

from tests.ui.conftest import free_port, wait_for
from ui.api import Access, build_api
from ui.app import AppOptions, build_app, launch
from ui.controller import NO_SESSION, AppController, StartRequest

pytestmark = pytest.mark.timeout(300)

VAN = "Where did the delivery van arrive?"  # the clip says it from 8 s: "north entrance"
KEY, LOGIN = "test-key-7", ("ann", "pw-7")


@dataclass
class Api:
    url: str  # http://127.0.0.1:PORT/v1
    app: AppController


@pytest.fixture
def serve_api(make_controller: Callable[[], AppController]) -> Iterator[Callable[..., Api]]:
    closers = []

    def serve(access: Access | None = None) -> Api:
        app = make_controller()
        access = access or Access()
        options = AppOptions(port=free_port(), auth=access.basic, api_key=access.api_key)
        demo = build_app(app, options)
        launch(demo, options, block=False, api=build_api(app, access))
        closers.append(demo.close)
        return Api(f"http://127.0.0.1:{options.port}/v1", app)

    yield serve
    for close in closers:
        close()


def play_to_end(api: Api, clip: str) -> None:
    api.app.start(StartRequest(clip, "gate clip", speed=2.0))
    wait_for(lambda: api.app.live().state == "ended", 120, "the clip's end")


def curl(*args: str) -> str:
    done = subprocess.run(["curl", "-sS", "-N", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def sse_deltas(body: str) -> tuple[str, dict]:
    """The streamed text and the last chunk's evidence field, from OpenAI-style SSE."""
    lines = [x[len("data: ") :] for x in body.splitlines() if x.startswith("data: ")]
    assert lines[-1] == "[DONE]"
    chunks = [json.loads(x) for x in lines[:-1]]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    return text, chunks[-1]["streamer"]


def test_openai_client_and_curl_get_the_answer_the_page_gets(serve_api, clip):
    api = serve_api()
    client = openai.OpenAI(base_url=api.url, api_key="unused")
    with pytest.raises(openai.APIStatusError) as nothing:  # before any source: one sentence
        client.chat.completions.create(
            model="streamer", messages=[{"role": "user", "content": VAN}]
        )
    assert nothing.value.status_code == 409 and NO_SESSION in str(nothing.value)

    play_to_end(api, str(clip[0]))
    page = api.app.ask(VAN).stream.result(60)
    assert "north entrance" in page.text.lower()

    models = [m.id for m in client.models.list()]
    assert models == ["streamer", "streamer/extractive"]
    done = client.chat.completions.create(
        model="streamer", messages=[{"role": "user", "content": VAN}]
    )
    assert done.choices[0].message.content == page.text
    extra = done.model_extra["streamer"]
    assert extra["asked_at"] == pytest.approx(page.asked_at)
    said = [e for e in extra["evidence"] if e["kind"] == "speech"]
    assert said and said[0]["start"] >= 8.0 and "north entrance" in said[0]["text"].lower()

    stream = client.chat.completions.create(
        model="streamer/extractive", messages=[{"role": "user", "content": VAN}], stream=True
    )
    parts = [c.choices[0].delta.content or "" for c in stream if c.choices]
    assert "".join(parts).strip() == page.text and len(parts) > 2  # token by token

    body = json.dumps({"model": "streamer", "messages": [{"role": "user", "content": VAN}]})
    plain = json.loads(
        curl(f"{api.url}/chat/completions", "-H", "Content-Type: application/json", "-d", body)
    )
    assert plain["choices"][0]["message"]["content"] == page.text
    streamed = json.dumps({**json.loads(body), "stream": True})
    text, evidence = sse_deltas(
        curl(f"{api.url}/chat/completions", "-H", "Content-Type: application/json", "-d", streamed)
    )
    assert text.strip() == page.text and evidence["evidence"] == plain["streamer"]["evidence"]

    thumbs = [e["thumbnail_url"] for e in extra["evidence"] if e["thumbnail_url"]]
    for url in thumbs:  # evidence the memory held a frame for links its JPEG
        assert httpx.get(url).content[:2] == b"\xff\xd8"
    with pytest.raises(openai.NotFoundError, match="GET /v1/models lists them"):
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": VAN}])


def test_every_route_answers_401_without_the_key_or_login(serve_api):
    api = serve_api(Access(basic=LOGIN, api_key=KEY))
    spec = httpx.get(f"{api.url}/openapi.json", headers={"Authorization": f"Bearer {KEY}"})
    assert spec.status_code == 200
    paths = [
        (p.replace("{which}", "1").replace("{name}", "x.jpg"), m.upper())
        for p, ops in spec.json()["paths"].items()
        for m in ops
    ]
    assert len(paths) >= 14
    for path, method in [*paths, ("/openapi.json", "GET"), ("/docs", "GET")]:
        for auth in (None, "Bearer wrong", "Basic YW5uOndyb25n"):  # ann:wrong
            headers = {"Authorization": auth} if auth else {}
            r = httpx.request(method, api.url + path, headers=headers, timeout=10)
            assert r.status_code == 401, (method, path, auth)
    good = httpx.get(f"{api.url}/status", headers={"Authorization": f"Bearer {KEY}"})
    assert good.status_code == 200 and good.json()["state"] in ("idle", "loading")
    assert httpx.get(f"{api.url}/status", auth=LOGIN).status_code == 200
    client = openai.OpenAI(base_url=api.url, api_key="wrong")
    with pytest.raises(openai.AuthenticationError, match="--api-key"):
        client.models.list()
    assert [m.id for m in openai.OpenAI(base_url=api.url, api_key=KEY).models.list()]


def test_rest_watches_alerts_ask_timeline_and_sessions(serve_api, clip):
    api = serve_api()
    http = httpx.Client(base_url=api.url, timeout=60)
    watch = http.post("/watches", json={"text": "tell me when someone says delivery"})
    assert watch.status_code == 201 and watch.json()["id"] == 1
    assert http.post("/watches", json={"text": "   "}).status_code in (400, 422)

    alerts: list[dict] = []
    with http.stream("GET", "/alerts", params={"since": 0}, timeout=120) as events:
        started = http.post("/start", json={"source": str(clip[0]), "speed": 2.0})
        assert started.status_code == 200, started.text
        early = http.post("/ask", json={"question": VAN, "at": 4.0})
        assert "north entrance" not in early.json()["answer"].lower()  # asked before 8 s
        assert 4.0 <= early.json()["asked_at"] < 8.0
        for line in events.iter_lines():
            if line.startswith("data: "):
                alerts.append(json.loads(line[len("data: ") :]))
                break
    assert alerts[0]["id"] == "1-0" and alerts[0]["watch"] == 1
    assert "delivery" in alerts[0]["sentence"].lower() and alerts[0]["t"] >= 8.0

    wait_for(lambda: http.get("/status").json()["state"] == "ended", 120, "the clip's end")
    hits = http.get("/timeline", params={"q": "north entrance"}).json()
    assert hits and "north entrance" in hits[0]["text"].lower()
    assert [w["id"] for w in http.get("/watches").json()] == [1]
    assert http.delete("/watches/1").json()[0]["id"] == 1 and http.get("/watches").json() == []
    assert "No watch 9" in http.delete("/watches/9").json()["error"]["message"]

    assert http.post("/stop").status_code == 200
    name = http.post("/sessions", json={"name": "api test"}).json()["name"]
    assert name in [s["name"] for s in http.get("/sessions").json()]
    assert "Reopened" in http.post("/sessions/reopen", json={"name": name}).json()["message"]
    again = http.post("/ask", json={"question": VAN}).json()
    assert "north entrance" in again["answer"].lower()
    bad = http.post("/ask", json={"question": VAN, "at": -1})
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("Bad request: at")


def test_alerts_resume_after_the_last_event_id_of_the_same_session_only():
    from ui.api.alerts import resume_point

    assert resume_point("3-4", 3) == 5  # the client saw alert 4 of session 3
    assert resume_point("2-4", 3) is None  # another session's alert: start afresh
    assert resume_point(None, 3) is None and resume_point("junk", 3) is None


def test_access_takes_the_bearer_key_or_the_basic_login_and_nothing_else():
    import base64

    access = Access(basic=LOGIN, api_key=KEY)
    basic = "Basic " + base64.b64encode(b"ann:pw-7").decode()
    assert access.allows(f"Bearer {KEY}") and access.allows(basic)
    assert not access.allows(None) and not access.allows(f"Bearer {KEY}x")
    assert not access.allows("Basic !!!") and not access.allows(f"Token {KEY}")
    assert Access(api_key=KEY).allows(basic) is False  # no --auth: the login opens nothing
    assert Access().allows(None)  # neither set: open (only a local bind allows that)
