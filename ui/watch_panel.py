"""The watches panel: standing questions added and removed, alerts shown as they fire.

The live view's timer polls the alerts (no event from the session's worker
thread reaches the page): each new one goes into this tab's chat (through its
`AlertFeed`), into the alerts list with its thumbnail, and, when the tab asked
for them, into a browser notification and a short beep made in the page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import gradio as gr

from streamer.errors import USER_ERRORS
from streamer.session_watches import registered_sentence
from ui.alert_feed import AlertFeed, alert_message
from ui.controller import AppController
from ui.html import notice_html
from ui.notify_panel import NotifyPanel, build_notify_panel, wire_notify_panel
from ui.theme import thumbnail_gallery
from ui.watch_view import alert_items, render_watches, watch_choices

# Runs in the page on each new batch of alerts: (signal JSON, notify?, sound?).
ALERT_JS = """(signal, notify, sound) => {
  let a = null;
  try { a = JSON.parse(signal || 'null'); } catch (e) { return; }
  if (!a) return;
  if (notify && 'Notification' in window && Notification.permission === 'granted') {
    new Notification('streamer', { body: a.text, tag: 'sv-alert-' + a.seq });
  }
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (sound && Ctx) {  // 880 Hz for 0.25 s, fading out: no audio file needed
    const ctx = window.svAudio || (window.svAudio = new Ctx());
    const osc = ctx.createOscillator(), gain = ctx.createGain(), t = ctx.currentTime;
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.2, t);
    gain.gain.exponentialRampToValueAtTime(0.001, t + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 0.25);
  }
}"""
# A click is the user gesture browsers want before they ask for permission / play sound.
ASK_PERMISSION_JS = """(on) => {
  if (on && 'Notification' in window && Notification.permission === 'default') {
    Notification.requestPermission();
  }
}"""
UNLOCK_AUDIO_JS = """(on) => {
  const Ctx = window.AudioContext || window.webkitAudioContext;
  if (on && Ctx) { window.svAudio = window.svAudio || new Ctx(); window.svAudio.resume(); }
}"""


@dataclass
class WatchPanel:
    table: Any
    text: Any
    add: Any
    pick: Any
    remove: Any
    notify: Any
    sound: Any
    alerts: Any
    signal: Any  # hidden: the newest alerts as JSON, for ALERT_JS
    feed: Any  # gr.State(AlertFeed): this tab's alerts into its chat
    last: Any  # gr.State: what the panel shows now (skip sending it again)
    channels: NotifyPanel  # where alerts go beyond the page (--notify)


def build_watch_panel() -> WatchPanel:
    """The panel's components (inside the caller's tab)."""
    table = gr.HTML(render_watches([], []), elem_id="sv-watches")
    with gr.Row():
        text = gr.Textbox(
            label="Watch for",
            scale=4,
            elem_id="sv-watch-text",
            placeholder="a person appears · someone says budget · the sign says gate 7",
        )
        add = gr.Button("Watch", variant="primary", scale=1, min_width=80, elem_id="sv-watch-add")
    with gr.Row():
        pick = gr.Dropdown([], label="Remove a watch", scale=4, elem_id="sv-watch-pick")
        remove = gr.Button("Remove", scale=1, min_width=80, elem_id="sv-watch-remove")
    with gr.Row():
        notify = gr.Checkbox(label="Browser notification", value=False, elem_id="sv-notify")
        sound = gr.Checkbox(label="Sound", value=False, elem_id="sv-sound")
    alerts = thumbnail_gallery("Alerts, newest first", "sv-alerts")
    signal = gr.Textbox(visible="hidden", elem_id="sv-alert-signal")
    return WatchPanel(
        table,
        text,
        add,
        pick,
        remove,
        notify,
        sound,
        alerts,
        signal,
        gr.State(AlertFeed()),
        gr.State(None),
        build_notify_panel(),
    )


@dataclass
class WatchHandlers:
    app: AppController

    def add(self, text: str | None) -> tuple[str, Any]:
        """(notice, the text box): the watch in words, or what to type instead."""
        try:
            watch = self.app.watching.watch(text or "")
        except USER_ERRORS as e:
            return notice_html(str(e)), gr.skip()
        return notice_html(registered_sentence(watch), "ok"), ""

    def remove(self, which: int | str | None) -> str:
        if which is None or which == "":
            return notice_html("Pick the watch to remove first.", "info")
        gone = self.app.watching.unwatch(int(which))
        if not gone:
            return notice_html("That watch was already removed.", "info")
        return notice_html(f"Stopped watching for {gone[0].description}.", "ok")

    def tick(self, feed: AlertFeed, last: Any) -> tuple[Any, ...]:
        """(signal, table, remove dropdown, alerts list, last): skips what did not change.

        New alerts change the signal, which posts them into the chat (`post_alerts`)
        and, when asked for, notifies and beeps in the page (ALERT_JS).
        """
        generation, alerts = self.app.watching.alerts()
        watches = self.app.watching.watch_list()
        new = feed.take(generation, alerts)
        signal: Any = gr.skip()
        if new:
            text = "\n".join(alert_message(a) for a in new)
            signal = json.dumps({"seq": f"{generation}-{len(alerts)}", "text": text})
        listed = (generation, tuple((w.id, w.text) for w in watches))
        fired = (generation, tuple(hash(a.evidence.thumbnail) for a in alerts))  # late pictures
        was = last if isinstance(last, tuple) and len(last) == 2 else (None, None)
        table = render_watches(watches, alerts) if (listed, fired) != was else gr.skip()
        pick = gr.skip()
        if listed != was[0]:
            pick = gr.update(choices=watch_choices(watches), value=None)
        items = alert_items(alerts) if fired != was[1] else gr.skip()
        return signal, table, pick, items, (listed, fired)


def post_alerts(history: list[Any] | None, feed: AlertFeed) -> Any:
    """The chat with the alerts this tab owes it (run on new alerts and after each answer)."""
    posted = feed.post(history)
    return posted if posted is not None else gr.skip()


def wire_watch_panel(
    panel: WatchPanel, h: WatchHandlers, timer: Any, chatbot: Any, notice: Any
) -> None:
    private: dict[str, Any] = {"api_visibility": "private"}
    hidden: dict[str, Any] = {"show_progress": "hidden", **private}
    panel.add.click(h.add, panel.text, [notice, panel.text], api_name="watch")
    panel.text.submit(h.add, panel.text, [notice, panel.text], **private)
    panel.remove.click(h.remove, panel.pick, notice, api_name="unwatch")
    outputs = [panel.signal, panel.table, panel.pick, panel.alerts, panel.last]
    timer.tick(h.tick, [panel.feed, panel.last], outputs, **hidden)
    panel.signal.change(post_alerts, [chatbot, panel.feed], chatbot, **hidden)
    panel.signal.change(None, [panel.signal, panel.notify, panel.sound], None, js=ALERT_JS)
    panel.notify.input(None, panel.notify, None, js=ASK_PERMISSION_JS)
    panel.sound.input(None, panel.sound, None, js=UNLOCK_AUDIO_JS)
    wire_notify_panel(panel.channels, h.app, timer, notice)
