"""The command line as a user runs it: a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

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


def test_ingest_stops_at_seconds():
    r = launch("ingest", str(DEMO), "--seconds", "5", "--fps", "2", "--json", "--quiet")
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


def test_demo_clip_matches_its_facts():
    facts = json.loads(DEMO.with_suffix(".json").read_text())
    r = launch("ingest", str(DEMO), "--json", "--quiet")
    out = json.loads(r.stdout)
    assert out["frames"] == round(facts["duration"] * facts["fps"])
    assert abs(out["audio_seconds"] - facts["duration"]) < 0.1
    assert all(s["end"] <= facts["duration"] for s in facts["speech"])
    assert len(facts["cards"]) >= 5 and len(facts["speech"]) >= 5
