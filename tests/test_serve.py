"""`launch.py serve SOURCE` as a user runs it: a real subprocess, asked over HTTP.

The headless server and `launch.py ask` watch the same clip to its end; the
official `openai` client and curl get the answer `ask` prints.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest

from tests.conftest import ROOT
from tests.test_cli import launch
from tests.ui.conftest import free_port, wait_for

VAN = "Where did the delivery van arrive?"  # said from 8 s in the gate clip
KEY = "serve-test-key"


def non_loopback_address() -> str | None:
    """An address of this machine other than 127.x (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: no packet is sent for a UDP connect
            address = str(s.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith("127.") else address


@pytest.mark.timeout(600)
def test_serve_answers_openai_and_curl_as_ask_does(clip, tmp_path):
    port, sessions = free_port(), tmp_path / "sessions"
    argv = ["serve", str(clip[0]), "--port", str(port), "--sessions-dir", str(sessions)]
    server = subprocess.Popen(
        [sys.executable, "launch.py", *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STREAMER_API_KEY": KEY},
    )
    try:
        asked = launch("ask", str(clip[0]), "-q", VAN, "--json", "--quiet", timeout=400)
        assert asked.returncode == 0, asked.stderr[-2000:]
        expected = json.loads(asked.stdout)
        url = f"http://127.0.0.1:{port}/v1"
        auth = {"Authorization": f"Bearer {KEY}"}

        def ended() -> bool:
            try:
                return httpx.get(f"{url}/status", headers=auth).json()["state"] == "ended"
            except httpx.TransportError:
                return False  # not listening yet

        wait_for(ended, 300, "the served clip's end")
        assert httpx.get(f"{url}/status").status_code == 401  # the key from the environment
        client = openai.OpenAI(base_url=url, api_key=KEY)
        messages = [{"role": "user", "content": VAN}]
        done = client.chat.completions.create(model="streamer", messages=messages)
        assert done.choices[0].message.content == expected["answer"]
        got = [(e["start"], e["kind"], e["text"]) for e in done.model_extra["streamer"]["evidence"]]
        assert got == [(e["start"], e["kind"], e["text"]) for e in expected["evidence"]]
        stream = client.chat.completions.create(model="streamer", messages=messages, stream=True)
        assert (
            "".join(c.choices[0].delta.content or "" for c in stream).strip()
            == done.choices[0].message.content
        )
        body = json.dumps({"model": "streamer", "messages": messages})
        curl = subprocess.run(
            [
                "curl",
                "-sS",
                f"{url}/chat/completions",
                "-H",
                f"Authorization: Bearer {KEY}",
                "-H",
                "Content-Type: application/json",
                "-d",
                body,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert json.loads(curl.stdout)["choices"][0]["message"]["content"] == expected["answer"]

        assert mcp_over_http(f"http://127.0.0.1:{port}/mcp") == "ok"
        other = non_loopback_address()
        if other is not None:  # 127.0.0.1 unless told otherwise
            with pytest.raises(httpx.TransportError):
                httpx.get(f"http://{other}:{port}/v1/status", timeout=5)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert server.returncode == 0, err[-2000:]
    assert f"Serving the streamer API on http://127.0.0.1:{port}/v1" in out
    assert "Traceback" not in err
    saved = [p for p in sessions.iterdir() if (p / "manifest.json").exists()]
    assert saved, "serve autosaves what it watched"


def mcp_over_http(url: str) -> str:
    """An MCP client session over streamable HTTP: 401 without the key, the tools with it."""
    import anyio
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    assert httpx.post(url, json={}).status_code == 401

    async def session() -> str:
        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
        async with Client(streamable_http_client(url, http_client=http)) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            assert tools == ["ask", "search_timeline", "status", "unwatch", "watch"]
            asked = await client.call_tool("ask", {"question": VAN})
            assert "north entrance" in (asked.structured_content or {})["answer"].lower()
        return "ok"

    return anyio.run(session)


def test_serve_beyond_this_machine_needs_a_login_and_a_free_port(clip):
    wide = launch("serve", str(clip[0]), "--host", "0.0.0.0")
    assert wide.returncode == 2 and "needs --api-key or --auth" in wide.stderr
    assert len(wide.stderr.strip().splitlines()) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        started = time.monotonic()
        busy = launch("serve", str(clip[0]), "--port", port)
    assert busy.returncode == 2 and "pick another --port" in busy.stderr
    assert time.monotonic() - started < 60  # refused before any model loads


@pytest.mark.timeout(400)
def test_an_mcp_client_lists_the_tools_and_asks_over_stdio(clip, tmp_path):
    import anyio
    from mcp import Client, StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["launch.py", "serve", str(clip[0]), "--mcp-stdio", "--sessions-dir", str(tmp_path)],
        cwd=str(ROOT),
    )

    async def session() -> tuple[list[str], dict, dict]:
        async with Client(params, read_timeout_seconds=300) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            watched = await client.call_tool("watch", {"text": "tell me when someone says van"})
            assert not watched.is_error, watched
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                status = (await client.call_tool("status", {})).structured_content
                if status and status["state"] == "ended":
                    break
                await anyio.sleep(0.5)
            asked = await client.call_tool("ask", {"question": VAN})
            assert asked.structured_content is not None
            return tools, status or {}, asked.structured_content

    tools, status, answer = anyio.run(session)
    assert tools == ["ask", "search_timeline", "status", "unwatch", "watch"]
    assert status["state"] == "ended" and status["watches"][0]["id"] == 1
    assert "north entrance" in answer["answer"].lower()
    assert any(e["kind"] == "speech" and e["start"] >= 8.0 for e in answer["evidence"])
