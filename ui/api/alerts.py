"""`GET /v1/alerts`: the current session's alerts as Server-Sent Events.

Each event is `event: alert`, `id: <generation>-<n>` (n counts the session's
alerts from 0) and the alert as JSON; a client that reconnects with
`Last-Event-ID` gets what it missed. New alerts only unless `since=0` asks
for the session's earlier ones too.

    curl -N http://127.0.0.1:7860/v1/alerts
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from ui.api.schemas import alert_json
from ui.controller import AppController

ALERT_POLL = 0.25  # seconds between looks for new alerts (the page's feed looks every 0.5 s)
KEEPALIVE = 15.0  # seconds of quiet before a comment line keeps proxies from closing


def resume_point(last_event_id: str | None, generation: int) -> int | None:
    """The index after the one a reconnecting client saw, if it was of this session."""
    gen, _, n = (last_event_id or "").partition("-")
    if gen.isdigit() and n.isdigit() and int(gen) == generation:
        return int(n) + 1
    return None


def build_alerts(app: AppController) -> APIRouter:
    router = APIRouter(tags=["streamer"])

    @router.get(
        "/alerts",
        summary="Alerts as Server-Sent Events (text/event-stream)",
        response_class=StreamingResponse,
    )
    async def alerts(request: Request, since: int | None = None) -> StreamingResponse:
        generation, seen = app.watching.alerts()
        start = resume_point(request.headers.get("last-event-id"), generation)
        if start is None:
            start = len(seen) if since is None else max(0, since)
        events = _events(app, request, generation, start)
        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events, media_type="text/event-stream", headers=headers)

    return router


async def _events(
    app: AppController, request: Request, generation: int, n: int
) -> AsyncIterator[str]:
    yield ": streamer alerts\n\n"  # sent at once: the client knows it is connected
    quiet = 0.0
    while not await request.is_disconnected():
        current, fresh = app.watching.alerts(n)
        if current != generation:  # another session became current: its alerts from its first
            generation, n = current, 0
            continue
        for alert in fresh:
            data = json.dumps(alert_json(alert, generation, n))
            yield f"event: alert\nid: {generation}-{n}\ndata: {data}\n\n"
            n += 1
        quiet = 0.0 if fresh else quiet + ALERT_POLL
        if quiet >= KEEPALIVE:
            yield ": keep-alive\n\n"
            quiet = 0.0
        await asyncio.sleep(ALERT_POLL)
