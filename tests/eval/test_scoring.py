"""Judging answers and the baselines: no models, no media."""

from __future__ import annotations

from streamer.eval.baselines import majority_predictions, random_expected
from streamer.eval.report_md import render_comparison, render_markdown
from streamer.eval.scoring import chosen_index, first_number, first_time, judge, text_scores
from streamer.eval.types import EvalQuestion


def mc(
    answer_index: int, options: tuple[str, ...] = ("NOON", "6 PM", "9 AM", "MIDNIGHT")
) -> EvalQuestion:
    return EvalQuestion(
        "q",
        "What time does gate 7 close?",
        10.0,
        options[answer_index],
        options,
        answer_index,
        "sign-choice",
        scoring="choice",
    )


def test_multiple_choice_by_index_letter_or_text() -> None:
    q = mc(0)
    assert judge(q, "anything", option_index=0)
    assert not judge(q, "A. NOON", option_index=1)  # the chosen index wins over the text
    assert judge(q, "A. NOON — at 0:03 the screen read ...")
    assert judge(q, "(A)") and judge(q, "A") and judge(q, " noon ")
    assert not judge(q, "B") and not judge(q, "I do not know")
    assert chosen_index(q, "It is 6 PM, I think") == 1
    assert chosen_index(q, "noon or 6 pm") is None  # two options named: no choice


def test_ovbench_style_answers() -> None:
    q = EvalQuestion(
        "ava/0",
        "Are there still 2 people?",
        50.0,
        "No",
        ("Yes", "No"),
        1,
        "Hallucination",
        scoring="choice",
    )
    assert q.is_yesno and judge(q, "B") and judge(q, "No") and not judge(q, "Yes")


def test_open_ended_scores() -> None:
    s = text_scores(
        "the north entrance", "At 0:08 someone said “The van arrived at the North Entrance.”"
    )
    assert (s.exact, s.contains) == (0.0, 1.0) and 0 < s.f1 < 1
    assert text_scores("Noon.", "noon").exact == 1.0
    assert text_scores("two", "2").exact == 1.0  # number words fold to digits
    assert text_scores("13", "at 0:13 it read 3").contains == 1.0
    assert text_scores("3", "room 13").contains == 0.0  # whole words only
    assert text_scores("", "anything") == text_scores("", "")


def test_time_number_and_yesno_rules() -> None:
    when = EvalQuestion(
        "w",
        "When was it shown?",
        30.0,
        "0:16",
        answer_type="when",
        scoring="time",
        answer_span=(16.0, 19.0),
    )
    assert judge(when, "At 0:16: the screen read ...") and judge(
        when, "at 0:20"
    )  # within 2 s of the span
    assert not judge(when, "At 0:22") and not judge(when, "I have not seen it")
    assert first_time("1:02:03 and 0:04") == 3723
    count = EvalQuestion("c", "How many times?", 30.0, "3", answer_type="count", scoring="number")
    assert judge(count, "3 times: at 0:01, 0:11 and 0:36.") and judge(count, "three times")
    assert not judge(count, "2 times: at 0:03 and 0:13")
    assert first_number("At 0:03 it read 3 times") == "3"  # clock times are not counts
    yn = EvalQuestion("y", "Was there a sign?", 30.0, "yes", answer_type="yesno", scoring="yesno")
    assert yn.is_yesno and judge(yn, "Yes. At 0:16 ...") and not judge(yn, "No. I have not ...")


def test_baselines() -> None:
    qs = [
        EvalQuestion(
            f"y{i}", "Is it?", 1.0, a, ("Yes", "No"), ("Yes", "No").index(a), "H", scoring="choice"
        )
        for i, a in enumerate(["Yes", "Yes", "Yes", "No"])
    ]
    qs.append(EvalQuestion("o", "What?", 1.0, "garage", answer_type="open"))
    assert majority_predictions(qs) == ["Yes", "Yes", "Yes", "Yes", "garage"]
    assert random_expected(qs) == [0.5, 0.5, 0.5, 0.5, 0.0]  # the lone open question: no pool


def test_markdown_renders_a_minimal_report() -> None:
    group = {"n": 1, "accuracy": 1.0, "random": 0.25, "majority": 0.0}
    report = {
        "benchmark": "synthetic",
        "config": {"memory": "pyramid", "backend": "extractive"},
        "videos": {"found": 1, "missing": 0, "streamed": 1, "errors": {}},
        "questions": {
            "total": 1,
            "answered": 1,
            "missing_video": 0,
            "unanswered": 0,
            "backend_errors": 0,
            "answered_by": {"extractive": 1},
        },
        "overall": group,
        "without_yesno": group,
        "yesno": {**group, "n": 0},
        "by_answer_type": {"sign-choice": group},
        "by_sub_type": {"sign-choice/gate": group},
        "judge": "not run",
        "future_violations": 0,
        "lookahead": {"answers": 0, "max_s": 0.0},
        "latency_s": {
            k: {"p50": 0.01, "p90": 0.02, "p99": 0.03, "mean": 0.01}
            for k in ("first_token", "total")
        },
        "memory": {},
        "evidence": {"moments": 0, "frame_held_share": None},
        "streaming": {"stream_s": 60.0, "wall_s": 20.0, "x_realtime": 3.0},
    }
    md = render_markdown(report)
    assert "| sign-choice | 1 | 100.0% | 25.0% | 0.0% |" in md
    table = render_comparison({"pyramid": report, "star": report})
    assert table.count("\n") == 2 + 2 + 2  # head, rule, two strategies, two baselines
