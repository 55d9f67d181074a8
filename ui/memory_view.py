"""What memory holds right now, and the text timeline, as HTML.

One renderer for every strategy: each level (pyramid levels, STAR slot kinds,
the window or uniform strip) is a row of thumbnails with their times; items
that stand for several frames show how many and their weight as a bar.
"""

from __future__ import annotations

from typing import Any

from streamer.timeref import format_clock
from streamer.types import TextEvent
from ui.html import esc, jpeg_uri, kind_label

MAX_EMPTY_SLOTS = 24  # dashed placeholders drawn for free slots of one level
MAX_EVENTS = 200  # timeline rows sent to the page


def render_memory(snapshot: Any) -> str:
    """A MemorySnapshot as rows of thumbnails (an empty note before any session)."""
    if snapshot is None:
        return '<div class="sv-muted">No memory yet: start a source.</div>'
    held = sum(len(level.items) for level in snapshot.levels)
    head = (
        f'<div class="sv-mem-head"><b>{esc(snapshot.strategy)}</b> · {held} items held · '
        f"{snapshot.tokens}/{snapshot.budget_tokens} tokens · "
        f"{snapshot.frames_seen} frames seen"
        f'<div class="sv-muted">{esc(snapshot.description)}</div></div>'
    )
    heaviest = max((it.weight for lv in snapshot.levels for it in lv.items), default=1.0)
    rows = [_level_row(level, max(heaviest, 1.0)) for level in snapshot.levels]
    return f'<div class="sv-mem">{head}{"".join(rows)}</div>'


def _level_row(level: Any, heaviest: float) -> str:
    gh, gw = level.grid
    name = (
        f'<div class="sv-level-name"><b>{esc(level.name)}</b>'
        f"<small>{len(level.items)}/{level.capacity} · {gh}×{gw} tokens</small></div>"
    )
    cells = [_item_cell(it, heaviest) for it in level.items]
    free = min(max(level.capacity - len(level.items), 0), MAX_EMPTY_SLOTS)
    cells += ['<div class="sv-slot sv-free"></div>'] * free
    return f'<div class="sv-level">{name}<div class="sv-thumbs">{"".join(cells)}</div></div>'


def _item_cell(it: Any, heaviest: float) -> str:
    lo, hi = it.span
    when = format_clock(it.t) if hi - lo < 1 else f"{format_clock(lo)}–{format_clock(hi)}"
    extra = f" · {it.frames} fr" if it.frames > 1 else ""
    bar = ""
    if it.weight > 1:
        pct = max(4, round(100 * it.weight / heaviest))
        bar = f'<div class="sv-weight" title="weight {it.weight:.0f}" style="width:{pct}%"></div>'
    title = f"{when}, {it.frames} frame(s), weight {it.weight:.0f}, {it.tokens} tokens"
    return (
        f'<figure class="sv-slot" title="{esc(title)}">'
        f'<img src="{jpeg_uri(it.thumbnail)}" alt="{esc(when)}">{bar}'
        f"<figcaption>{esc(when + extra)}</figcaption></figure>"
    )


def render_timeline(events: list[TextEvent], query: str | None = None) -> str:
    """Speech, on-screen text and tags: newest first, or best match first for a search."""
    if not events:
        what = f"Nothing matches “{query}” yet." if query else "Nothing heard or read yet."
        return f'<div class="sv-muted">{esc(what)}</div>'
    rows = events if query else sorted(events, key=lambda e: e.start, reverse=True)
    shown = rows[:MAX_EVENTS]
    lines = [
        f'<div class="sv-ev sv-{esc(e.kind)}"><span class="sv-t">{format_clock(e.start)}'
        f'–{format_clock(e.end)}</span><span class="sv-kind">{esc(kind_label(e.kind))}</span>'
        f'<span class="sv-text">{esc(e.text)}</span></div>'
        for e in shown
    ]
    more = len(rows) - len(shown)
    tail = f'<div class="sv-muted">… and {more} older</div>' if more > 0 else ""
    return f'<div class="sv-timeline">{"".join(lines)}{tail}</div>'
