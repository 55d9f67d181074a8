"""The chat: questions streamed into a messages-format Chatbot, answers with evidence.

Tokens are yielded as the reasoner produces them, so the answer grows in the
page while the live view keeps ticking. The finished answer gets a footer
(asked at, latency) and its evidence: thumbnails in the gallery beside the
chat (clicking one shows that moment of the stream) and a short list in the
message itself. Clicking an earlier answer shows its evidence again. Pictures
go to the page as files that never change once served (see `ui/images.py`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from streamer.errors import USER_ERRORS
from streamer.timeref import format_clock
from streamer.types import Answer, Evidence
from ui.alert_feed import AlertFeed
from ui.controller import MODEL_WAIT, AppController
from ui.html import encode_jpeg, kind_label, notice_html
from ui.images import image_file, tile

ANSWER_WAIT = 120.0  # s: the longest a finished answer is waited for after its last token
EVIDENCE_LINES = 3  # evidence items listed in the message text
STREAM_TICK = 0.1  # s: the shortest time between two updates of a growing answer
WAITING = (
    "The models are still loading; the stream starts by itself when they are ready, "
    "and this question is answered then."
)


@dataclass(frozen=True)
class EvidenceSet:
    """The evidence of one answer and the session that gave it."""

    generation: int = -1
    items: tuple[Evidence, ...] = field(default_factory=tuple)


def format_answer(answer: Answer) -> str:
    """The answer text, then a footer with its time and latency and the top evidence."""
    lines = [answer.text or "(no answer)", ""]
    footer = (
        f"asked at {format_clock(answer.asked_at)} · {answer.backend} · "
        f"{1000 * answer.first_token_s:.0f} ms"
    )
    frames = [e for e in answer.evidence if e.kind == "frame"]  # what a vlm was fed
    if frames:
        first, last = min(e.start for e in frames), max(e.end for e in frames)
        footer += f" · the model read {len(frames)} frame{'s' if len(frames) > 1 else ''}"
        footer += f" from {format_clock(first)} to {format_clock(last)}" if last > first else ""
    n = len(answer.evidence)
    if n:
        footer += f" · {n} piece{'s' if n > 1 else ''} of evidence, click a thumbnail to see it"
    lines.append(f"*{footer}*")
    cited = [e for e in answer.evidence if e.kind != "frame"]  # the lines first, then frames
    for e in (cited + frames)[:EVIDENCE_LINES]:
        text = e.text if len(e.text) <= 90 else e.text[:87] + "…"
        lines.append(f"- `{caption_time(e)}` {kind_label(e.kind)}: {text}")
    return "\n".join(lines)


def caption_time(e: Evidence) -> str:
    if e.end - e.start < 1:
        return format_clock(e.start)
    return f"{format_clock(e.start)}–{format_clock(e.end)}"


def gallery_items(items: tuple[Evidence, ...]) -> list[tuple[str, str]]:
    """(thumbnail file, caption) per evidence item, a drawn tile where memory held no frame."""
    out = []
    for e in items:
        jpeg = e.thumbnail or tile(kind_label(e.kind))  # thumbnails are JPEG bytes already
        out.append((image_file(jpeg), f"{caption_time(e)} · {kind_label(e.kind)} · {e.text}"))
    return out


def ask_stream(
    app: AppController,
    question: str,
    history: list[Any] | None,
    by_message: dict[int, EvidenceSet],
    feed: AlertFeed | None = None,
) -> Iterator[tuple[Any, ...]]:
    """Yields (chat, question box, gallery, evidence shown, evidence by message, notice).

    A line about watches ("tell me when …", "stop watching …") is answered by
    the session's watches, not the reasoner. While this runs, `feed` (the
    tab's alerts) holds new alerts back: each yield here rewrites the chat.
    """
    if feed is not None:
        feed.asking(True)
    try:
        yield from _answer(app, question, history, by_message)
    finally:
        if feed is not None:
            feed.asking(False)


def _answer(
    app: AppController,
    question: str,
    history: list[Any] | None,
    by_message: dict[int, EvidenceSet],
) -> Iterator[tuple[Any, ...]]:
    history = list(history or [])
    q = (question or "").strip()
    if not q:
        yield (
            history,
            gr.skip(),
            gr.skip(),
            gr.skip(),
            by_message,
            notice_html("Type a question first.", "info"),
        )
        return
    history.append({"role": "user", "content": q})
    try:
        reply, notice = app.watching.watch_command(q), gr.skip()
    except USER_ERRORS as e:  # e.g. the vision-language model it needs is missing
        reply, notice = f"⚠ {e}", notice_html(str(e))
    if reply is not None:
        history.append({"role": "assistant", "content": reply})
        yield history, "", gr.skip(), gr.skip(), by_message, notice
        return
    if app.starting:  # the launch's source plays as soon as the models are loaded
        history.append({"role": "assistant", "content": WAITING})
        yield history, "", gr.skip(), gr.skip(), by_message, gr.skip()
        history.pop()
    try:
        asked = app.ask(q, wait=MODEL_WAIT)
    except USER_ERRORS as e:
        history.append({"role": "assistant", "content": f"⚠ {e}"})
        yield history, "", gr.skip(), gr.skip(), by_message, notice_html(str(e))
        return
    history.append({"role": "assistant", "content": "…"})
    text, shown_at = "", 0.0
    for token in asked.stream:
        text += token
        if time.monotonic() - shown_at < STREAM_TICK:
            continue  # tokens faster than a page can show them go out together
        shown_at = time.monotonic()
        history[-1] = {"role": "assistant", "content": text}
        yield history, "", gr.skip(), gr.skip(), by_message, gr.skip()
    answer = asked.stream.result(ANSWER_WAIT)
    history[-1] = {"role": "assistant", "content": format_answer(answer)}
    shown = EvidenceSet(asked.generation, tuple(answer.evidence))
    by_message = {**by_message, len(history) - 1: shown}
    notice = notice_html(answer.error) if answer.error else ""
    yield history, "", gallery_items(shown.items), shown, by_message, notice


def select_answer(by_message: dict[int, EvidenceSet], evt: gr.SelectData) -> tuple[Any, Any]:
    """Clicking an answer in the chat shows its evidence in the gallery."""
    index = evt.index if isinstance(evt.index, int) else None
    shown = by_message.get(index) if index is not None else None
    if shown is None:
        return gr.skip(), gr.skip()
    return gallery_items(shown.items), shown


def show_moment(
    app: AppController, shown: EvidenceSet | None, evt: gr.SelectData
) -> tuple[Any, str]:
    """The frame at an evidence time (decoded again from the file), else its thumbnail."""
    index = evt.index if isinstance(evt.index, int) else None
    if shown is None or index is None or not 0 <= index < len(shown.items):
        return gr.skip(), ""
    e = shown.items[index]
    try:
        frame = app.frame_at(e.start, shown.generation)
    except USER_ERRORS:
        frame = None
    caption = f"**{format_clock(e.start)}** · {kind_label(e.kind)}: {e.text}"
    if frame is not None:
        return image_file(encode_jpeg(frame.image)), caption
    if e.thumbnail:
        return image_file(e.thumbnail), caption + " *(thumbnail: the source is not available)*"
    return None, caption + " *(no picture of this moment is available)*"
