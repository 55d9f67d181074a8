"""Baselines on the same questions: random choice and the majority answer.

Both are judged by the same rule as the system (streamer.eval.scoring.judge):

- random choice, as an expected accuracy: 1 / options for multiple choice, 1/2
  for yes/no, and for open answers the share of the other gold answers of the same answer type
  that would pass as the right one (answering with another question's answer);
- majority answer: always answer with the most common gold answer of the
  question's answer type (for multiple choice, the option of that text when
  offered), which exposes answer priors such as OVBench's many "Yes"s.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence

from streamer.eval.scoring import judge
from streamer.eval.types import EvalQuestion
from streamer.reasoning.wording import words as tokens

POOL_LIMIT = 200  # gold answers sampled per answer type for the open-answer random baseline


def _key(q: EvalQuestion) -> str:
    return q.answer_type or "(none)"


def _norm(answer: str) -> str:
    return " ".join(tokens(answer)) or answer.strip().lower()


def majority_predictions(questions: Sequence[EvalQuestion]) -> list[str]:
    """Per question, the most common gold answer of its answer type (ties: the first in sort order).

    The standard answer-prior baseline, computed on these very questions, so it
    is an upper bound of what a prior alone gets (with a single question of a
    type it is trivially right; `n` is always shown beside it).
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    text_of: dict[str, str] = {}
    for q in questions:
        counts[_key(q)][_norm(q.answer)] += 1
        text_of.setdefault(_norm(q.answer), q.answer)
    best = {t: text_of[min(c, key=lambda a: (-c[a], a))] for t, c in counts.items()}
    return [best[_key(q)] for q in questions]


def random_expected(questions: Sequence[EvalQuestion]) -> list[float]:
    """Expected accuracy of a random answer, per question (open answers: leave-one-out pool)."""
    pools: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, q in enumerate(questions):
        pools[_key(q)].append((i, q.answer))
    rng = random.Random(0)
    for t, pool in pools.items():
        if len(pool) > POOL_LIMIT + 1:
            pools[t] = rng.sample(pool, POOL_LIMIT + 1)
    out = []
    for i, q in enumerate(questions):
        if q.scoring == "choice":
            out.append(1.0 / len(q.options or ("",)))
        elif q.scoring == "yesno":
            out.append(0.5)
        else:
            others = [a for j, a in pools[_key(q)] if j != i][:POOL_LIMIT]
            out.append(sum(judge(q, a) for a in others) / len(others) if others else 0.0)
    return out
