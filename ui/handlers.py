"""Event handlers: page inputs in, controller calls, rendered outputs back.

Every handler catches the errors a user can meet and returns them as the
notice banner, so a bad upload or a missing camera never breaks the page.
Timer ticks return `gr.skip()` for any panel whose content did not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from streamer.errors import USER_ERRORS
from ui.controller import AppController, StartRequest
from ui.html import notice_html
from ui.live_view import live_key, render_live
from ui.memory_view import render_memory, render_timeline
from ui.saved import saved_label
from ui.sources import resolve_source
from ui.stats_view import render_stats


def guarded(action: Callable[[], str]) -> str:
    """Run a control action; its message (or the error's one sentence) as the banner."""
    try:
        return notice_html(action(), "ok")
    except USER_ERRORS as e:
        return notice_html(str(e), "error")


@dataclass
class Handlers:
    app: AppController
    allow_paths: bool  # local file paths may be typed (the app listens on this machine only)

    # -- control -------------------------------------------------------------------
    def start(
        self,
        mode: str,
        upload: str | None,
        path: str | None,
        url: str | None,
        device: str | None,
        speed: float,
        loop: bool,
        memory: str,
        backend: str,
        mic: bool = False,
        mic_device: str | None = None,
    ) -> str:
        def action() -> str:
            src = resolve_source(
                mode,
                upload,
                path,
                url,
                device,
                allow_paths=self.allow_paths,
                uploads=self.app.uploads,
                mic=(mic_device or "mic:default") if mic else None,
            )
            req = StartRequest(
                src.config, src.label, float(speed), bool(loop), memory, backend, src.hide_path
            )
            return self.app.start(req)

        return guarded(action)

    def pause(self) -> str:
        return guarded(self.app.pause)

    def resume(self) -> str:
        return guarded(self.app.resume)

    def stop(self) -> str:
        return guarded(self.app.stop)

    # -- sessions ------------------------------------------------------------------
    def saved_choices(self) -> Any:
        choices = [(saved_label(s, self.app.autosaves), s.name) for s in self.app.saved_sessions()]
        return gr.update(choices=choices, value=choices[0][1] if choices else None)

    def save(self, name: str | None) -> tuple[str, Any]:
        try:
            folder = self.app.save(name)
        except USER_ERRORS as e:
            return notice_html(str(e)), gr.skip()
        where = self.app.sessions_dir / folder
        return notice_html(f"Saved as “{folder}” in {where}.", "ok"), self.saved_choices()

    def reopen(self, name: str | None) -> str:
        return guarded(lambda: self.app.reopen(name or ""))

    # -- live refresh --------------------------------------------------------------
    def tick_live(self, last: Any) -> tuple[Any, Any]:
        """The live view, only when a new frame or new numbers arrived."""
        live = self.app.live()
        key = live_key(live)
        if key == last:
            return gr.skip(), last
        return render_live(live), key

    def tick_panels(self, query: str | None, last: Any) -> tuple[Any, Any, Any, Any]:
        """Memory view, timeline and stats; unchanged panels are not sent again."""
        live = self.app.live()
        panels = (
            render_memory(self.app.memory_snapshot()),
            self.timeline(query),
            render_stats(live),
        )
        hashes = tuple(hash(p) for p in panels)
        previous = last if isinstance(last, tuple) and len(last) == 3 else (None,) * 3
        memory, timeline, stats = (
            p if h != old else gr.skip() for p, h, old in zip(panels, hashes, previous)
        )
        return memory, timeline, stats, hashes

    def timeline(self, query: str | None) -> str:
        q = (query or "").strip() or None
        return render_timeline(self.app.timeline(q), q)

    def status(self) -> dict[str, Any]:
        """A JSON summary for API clients and scripts (GET-style polling)."""
        live = self.app.live()
        s = live.stats
        return {
            "state": live.state,
            "label": live.label,
            "stream_time": s.stream_time if s else 0.0,
            "timeline_events": s.timeline_events if s else 0,
            "answered": s.answered if s else 0,
            "models": self.app.models.state,
            "notice": live.notice,
            "frame_seq": live.frame.seq if live.frame is not None else None,
        }
