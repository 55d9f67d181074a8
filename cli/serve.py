"""`launch.py serve SOURCE`: watch a source headless and serve the API at /v1.

For always-on use: no page, no browser; the same API the app mounts beside its
page (OpenAI-style chat, REST, alerts as Server-Sent Events), autosaved into
the sessions folder like every session the app starts. Ctrl-C (or SIGTERM)
stops the stream, saves it and exits.

    python launch.py serve rtsp://camera.local/stream --api-key "$KEY"
    curl -H "Authorization: Bearer $KEY" http://127.0.0.1:7860/v1/status
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cli.app import parse_auth
from cli.args import (
    add_api_key,
    add_device,
    add_language,
    add_network,
    add_notify,
    network_options,
    port,
    positive,
)
from cli.notify import finish_notifier, open_notifier
from streamer.errors import StreamerError
from streamer.memory.items import DEFAULT_MEMORY

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ui.api import Access
    from ui.controller import AppController

HELP = "watch a source headless and serve the API (no page)"
PORT = 7860  # the app's port: a client points at either the same way
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="file path, URL, webcam:N or webcam:N+mic:NAME")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port, default=PORT, help=f"port (default {PORT})")
    parser.add_argument("--auth", metavar="USER:PASS", help="require this login (HTTP Basic)")
    add_api_key(parser)
    parser.add_argument("--speed", type=positive, default=1.0, help="replay speed of a file")
    parser.add_argument("--loop", action="store_true", help="play a file again from the start")
    parser.add_argument("--memory", default=DEFAULT_MEMORY, help="memory strategy")
    parser.add_argument("--backend", default="extractive", help="reasoning backend")
    add_device(parser)
    add_language(parser)
    add_network(parser)
    parser.add_argument(
        "--mcp-stdio",
        action="store_true",
        help="speak MCP over stdin/stdout instead of serving HTTP (an agent starts this command)",
    )
    parser.add_argument(
        "--sessions-dir", help="where sessions are saved (default ~/.local/share/streamer/sessions)"
    )
    add_notify(parser)


def check_serving(host: str, port: int, auth: object, api_key: str | None) -> None:
    """Beyond this machine only with a login; the port must be free (one sentence, not a trace)."""
    if host not in LOCAL_HOSTS and auth is None and not api_key:
        raise StreamerError(
            "Serving beyond this machine (a non-local --host) needs --api-key or --auth "
            "user:password; add one or listen on 127.0.0.1."
        )
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            raise StreamerError(
                f"Cannot listen on {host}:{port} ({e.strerror}); pick another --port."
            ) from None


def run(args: argparse.Namespace) -> int:
    from ui.controller import AppController
    from ui.saved import default_sessions_dir

    auth = parse_auth(args.auth)
    if not args.mcp_stdio:
        check_serving(args.host, args.port, auth, args.api_key)  # before loading anything
    sessions = Path(args.sessions_dir).expanduser() if args.sessions_dir else None
    notifier = open_notifier(args.notify)  # a bad URL: refused before any model loads
    app = AppController(
        sessions or default_sessions_dir(), device=args.device, language=args.language
    )
    app.watching.notifier = notifier
    try:
        return _serve(args, app, auth)
    finally:
        finish_notifier(app.watching.notifier, args.notify_wait)  # after the stream's last alert


def _serve(args: argparse.Namespace, app: AppController, auth: tuple[str, str] | None) -> int:
    import uvicorn

    from ui.api import API_PATH, Access
    from ui.controller import StartRequest

    app.models.start()
    app.start_in_background(
        StartRequest(
            args.source,
            args.source,
            args.speed,
            args.loop,
            args.memory,
            args.backend,
            source_options=network_options(args),
        )
    )
    if args.mcp_stdio:
        return _mcp_stdio(app)
    root = _root_app(app, Access(auth, args.api_key), args.host)
    url = f"http://{args.host}:{args.port}{API_PATH}"
    print(
        f"Serving the streamer API on {url} (docs: {url}/docs; MCP: "
        f"http://{args.host}:{args.port}/mcp); watching {args.source}."
    )
    sys.stdout.flush()
    config = uvicorn.Config(root, host=args.host, port=args.port, log_level="warning")
    for sig in (signal.SIGINT, signal.SIGTERM):  # uvicorn passes them on once it has shut down:
        signal.signal(sig, _stopping)  # a stop is the normal way out, not an error
    try:
        uvicorn.Server(config).run()  # returns on Ctrl-C or SIGTERM
    finally:
        app.close()  # stops the stream: its last autosave
    return 0


def _stopping(signum: int, frame: object) -> None:
    print("Stopping: the stream is saved into the sessions folder.", file=sys.stderr)


def _mcp_stdio(app: AppController) -> int:
    """MCP on stdin/stdout until the client closes it; stdout carries nothing else."""
    from ui.api.mcp_tools import build_mcp

    print("Speaking MCP on stdin/stdout.", file=sys.stderr)
    try:
        build_mcp(app).run("stdio")
    finally:
        app.close()
    return 0


def _root_app(app: AppController, access: Access, host: str) -> FastAPI:
    """The API at /v1 and MCP (streamable HTTP) at /mcp, both behind `access`."""
    from fastapi import FastAPI

    from ui.api import API_PATH, build_api
    from ui.api.mcp_http import mcp_route

    root = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    root.router.routes.append(mcp_route(app, access, host))
    root.mount(API_PATH, build_api(app, access))
    return root
