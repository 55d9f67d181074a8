"""MCP over streamable HTTP on the app's own page server, beside /v1 and behind its login.

A real app (Gradio's server, the packaged models) with the demo's first 8 seconds as
its session; the `mcp` package's client lists the tools and asks the question the
demo's gate sign answers. The session is the demo followed as fast as it decodes and
then reopened, not played in real time: a loaded machine drops real-time samples, and
the sign is on screen for 3 s only.
"""

from __future__ import annotations

import anyio
import httpx
import pytest

from streamer.session import Session, SessionConfig
from tests.conftest import DEMO
from tests.ui.conftest import free_port
from ui.api import Access, build_api
from ui.api.mcp_http import mcp_route
from ui.app import AppOptions, build_app, launch

pytestmark = pytest.mark.timeout(400)

KEY, LOGIN = "mcp-key-3", ("ann", "pw-3")
TOOLS = ["ask", "search_timeline", "status", "unwatch", "watch"]


def mcp_session(url: str, headers: dict[str, str]) -> tuple[list[str], dict, dict]:
    """The tools' names, the status tool's and the ask tool's structured results."""
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async def session() -> tuple[list[str], dict, dict]:
        http = httpx2.AsyncClient(headers=headers, timeout=120)
        async with Client(streamable_http_client(url, http_client=http)) as client:
            tools = sorted(t.name for t in (await client.list_tools()).tools)
            status = (await client.call_tool("status", {})).structured_content
            asked = await client.call_tool("ask", {"question": "When does gate 7 close?"})
            assert not asked.is_error, asked
            return tools, status or {}, asked.structured_content or {}

    return anyio.run(session)


def test_the_app_serves_mcp_beside_the_api_behind_its_login(make_controller):
    app = make_controller()
    access = Access(basic=LOGIN, api_key=KEY)
    options = AppOptions(port=free_port(), auth=access.basic, api_key=access.api_key)
    demo = build_app(app, options)
    api, mcp = build_api(app, access), mcp_route(app, access, "127.0.0.1")
    launch(demo, options, block=False, api=api, mcp=mcp)
    try:
        url = f"http://127.0.0.1:{options.port}/mcp"
        for auth in ({}, {"Authorization": "Bearer wrong"}):  # every method: 401 without a login
            for method in ("GET", "POST", "DELETE"):
                assert httpx.request(method, url, headers=auth, json={}).status_code == 401
        seen = Session(
            SessionConfig(str(DEMO), pace="none", save_dir=str(app.sessions_dir / "demo-seen")),
            models=app.models.get(300),
        ).start()
        seen.run_until(8.0)  # past the gate sign (3 s to 6 s)
        seen.stop()  # saved into the app's sessions folder
        assert "Reopened demo-seen" in app.reopen("demo-seen")
        tools, status, asked = mcp_session(url, {"Authorization": f"Bearer {KEY}"})
        assert tools == TOOLS
        assert status["state"] == "reopened" and status["stream_time"] >= 7.5
        assert "noon" in asked["answer"].lower(), asked
        assert any("NOON" in e["text"] for e in asked["evidence"])
        basic = httpx.BasicAuth(*LOGIN)
        again = anyio.run(_tools_with_basic, url, basic)
        assert again == TOOLS  # the --auth login opens it too
        page = httpx.get(f"http://127.0.0.1:{options.port}/", timeout=10)
        assert page.status_code == 200  # the page still served beside it
    finally:
        demo.close()


async def _tools_with_basic(url: str, basic: httpx.BasicAuth) -> list[str]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    token = basic._auth_header  # "Basic <base64>"
    http = httpx2.AsyncClient(headers={"Authorization": token}, timeout=60)
    async with Client(streamable_http_client(url, http_client=http)) as client:
        return sorted(t.name for t in (await client.list_tools()).tools)
