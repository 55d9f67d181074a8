"""The app in a real browser: Debian's Chromium driven by Playwright.

Playwright comes from PyPI and drives /usr/bin/chromium (`make test` installs
chromium and chromium-driver); Playwright never downloads a browser of its own.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import stream_time, wait_for
from ui.controller import DEMO_LABEL

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT_COPY = Path("/tmp/streamer-ui-screenshot.png")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FRAME = "#sv-live img.sv-frame"
WAIT_MS = 120_000  # ms: generous, the 2 cores are often shared with other work

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
    pytest.mark.filterwarnings("ignore::Warning:gradio.queueing"),  # pandas 3 notes in gradio
]


@pytest.fixture
def page(served) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright from PyPI")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(WAIT_MS)
            tab.goto(served.url)
            tab.wait_for_selector("#sv-start")
            yield tab
        finally:
            browser.close()


def frame_seq(page: Any) -> str:
    return str(page.get_attribute(FRAME, "data-seq"))


def wait_frame_change(page: Any) -> None:
    """The live view shows a newer frame than it does now."""
    seq = frame_seq(page)
    newer = "(s) => { const i = document.querySelector('%s'); return i && i.dataset.seq !== s; }"
    page.wait_for_function(newer % FRAME, arg=seq)


def ask(page: Any, question: str, answers_before: int) -> str:
    """Type a question, press Ask, wait for the finished answer (its footer) and return it."""
    page.fill("#sv-question textarea", question)
    page.click("#sv-ask")
    page.wait_for_function(
        "(n) => (document.querySelector('#sv-chat').innerText.match(/asked at \\d/g) || [])"
        ".length > n",
        arg=answers_before,
    )
    return str(page.inner_text("#sv-chat"))


EVIDENCE_BOXES = """() => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return [r.top, r.bottom, r.left, r.right];
  };
  const wrap = document.querySelector('#sv-evidence .grid-wrap');
  const label = document.querySelector('#sv-evidence [data-testid="block-label"]');
  return [...document.querySelectorAll('#sv-evidence .thumbnail-item')].map((item) => ({
    img: box(item.querySelector('img')),
    caption: item.querySelector('.caption-label') && box(item.querySelector('.caption-label')),
    wrap: box(wrap),
    label: label ? box(label) : null,
    loaded: item.querySelector('img').complete,
  }));
}"""
IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }"""


def assert_evidence_shown_whole(page: Any) -> None:
    """Each thumbnail lies inside the gallery, under its label, with its caption below it."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('#sv-evidence img')]"
        ".every((i) => i.complete && i.naturalWidth > 0)"
    )
    items = page.evaluate(EVIDENCE_BOXES)
    assert items
    for it in items:
        (top, bottom, left, right), (wtop, wbottom, wleft, wright) = it["img"], it["wrap"]
        assert wtop <= top and bottom <= wbottom and wleft <= left and right <= wright, it
        assert it["caption"] is not None and it["caption"][0] >= bottom - 1, it  # not over it
        assert it["label"] is None or it["label"][1] <= top + 1, it  # the label above, not on it


def test_watch_and_ask_in_a_browser(page, served, tmp_path):
    page.fill("#sv-speed input[type=number]", "4")
    page.press("#sv-speed input[type=number]", "Enter")
    page.click("#sv-start")
    page.wait_for_selector("#sv-notice:has-text('Watching demo clip')")
    page.wait_for_selector(FRAME)
    wait_frame_change(page)
    wait_for(lambda: stream_time(served.app) > 10.0, 60, "10 s of the demo clip")

    chat = ask(page, "What did the sign say?", 0)
    assert "screen read" in chat
    page.wait_for_selector("#sv-evidence img")
    assert_evidence_shown_whole(page)
    page.locator("#sv-evidence img").first.click()
    page.wait_for_selector("#sv-moment img")
    page.wait_for_selector("#sv-memory .sv-slot img")
    shot = tmp_path / "streamer-ui.png"
    page.screenshot(path=str(shot), full_page=True)
    shutil.copyfile(shot, SCREENSHOT_COPY)
    assert shot.stat().st_size > 50_000


def upload(page, selector: str, path: Path, wait_s: float = 180.0) -> None:
    """Give `path` to the upload box and wait until it shows the file's name.

    The box is re-rendered by the round trip that made it visible; a file given to
    the input it replaced is lost (seen in some full runs of the suite), so any
    input not given the file yet gets it. While the file uploads (slow on two cores
    busy with the playing demo) the box has no input at all: that is waited out.
    The box shows the name's stem and extension as two lines ("holiday", ".mp4").
    """
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if path.name in "".join(page.inner_text(selector).split()):
            return
        fresh = page.query_selector(f"{selector} input[type=file]:not([data-sv-given])")
        if fresh is not None:
            try:
                fresh.evaluate("el => el.setAttribute('data-sv-given', '')")
                fresh.set_input_files(str(path))
            except PlaywrightError:  # re-rendered away meanwhile: the next input gets it
                pass
        page.wait_for_timeout(250)
    raise AssertionError(f"{selector} never showed {path.name} in {wait_s:.0f} s")


def test_bad_upload_shows_the_error_and_the_app_still_answers(page, served, tmp_path):
    page.click("#sv-start")  # the demo clip, at its own pace
    page.wait_for_selector(FRAME)
    bad = tmp_path / "holiday.mp4"
    bad.write_text("this is not a video\n" * 50)
    page.get_by_label("Video file").check()
    page.wait_for_selector("#sv-upload", state="visible")  # shown by a server round trip
    upload(page, "#sv-upload", bad)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # down in the settings
    page.click("#sv-start")
    notice = page.wait_for_selector("#sv-notice .sv-error")
    assert "Upload “holiday.mp4” is not a video" in notice.inner_text()
    assert page.evaluate("window.scrollY") > 0  # the page is scrolled: the title is out of view
    assert page.evaluate(IN_VIEW, "#sv-notice .sv-error")  # but the error is where the user is
    wait_frame_change(page)  # the demo clip keeps playing
    assert served.app.live().label == DEMO_LABEL
    wait_for(lambda: stream_time(served.app) > 1.0, 60, "1 s of the demo clip")
    chat = ask(page, "What did the screen read?", 0)
    assert "asked at" in chat


# The page's Notification and WebAudio, recorded: a headless browser shows and plays neither.
RECORD_ALERTS = """() => {
  window.svNotes = [];
  window.Notification = class {
    constructor(title, options) { window.svNotes.push(options.body); }
    static permission = 'granted';
    static requestPermission() { return Promise.resolve('granted'); }
  };
  window.svBeeps = 0;
  const make = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.svBeeps++;
    return make.call(this);
  };
}"""


def test_a_watch_said_in_the_chat_alerts_while_the_clip_plays(page, served, clip):
    page.evaluate(RECORD_ALERTS)
    page.get_by_role("tab", name="Watches").click()
    page.click("#sv-notify input")
    page.click("#sv-sound input")
    page.fill("#sv-question textarea", "tell me when the sign says gate 7")
    page.click("#sv-ask")
    page.wait_for_selector("#sv-chat :text('I will tell you when I notice on-screen text')")
    page.wait_for_selector("#sv-watches td:has-text('on-screen text reading')")

    page.get_by_label("Video file").check()
    page.wait_for_selector("#sv-path", state="visible")
    page.fill("#sv-path textarea", str(clip[0]))
    page.fill("#sv-speed input[type=number]", "2")
    page.press("#sv-speed input[type=number]", "Enter")
    page.click("#sv-start")
    page.wait_for_selector("#sv-notice:has-text('Watching gate7.mp4')")

    said = page.wait_for_selector("#sv-chat :text('🔔 At 0:0')")
    assert "watch 1" in said.inner_text() and "s after it happened" in said.inner_text()
    assert "GATE 7 CLOSES AT NOON" in said.inner_text()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#sv-alerts img')]"
        ".some((i) => i.complete && i.naturalWidth > 0)"
    )
    assert "s after" in page.inner_text("#sv-alerts")
    page.wait_for_function("() => window.svNotes.length > 0 && window.svBeeps > 0")
    assert "GATE 7" in page.evaluate("window.svNotes[0]")
    wait_for(lambda: served.app.live().state == "ended", 60, "the end of the clip")  # speech too
    row = page.inner_text("#sv-watches tr[data-watch='1']")
    assert row.split()[-1] == "1"  # the card showed once: one alert
    page.click("#sv-watch-pick input")
    page.get_by_role("option", name='1. on-screen text reading "gate 7"').click()
    page.click("#sv-watch-remove")
    page.wait_for_selector("#sv-notice:has-text('Stopped watching for on-screen text')")
    page.wait_for_selector("#sv-watches:has-text('Not watching for anything yet')")
