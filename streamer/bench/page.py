"""Page benchmark: does load on the API starve a viewer's browser tab?

For each load level (0 and 8 API clients by default) a fresh app is started on the
demo clip at 1x, a headless Chromium tab (Debian's /usr/bin/chromium, driven by
Playwright) presses Start, and for `seconds` the tab records each new frame its
live view shows while it asks its own questions one after another and the API
clients (their own process, streamer/bench/api_clients.py) ask through `/ask`.
Reported per level: the gaps between the tab's live-view updates (p50 / p95 /
max; the view refreshes every 0.5 s when nothing holds it up), the tab's own
answer times and the API answers' times.

    python launch.py bench page --clients 0 8 --seconds 30 --out bench
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamer.bench.report import median, percentile, table, write

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
TAB_QUESTION = "What does the gate sign say?"
START_TIMEOUT = 120.0  # s for the app to answer its first request
WAIT_MS = 120_000
ANSWER_TIMEOUT = 60.0  # s for the tab's own question
SETTLE = 0.3  # s after the box is cleared, as a person would wait before typing
EMPTY_BOX = "() => document.querySelector('#sv-question textarea').value === ''"
# Counts frames as the tab shows them: the live view's <img> carries the frame's number.
OBSERVE = """() => {
  window.__svShown = [];
  const live = document.querySelector('#sv-live');
  let last = null;
  new MutationObserver(() => {
    const img = live.querySelector('img.sv-frame');
    const seq = img && img.dataset.seq;
    if (seq && seq !== last) { last = seq; window.__svShown.push(performance.now()); }
  }).observe(live, {subtree: true, childList: true, attributes: true});
}"""
# The answer to the question marked `m` is in: its footer follows the question's words.
ANSWERED = """(m) => {
  const text = document.querySelector('#sv-chat').innerText;
  const at = text.lastIndexOf(m);
  return at >= 0 && /asked at \\d/.test(text.slice(at));
}"""


def bench_page(
    clients: Sequence[int] = (0, 8), seconds: float = 30.0, out_dir: Path | str = "bench"
) -> dict[str, Any]:
    if not CHROMIUM.exists():
        raise SystemExit("bench page needs Debian's chromium at /usr/bin/chromium: run make test.")
    rows = [_one_level(n, seconds) for n in clients]
    result = {"seconds": seconds, "levels": rows}
    headers = (
        "API clients",
        "tab updates",
        "gap p50 s",
        "gap p95 s",
        "gap max s",
        "tab answers",
        "tab answer p50 s",
        "tab answer p95 s",
        "API answers",
        "API p50 s",
    )
    body = [
        (
            r["clients"],
            len(r["gaps"]) + 1,
            median(r["gaps"]),
            percentile(r["gaps"], 95),
            max(r["gaps"], default=0.0),
            len(r["tab"]),
            median(r["tab"]),
            percentile(r["tab"], 95),
            len(r["api"]),
            median(r["api"]),
        )
        for r in rows
    ]
    md = (
        f"# Page under API load ({seconds:.0f} s per level, demo clip at 1x)\n\n"
        + table(headers, body)
        + "\nGaps: seconds between the live view's new frames in a browser tab "
        "(refreshed every 0.5 s). Tab answers: the tab's own questions, asked one after "
        "another while the API clients ask through /ask; one unanswered after "
        f"{ANSWER_TIMEOUT:.0f} s counts as {ANSWER_TIMEOUT:.0f} s and ends the level's asking.\n"
    )
    write(out_dir, "page", result, md)
    return result


def _one_level(clients: int, seconds: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with _app() as url, sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(WAIT_MS)
            tab.goto(url)
            tab.click("#sv-start")
            tab.wait_for_selector("#sv-live img.sv-frame")
            tab.evaluate(OBSERVE)
            load = _load(url, clients, seconds, Path(tmp))
            unanswered: list[str] = []
            tab_times = _ask_until(tab, time.monotonic() + seconds, unanswered)
            shown = tab.evaluate("() => window.__svShown")
            api = _finish(load)
        finally:
            browser.close()
    gaps = [(b - a) / 1000 for a, b in zip(shown, shown[1:])]
    return {
        "clients": clients,
        "gaps": gaps,
        "tab": tab_times,
        "api": api,
        "unanswered": unanswered,
    }


def _ask_until(tab: Any, deadline: float, unanswered: list[str]) -> list[float]:
    """The tab's own questions, one after another until `deadline`; their answer times
    (a question unanswered after ANSWER_TIMEOUT counts as that long, ends the asking, and
    the chat's last words then go to `unanswered`)."""
    from playwright.sync_api import TimeoutError as Timeout

    times: list[float] = []
    while time.monotonic() < deadline:
        # each question its own words: the chat shows only its latest messages, so the
        # answer is found after the question's own text
        mark = f"(check {chr(ord('a') + len(times) % 26) * 3})"
        # the last answer's outputs clear the box: a question typed before they land is lost
        tab.wait_for_function(EMPTY_BOX, timeout=ANSWER_TIMEOUT * 1000)
        time.sleep(SETTLE)
        t0 = time.monotonic()
        tab.fill("#sv-question textarea", f"{TAB_QUESTION} {mark}")
        tab.click("#sv-ask")
        try:
            tab.wait_for_function(ANSWERED, arg=mark, timeout=ANSWER_TIMEOUT * 1000)
        except Timeout:
            times.append(ANSWER_TIMEOUT)
            unanswered.append(str(tab.inner_text("#sv-chat"))[-600:])
            break
        times.append(time.monotonic() - t0)
    return times


def _load(url: str, clients: int, seconds: float, folder: Path) -> subprocess.Popen[str] | None:
    if clients == 0:
        return None
    cmd = [
        sys.executable,
        "-m",
        "streamer.bench.api_clients",
        url,
        str(clients),
        "100000",
        str(folder),
        str(seconds),
    ]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)


def _finish(load: subprocess.Popen[str] | None) -> list[float]:
    if load is None:
        return []
    out, _ = load.communicate(timeout=300)
    return [float(s) for s in json.loads(out.strip().splitlines()[-1])["latencies"]]


@contextmanager
def _app() -> Iterator[str]:
    """`launch.py app` on a free local port, in a process of its own; its URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, str(ROOT / "launch.py"), "app", "--port", str(port), "--no-browser"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _answers(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the app did not start on {url} (exit {proc.poll()}).")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False
