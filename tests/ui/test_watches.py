"""Watches in the app: chat lines that register and remove them, alerts into the chat and list."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from streamer.types import Evidence
from streamer.watch import Alert
from tests.conftest import CARD_TEXT
from tests.ui.conftest import wait_for
from ui.alert_feed import AlertFeed, alert_message, message_text
from ui.chat import ask_stream
from ui.controller import NO_SESSION, AppController, StartRequest
from ui.model_loader import ModelLoader
from ui.watch_panel import WatchHandlers, post_alerts

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]


def say(app: AppController, line: str, history: list | None = None) -> list:
    """The chat after `line`: the last output of the ask handler."""
    outputs = list(ask_stream(app, line, history or [], {}))
    return list(outputs[-1][0])


def test_chat_lines_register_list_and_remove_a_watch(tmp_path):
    app = AppController(tmp_path / "sessions", models=ModelLoader())  # nothing loads or plays
    try:
        chat = say(app, "tell me when someone mentions the budget")
        reply = chat[-1]["content"]
        assert chat[-2] == {"role": "user", "content": "tell me when someone mentions the budget"}
        assert reply.startswith('I will tell you when I notice someone saying "budget" (watch 1)')
        [w] = app.watching.watch_list()
        assert w.condition.kind == "speech" and w.condition.words == ("budget",)

        chat = say(app, "what are you watching for?", chat)
        assert chat[-1]["content"] == 'I am watching for: 1. someone saying "budget".'
        table = WatchHandlers(app).tick(AlertFeed(), None)[1]
        assert 'someone saying "budget"' in table.replace("&quot;", '"')

        chat = say(app, "stop watching the budget", chat)
        assert chat[-1]["content"] == 'I stopped watching for someone saying "budget".'
        assert app.watching.watch_list() == []

        chat = say(app, "What did the sign say?", chat)  # a question: the reasoner's, as before
        assert chat[-1]["content"] == f"⚠ {NO_SESSION}"
    finally:
        app.close()


def alert(watch: int, t: float) -> Alert:
    evidence = Evidence(t, t, "ocr", CARD_TEXT, 1.0, None)
    return Alert(
        watch, "w", t, t, t + 0.4, 0.0, f'At 0:0{t:.0f} the screen read "{CARD_TEXT}".', evidence
    )


def test_the_feed_posts_each_alert_once_and_none_is_lost_to_a_streaming_answer():
    feed, first = AlertFeed(), alert(1, 3.0)
    assert feed.take(1, [first]) == [] and feed.post([]) is None  # opened late: listed only
    second = alert(1, 5.0)
    assert feed.take(1, [first, second]) == [second]
    history = feed.post([])
    assert [message_text(m) for m in history] == [alert_message(second)]
    assert feed.take(1, [first, second]) == [] and feed.post(history) is None  # posted once
    feed.asking(True)
    third = alert(2, 7.0)
    assert feed.take(1, [first, second, third]) == [third] and feed.post(history) is None
    feed.asking(False)  # the answer is done: what it held back, and what its yields wiped
    wiped = [{"role": "user", "content": [{"type": "text", "text": "When?"}]}]  # as Gradio sends
    history = feed.post(wiped)
    assert [message_text(m) for m in history[1:]] == [alert_message(second), alert_message(third)]
    assert alert_message(third) == (
        f'🔔 At 0:07 the screen read "{CARD_TEXT}" — watch 2, 0.4 s after it happened'
    )
    assert feed.take(2, [alert(1, 4.0)]) and len(feed.post(history)) == 4  # another session


def test_a_watch_registered_before_start_fires_on_the_clip(make_controller, clip):
    app = make_controller()
    chat = say(app, "tell me when the sign says gate 7")
    assert 'on-screen text reading "gate 7"' in chat[-1]["content"]
    handlers, feed = WatchHandlers(app), AlertFeed()
    handlers.tick(feed, None)  # the tab has seen the (no) alerts before the start
    app.start(StartRequest(str(clip[0]), "gate clip", speed=2.0))
    [w] = app.watching.watch_list()  # carried into the new session from its first second
    assert w.since == 0.0 and w.condition.words == ("gate", "7")
    wait_for(lambda: app.watching.alerts()[1], 60, "the gate alert")
    wait_for(lambda: app.live().state == "ended", 60, "the end of the clip")  # speech too
    [a] = app.watching.alerts()[1]  # the card showed once: one alert
    assert 3.0 <= a.t <= 6.0 and CARD_TEXT in a.sentence and a.evidence.thumbnail
    red, green, blue = np.asarray(Image.open(io.BytesIO(a.evidence.thumbnail))).mean((0, 1))
    assert blue > 1.5 * green  # the dark blue card, not the green frame before it
    signal, table, _, items, _ = handlers.tick(feed, None)
    assert f"watch {w.id}" in signal and "after it happened" in signal  # for the page's JS
    assert message_text(post_alerts(chat, feed)[-1]) == alert_message(a)
    assert "<td>1</td></tr>" in table  # one alert of watch 1
    [(image, caption)] = items
    assert Path(image).read_bytes() == a.evidence.thumbnail and f"{a.delay:.1f} s" in caption
    assert (
        handlers.remove(w.id).count("Stopped watching for") == 1 and not app.watching.watch_list()
    )
