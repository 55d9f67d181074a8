"""What the page says in the moments a new user meets first (issue 16, "in the page").

The launch's demo clip while the models still load, Pause after the end, the
source picker at launch, a session folder whose save never finished. The
real models and real clips; the browser-side checks (errors in view, evidence
captions) are in test_browser.py.
"""

from __future__ import annotations

import os
import time

import pytest

from tests.ui.conftest import GATE_QUESTION, wait_for
from ui.app import AppOptions, build_app
from ui.chat import WAITING, ask_stream
from ui.controller import AppController, StartRequest
from ui.handlers import Handlers
from ui.model_loader import ModelLoader
from ui.saved import saved_folder
from ui.sources import DEMO, FILE, URL, WEBCAM

pytestmark = [
    pytest.mark.timeout(240),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),
]
LOAD_DELAY = 3.0  # s the models take to "load" in the launch test (they are loaded already)


def test_a_question_asked_while_the_models_load_is_answered_once_the_clip_plays(
    models, clip, tmp_path
):
    def slow_load():  # the packaged models, loaded once for the tests, handed over late
        time.sleep(LOAD_DELAY)
        return models.get(60)

    loading = ModelLoader(slow_load).start()
    app = AppController(tmp_path / "sessions", models=loading)
    try:
        app.start_in_background(StartRequest(str(clip[0]), "demo clip", speed=2.0))
        assert app.starting and app.models.state == "loading"
        outputs = [(list(o[0]), *o[1:]) for o in ask_stream(app, GATE_QUESTION, [], {})]
        first, last = outputs[0][0], outputs[-1][0]
        assert first[-1]["content"] == WAITING  # said at once, while loading
        texts = [m["content"] for out in outputs for m in out[0]]
        assert not any("press Start" in t for t in texts), texts
        assert last[-1]["role"] == "assistant" and "asked at 0:0" in last[-1]["content"]
        assert WAITING not in [m["content"] for m in last]  # replaced by the answer
        assert outputs[-1][-1] == ""  # no error notice
    finally:
        app.close()


def test_pause_after_the_end_is_not_a_success(make_controller, clip):
    app = make_controller()
    app.start(StartRequest(str(clip[0]), "gate clip", speed=8.0))
    handlers = Handlers(app, allow_paths=True)
    wait_for(lambda: app.live().state == "ended", 60, "the end of the clip")
    banner = handlers.pause()
    assert "sv-error" in banner and "✓" not in banner and "has ended" in banner
    assert app.live().state == "ended"  # not turned into "paused"
    resumed = handlers.resume()
    assert "sv-error" in resumed and "✓" not in resumed


@pytest.mark.parametrize(
    "source, mode, field",
    [
        (None, DEMO, None),
        ("none", DEMO, None),
        ("/videos/talk.mp4", FILE, "sv-path"),
        ("rtsp://camera.local/stream", URL, "sv-url"),
        ("webcam:3", WEBCAM, "sv-device"),
    ],
)
def test_the_source_picker_shows_the_launch_source(make_controller, source, mode, field):
    demo = build_app(make_controller(), AppOptions(source=source))
    by_id = {b.elem_id: b for b in demo.blocks.values() if getattr(b, "elem_id", None)}
    assert by_id["sv-mode"].value == mode
    for name in ("sv-path", "sv-url", "sv-device"):
        assert by_id[name].visible == (name == field), name
    if field is not None:
        assert by_id[field].value == source
    demo.close()


def test_reopening_a_folder_without_a_manifest_says_so(tmp_path):
    (tmp_path / "autosave-talk-20260101-093000").mkdir()
    (tmp_path / "autosave-talk-20260101-093000" / "timeline.jsonl").write_text("")
    with pytest.raises(Exception) as e:
        saved_folder(tmp_path, "autosave-talk-20260101-093000")
    text = str(e.value)
    assert "not a saved session" in text and "manifest.json" in text
    assert text.count(".") <= 2 and "\n" not in text  # one sentence (manifest.json has a dot)


def test_api_questions_queue_apart_from_the_pages_and_one_per_core(make_controller):
    """API load cannot hold back a viewer's question, nor run more answers than cores.

    Before, the page's Ask and API `/ask` shared one queue of 8: eight API clients
    took every slot and the tab's question waited (issue 24; `bench page` measures it).
    """
    demo = build_app(make_controller(), AppOptions())
    fns = list(demo.fns.values())
    api = [f for f in fns if f.api_name == "ask"]
    page = [
        f
        for f in fns
        if f.fn is not None
        and f.api_name != "ask"
        and f.concurrency_id in {a.concurrency_id for a in api} | {"page-ask"}
    ]
    assert len(api) == 1 and api[0].concurrency_limit == max(1, min(8, os.cpu_count() or 1))
    assert len(page) == 2  # the Ask button and the question box's Enter
    assert all(p.concurrency_id != api[0].concurrency_id for p in page)
    assert all(p.concurrency_limit == 8 for p in page)
