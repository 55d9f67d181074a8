"""The live view: the newest frame and one line of stream health, as HTML.

The frame is sent inline as a JPEG data URI: no file is written per tick, and
a tick with no new frame and no new numbers sends nothing at all (see
`live_key`).
"""

from __future__ import annotations

from streamer.timeref import format_clock
from ui.controller import LiveState
from ui.html import encode_jpeg, esc, jpeg_uri

STATE_WORDS = {
    "loading": "loading models",
    "idle": "idle",
    "running": "playing",
    "paused": "paused",
    "finishing": "stream ended, finishing",
    "ended": "ended",
    "stopped": "stopped",
    "error": "error",
    "reopened": "saved session",
}


def live_key(live: LiveState) -> tuple[object, ...]:
    """What makes two live views different (the same key: nothing to send)."""
    s = live.stats
    seq = live.frame.seq if live.frame is not None else None
    numbers = None
    if s is not None:
        p, src = s.perception, s.source
        numbers = (
            s.stream_time,
            src.frames_dropped if src else None,
            round(p.lag, 1) if p else None,
        )
    return (live.generation, live.state, seq, numbers, live.notice, live.label, live.status)


def render_live(live: LiveState) -> str:
    """The frame (or a placeholder saying what to do) and the health line."""
    if live.frame is not None:
        uri = jpeg_uri(encode_jpeg(live.frame.image))
        t = live.frame.t
        picture = (
            f'<img class="sv-frame" src="{uri}" data-seq="{live.frame.seq}" '
            f'data-t="{t:.2f}" alt="frame at {format_clock(t)}">'
        )
    else:
        picture = f'<div class="sv-frame sv-empty">{esc(_placeholder(live))}</div>'
    return f'<div class="sv-live">{picture}{_health(live)}</div>'


def _placeholder(live: LiveState) -> str:
    if live.state == "loading":
        return "Loading the models (10–20 s the first time)…"
    if live.state == "reopened":
        return f"{live.label}: no video, but you can ask about it."
    if live.notice:
        return "Nothing is playing."
    return "Pick a source and press Start (the demo clip is ready)."


def _health(live: LiveState) -> str:
    word = STATE_WORDS.get(live.state, live.state)
    parts = [f'<span class="sv-state sv-{esc(live.state)}">● {esc(word)}</span>']
    s = live.stats
    if s is not None:
        parts.append(f'<b class="sv-clock">{format_clock(s.stream_time)}</b>')
        src, p = s.source, s.perception
        if src is not None:
            parts.append(f"{src.fps:.0f} fps in" if src.fps else "fps —")
            parts.append(f"{src.frames_dropped} dropped")
            if src.reconnects:  # a camera or network stream that came back: how long it was away
                times = "once" if src.reconnects == 1 else f"{src.reconnects}×"
                missed = f", {src.gap_seconds:.1f} s missed" if src.gap_seconds else ""
                parts.append(f"reconnected {times}{missed}")
            if src.av is not None and not src.av.sound:  # a camera whose microphone is lost
                parts.append('<span class="sv-nosound">no sound</span>')
        if p is not None:
            parts.append(f"lag {p.lag:.1f} s")
            parts.append(f"{p.x_realtime:.1f}× realtime")
    if live.status:
        parts.append(f'<span class="sv-status">{esc(live.status)}</span>')
    if live.label:
        parts.append(f'<span class="sv-label">{esc(live.label)}</span>')
    return '<div class="sv-health">' + " · ".join(parts) + "</div>"
