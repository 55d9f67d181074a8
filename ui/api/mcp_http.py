"""MCP over streamable HTTP at /mcp, one route that `serve` and the app's page server add.

The MCP SDK's session manager must run (an async context) while requests come in. A
mounted app's lifespan never runs, and the app's page server (Gradio's uvicorn) is
already up when the route is added, so the manager is started by the first request,
in the server's own event loop, and lives until that loop ends.
"""

from __future__ import annotations

import asyncio

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ui.api.access import Access, AccessMiddleware
from ui.api.mcp_tools import build_mcp
from ui.controller import AppController

MCP_PATH = "/mcp"


class _LazyMcp:
    """The MCP Starlette app, its session manager entered on the first request."""

    def __init__(self, app: AppController, host: str) -> None:
        server = build_mcp(app)
        self.asgi = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
        self.manager = server.session_manager
        self._ready: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None  # held: a task nobody holds may be collected

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._ready is None:
            self._ready = asyncio.Event()
            self._task = asyncio.create_task(self._run(self._ready))
        await self._ready.wait()
        await self.asgi(scope, receive, send)

    async def _run(self, ready: asyncio.Event) -> None:
        async with self.manager.run():
            ready.set()
            await asyncio.Event().wait()  # cancelled when the server's loop shuts down


def mcp_route(app: AppController, access: Access, host: str) -> Route:
    """The /mcp route (every method) over `app`'s tools, behind the API's `access`."""
    return Route(MCP_PATH, AccessMiddleware(_LazyMcp(app, host), access))
