"""The small REST surface: status, start/stop, ask at a time, timeline, watches, sessions.

Each route is one call of the app's `AppController` (the page's handlers make
the same calls), so the API and the page always agree. Alerts stream as
Server-Sent Events from `GET /v1/alerts` (see `ui/api/alerts.py`).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from streamer.errors import StreamerError
from ui.api.schemas import (
    AskRequest,
    ReopenBody,
    SaveBody,
    StartBody,
    WatchBody,
    answer_json,
    watch_json,
)
from ui.api.thumbnails import Thumbnails
from ui.controller import AppController, StartRequest

AT_POLL = 0.1  # seconds between looks at the stream time while waiting for `at`


def build_rest(app: AppController, thumbnails: Thumbnails) -> APIRouter:
    router = APIRouter(tags=["streamer"])

    @router.get("/status", summary="What is being watched, how far, and the models' state")
    def status() -> dict[str, Any]:
        live = app.live()
        s = live.stats
        return {
            "state": live.state,
            "label": live.label,
            "generation": live.generation,
            "stream_time": s.stream_time if s else 0.0,
            "timeline_events": s.timeline_events if s else 0,
            "answered": s.answered if s else 0,
            "models": app.models.state,
            "notice": live.notice,
            "source_status": live.status,
            "backend": app.backend(),
            "notify": [
                asdict(c) for c in app.watching.notify_stats()
            ],  # per channel: delivered, pending, …
        }

    @router.post("/start", summary="Watch a new source (the current one runs on if it fails)")
    def start(body: StartBody) -> dict[str, str]:
        req = StartRequest(
            body.source, body.source, body.speed, body.loop, body.memory, body.backend
        )
        return {"message": app.start(req)}

    @router.post("/stop", summary="Stop the stream; it can still be asked and saved")
    def stop() -> dict[str, str]:
        return {"message": app.stop()}

    @router.post("/ask", summary="Ask now, or at a stream time the stream has yet to reach")
    def ask(body: AskRequest, request: Request) -> dict[str, Any]:
        if body.at is not None:
            wait_for_time(app, body.at, body.timeout)
        asked = app.ask(body.question, body.options, wait=body.timeout)
        answer = asked.stream.result(600)
        base = str(request.url_for("thumbnail", name="x"))[:-1]
        return answer_json(answer, thumbnails, base)

    @router.get("/timeline", summary="The timeline in time order, or the best matches for q")
    def timeline(q: str | None = None, k: int = 50) -> list[dict[str, Any]]:
        return [
            {"start": e.start, "end": e.end, "kind": e.kind, "text": e.text}
            for e in app.timeline(q, k=max(1, min(k, 1000)))
        ]

    @router.get("/watches", summary="The standing questions")
    def watches() -> list[dict[str, Any]]:
        return [watch_json(w) for w in app.watching.watch_list()]

    @router.post("/watches", status_code=201, summary="Add a standing question")
    def add_watch(body: WatchBody) -> dict[str, Any]:
        return watch_json(app.watching.watch(body.text))

    @router.delete("/watches/{which}", summary="Remove a watch by number (or 'all')")
    def remove_watch(which: str) -> list[dict[str, Any]]:
        removed = app.watching.unwatch(
            int(which) if which.isdigit() else "" if which == "all" else which
        )
        if not removed:
            raise HTTPException(404, f"No watch {which}; GET /v1/watches lists them.")
        return [watch_json(w) for w in removed]

    @router.get("/sessions", summary="Saved sessions, newest first")
    def sessions() -> list[dict[str, Any]]:
        return [
            {
                "name": s.name,
                "source": s.manifest.source,
                "stream_time": s.manifest.stream_time,
                "memory": s.manifest.memory,
                "saved_at": s.manifest.saved_at,
            }
            for s in app.saved_sessions()
        ]

    @router.post("/sessions", status_code=201, summary="Save the current session")
    def save(body: SaveBody) -> dict[str, str]:
        return {"name": app.save(body.name)}

    @router.post("/sessions/reopen", summary="Make a saved session current (ask it, no source)")
    def reopen(body: ReopenBody) -> dict[str, str]:
        return {"message": app.reopen(body.name)}

    @router.get("/thumbnails/{name}", name="thumbnail", summary="An evidence thumbnail (JPEG)")
    def thumbnail(name: str) -> Response:
        jpeg = thumbnails.get(name)
        if jpeg is None:
            raise HTTPException(404, "That thumbnail is no longer kept; ask again for a fresh one.")
        return Response(jpeg, media_type="image/jpeg")

    return router


def wait_for_time(app: AppController, at: float, timeout: float) -> None:
    """Until the current stream has been perceived up to `at` (s), at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        live = app.live()
        reached = live.stats is not None and live.stats.stream_time >= at
        if reached or live.state in ("ended", "stopped", "error", "reopened"):
            return  # a stream that will go no further is asked where it is
        if time.monotonic() > deadline:
            raise StreamerError(
                f"The stream did not reach {at:g} s within {timeout:g} s; ask with a "
                "longer timeout or without `at`."
            )
        time.sleep(AT_POLL)
