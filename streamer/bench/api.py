"""API benchmark: first token over /v1/chat/completions vs `launch.py ask`, same session.

One session: the whole demo clip, followed by `launch.py ask --save` (every sample,
as fast as it decodes; the extractive default). `launch.py serve` in its own process
reopens it (`POST /v1/sessions/reopen`) and each question is asked through the
official `openai` client, streamed (wall time from the request to the first content
token, and to the last) and not streamed. Then `launch.py ask SAVED --questions …
--json` asks the same questions of the same saved session: its first token is the
session's own, with no HTTP.

    python launch.py bench api --out bench
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamer.bench.peers import free_port
from streamer.bench.report import median, table, write

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "assets" / "demo.mp4"
KEY = "bench-api"  # the bearer key the bench's own server is started with
QUESTIONS = (
    "What does the gate sign say?",
    "When does gate 7 close?",
    "Where did the delivery van arrive?",
    "What was said about the budget?",
    "Which room is the meeting in?",
    "What time does the train to Lyon leave?",
    "What should be watered on Friday?",
    "Where is the package?",
    "What colour was the square?",
    "Which way is the exit?",
    "What did the budget card say?",
    "Which platform is the train to Lyon on?",
)
START_WAIT = 900.0  # s for the server to load its models (minutes on a loaded machine)
SAVED = "demo"  # the saved session's folder name


def bench_api(
    questions: Sequence[str] = QUESTIONS,
    out_dir: Path | str = "bench",
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        sessions = Path(tmp) / "sessions"
        progress("following the whole demo into a saved session")
        _ask([str(DEMO), "-q", questions[0], "--save", str(sessions / SAVED)], tmp)
        with _serve(sessions) as url:
            progress(f"serving at {url}; reopening the saved session")
            _reopen(url)
            http = [_over_http(url, q) for q in questions]
        progress("asking the same saved session with launch.py ask")
        cli = _ask_saved(sessions / SAVED, questions, Path(tmp))
    result = summary(questions, http, cli)
    write(out, "api", result, markdown(result))
    progress(markdown(result))
    return result


def summary(
    questions: Sequence[str], http: Sequence[dict[str, Any]], cli: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """Medians in ms of each way's first token and whole answer; where the answers differ."""
    ms = 1000.0
    return {
        "questions": len(questions),
        "http_first_token_ms": round(median([h["first_s"] for h in http]) * ms, 1),
        "http_streamed_total_ms": round(median([h["total_s"] for h in http]) * ms, 1),
        "http_plain_total_ms": round(median([h["plain_s"] for h in http]) * ms, 1),
        "ask_first_token_ms": round(median([c["first_token_s"] for c in cli]) * ms, 1),
        "ask_total_ms": round(median([c["total_s"] for c in cli]) * ms, 1),
        "same_answers": sum(h["answer"] == c["answer"] for h, c in zip(http, cli, strict=True)),
        "differ": [
            {"question": q, "http": h["answer"], "ask": c["answer"]}
            for q, h, c in zip(questions, http, cli, strict=True)
            if h["answer"] != c["answer"]
        ],
        "runs": [
            {"question": q, **h, "ask_first_token_s": c["first_token_s"]}
            for q, h, c in zip(questions, http, cli, strict=True)
        ],
    }


def markdown(r: dict[str, Any]) -> str:
    rows = [
        [
            "/v1/chat/completions, streamed (openai client)",
            r["http_first_token_ms"],
            r["http_streamed_total_ms"],
        ],
        ["/v1/chat/completions, not streamed", "", r["http_plain_total_ms"]],
        ["launch.py ask, the saved session", r["ask_first_token_ms"], r["ask_total_ms"]],
    ]
    return (
        f"# API: first token over HTTP vs `launch.py ask`, the demo, {r['questions']} questions\n\n"
        "Medians. HTTP: wall time at the client from the request; ask: the session's own "
        "first token (no HTTP), the same session saved.\n\n"
        + table(["way", "first token ms", "whole answer ms"], rows)
        + f"\nSame answer both ways: {r['same_answers']} of {r['questions']}.\n"
    )


@contextmanager
def _serve(sessions: Path) -> Iterator[str]:
    """`launch.py serve` on the demo, on a free local port: the API's base URL."""
    port = free_port()
    cmd = [
        sys.executable,
        str(ROOT / "launch.py"),
        "serve",
        str(DEMO),
        "--port",
        str(port),
        "--sessions-dir",
        str(sessions),
    ]
    env = {**os.environ, "STREAMER_API_KEY": KEY}
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


def _reopen(url: str) -> None:
    """Make the saved session current; tried again while the server loads its models."""
    import httpx

    deadline, last = time.monotonic() + START_WAIT, "not listening"
    while time.monotonic() < deadline:
        try:
            r = httpx.post(
                f"{url}/sessions/reopen", json={"name": SAVED}, headers=_headers(), timeout=300
            )
            if r.status_code == 200:
                return
            last = r.text
        except httpx.TransportError:
            pass  # not listening yet
        time.sleep(2.0)
    raise TimeoutError(f"serve could not reopen the saved session in {START_WAIT:.0f} s: {last}")


def _over_http(url: str, question: str) -> dict[str, Any]:
    """One question through the `openai` client: streamed (first token, total), then not."""
    import openai

    client = openai.OpenAI(base_url=url, api_key=KEY)
    messages: Any = [{"role": "user", "content": question}]
    t0 = time.perf_counter()
    first, parts = None, []
    for chunk in client.chat.completions.create(model="streamer", messages=messages, stream=True):
        text = chunk.choices[0].delta.content if chunk.choices else None
        if text:
            first = first if first is not None else time.perf_counter() - t0
            parts.append(text)
    total = time.perf_counter() - t0
    t1 = time.perf_counter()
    plain = client.chat.completions.create(model="streamer", messages=messages)
    return {
        "first_s": first if first is not None else total,
        "total_s": total,
        "plain_s": time.perf_counter() - t1,
        "answer": (plain.choices[0].message.content or "").strip(),
        "streamed_answer": "".join(parts).strip(),
    }


def _ask(argv: list[str], tmp: str | Path) -> list[dict[str, Any]]:
    """`launch.py ask ARGV --json --quiet`: its JSON lines."""
    cmd = [sys.executable, str(ROOT / "launch.py"), "ask", *argv, "--json", "--quiet"]
    done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"launch.py ask failed: {done.stderr.strip()[-500:]}")
    return [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]


def _ask_saved(folder: Path, questions: Sequence[str], tmp: Path) -> list[dict[str, Any]]:
    asked = tmp / "questions.jsonl"
    asked.write_text("".join(json.dumps({"question": q}) + "\n" for q in questions))
    lines = _ask([str(folder), "--questions", str(asked)], tmp)
    return [{**x, "answer": x["answer"].strip()} for x in lines]
