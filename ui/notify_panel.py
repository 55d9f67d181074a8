"""The Watches tab's channels: where alerts go beyond the page, and how each one is doing.

A URL typed here joins the `--notify` channels (mqtt://…, https://… for a
webhook, ntfy://host/topic); a login in it and a webhook secret are moved into
the user's notify config (chmod 600) and never shown again. The table lists each
channel's delivered, pending and last error, refreshed by the live view's timer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from streamer.errors import USER_ERRORS
from streamer.notify import ChannelStats
from ui.controller import AppController
from ui.html import esc, notice_html

NO_CHANNELS = (
    '<p class="sv-empty">Alerts stay in this page. Add a URL to send them to your phone '
    "(ntfy), Home Assistant (MQTT) or a webhook.</p>"
)


@dataclass
class NotifyPanel:
    url: Any
    secret: Any
    add: Any
    table: Any


def build_notify_panel() -> NotifyPanel:
    with gr.Row():
        url = gr.Textbox(
            label="Send alerts to",
            scale=4,
            elem_id="sv-notify-url",
            placeholder="ntfy://ntfy.sh/my-topic · mqtt://user:pass@homeassistant.local/streamer"
            " · https://example.org/hook",
        )
        secret = gr.Textbox(
            label="Webhook secret (optional)", type="password", scale=2, elem_id="sv-notify-secret"
        )
        add = gr.Button("Send there", scale=1, min_width=80, elem_id="sv-notify-add")
    table = gr.HTML(NO_CHANNELS, elem_id="sv-channels")
    return NotifyPanel(url, secret, add, table)


def render_channels(stats: list[ChannelStats]) -> str:
    """A row per channel: its URL (no login), delivered, pending, the last error."""
    if not stats:
        return NO_CHANNELS
    rows = "".join(
        f"<tr><td>{esc(s.kind)}</td><td>{esc(s.channel)}</td><td>{s.delivered}</td>"
        f"<td>{s.pending}</td><td>{esc(s.last_error or '')}</td></tr>"
        for s in stats
    )
    names = ("kind", "sends to", "delivered", "pending", "last error")
    head = "<tr>" + "".join(f"<th>{n}</th>" for n in names) + "</tr>"
    return f'<table class="sv-table sv-channels">{head}{rows}</table>'


def wire_notify_panel(panel: NotifyPanel, app: AppController, timer: Any, notice: Any) -> None:
    def add(url: str | None, secret: str | None) -> tuple[str, Any, Any, str]:
        if not (url or "").strip():
            return notice_html("Type the URL to send alerts to first.", "info"), gr.skip(), "", ""
        try:
            said = app.watching.notify_add(url or "", secret or "")
        except USER_ERRORS as e:
            return notice_html(str(e)), gr.skip(), "", gr.skip()
        return notice_html(said, "ok"), "", "", render_channels(app.watching.notify_stats())

    def tick(last: str | None) -> Any:
        shown = render_channels(app.watching.notify_stats())
        return shown if shown != last else gr.skip()

    private: dict[str, Any] = {"api_visibility": "private"}
    outputs = [notice, panel.url, panel.secret, panel.table]
    panel.add.click(add, [panel.url, panel.secret], outputs, **private)
    timer.tick(tick, panel.table, panel.table, show_progress="hidden", **private)
