"""One tab's feed of alerts into its chat: each alert posted once, none lost to a streaming answer.

The chat history lives in the browser and two kinds of events write it: a
question's answer (streamed, each yield sends the whole history as the
answer knew it at the start) and the timer that posts alerts. An alert posted
while an answer streams would be wiped by the answer's next yield, so while
this tab is asking the feed keeps new alerts back, and after each answer it
posts every alert of its own that is missing from the history (held back,
or wiped by a yield in the instant before the answer began).

    feed = AlertFeed()                      # a gr.State's value: one per tab
    new = feed.take(generation, app_alerts)  # on the timer: cheap, no chat sent
    history = feed.post(history) or history  # when there were new ones, and after each answer
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from streamer.watch import Alert

CHECKED = 50  # the newest alert messages checked for still being in the chat


def alert_message(a: Alert) -> str:
    """'🔔 At 0:12 someone said "…" — watch 2, 0.8 s after it happened'."""
    return f"🔔 {a.sentence.rstrip('.')} — watch {a.watch}, {a.delay:.1f} s after it happened"


def message_text(message: Any) -> str:
    """A chat message's text: Gradio hands content back as a list of parts."""
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class AlertFeed:
    """Which alerts this tab has taken, the messages it owes its chat, and whether it is asking."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: int | None = None  # the session whose alerts were taken
        self._taken = 0  # alerts of that session taken so far
        self._posted: list[str] = []  # alert messages this tab put in its chat, oldest first
        self._asking = 0  # answers streaming in this tab now

    def __deepcopy__(self, memo: dict[int, Any]) -> AlertFeed:
        return AlertFeed()  # gr.State copies its initial value for each tab: a fresh feed

    def asking(self, on: bool) -> None:
        with self._lock:
            self._asking += 1 if on else -1

    def take(self, generation: int, alerts: list[Alert]) -> list[Alert]:
        """The alerts of session `generation` this tab has not taken yet (now owed to its chat).

        A tab's first look takes the alerts fired before it opened as seen:
        the alerts list shows them, the chat starts with what comes next.
        """
        with self._lock:
            if generation != self._generation:
                first = self._generation is None
                self._generation, self._taken = generation, len(alerts) if first else 0
            new = alerts[self._taken :]
            self._taken = max(self._taken, len(alerts))
            self._posted = (self._posted + [alert_message(a) for a in new])[-CHECKED:]
        return new

    def post(self, history: list[Any] | None) -> list[Any] | None:
        """The history with the alert messages it lacks; None when it lacks none or is asking."""
        with self._lock:
            if self._asking:
                return None  # the answer's yields would wipe them: posted after it
            missing = Counter(self._posted) - Counter(message_text(m) for m in history or [])
            lacking = []
            for m in self._posted:
                if missing[m] > 0:
                    lacking.append(m)
                    missing[m] -= 1
        if not lacking:
            return None
        return [*(history or []), *({"role": "assistant", "content": m} for m in lacking)]
