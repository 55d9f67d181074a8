"""`ask` with a vlm backend as a user runs it: a real subprocess on the demo clip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import DEMO
from tests.test_cli import launch


def test_ask_streams_a_vlm_answer_from_frames_seen_before_the_question(tiny_llava):
    r = launch(
        "ask",
        str(DEMO),
        "-q",
        "What is in view?",
        "--options",
        "a card|a bird",
        "--at",
        "10",
        "--backend",
        f"vlm:{tiny_llava}",
        "--memory",
        "pyramid",
        "--sample-fps",
        "1",
        "--device",
        "cpu",
        "--json",
        "--quiet",
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (answer,) = [json.loads(line) for line in r.stdout.splitlines()]
    frames = [e for e in answer["evidence"] if e["kind"] == "frame"]
    assert answer["backend"] == "vlm" and answer["answer"] and "error" not in answer
    assert len(frames) >= 5 and all(e["end"] <= 10 for e in frames)  # about 1 a second
    assert answer["option"] in ("a card", "a bird")


@pytest.mark.parametrize(
    ("backend", "words", "device"),
    [("vlm:{empty}", "not a", "cpu"), ("vlm:{model}", "GPU", "cuda")],
    ids=["not-a-model", "cuda-without-gpu"],
)
def test_bad_vlm_input_is_one_sentence(tiny_llava: Path, tmp_path: Path, backend, words, device):
    empty = tmp_path / "empty"
    empty.mkdir()
    flag = backend.format(empty=empty, model=tiny_llava)
    r = launch(
        "ask",
        str(DEMO),
        "-q",
        "What is shown?",
        "--at",
        "3",
        "--backend",
        flag,
        "--device",
        device,
        "--quiet",
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and words in errors[0], r.stderr


def test_ask_with_the_kv_memory_saves_and_asks_the_saved_session(tiny_llava, tmp_path):
    saved = tmp_path / "session"
    common = ["--backend", f"vlm:{tiny_llava}", "--device", "cpu", "--json", "--quiet"]
    r = launch(
        "ask",
        str(DEMO),
        "-q",
        "What is shown?",
        "--at",
        "8",
        "--memory",
        "kv",
        "--kv-top-k",
        "2",
        "--kv-retrieve",
        "embedding",
        "--sample-fps",
        "1",
        "--save",
        str(saved),
        *common,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    (live,) = [json.loads(line) for line in r.stdout.splitlines()]
    frames = [e for e in live["evidence"] if e["kind"] == "frame"]
    assert len(frames) == 2 and all(e["end"] <= 8 for e in frames)  # --kv-top-k 2
    state = json.loads((saved / "memory" / "state.json").read_text())
    assert state["config"]["retrieve"] == "embedding" and (saved / "memory" / "kv").is_dir()

    r = launch("ask", str(saved), "-q", "What is shown?", *common, timeout=300)
    assert r.returncode == 0, r.stderr
    (again,) = [json.loads(line) for line in r.stdout.splitlines()]
    assert [e["start"] for e in again["evidence"] if e["kind"] == "frame"] == [
        e["start"] for e in frames
    ]  # the same blocks, read back from disk
