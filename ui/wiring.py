"""The page's events: which handler each button, box and timer calls, in which queue.

page = Page()           # filled by ui/app.py's layout as it builds the components
wire(demo, page, Handlers(app))
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gradio as gr

from ui.alert_feed import AlertFeed
from ui.chat import ask_stream, select_answer, show_moment
from ui.handlers import Handlers
from ui.sources import FILE, URL, WEBCAM
from ui.watch_panel import WatchHandlers, WatchPanel, post_alerts, wire_watch_panel

LIVE_TICK, PANEL_TICK = 0.5, 2.0  # seconds between refreshes of the live view / the panels
# Questions from the page and from API clients wait in queues of their own: API load
# cannot hold back a viewer's question. API answers run at most one per core at a
# time: more would only share the cores (and the interpreter lock) with the page's
# live view, which then freezes (`bench page` measures it).
PAGE_ASKS = 8
API_ASKS = max(1, min(8, os.cpu_count() or 1))


@dataclass
class Page:
    """The components the event wiring needs."""

    notice: Any = None
    live: Any = None
    controls: tuple[Any, ...] = ()  # start, pause, resume, stop buttons
    source: tuple[Any, ...] = ()  # mode, upload, path, url, device, mic, mic_device
    settings: tuple[Any, ...] = ()  # speed, loop, memory, backend
    chat: tuple[Any, ...] = ()  # chatbot, question, ask button
    evidence: tuple[Any, ...] = ()  # gallery, moment image, moment caption
    panels: tuple[Any, ...] = ()  # memory html, timeline search, timeline html, stats html
    sessions: tuple[Any, ...] = ()  # save name, save button, saved dropdown, refresh, reopen
    states: tuple[Any, ...] = ()  # last live key, last panel hashes, by message, shown
    watches: WatchPanel | None = None


def wire(demo: gr.Blocks, page: Page, h: Handlers) -> None:
    """Every event of the page: the controls, the chat and the two refresh timers."""
    _wire_controls(page, h)
    _wire_chat(page, h)
    _wire_refresh(demo, page, h)


def _wire_controls(page: Page, h: Handlers) -> None:
    start, pause, resume, stop = page.controls
    mode, upload, path, url, device, mic, mic_device = page.source
    inputs = [mode, upload, path, url, device, *page.settings, mic, mic_device]
    start.click(h.start, inputs, page.notice, api_name="start", concurrency_limit=1)
    pause.click(h.pause, None, page.notice, api_name="pause")
    resume.click(h.resume, None, page.notice, api_name="resume")
    stop.click(h.stop, None, page.notice, api_name="stop")

    def show(m: str) -> tuple[Any, ...]:
        cam = m == WEBCAM
        return tuple(gr.update(visible=v) for v in (m == FILE, m == FILE, m == URL, cam, cam, cam))

    shown = [upload, path, url, device, mic, mic_device]
    mode.change(show, mode, shown, api_visibility="private")
    name, save, saved, refresh, reopen = page.sessions
    save.click(h.save, name, [page.notice, saved], api_name="save")
    reopen.click(h.reopen, saved, page.notice, api_name="reopen")
    refresh.click(h.saved_choices, None, saved, api_visibility="private")


def _wire_chat(page: Page, h: Handlers) -> None:
    chatbot, question, ask = page.chat
    gallery, moment, caption = page.evidence
    _, _, by_message, shown = page.states

    def answer(
        q: str, history: list[Any], by: dict[int, Any], feed: AlertFeed
    ) -> Iterator[tuple[Any, ...]]:
        yield from ask_stream(h.app, q, history, by, feed)

    def moment_of(s: Any, evt: gr.SelectData) -> tuple[Any, Any]:
        image, text = show_moment(h.app, s, evt)
        return gr.update(value=image, visible=image is not None), text

    outputs = [chatbot, question, gallery, shown, by_message, page.notice]
    assert page.watches is not None
    inputs = [question, chatbot, by_message, page.watches.feed]
    then: dict[str, Any] = {"show_progress": "hidden", "api_visibility": "private"}
    feed = [chatbot, page.watches.feed]  # alerts held back while it answered
    mine: dict[str, Any] = {
        "concurrency_limit": PAGE_ASKS,
        "concurrency_id": "page-ask",
        "api_visibility": "private",
    }
    for event in (ask.click, question.submit):
        event(answer, inputs, outputs, **mine).then(post_alerts, feed, chatbot, **then)
    # `/ask` for API clients: the same answer, from a button the page never shows
    api = gr.Button(visible=False)
    queue: dict[str, Any] = {"concurrency_limit": API_ASKS, "concurrency_id": "api-ask"}
    api.click(answer, inputs, outputs, api_name="ask", **queue)
    chatbot.select(select_answer, by_message, [gallery, shown], api_visibility="private")
    gallery.select(moment_of, shown, [moment, caption], api_visibility="private")


def _wire_refresh(demo: gr.Blocks, page: Page, h: Handlers) -> None:
    last_live, last_panels, _, _ = page.states
    memory, search, timeline, stats = page.panels
    hidden: dict[str, Any] = {"show_progress": "hidden", "api_visibility": "private"}
    live_timer, panel_timer = gr.Timer(LIVE_TICK), gr.Timer(PANEL_TICK)
    live_timer.tick(h.tick_live, last_live, [page.live, last_live], **hidden)
    panel_timer.tick(
        h.tick_panels, [search, last_panels], [memory, timeline, stats, last_panels], **hidden
    )
    search.submit(h.timeline, search, timeline, api_name="timeline")
    assert page.watches is not None
    wire_watch_panel(page.watches, WatchHandlers(h.app), live_timer, page.chat[0], page.notice)
    demo.load(h.saved_choices, None, page.sessions[2], api_visibility="private")
    gr.api(h.status, api_name="status")
