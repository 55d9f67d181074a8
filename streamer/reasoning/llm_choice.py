"""The llm backend's multiple choice: each option's log-likelihood given the evidence.

The extractive option scoring (`option_support`) comes first. When it clearly
supports one option (its best event is about the question, and no other
option's comes within `CLEAR_MARGIN`), that option is the answer and the model
is not asked; when no option's event is about the question at all, the model
has nothing to read either, and the scoring's guess stands. In between — some
evidence, but close between options, as "GATE 55 CLOSES AT 7 PM" is for both "7 PM"
and "6 PM" of "What time does gate 55 close?" — the model reads the
related events, the question and the options, and each option is scored by the
mean log-probability of its tokens as the start of the reply; the likeliest wins:

    choice_messages(q, lines)                     -> [system, user]
    option_posterior([[-0.04, -0.08], [-5.8, -0.2]])  -> [0.98, 0.02]
    decide([0.62, 0.58], [0.03, 0.97])            -> 1: close evidence, the model chooses
    decide([0.81, 0.30], [0.03, 0.97])            -> 0: the evidence is clear
    decide([0.22, 0.18], [0.03, 0.97])            -> 0: no evidence, the scoring's guess
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from models.llm import ChatMessage
from streamer.reasoning.answers import choice_text
from streamer.reasoning.backend import Context, Grounds, TokenStream, stream_words
from streamer.reasoning.evidence import FOUND, Scored, to_evidence
from streamer.reasoning.question import Question

CLEAR_MARGIN = 0.10  # relevance by which the best option's evidence must lead the next one's
SYSTEM = (
    "You answer questions about a video from its timeline, which lists what was said aloud, "
    "text shown on screen (signs, captions) and objects in view, each with its time."
)
CHOICE_RULE = "Answer with the words of one option only."


def choice_messages(q: Question, lines: Sequence[str]) -> list[ChatMessage]:
    """The timeline lines, the question and its options (unlettered: the reply is scored).

    A verbatim prompt (Question.prompt) is the user turn as it stands; the timeline,
    all a text model has of the video, moves into the system turn.
    """
    timeline = ["Timeline:", *(lines or ["(nothing related was seen or heard)"])]
    if q.prompt is not None:
        return verbatim(q.prompt, timeline)
    parts = [*timeline, "", f"Question: {q.text}", "Options: " + "; ".join(q.options), CHOICE_RULE]
    return [ChatMessage("system", SYSTEM), ChatMessage("user", "\n".join(parts))]


def verbatim(prompt: str, context: Sequence[str]) -> list[ChatMessage]:
    """`prompt` as the whole user turn; what the model knows of the video, in the system turn
    (which says only what the timeline is: the prompt's own rules on the reply stand)."""
    return [ChatMessage("system", "\n".join([SYSTEM, "", *context])), ChatMessage("user", prompt)]


def choice_continuations(q: Question) -> list[str]:
    """What each option is scored as: its words, or its letter where a verbatim prompt asks
    for the letter (both benchmarks' templates do)."""
    if q.prompt is not None:
        return [chr(65 + i) for i in range(len(q.options))]
    return list(q.options)


def option_posterior(logprobs: Sequence[Sequence[float]]) -> list[float]:
    """Each option's share of the likelihood: softmax of its tokens' mean log-probability.

    The mean, not the sum: "11 AM" is three tokens and "9 AM" two, and a longer
    option must not lose for its length alone. An option of no tokens gets 0.
    """
    means = [sum(lp) / len(lp) if lp else -math.inf for lp in logprobs]
    top = max(means, default=-math.inf)
    if top == -math.inf:
        return [1.0 / len(means)] * len(means) if means else []
    weights = [math.exp(m - top) for m in means]
    total = sum(weights)
    return [w / total for w in weights]


def model_decides(support: Sequence[float]) -> bool:
    """Whether the model's likelihoods choose: some option's evidence is about the question,
    but another's comes within `CLEAR_MARGIN` of it."""
    ranked = sorted(support, reverse=True)
    if not ranked or ranked[0] < FOUND:
        return False
    return len(ranked) > 1 and ranked[0] - ranked[1] < CLEAR_MARGIN


def evidence_decides(support: Sequence[float]) -> bool:
    """Whether the evidence alone chooses: the best option's is about the question and no
    other option's comes within `CLEAR_MARGIN` of it."""
    ranked = sorted(support, reverse=True)
    return bool(ranked) and ranked[0] >= FOUND and not model_decides(support)


def decide(support: Sequence[float], posterior: Sequence[float] | None) -> int:
    """The chosen option: the model's likeliest where `model_decides`, else the evidence's.

    Ties go to the earlier option."""

    def best(scores: Sequence[float]) -> int:
        return max(range(len(scores)), key=lambda i: (scores[i], -i))

    if posterior is None or len(posterior) != len(support) or not model_decides(support):
        return best(support)
    return best(posterior)


def stated_choice(
    q: Question,
    ctx: Context,
    support: Sequence[tuple[Scored | None, float]],
    i: int,
    text: str | None = None,
) -> TokenStream:
    """Option `i` said with the moment that supports it (`choice_text`, unless `text` is
    given); its evidence is that moment where it is about the question."""
    best, score = support[i]
    supported = best is not None and score >= FOUND
    evidence = to_evidence([best], ctx.view.items, q.asked_at) if supported and best else []
    yield from stream_words(text if text is not None else choice_text(q, i, best, score))
    return Grounds(evidence, i)
