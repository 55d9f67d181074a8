"""The benchmarks' own scoring rules, applied to stored answers.

An answer is first reduced to the response the benchmark's prompt asks a model
for, then judged by that benchmark's rule:

- multiple choice: the letter of the option the answer chose ("C"), or the
  answer's text when it chose none;
- OVO-Bench REC (a count): the answer's first number; SSR / CRR (yes / no): the
  answer's first word, "Yes" or "No" when it is one.

OVO-Bench (its `score.py`): backward and real-time are right when the gold letter
occurs in the response; REC when the response's digits, joined, are the count;
SSR / CRR when the response is "Y"/"N" for type 1/0, or holds "Yes"/"No". A task's
accuracy is over its items (each forward probe is one item); a category's average
is the mean of its tasks' accuracies. Reported averages, each named for what it is:

    total_avg              the script's "Total Avg.": mean of the backward, real-time
                           and forward averages (None unless all three are present,
                           as the script prints it only then)
    backward_realtime      mean of the backward and real-time averages (no forward)
    mean_over_tasks        mean of every task's accuracy (no script prints it)

StreamingBench (its `src/data/count.py`): a question is right when the response's
first character is the gold letter; questions without a response are not counted.
Its table is the accuracy per task type and `total` over every counted question
(micro-averaged); the category accuracies beside it are ours.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from streamer.eval.scoring import LETTERS, chosen_index, first_number
from streamer.reasoning.wording import words as tokens

if TYPE_CHECKING:
    from streamer.eval.report import Row
    from streamer.eval.types import AnswerRecord, EvalQuestion

OVO_CATEGORIES = ("backward", "realtime", "forward")


def response(q: EvalQuestion, a: AnswerRecord) -> str:
    """The answer as the benchmark's prompt asks for it: a letter, a number, Yes/No."""
    if q.scoring == "choice":
        i = chosen_index(q, a.prediction, a.option_index)
        return LETTERS[i] if i is not None else a.prediction
    if q.scoring == "number":
        return first_number(a.prediction) or a.prediction
    if q.scoring == "yesno":
        words = tokens(a.prediction)
        if words and words[0] in ("yes", "no"):
            return words[0].capitalize()
    return a.prediction


def ovo_correct(q: EvalQuestion, reply: str) -> bool:
    """OVO-Bench's rule for one item (score.py), on the reduced response."""
    if q.sub_type == "REC":
        return "".join(re.findall(r"\d+", reply)) == q.answer
    if q.scoring == "yesno":
        if reply == ("Y" if q.answer == "Yes" else "N"):
            return True
        return q.answer in reply
    assert q.answer_index is not None
    return LETTERS[q.answer_index] in reply


def _mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def ovo_scores(rows: Sequence[Row]) -> dict[str, Any]:
    """Per-task accuracies, the three category averages and the averages papers report."""
    by_task: dict[str, list[float]] = defaultdict(list)
    category: dict[str, str] = {}
    for r in rows:
        by_task[r.q.sub_type].append(float(ovo_correct(r.q, response(r.q, r.a))))
        category[r.q.sub_type] = r.q.answer_type
    tasks = {t: {"n": len(v), "accuracy": _mean(v)} for t, v in sorted(by_task.items())}
    averages: dict[str, float | None] = {}
    for cat in OVO_CATEGORIES:
        accs = [d["accuracy"] for t, d in tasks.items() if category[t] == cat]
        averages[cat] = _mean([x for x in accs if x is not None])
    return {
        "scorer": "OVO-Bench score.py rules on the letter / number / Yes-No of each answer",
        "tasks": tasks,
        "averages": averages,
        **ovo_totals(averages, [d["accuracy"] for d in tasks.values()]),
    }


def ovo_totals(
    averages: dict[str, float | None], task_accuracies: Sequence[float | None]
) -> dict[str, float | None]:
    """The script's "Total Avg." and the other averages, each under its own name."""
    three = [averages.get(c) for c in OVO_CATEGORIES]
    pair = [x for x in three[:2] if x is not None]
    return {
        "total_avg": _mean([x for x in three if x is not None]) if None not in three else None,
        "backward_realtime": _mean(pair) if len(pair) == 2 else None,
        "mean_over_tasks": _mean([x for x in task_accuracies if x is not None]),
    }


def letter_correct(q: EvalQuestion, reply: str) -> bool:
    """StreamingBench (count.py): the response's first character is the gold letter."""
    assert q.answer_index is not None
    return reply[:1] == LETTERS[q.answer_index]


def streamingbench_scores(rows: Sequence[Row]) -> dict[str, Any]:
    """count.py's table (per task type, and `total` over all questions), and per category."""
    hits = [(r.q, float(letter_correct(r.q, response(r.q, r.a)))) for r in rows]
    by_task: dict[str, list[float]] = defaultdict(list)
    by_cat: dict[str, list[float]] = defaultdict(list)
    for q, ok in hits:
        by_task[q.sub_type].append(ok)
        by_cat[q.answer_type].append(ok)
    return {
        "scorer": "StreamingBench count.py: the first character of each response against "
        "the gold letter",
        "total": {"n": len(hits), "accuracy": _mean([ok for _, ok in hits])},
        "categories": {c: {"n": len(v), "accuracy": _mean(v)} for c, v in sorted(by_cat.items())},
        "tasks": {t: {"n": len(v), "accuracy": _mean(v)} for t, v in sorted(by_task.items())},
    }


def official_scores(benchmark: str, rows: Sequence[Row]) -> dict[str, Any] | None:
    """The benchmark's own scores of `rows`, or None for benchmarks scored only by `judge`."""
    if benchmark == "ovo-bench":
        return ovo_scores(rows)
    if benchmark.startswith("streamingbench"):
        return streamingbench_scores(rows)
    return None
