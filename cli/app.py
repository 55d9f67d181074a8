"""`launch.py app` (the default command): serve the Gradio app and start watching.

The page opens on the bundled demo clip, playing at its own pace on a loop
(until another source is picked), while the models load; Ctrl-C stops the stream
and the server. Temp files live in a private folder removed at exit
(`ui/tempdir.py`).
"""

from __future__ import annotations

import argparse
import signal
from pathlib import Path

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

HELP = "open the app in a browser (the default command)"
DEMO_CLIP = Path(__file__).resolve().parents[1] / "assets" / "demo.mp4"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument(
        "--port", type=port, default=None, help="port (default: 7860, or the next free one)"
    )
    parser.add_argument("--share", action="store_true", help="a public Gradio link (needs --auth)")
    parser.add_argument("--auth", metavar="USER:PASS", help="require this login")
    add_api_key(parser)
    parser.add_argument(
        "--source",
        default=str(DEMO_CLIP),
        help="what to start watching: file, URL, webcam:N or webcam:N+mic:NAME (default: the "
        "demo clip, on a loop); "
        "'none' to start nothing",
    )
    parser.add_argument("--speed", type=positive, default=1.0, help="replay speed of a file")
    parser.add_argument("--memory", default=DEFAULT_MEMORY, help="memory strategy")
    parser.add_argument("--backend", default="extractive", help="reasoning backend")
    add_device(parser)
    add_language(parser)
    add_network(parser)
    parser.add_argument(
        "--sessions-dir", help="where sessions are saved (default ~/.local/share/streamer/sessions)"
    )
    parser.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    add_notify(parser)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise StreamerError("Give --auth as user:password (both parts non-empty).")
    return user, password


def run(args: argparse.Namespace) -> int:
    from ui.tempdir import private_temp_dir

    with private_temp_dir():  # entered before Gradio is imported: it reads GRADIO_TEMP_DIR then
        return _serve(args)


def _serve(args: argparse.Namespace) -> int:
    from ui.api import Access, build_api
    from ui.api.mcp_http import mcp_route
    from ui.app import AppOptions, build_app, check_access, launch
    from ui.controller import DEMO_LABEL, AppController, StartRequest, is_demo
    from ui.saved import default_sessions_dir

    options = AppOptions(
        host=args.host,
        port=args.port,
        share=args.share,
        auth=parse_auth(args.auth),
        api_key=args.api_key,
        open_browser=not args.no_browser,
        memory=args.memory,
        backend=args.backend,
        speed=args.speed,
        source=args.source,
    )
    check_access(options)  # refuse before loading anything
    sessions = Path(args.sessions_dir).expanduser() if args.sessions_dir else None
    app = AppController(
        sessions or default_sessions_dir(), device=args.device, language=args.language
    )
    app.watching.notifier = open_notifier(args.notify)
    app.models.start()
    if args.source and args.source.lower() != "none":
        label = DEMO_LABEL if is_demo(args.source) else args.source
        app.start_in_background(
            StartRequest(
                args.source,
                label,
                args.speed,
                memory=args.memory,
                backend=args.backend,
                source_options=network_options(args),
            )
        )
    signal.signal(signal.SIGTERM, _interrupt)  # a session manager's stop cleans up like Ctrl-C
    try:
        access = Access(options.auth, options.api_key)
        api, mcp = build_api(app, access), mcp_route(app, access, options.host)
        launch(build_app(app, options), options, block=True, api=api, mcp=mcp)
    finally:
        app.close()
        finish_notifier(
            app.watching.notifier, args.notify_wait
        )  # the Watches tab may have added one
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
