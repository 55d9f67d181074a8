"""/v1/status and MCP's status show each alert channel: delivered, pending, last error.

A real webhook channel (the outbox on disk, a delivery worker) and a real local HTTP
receiver that is down for the first alerts and then comes up.
"""

from __future__ import annotations

import time
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient

from streamer.bench.peers import Receiver, free_port
from streamer.notify import Notifier, notice_of
from streamer.types import Evidence
from streamer.watch import Alert
from tests.ui.conftest import wait_for
from ui.api import build_api
from ui.api.mcp_tools import build_mcp
from ui.controller import AppController

pytestmark = pytest.mark.timeout(300)


def _alert(n: int) -> Alert:
    t = 10.0 * n
    said = f"the budget is due on day {n}"
    return Alert(
        1,
        "tell me when someone mentions the budget",
        t,
        t + 1.5,
        t + 2.0,
        time.time(),
        f"At {t:.0f} s someone said “{said}”.",
        Evidence(t, t + 1.5, "speech", said, 1.0, None),
    )


def test_status_shows_a_webhook_down_then_delivered(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the outbox lives there
    port = free_port()
    hook = f"http://127.0.0.1:{port}/hook"
    app = AppController(tmp_path / "sessions")
    app.watching.notifier = Notifier.for_urls([hook])
    assert app.watching.notifier.start() == []
    try:
        client = TestClient(build_api(app))
        assert client.get("/status").json()["notify"] == [
            {"channel": hook, "kind": "webhook", "delivered": 0, "pending": 0, "last_error": None}
        ]
        for n in (1, 2, 3):
            app.watching.notifier.submit(notice_of(_alert(n), "door"))

        def down() -> dict | None:
            (c,) = client.get("/status").json()["notify"]
            return c if c["last_error"] else None

        channel = wait_for(down, 30, "the first failed delivery")
        assert isinstance(channel, dict)
        assert channel["pending"] == 3 and channel["delivered"] == 0
        assert "not reachable" in channel["last_error"]
        (by_mcp,) = anyio.run(_mcp_status, app)["notify"]
        assert by_mcp["channel"] == hook and by_mcp["pending"] == 3 and by_mcp["delivered"] == 0
        assert "not reachable" in by_mcp["last_error"]

        receiver = Receiver(port).start()
        try:
            receiver.wait_for(3)
            app.watching.notifier.wait(10.0)
        finally:
            receiver.stop()
        assert client.get("/status").json()["notify"] == [
            {"channel": hook, "kind": "webhook", "delivered": 3, "pending": 0, "last_error": None}
        ]
    finally:
        app.close()
        app.watching.notifier.close()


async def _mcp_status(app: AppController) -> dict:
    from mcp import Client

    async with Client(build_mcp(app)) as client:  # the SDK's in-memory transport
        result = await client.call_tool("status", {})
        assert result.structured_content is not None
        return result.structured_content
