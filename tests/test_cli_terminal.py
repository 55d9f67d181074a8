"""What a new user's terminal shows: one sentence for each mistake, nothing it would obey."""

from __future__ import annotations

import subprocess
import sys

import pytest

from cli.terminal import printable
from streamer.session import Session, SessionConfig
from tests.conftest import ROOT
from tests.test_cli import launch

ESC = "\x1b[2J\x1b[31m"  # clear the screen, then red


def test_control_characters_are_shown_as_escapes():
    assert printable(f"{ESC}hi\tthere\n\u202e") == "\\x1b[2J\\x1b[31mhi\tthere\\n\\u202e"
    assert printable("Café 40,000 € — ok") == "Café 40,000 € — ok"


@pytest.fixture(scope="module")
def saved(clip, tmp_path_factory):
    path, _ = clip
    folder = tmp_path_factory.mktemp("terminal") / "saved"
    s = Session(SessionConfig(str(path), pace="none")).start()
    try:
        s.run_until(None)
        s.save(folder)
    finally:
        s.stop()
    return folder


def test_the_answer_line_is_whole_and_escapes_are_not_echoed(saved):
    # stderr into stdout, as a terminal shows them: the embedder loads on the first
    # question of a reopened session and draws its progress bar then
    r = subprocess.run(
        [sys.executable, "launch.py", "ask", str(saved), "-q", f"{ESC}What did the card say?"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-2000:]
    assert "\x1b" not in r.stdout and "Q: \\x1b[2J\\x1b[31mWhat did the card say?" in r.stdout
    lines = r.stdout.splitlines()
    answer = [i for i, line in enumerate(lines) if line.startswith("A: ")]
    assert len(answer) == 1, r.stdout
    assert lines[answer[0]].startswith("A: I ") and lines[answer[0]].endswith("."), r.stdout
    assert "(" in lines[answer[0] + 1] and "ms to first token" in lines[answer[0] + 1]


def test_an_empty_questions_file_says_so(tmp_path, capsys):
    from cli.main import main

    questions = tmp_path / "q.jsonl"
    questions.write_text("\n  \n")
    assert main(["ask", "x.mp4", "--questions", str(questions)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"There are no questions in {questions}" in err and "\n" not in err


def test_no_camera_is_one_sentence_without_opencvs_own_warnings():
    r = launch("ask", "webcam:7", "-q", "hi", "--at", "1", "--quiet")
    lines = [s for s in r.stderr.splitlines() if s.strip() and "Loading weights" not in s]
    assert r.returncode == 2 and lines == [lines[-1]], r.stderr
    assert lines[-1].startswith("error: No camera found at 7")


def test_without_its_dependencies_launch_says_how_to_run_it():
    bare = getattr(sys, "_base_executable", None)  # this venv's Python, without the venv
    probe = subprocess.run([bare or "", "-c", "import safetensors"], capture_output=True)
    if not bare or probe.returncode == 0:
        pytest.skip("no Python without streamer's dependencies here")
    r = subprocess.run(
        [bare, "launch.py", "ask", "x.mp4", "-q", "hi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0 and ".venv/bin/python launch.py" in r.stderr
