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

from streamer.eval.scoring import LETTERS, Row, chosen_index, first_number
from streamer.reasoning.wording import words as tokens

if TYPE_CHECKING:
    from streamer.eval.types import AnswerRecord, EvalQuestion

OVO_CATEGORIES = ("backward", "realtime", "forward")


def response(q: EvalQuestion, a: AnswerRecord) -> str:
    """The answer as the benchmark's prompt asks for it: a letter, a number, Yes/No."""
    if q.scoring == "choice":
        i = chosen_index(q, a.prediction, a.option_index)
        return q.letter(i) if i is not None else a.prediction
    if q.scoring == "number":
        return first_number(a.prediction) or a.prediction
    if q.scoring == "yesno":
        words = tokens(a.prediction)
        if words and words[0] in ("yes", "no"):
            return words[0].capitalize()
    return a.prediction


def ovo_correct(q: EvalQuestion, reply: str) -> bool:
    """OVO-Bench's rule for one item (score.py), on the reduced response."""
    return ovo_item_right(q.sub_type, ovo_gold(q), reply)


def ovo_gold(q: EvalQuestion) -> str:
    """The gold answer as score.py reads it: a letter, a count, or "Yes"/"No"."""
    if q.scoring == "choice":
        assert q.answer_index is not None
        return LETTERS[q.answer_index]
    return q.answer


def ovo_item_right(task: str, gold: str, reply: str | None) -> bool:
    """score.py on one item: `gold` a letter (backward, real-time), a count (REC), Yes/No."""
    if reply is None:  # the script's "no response" (an inference error): wrong
        return False
    if task == "REC":
        return "".join(re.findall(r"\d+", reply)) == gold
    if task in ("SSR", "CRR") and reply == gold[:1]:  # "Y" / "N" as the whole response
        return True
    return gold in reply


def _mean(xs: Sequence[float]) -> float | None:
    return round(sum(xs) / len(xs), 4) if xs else None


def _exact_mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def ovo_scores(rows: Sequence[Row]) -> dict[str, Any]:
    """Per-task accuracies, the three category averages and the averages papers report."""
    hits = [(r.q.sub_type, ovo_correct(r.q, response(r.q, r.a))) for r in rows]
    return {
        "scorer": "OVO-Bench score.py rules on the letter / number / Yes-No of each answer",
        **ovo_table(hits),
    }


def ovo_table(hits: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """score.py's table of (task, right) items: per task, per category, "Total Avg."."""
    from streamer.eval.ovo_bench import CATEGORY_OF

    by_task: dict[str, list[float]] = defaultdict(list)
    for task, ok in hits:
        by_task[task].append(float(ok))
    exact = {t: _exact_mean(v) for t, v in by_task.items()}
    averages: dict[str, float | None] = {}
    for cat in OVO_CATEGORIES:  # rounded only at the end, as the script prints
        accs = [a for t, a in exact.items() if CATEGORY_OF.get(t) == cat and a is not None]
        averages[cat] = _exact_mean(accs)
    three = [averages[c] for c in OVO_CATEGORIES]
    pair = [x for x in three[:2] if x is not None]
    totals = {
        "total_avg": None if None in three else _exact_mean([x for x in three if x is not None]),
        "backward_realtime": _exact_mean(pair) if len(pair) == 2 else None,
        "mean_over_tasks": _exact_mean([a for a in exact.values() if a is not None]),
    }
    return {
        "tasks": {t: {"n": len(v), "accuracy": _mean(v)} for t, v in sorted(by_task.items())},
        "averages": {c: _round(a) for c, a in averages.items()},
        **{k: _round(v) for k, v in totals.items()},
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def letter_correct(q: EvalQuestion, reply: str) -> bool:
    """StreamingBench (count.py): the response's first character is the gold letter."""
    return reply[:1] == q.right_letter


def streamingbench_scores(rows: Sequence[Row]) -> dict[str, Any]:
    """count.py's table (per task type, and `total` over all questions), and per category."""
    hits = [(r.q.sub_type, letter_correct(r.q, response(r.q, r.a))) for r in rows]
    return {
        "scorer": "StreamingBench count.py: the first character of each response against "
        "the gold letter",
        **streamingbench_table(hits),
    }


def streamingbench_table(hits: Sequence[tuple[str, bool]]) -> dict[str, Any]:
    """count.py's accuracies of (task type, right) items, and ours per category."""
    from streamer.eval.streamingbench import category

    by_task: dict[str, list[float]] = defaultdict(list)
    by_cat: dict[str, list[float]] = defaultdict(list)
    for task, ok in hits:
        by_task[task].append(float(ok))
        by_cat[category(task)].append(float(ok))
    return {
        "total": {"n": len(hits), "accuracy": _mean([float(ok) for _, ok in hits])},
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


PROACTIVE_WINDOW_S = 2  # count.py: the last turn within 2 s either side of the gold time


def sb_proactive_right(gold_time: float, gold_output: str, reply: Any) -> tuple[bool, bool] | None:
    """count.py's proactive-output rule on one question's recorded dialog.

    `reply` is what StreamingBench's proactive eval stores under the model's name:
    {"answered": ..., "dialog_history": [{"role", "content", "time"}, ...]}. Its last turn
    decides: (its time within 2 s of the gold time, and that with the gold output a
    substring of its words). None: no dialog to score (count.py would stop on it).
    """
    history = reply.get("dialog_history") if isinstance(reply, dict) else None
    if not isinstance(history, list) or not history or not isinstance(history[-1], dict):
        return None
    last = history[-1]
    try:
        late = float(last["time"]) - gold_time
    except (KeyError, TypeError, ValueError):
        return None
    on_time = -PROACTIVE_WINDOW_S <= late <= PROACTIVE_WINDOW_S
    return on_time, on_time and gold_output in str(last.get("content", ""))


def proactive_table(items: Sequence[tuple[str, bool, bool]]) -> dict[str, Any]:
    """count.py's proactive table of (task type, on time, right output) items, per task type."""
    by_task: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for task, on_time, right in items:
        by_task[task].append((on_time, right))
    out: dict[str, Any] = {}
    for task, hits in sorted(by_task.items()):
        n, timed, said = len(hits), sum(t for t, _ in hits), sum(r for _, r in hits)
        out[task] = {
            "n": n,
            "time_correct": timed,
            "time_accuracy": _mean([float(t) for t, _ in hits]),
            "answer_correct": said,
            "answer_accuracy": _mean([float(r) for _, r in hits]),
        }
    return out
