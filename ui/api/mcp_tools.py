"""An MCP server over the app's controller: tools an agent calls to ask the camera.

Tools `ask`, `watch`, `unwatch`, `search_timeline` and `status`, each one call
of the same `AppController` the page and the HTTP API use. `launch.py serve
SOURCE --mcp-stdio` speaks it over stdin/stdout (an agent starts the command);
`launch.py serve` and `launch.py app` also serve it as streamable HTTP at /mcp
(`ui.api.mcp_http`), behind the same login as /v1.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from streamer.errors import StreamerError

try:
    from mcp.server.mcpserver import MCPServer
except ImportError as e:  # mcp 1.x (FastMCP) or none: one sentence, not a trace
    raise StreamerError(
        "The MCP server needs the mcp package, version 2: pip install 'mcp>=2.3,<3'."
    ) from e

from ui.api.rest import wait_for_time
from ui.api.schemas import watch_json
from ui.controller import AppController

INSTRUCTIONS = (
    "A video stream being watched now (a camera, a file, a URL): ask what was seen, said or "
    "shown and when; add standing questions ('tell me when someone says budget'); search "
    "what was heard and read."
)
ANSWER_WAIT = 600.0  # seconds an answer may take (a vlm on a CPU)


def build_mcp(app: AppController) -> MCPServer:
    server: MCPServer = MCPServer("streamer", instructions=INSTRUCTIONS)

    @server.tool()
    def ask(question: str, at: float | None = None) -> dict[str, Any]:
        """Ask about the stream as of now (or once it reaches stream time `at`, in seconds).

        Returns the answer, the stream time it was asked at and its evidence (times, kinds,
        texts of what was said, read or seen).
        """
        if at is not None:
            wait_for_time(app, at, ANSWER_WAIT)
        a = app.ask(question, wait=ANSWER_WAIT).stream.result(ANSWER_WAIT)
        evidence = [
            {"start": e.start, "end": e.end, "kind": e.kind, "text": e.text} for e in a.evidence
        ]
        return {"answer": a.text, "asked_at": a.asked_at, "evidence": evidence, "error": a.error}

    @server.tool()
    def watch(text: str) -> dict[str, Any]:
        """Add a standing question, e.g. 'tell me when the sign says gate 7'."""
        return watch_json(app.watching.watch(text))

    @server.tool()
    def unwatch(which: str) -> list[dict[str, Any]]:
        """Remove watches: by number, by words they contain, or 'all'."""
        key: int | str = int(which) if which.isdigit() else "" if which == "all" else which
        return [watch_json(w) for w in app.watching.unwatch(key)]

    @server.tool()
    def search_timeline(query: str) -> list[dict[str, Any]]:
        """What was said, read and seen that matches `query`, best first, with stream times."""
        return [
            {"start": e.start, "end": e.end, "kind": e.kind, "text": e.text}
            for e in app.timeline(query)
        ]

    @server.tool()
    def status() -> dict[str, Any]:
        """What is being watched, its state (running, ended, ...), how far it has got, and
        each alert channel: delivered, pending, last error."""
        live = app.live()
        s = live.stats
        alerts = app.watching.alerts()[1]
        return {
            "state": live.state,
            "label": live.label,
            "stream_time": s.stream_time if s else 0.0,
            "watches": [watch_json(w) for w in app.watching.watch_list()],
            "alerts": [a.sentence for a in alerts[-10:]],  # the newest ten
            "notice": live.notice,
            # where alerts go, and how it goes: per channel delivered, pending, last error
            "notify": [asdict(c) for c in app.watching.notify_stats()],
        }

    return server
