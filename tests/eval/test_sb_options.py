"""StreamingBench questions whose option lists are not four clean "A. ..." entries.

Thirteen omni-source questions of its questions_omni.json hold five to seven
entries: an empty one, a fragment of an option split off without a letter, or a
stray "E. ." Its eval fills the prompt's four slots with the first four entries
as they stand (a list starting "A." is not relettered), and count.py compares the
reply's first character with the gold letter. Asked here, each option keeps the
letter the benchmark's prompt shows it under, and the letter answered is that one.
The lists below are of the shapes found in that file.
"""

from __future__ import annotations

from streamer.eval.official import letter_correct, response
from streamer.eval.scoring import judge
from streamer.eval.streamingbench import to_question
from streamer.eval.types import AnswerRecord, EvalQuestion


def _record(options: list[str], answer: str) -> dict[str, object]:
    return {
        "task_type": "Scene Understanding",
        "question": "What happened just now?",
        "time_stamp": "00:01:10",
        "answer": answer,
        "options": options,
    }


def _answered(q: EvalQuestion, i: int) -> AnswerRecord:
    return AnswerRecord(q.qid, "v", q, q.options[i] if q.options else "", 70.0, 70.0, None, i)


def test_empty_entries_are_no_option_and_extras_are_dropped() -> None:
    entries = ["A. a goal", "", "B. a foul", "C. a volley", "", "D. a run"]
    q = to_question("q", _record(entries, "C"))
    # the first four entries are what the prompt shows: "D. a run" is the sixth
    assert q.options == ("a goal", "a foul", "a volley") and q.letters is None
    assert q.answer_index == 2 and q.answer == "a volley"
    assert response(q, _answered(q, 2)) == "C" and letter_correct(q, "C")


def test_a_letterless_fragment_is_shown_but_not_chosen() -> None:
    entries = ["A. a card", "B. a monster attacks", "another fortress.", "C. a sword", "D. lava"]
    q = to_question("q", _record(entries, "C"))
    assert q.options == ("a card", "a monster attacks", "a sword")
    assert q.answer_index == 2 and response(q, _answered(q, 2)) == "C"
    gone = to_question("q", _record(entries, "D"))  # "D. lava" is the fifth: never shown
    assert gone.answer_index is None and gone.gold_letter == "D"
    assert not any(letter_correct(gone, response(gone, _answered(gone, i))) for i in range(3))
    assert not any(judge(gone, o, i) for i, o in enumerate(gone.options or ()))
    assert letter_correct(gone, "D")  # count.py would count a bare "D" right


def test_a_gap_in_the_letters_keeps_each_option_under_its_own() -> None:
    q = to_question("q", _record(["A. rain", "", "C. snow", "D. sun"], "D"))
    assert q.options == ("rain", "snow", "sun") and q.letters == ("A", "C", "D")
    assert q.answer_index == 2
    assert response(q, _answered(q, 2)) == "D" and letter_correct(q, "D")
    assert judge(q, "D. sun") and judge(q, "D") and not judge(q, "C")


def test_a_list_without_letters_is_lettered_by_place() -> None:
    q = to_question("q", _record(["2.", "6.", "7.", "4.", "9."], "C"))
    assert q.options == ("2.", "6.", "7.", "4.") and q.letters is None
    assert q.answer == "7." and response(q, _answered(q, 2)) == "C"


def test_letters_survive_a_round_trip() -> None:
    q = to_question("q", _record(["A. rain", "", "C. snow", "D. sun"], "D"))
    assert EvalQuestion.from_dict(q.to_dict()) == q
