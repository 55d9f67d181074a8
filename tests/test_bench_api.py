"""`bench api`'s summary: medians of each way's first token, and the answers that differ."""

from __future__ import annotations

from streamer.bench.api import markdown, summary


def test_summary_takes_medians_in_ms_and_lists_answers_that_differ():
    questions = ["a?", "b?", "c?"]
    http = [
        {"first_s": first, "total_s": total, "plain_s": plain, "answer": a, "streamed_answer": a}
        for first, total, plain, a in (
            (0.01, 0.03, 0.02, "A"),
            (0.03, 0.05, 0.04, "B"),
            (0.02, 0.04, 0.03, "C"),
        )
    ]
    cli = [
        {"first_token_s": 0.001, "total_s": 0.002, "answer": "A"},
        {"first_token_s": 0.003, "total_s": 0.004, "answer": "B"},
        {"first_token_s": 0.005, "total_s": 0.006, "answer": "not C"},
    ]
    r = summary(questions, http, cli)
    assert r["http_first_token_ms"] == 20.0 and r["ask_first_token_ms"] == 3.0
    assert r["http_streamed_total_ms"] == 40.0 and r["http_plain_total_ms"] == 30.0
    assert r["same_answers"] == 2
    assert r["differ"] == [{"question": "c?", "http": "C", "ask": "not C"}]
    text = markdown(r)
    assert "| launch.py ask, the saved session | 3 | 4 |" in text
    assert "Same answer both ways: 2 of 3." in text
