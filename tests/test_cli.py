"""The command line as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import DEMO, ROOT


def launch(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "launch.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_ingest_bunny_json(bunny):
    r = launch("ingest", str(bunny), "--pace", "none", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["frames"] == 132
    assert abs(out["audio_seconds"] - 5.312) < 0.01
    assert abs(out["video_seconds"] - 5.28) < 1e-6
    assert (out["width"], out["height"], out["fps"]) == (1280, 720, 25.0)
    assert out["dropped"] == 0 and out["wall_seconds"] > 0 and out["end"] == "end"


@pytest.mark.parametrize("flag", ["--capture-fps", "--fps"])  # --fps: the old name, hidden
def test_ingest_stops_at_seconds(flag):
    r = launch("ingest", str(DEMO), "--seconds", "5", flag, "2", "--json", "--quiet")
    out = json.loads(r.stdout)
    assert out["frames"] == 10 and out["end"] == "limit"


def test_bad_source_exits_with_one_sentence(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    r = launch("ingest", str(bad), "--quiet")
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "not a video" in lines[0]


def test_an_option_a_source_does_not_take_is_one_sentence_not_ignored():
    for source, flag, value, option in (
        ("mic:default", "--rtsp-transport", "udp", "rtsp_transport"),
        ("mic:default", "--capture-fps", "2", "fps"),
        ("webcam:0", "--rtsp-transport", "udp", "rtsp_transport"),
    ):
        r = launch("ingest", source, flag, value, "--quiet")
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr[-500:]
        lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 and f"({source}) does not take {option}" in lines[0], r.stderr


def test_ingest_keeps_what_a_cut_file_holds_and_warns_once(tmp_path):
    data = DEMO.read_bytes()
    cut = tmp_path / "half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    r = launch("ingest", str(cut), "--json", "--quiet")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["frames"] > 0 and out["end"] == "end"
    assert r.stderr.strip() == f"warning: {out['note']}"
    assert "half.mp4 ends early at 0:" in out["note"]


PERCEIVED_KEYS = ["frames", "sampled", "observations", "audio_seconds", "stream_seconds"]
PERCEIVED_KEYS += ["wall_seconds", "x_realtime", "dropped", "lag", "stages", "timeline", "memory"]


def test_ingest_perceive_prints_what_was_seen_and_heard(clip):
    """`ingest --perceive`: the timeline, the totals and each stage's timing, as JSON (under
    the keys it always had) and as text (the same lines)."""
    path, _ = clip
    r = launch("ingest", str(path), "--perceive", "--json", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert list(out) == PERCEIVED_KEYS
    assert out["frames"] == 120 and abs(out["stream_seconds"] - 12.0) < 0.2  # 12 s at 10 fps
    assert any("GATE 7" in e["text"] for e in out["timeline"] if e["kind"] == "ocr")
    assert any(
        "north entrance" in e["text"].lower() for e in out["timeline"] if e["kind"] == "speech"
    )
    assert out["memory"]["frames_seen"] == out["observations"] > 0
    assert set(out["stages"]["ocr"]) == {"seconds", "items", "ms_per_item"}
    text = launch("ingest", str(path), "--perceive", "--quiet", timeout=300)
    assert text.returncode == 0, text.stderr[-2000:]
    lines = [line.strip() for line in text.stdout.splitlines()]
    assert any(" ocr " in line and "GATE 7" in line for line in lines)  # start–end kind text
    assert "frames: 120" in lines and "observations: " + str(out["observations"]) in lines
    assert any(line.startswith("stage ocr: ") and line.endswith(" ms each)") for line in lines)


def test_demo_clip_matches_its_facts():
    facts = json.loads(DEMO.with_suffix(".json").read_text())
    r = launch("ingest", str(DEMO), "--json", "--quiet")
    out = json.loads(r.stdout)
    assert out["frames"] == round(facts["duration"] * facts["fps"])
    assert abs(out["audio_seconds"] - facts["duration"]) < 0.1
    assert all(s["end"] <= facts["duration"] for s in facts["speech"])
    assert len(facts["cards"]) >= 5 and len(facts["speech"]) >= 5


def test_ask_json_and_a_questions_file(clip, tmp_path):
    path, _ = clip
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "When did the delivery van arrive?", "at": 5}\n'
        '{"question": "What did the sign say?", "at": 7}\n'
        '{"question": "Which gate closes at noon?", "at": 7, '
        '"options": ["Gate 3", "Gate 7", "Gate 9"]}\n'
    )
    r = launch("ask", str(path), "--questions", str(questions), "--json", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    answers = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["asked_at"] for a in answers] == [5, 7, 7]
    assert "have not seen or heard" in answers[0]["answer"]
    assert "GATE 7 CLOSES AT NOON" in answers[1]["answer"]
    assert answers[1]["evidence"][0]["kind"] == "ocr" and answers[1]["evidence"][0]["start"] == 3
    assert answers[2]["option"] == "Gate 7" and answers[2]["option_index"] == 1
    assert all(e["end"] <= a["asked_at"] for a in answers for e in a["evidence"])


def test_ask_without_a_question_is_one_sentence(clip):
    r = launch("ask", str(clip[0]), "--quiet")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "error: Give a question" in r.stderr


@pytest.mark.parametrize("attempt", range(3))  # a race: today's file hung in 2 of 3 runs
def test_ask_on_a_zeroed_mp4_is_one_sentence_not_a_hang(zeroed_clip, attempt):
    r = launch("ask", str(zeroed_clip), "-q", "What was said?", "--at", "30", "--quiet", timeout=60)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "Traceback" not in r.stderr and "Exception in thread" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Cannot decode"), lines


def test_fps_flags_say_what_they_mean():
    from cli.main import build_parser

    parser = build_parser()
    ingest = parser.parse_args(["ingest", "f.mp4", "--fps", "2"])  # the old flag, still taken
    assert ingest.legacy_fps == 2.0 and ingest.capture_fps is None
    assert parser.parse_args(["eval", "--benchmark", "synthetic", "--out", "o"]).sample_fps == 1.0
    old = parser.parse_args(["eval", "--benchmark", "synthetic", "--out", "o", "--fps", "3"])
    assert old.sample_fps == 3.0
    assert parser.parse_args(["ask", "f.mp4", "--sample-fps", "2"]).sample_fps == 2.0
    for command in ("ingest", "eval", "ask"):
        text = launch(command, "--help").stdout
        assert "--sample-fps" in text and "--fps " not in text
    assert "--capture-fps" in launch("ingest", "--help").stdout


def test_ingest_perceive_with_capture_fps_is_refused(clip):
    r = launch("ingest", str(clip[0]), "--perceive", "--capture-fps", "2", "--quiet")
    assert r.returncode == 2 and "--sample-fps" in r.stderr


@pytest.mark.parametrize(
    "argv, words",
    [
        (["ingest", "x.mp4", "--capture-fps", "0"], "--capture-fps: 0 must be above 0"),
        (["ingest", "x.mp4", "--speed", "0"], "--speed: 0 must be above 0"),
        (["ingest", "x.mp4", "--start", "-3"], "--start: -3 must be 0 or more"),
        (["ingest", "x.mp4", "--fps", "nan"], "'nan' is not a finite number"),
        (["ask", "x.mp4", "-q", "hi", "--at", "inf"], "'inf' is not a finite number"),
        (["ask", "x.mp4", "-q", "hi", "--at", "nan"], "'nan' is not a finite number"),
        (["ask", "x.mp4", "-q", "hi", "--at", "soon"], "'soon' is not a number"),
        (["eval", "--benchmark", "synthetic", "--limit", "0"], "--limit: 0 must be 1 or more"),
        (["bench", "memory", "--minutes", "-1"], "--minutes: -1 must be above 0"),
        (["ask", "x.mp4", "-q", "hi", "--language", "xx"], "does not know the language 'xx'"),
        (["watch", "x.mp4", "--when", "hi", "--language", "english"], "language 'english'"),
        (["app", "--port", "99999"], "--port: 99999 is not a port: give 1 to 65535"),
        (["app", "--port", "0"], "--port: 0 is not a port"),
        (["app", "--port", "http"], "'http' is not a port number"),
        (["ask", "x.mp4", "-q", "hi", "--at", "1e308"], "--at: 1e308 s is past any stream"),
        (["ingest", "x.mp4", "--start", "1e20"], "--start: 1e20 s is past any stream"),
    ],
)
def test_bad_numbers_are_one_usage_line(argv, words, capsys):
    from cli.main import main

    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and words in err and "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("launch.py")  # argparse's own error line


@pytest.mark.parametrize(
    "line, words",
    [
        ('["What?", 3]', "give an object"),
        ('{"at": 3}', 'it has no "question" text'),
        ('{"question": "  ", "at": 3}', 'it has no "question" text'),
        ('{"question": "What?", "at": "abc"}', '"at" must be a stream time'),
        ('{"question": "What?", "at": -1}', '"at" must be a stream time'),
        ('{"question": "What?", "at": 1e308}', '"at" must be a stream time'),
        ('{"question": "What?", "options": "A|B"}', '"options" must be a list'),
    ],
)
def test_bad_question_lines_are_one_sentence(line, words, tmp_path, capsys):
    from cli.main import main

    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "fine", "at": 1}\n' + line + "\n")
    assert main(["ask", "x.mp4", "--questions", str(questions)]) == 2
    err = capsys.readouterr().err.strip()
    assert f"q.jsonl line 2: {words}" in err and "\n" not in err


def test_asking_past_the_end_asks_at_the_end(clip):
    path, facts = clip  # 12 s
    r = launch("ask", str(path), "-q", "What did the sign say?", "--at", "1000", "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "note: 16:40 is past the end of the stream (0:12); asking at the end." in r.stderr
    assert "[0:12] Q:" in r.stdout and "16:40" not in r.stdout


def test_ask_save_leaves_a_session_to_ask_later(clip, tmp_path):
    path, _ = clip
    saved = tmp_path / "gate"
    r = launch("ask", str(path), "-q", "What did the sign say?", "--save", str(saved), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    orphans = [saved / ".timeline.jsonl.tmp-dead", saved / "memory" / ".state.json.tmp-dead"]
    for orphan in orphans:  # what a save killed mid-write leaves
        orphan.write_text("torn")
        os.utime(orphan, (orphan.stat().st_atime - 600, orphan.stat().st_mtime - 600))
    r = launch("ask", str(saved), "-q", "What does the gate sign say?", "--json", "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "GATE 7 CLOSES AT NOON" in json.loads(r.stdout)["answer"]
    assert not any(o.exists() for o in orphans)
    r = launch("ask", str(saved), "-q", "What?", "--save", str(tmp_path / "x"), "--quiet")
    assert r.returncode == 2 and "already a saved session" in r.stderr


def test_a_language_given_is_the_one_the_stream_is_read_in_and_saved(clip, tmp_path):
    path, _ = clip
    saved = tmp_path / "gate"
    q = "Where did the delivery van arrive?"
    r = launch("ask", str(path), "-q", q, "--language", "EN", "--save", str(saved), "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "north entrance" in json.loads(r.stdout)["answer"].lower()
    config = json.loads((saved / "manifest.json").read_text())["config"]
    assert config["perception"]["language"] == "en"  # reopened, the session reads it so


def test_ask_on_a_folder_without_a_manifest_says_so_in_one_sentence(tmp_path):
    folder = tmp_path / "talk-session"  # a --save folder whose first save never finished
    folder.mkdir()
    (folder / "timeline.jsonl").write_text("")
    r = launch("ask", str(folder), "-q", "What was said?")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip() == (
        f"error: {folder} is a folder and not a saved session (it has no manifest.json); "
        "pick a video file, or a folder a session was saved in."
    )


def test_compare_shares_one_replay_unless_it_cannot() -> None:
    from cli.eval import shared_memories
    from cli.main import build_parser

    parser = build_parser()
    base = ["eval", "--benchmark", "synthetic", "--out", "o", "--compare", "x"]
    four = ["pyramid", "star", "uniform", "window"]

    def shared(*extra: str, memories: list[str] = four) -> list[str]:
        return shared_memories(parser.parse_args([*base, *extra]), memories)

    assert shared() == four
    assert shared(memories=["star", "kv", "window"]) == ["star", "window"]  # kv: its own process
    assert shared(memories=["kv", "window"]) == []  # one left: nothing to share
    assert shared("--separate") == []
    assert shared("--ray") == []
    assert "--separate" in launch("eval", "--help").stdout


def test_kv_settings_go_to_a_memory_of_the_kv_kind_only() -> None:
    from cli.args import kv_options
    from cli.main import build_parser

    parser = build_parser()
    ask = ["ask", "talk.mp4", "-q", "what was said?", "--kv-top-k", "4", "--kv-positions", "stream"]
    assert kv_options(parser.parse_args([*ask, "--memory", "kv"])) == {
        "top_k": 4,
        "positions": "stream",
    }
    for other in ("pyramid", "window", "no-such-memory"):  # not the kv kind: nothing to give
        assert kv_options(parser.parse_args([*ask, "--memory", other])) == {}


def test_ask_on_a_cut_file_says_it_ends_early(tmp_path):
    """A 72 s recording cut in half is answered from its first half, and says so."""
    data = DEMO.read_bytes()
    cut = tmp_path / "half.mp4"
    cut.write_bytes(data[: len(data) // 2])
    q = "What did the sign say about the gate?"
    r = launch("ask", str(cut), "-q", q, "--json", "--quiet", timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert "GATE 7" in out["answer"]
    assert "half.mp4 ends early at 0:" in out["stream_note"] and "of 1:12" in out["stream_note"]
    assert f"warning: {out['stream_note']}" in r.stderr.splitlines()


def test_ask_against_a_server_that_stalls_answers_from_what_it_saw(monkeypatch, capsys):
    from cli.main import main
    from streamer.capture import file
    from tests.capture.servers import MediaServer

    monkeypatch.setattr(file, "READ_TIMEOUT", 2.0)
    monkeypatch.setitem(file.FileSource.__init__.__kwdefaults__, "max_attempts", 1)
    stall = int(DEMO.stat().st_size * 0.4)  # about 0:20 of 1:12
    with MediaServer(DEMO.parent, stall_after=stall) as server:
        code = main(["ask", server.url(DEMO.name), "-q", "What did the sign say about the gate?"])
    out, err = capsys.readouterr()
    assert code == 0, err[-2000:]
    assert "GATE 7" in out  # shown at 0:03, before the stall
    assert "warning: The stream stopped at 0:" in err and "of 1:12" in err
    assert "cannot be reached" not in err
