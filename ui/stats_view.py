"""The stats panel: ingest speed, per-stage timings, memory size, answer latencies
and a small lag-over-time plot (inline SVG: no plotting library, no files)."""

from __future__ import annotations

from statistics import median

from streamer.timeref import format_clock
from streamer.types import AvSync, SourceStats
from ui.controller import LiveState
from ui.html import esc, human_bytes

PLOT_W, PLOT_H = 360, 110  # px of the lag plot
PLOT_PAD = 28  # px left/bottom margin for the axis labels
STAGE_WORDS = {
    "wait": "waiting for frames",
    "encode": "frame encoder",
    "ocr": "OCR",
    "speech": "speech (VAD + ASR)",
}


def render_stats(live: LiveState) -> str:
    s = live.stats
    if s is None:
        return '<div class="sv-muted">No session yet.</div>'
    tables = [_ingest_table(live), _stage_table(s.perception), _memory_table(s)]
    if s.source is not None and s.source.av is not None:
        tables.append(av_table(s.source, s.source.av))
    tables.append(_answers_table(s.answered, s.latencies))
    plot = lag_plot(live.lag)
    return f'<div class="sv-stats"><div class="sv-cols">{"".join(tables)}</div>{plot}</div>'


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="sv-table"><caption>{esc(title)}</caption>{body}</table>'


def _ingest_table(live: LiveState) -> str:
    s = live.stats
    assert s is not None
    src, p = s.source, s.perception
    rows = [("state", live.state), ("stream time", format_clock(s.stream_time))]
    if p is not None:
        rows += [
            ("speed", f"{p.x_realtime:.2f}× realtime"),
            ("lag", f"{p.lag:.2f} s"),
            ("frames perceived", f"{p.frames_sampled} of {p.frames_in}"),
        ]
        if p.speech_drafts:  # a watch for words heard sentences while they were spoken
            rows.append(("sentences drafted while spoken", str(p.speech_drafts)))
    if src is not None:
        rows += [
            ("source", f"{src.width}×{src.height} at {src.fps:.1f} fps"),
            ("frames captured", str(src.frames)),
            ("frames dropped", str(src.frames_dropped + (p.frames_dropped if p else 0))),
            ("audio", f"{src.audio_seconds:.0f} s"),
        ]
    return _table("Ingest", rows)


def av_table(src: SourceStats, av: AvSync) -> str:
    """A camera + microphone source: sound against picture, drift, drops per device."""
    sound = "on" if av.sound else "none (no microphone)"
    rows = [
        ("sound", sound),
        ("audio vs video", f"{src.audio_seconds:.1f} s vs {src.video_seconds:.1f} s"),
        ("mic drift", f"{av.audio_drift_ms:+.0f} ms (sample count against the clock)"),
        ("A/V offset", f"{av.av_offset_ms:+.0f} ms after {av.audio_corrected_ms:+.0f} ms fixed"),
        ("sound gaps", f"{av.audio_gap_seconds:.1f} s"),
        ("camera", f"{src.frames_dropped} frames dropped, {av.camera_reconnects} reconnects"),
        (
            "microphone",
            f"{src.audio_dropped_seconds:.1f} s dropped, {av.mic_reconnects} reconnects, "
            f"{av.mic_overflows} overflows",
        ),
    ]
    return _table("Live A/V", rows)


def _stage_table(p: object | None) -> str:
    stages = getattr(p, "stages", None) or {}
    rows = [
        (
            STAGE_WORDS.get(name, name),
            f"{st.seconds:.1f} s · {st.items} items · {st.per_item_ms:.0f} ms each",
        )
        for name, st in stages.items()
    ]
    return _table("Per stage", rows or [("—", "no perception (a reopened session)")])


def _memory_table(s: object) -> str:
    m = getattr(s, "memory", None)
    if m is None:
        return _table("Memory", [("—", "empty")])
    levels = ", ".join(f"{k} {v}" for k, v in m.tokens_by_level.items())
    rows = [
        ("strategy", m.strategy),
        ("tokens", f"{m.tokens} of {m.budget_tokens}"),
        ("by level", levels),
        ("items held", f"{m.frames_held} (of {m.frames_seen} frames seen)"),
        ("bytes held", human_bytes(m.bytes_held)),
        ("timeline", f"{getattr(s, 'timeline_events', 0)} events"),
    ]
    return _table("Memory", rows)


def _answers_table(answered: int, latencies: list[tuple[float, float]]) -> str:
    rows = [("answered", str(answered))]
    if latencies:
        first = [f for f, _ in latencies]
        total = [t for _, t in latencies]
        rows += [
            ("last", f"{1000 * first[-1]:.0f} ms first token, {1000 * total[-1]:.0f} ms in all"),
            ("median", f"{1000 * median(first):.0f} ms first token, {1000 * median(total):.0f} ms"),
            ("slowest", f"{1000 * max(total):.0f} ms"),
        ]
    return _table("Answers", rows)


def lag_plot(points: tuple[tuple[float, float], ...]) -> str:
    """Perception lag (s) against stream time, as an SVG polyline."""
    title = '<div class="sv-plot-title">Perception lag over stream time</div>'
    if len(points) < 2:
        return title + '<div class="sv-muted">Not enough samples yet.</div>'
    t0, t1 = points[0][0], points[-1][0]
    top = max(1.0, max(lag for _, lag in points))
    w, h = PLOT_W - PLOT_PAD, PLOT_H - PLOT_PAD

    def xy(t: float, lag: float) -> str:
        x = PLOT_PAD + w * (t - t0) / max(t1 - t0, 1e-9)
        return f"{x:.1f},{h - h * lag / top + 4:.1f}"

    line = " ".join(xy(t, lag) for t, lag in points)
    svg = (
        f'<svg class="sv-plot" viewBox="0 0 {PLOT_W} {PLOT_H}" width="{PLOT_W}" '
        f'height="{PLOT_H}" role="img" aria-label="lag plot">'
        f'<line x1="{PLOT_PAD}" y1="{h + 4}" x2="{PLOT_W}" y2="{h + 4}" class="sv-axis"/>'
        f'<line x1="{PLOT_PAD}" y1="4" x2="{PLOT_PAD}" y2="{h + 4}" class="sv-axis"/>'
        f'<text x="2" y="12">{top:.1f}s</text><text x="2" y="{h + 4}">0</text>'
        f'<text x="{PLOT_PAD}" y="{PLOT_H - 6}">{format_clock(t0)}</text>'
        f'<text x="{PLOT_W - 34}" y="{PLOT_H - 6}">{format_clock(t1)}</text>'
        f'<polyline points="{line}" class="sv-line"/></svg>'
    )
    return title + svg
