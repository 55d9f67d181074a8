"""The Gradio app: one Blocks page over one `AppController`, and how it is served.

    app = AppController(sessions_dir)
    demo = build_app(app, AppOptions())
    launch(demo, AppOptions(), block=False)   # tests; the app command blocks

Layout: live view and source picker on the left, chat and evidence on the
right, then tabs for memory, watches, timeline, stats and saved sessions.
Two timers pull state (no per-frame events): the live view and the alerts
twice a second, the panels every two seconds.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any

import gradio as gr
from fastapi import FastAPI
from starlette.routing import Route

from streamer.errors import StreamerError
from streamer.memory.items import DEFAULT_MEMORY
from streamer.session import Session
from ui.api import API_PATH
from ui.controller import MAX_SPEED, MIN_SPEED, AppController
from ui.handlers import Handlers
from ui.live_view import render_live
from ui.sources import FILE, MODES, URL, WEBCAM, initial_source
from ui.theme import CSS, theme, thumbnail_gallery
from ui.watch_panel import (
    build_watch_panel,
)
from ui.wiring import Page, wire

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
DELETE_CACHE = (1800, 3600)  # every 30 min, delete Gradio temp files older than 1 h
MAX_FILE_SIZE = "2gb"
EXAMPLES = [
    "What did the sign say?",
    "What was said about the budget?",
    "Which room is the meeting in?",
    "What is on screen now?",
]
NO_VLM_HINT = (
    "No vision-language model found; `python launch.py models pull "
    "llava-hf/llava-onevision-qwen2-0.5b-ov-hf` gets one."
)
VIDEO_TYPES = ["video", ".mkv", ".ts", ".webm", ".mov", ".avi", ".flv", ".mpg"]


@dataclass
class AppOptions:
    host: str = "127.0.0.1"
    port: int | None = None  # None: 7860 or the next free port
    share: bool = False
    auth: tuple[str, str] | None = None
    api_key: str | None = None  # bearer token the API at /v1 also accepts
    open_browser: bool = False
    memory: str = DEFAULT_MEMORY  # defaults of the settings panel
    backend: str = "extractive"
    speed: float = 1.0
    source: str | None = None  # the `--source` started at launch: the picker shows it

    @property
    def local_only(self) -> bool:
        """Only this machine can reach the app (typed server paths are allowed then)."""
        return self.host in LOCAL_HOSTS and not self.share


def check_access(options: AppOptions) -> None:
    """A page reachable from other machines needs a password; a chosen port must be free."""
    if not options.local_only and options.auth is None:
        raise StreamerError(
            "Serving beyond this machine (--share or a non-local --host) needs "
            "--auth user:password; add it or listen on 127.0.0.1."
        )
    if options.port is not None and not port_is_free(options.host, options.port):
        raise StreamerError(
            f"Port {options.port} on {options.host} is in use; pick another with --port, "
            "or leave --port out to take the next free one."
        )


def backend_choices(default: str, vision_models: list[str]) -> list[str]:
    """The dropdown's backends: each kind that runs as it is, each `vlm:ID` found, the default.

    A bare "vlm" needs a model to read, so the found models stand in for it; a bare
    "openai" needs a server, so only an `openai:MODEL@URL` given as the default is listed.
    """
    kinds = [k for k in Session.backend_names() if k not in ("vlm", "openai")]
    return list(dict.fromkeys([*kinds, *vision_models, default]))


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on (host, port) now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def build_app(app: AppController, options: AppOptions) -> gr.Blocks:
    page = Page()
    with gr.Blocks(title="streamer", delete_cache=DELETE_CACHE, analytics_enabled=False) as demo:
        gr.Markdown(
            "# streamer\nWatches a stream, remembers what it saw and heard, and answers "
            "questions while it keeps watching.",
            elem_id="sv-title",
        )
        page.notice = gr.HTML("", elem_id="sv-notice")
        with gr.Row(equal_height=False):
            with gr.Column(scale=6):
                _player(page, app, options)
            with gr.Column(scale=5):
                _chat(page)
        _tabs(page)
        page.states = (gr.State(None), gr.State(None), gr.State({}), gr.State(None))
        wire(demo, page, Handlers(app, allow_paths=options.local_only))
    return demo


def _player(page: Page, app: AppController, options: AppOptions) -> None:
    page.live = gr.HTML(render_live(app.live()), elem_id="sv-live")
    with gr.Row():
        page.controls = (
            gr.Button("Start", variant="primary", min_width=80, elem_id="sv-start"),
            gr.Button("Pause", min_width=80, elem_id="sv-pause"),
            gr.Button("Resume", min_width=80, elem_id="sv-resume"),
            gr.Button("Stop", variant="stop", min_width=80, elem_id="sv-stop"),
        )
    with gr.Accordion("Source and settings", open=True):
        first = initial_source(options.source)
        mode = gr.Radio(list(MODES), value=first.mode, label="Source", elem_id="sv-mode")
        upload = gr.File(
            label="Upload a video (up to 2 GB)",
            file_types=VIDEO_TYPES,
            type="filepath",
            visible=first.mode == FILE,
            elem_id="sv-upload",
            height=110,
        )
        path = gr.Textbox(
            first.path,
            label="…or a video path on this machine",
            visible=first.mode == FILE,
            interactive=options.local_only,
            placeholder="/home/me/talk.mp4",
            elem_id="sv-path",
        )
        url = gr.Textbox(
            first.url,
            label="Stream URL",
            visible=first.mode == URL,
            elem_id="sv-url",
            placeholder="https://…/video.mp4, rtsp://camera/stream, https://…/live.m3u8",
        )
        cams = Session.cameras()
        if first.device and first.device not in [c[1] for c in cams]:
            cams = [*cams, (first.device.replace("webcam:", "camera "), first.device)]
        webcam = first.mode == WEBCAM
        device = gr.Dropdown(
            cams,
            value=first.device or cams[0][1],
            label="Camera",
            visible=webcam,
            elem_id="sv-device",
        )
        with gr.Row():
            mics = Session.microphones()
            mic = gr.Checkbox(
                label="Microphone",
                value=True,
                visible=webcam,
                elem_id="sv-mic",
                info="The room's sound with the picture, on one clock.",
            )
            mic_device = gr.Dropdown(
                mics,
                value=mics[0][1],
                label="Microphone device",
                visible=webcam,
                elem_id="sv-mic-device",
            )
        page.source = (mode, upload, path, url, device, mic, mic_device)
        with gr.Row():
            speed = gr.Slider(
                MIN_SPEED,
                MAX_SPEED,
                value=options.speed,
                step=0.5,
                label="Replay speed for files (×)",
                elem_id="sv-speed",
            )
            loop = gr.Checkbox(label="Loop the file", value=False)
        with gr.Row():
            memory = gr.Dropdown(list(Session.memory_names()), value=options.memory, label="Memory")
            with gr.Column():
                found = Session.vision_models()
                backend = gr.Dropdown(
                    backend_choices(options.backend, found),
                    value=options.backend,
                    label="Backend",
                    elem_id="sv-backend",
                )
                if not found:
                    gr.Markdown(NO_VLM_HINT, elem_id="sv-vlm-hint")
        gr.Markdown("Source, speed, memory and backend apply at the next Start.")
        page.settings = (speed, loop, memory, backend)


def _chat(page: Page) -> None:
    chatbot = gr.Chatbot(
        label="Ask about what it saw and heard",
        show_label=False,
        height=360,
        elem_id="sv-chat",
        placeholder="Ask at any moment: the answer comes from what was seen and heard "
        "so far, with the moments it rests on.",
    )
    with gr.Row():
        question = gr.Textbox(
            show_label=False,
            placeholder="e.g. What did the sign say?",
            scale=5,
            elem_id="sv-question",
            submit_btn=False,
        )
        ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="sv-ask")
    gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="Try")
    gallery = thumbnail_gallery("Evidence: click one to see that moment", "sv-evidence")
    moment = gr.Image(
        label="The moment",
        visible=False,
        interactive=False,
        format="jpeg",
        height=300,
        elem_id="sv-moment",
    )
    caption = gr.Markdown("")
    page.chat = (chatbot, question, ask)
    page.evidence = (gallery, moment, caption)


def _tabs(page: Page) -> None:
    with gr.Tabs():
        with gr.Tab("Memory"):
            memory = gr.HTML("", elem_id="sv-memory")
        with gr.Tab("Watches", elem_id="sv-watches-tab"):
            page.watches = build_watch_panel()
        with gr.Tab("Timeline"):
            search = gr.Textbox(
                label="Search what was heard, read and seen",
                placeholder="budget, room, …",
                elem_id="sv-search",
            )
            timeline = gr.HTML("", elem_id="sv-timeline")
        with gr.Tab("Stats"):
            stats = gr.HTML("", elem_id="sv-stats")
        with gr.Tab("Sessions"):
            with gr.Row():
                name = gr.Textbox(label="Save as", placeholder="(a name, or a time stamp)")
                save = gr.Button("Save this session", elem_id="sv-save")
            with gr.Row():
                saved = gr.Dropdown(
                    [],
                    label="Saved sessions",
                    scale=4,
                    allow_custom_value=True,
                    elem_id="sv-saved",
                )
                refresh = gr.Button("Refresh", scale=0, min_width=80)
                reopen = gr.Button("Reopen and ask about it", scale=1, elem_id="sv-reopen")
    page.panels = (memory, search, timeline, stats)
    page.sessions = (name, save, saved, refresh, reopen)


def launch(
    demo: gr.Blocks,
    options: AppOptions,
    *,
    block: bool = True,
    api: FastAPI | None = None,
    mcp: Route | None = None,
) -> Any:
    """Serve the page (`api` at /v1 and `mcp` at /mcp beside it); returns at once unless `block`."""
    check_access(options)
    served = demo.launch(
        server_name=options.host,
        server_port=options.port,
        share=options.share,
        auth=options.auth,
        inbrowser=options.open_browser,
        prevent_thread_lock=True,  # blocked below, once the API is mounted
        ssr_mode=False,
        max_file_size=MAX_FILE_SIZE,
        theme=theme(),
        css=CSS,
        show_error=True,
        quiet=not block,
    )
    if api is not None:  # Gradio's own FastAPI app: same host, port and process
        demo.app.mount(API_PATH, api)
    if mcp is not None:  # first: ahead of any route of Gradio's that the path could match
        demo.app.router.routes.insert(0, mcp)
    if block:
        demo.block_thread()
    return served
