"""`launch.py watch` on the gate clip (tests/conftest.py): card "GATE 7 CLOSES AT NOON" 3-6 s,
"The delivery van arrived at the north entrance." spoken from 8 s."""

from __future__ import annotations

import json

from cli.main import EXIT_USER_ERROR, main


def test_watch_prints_each_alert_as_json_lines_and_a_summary(clip, capsys):
    path, _ = clip
    code = main(
        [
            "watch",
            str(path),
            "--pace",
            "none",
            "--json",
            "--when",
            "the sign says gate 7",
            "--when",
            "tell me when someone mentions the north entrance",
            "--when",
            "someone says budget",
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    watches = [r for r in lines if "watching_for" in r]
    alerts = [r for r in lines if "alert" in r]
    (summary,) = [r["summary"] for r in lines if "summary" in r]
    assert [w["watching_for"] for w in watches] == [
        'on-screen text reading "gate 7"',
        'someone saying "north entrance"',
        'someone saying "budget"',
    ]
    by_watch = {a["alert"]: a for a in alerts}
    assert sorted(by_watch) == [1, 2] and len(alerts) == 2  # nothing said about a budget
    assert abs(by_watch[1]["t"] - 3.0) <= 1.0 and by_watch[1]["evidence"]["kind"] == "ocr"
    assert (
        abs(by_watch[2]["t"] - 8.0) <= 1.0 and "north entrance" in by_watch[2]["sentence"].lower()
    )
    assert all(a["at"] >= a["t"] and a["delay_s"] >= 0 for a in alerts)
    assert "summary" in lines[-1]  # the summary comes last
    assert summary["alerts"] == 2 and summary["by_watch"]['someone saying "budget"'] == 0
    assert 11.0 <= summary["stream_seconds"] <= 12.5


def test_an_empty_watch_is_one_sentence(clip, capsys):
    assert main(["watch", str(clip[0]), "--when", " "]) == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.count(". ") == 0 and "--when" in err
