"""How the watches panel shows the watches and their alerts (no Gradio in here)."""

from __future__ import annotations

from collections import Counter

from streamer.timeref import format_clock
from streamer.watch import Alert, Watch
from ui.html import esc, kind_label
from ui.images import image_file, tile

ALERTS_SHOWN = 40  # the newest alerts in the list (all of them stay in the session)
NO_WATCHES = (
    '<div class="sv-muted">Not watching for anything yet: type what to watch for below, '
    "or say “tell me when …” in the chat.</div>"
)


def render_watches(watches: list[Watch], alerts: list[Alert]) -> str:
    """A table of the active watches: id, what it looks for, since when, alerts so far."""
    if not watches:
        return NO_WATCHES
    fired = Counter(a.watch for a in alerts)
    rows = "".join(
        f'<tr data-watch="{w.id}"><td>{w.id}</td><td>{esc(w.description)}</td>'
        f"<td>{format_clock(w.since)}</td><td>{fired[w.id]}</td></tr>"
        for w in watches
    )
    head = "<tr><th>#</th><th>watching for</th><th>since</th><th>alerts</th></tr>"
    return f'<table class="sv-table sv-watches">{head}{rows}</table>'


def watch_choices(watches: list[Watch]) -> list[tuple[str, int]]:
    """The remove dropdown's choices: ('2. someone saying "budget"', 2)."""
    return [(f"{w.id}. {w.description}", w.id) for w in watches]


def alert_caption(a: Alert) -> str:
    return f"{a.sentence} Watch {a.watch}, alerted {a.delay:.1f} s after (at {format_clock(a.at)})."


def alert_items(alerts: list[Alert]) -> list[tuple[str, str]]:
    """(thumbnail file, caption) per alert, newest first; a drawn tile where no frame was kept."""
    shown = alerts[::-1][:ALERTS_SHOWN]
    return [
        (image_file(a.evidence.thumbnail or tile(kind_label(a.evidence.kind))), alert_caption(a))
        for a in shown
    ]
