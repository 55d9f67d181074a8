"""The llm backend: the extractive reasoning finds the answer, a local GGUF model says it.

Never less right than the extractive backend, by construction:

- an open question is answered by the extractive reasoning first (its answer
  and evidence, never past the moment of the question); the model then says
  that answer again in one plain sentence from those evidence lines
  (`llm_phrasing`; a sentence naming no time gets the found one added:
  "Gate 25 closes at 9 AM, shown at 0:21."). It is kept only when it keeps
  the fact — the same yes or no, first time, count and asked value, no time or
  number from nowhere — else the extractive sentence is the answer. It is
  checked whole, so its words come once the model has finished (one sentence:
  ~3-5 s on two cores).
- a multiple-choice question goes to the extractive option scoring; where
  the evidence is close between options, each option is scored by the
  model's log-likelihood of it given the related events (`llm_choice`).

"Nothing about that" answers, summaries and answers from the object log are
the extractive ones, without asking the model. The evidence and the chosen
option's support are always the extractive reasoning's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from models.llm import ChatMessage, LanguageModel, LikelihoodModel
from streamer.reasoning.answers import LETTERS, NOT_SEEN, option_support
from streamer.reasoning.backend import Backend, Context, Reply, TokenStream, stream_words
from streamer.reasoning.evidence import FOUND, Scored
from streamer.reasoning.extractive import ExtractiveBackend
from streamer.reasoning.llm_choice import (
    choice_continuations,
    choice_messages,
    decide,
    model_decides,
    option_posterior,
    stated_choice,
)
from streamer.reasoning.llm_phrasing import (
    MAX_TOKENS,
    PHRASE_STOP,
    SYSTEM,
    keeps_fact,
    phrasable,
    phrase_messages,
    with_time,
)
from streamer.reasoning.question import Question
from streamer.reasoning.timeline_prompt import select_events, timeline_lines

__all__ = ["NOT_SEEN", "LlmBackend", "choice_lines"]

log = logging.getLogger("streamer")


class LlmBackend(Backend):
    """Answers with a local language model; see `make_backend("llm")` for the fallback."""

    name = "llm"

    def __init__(self, model: LanguageModel, max_tokens: int = MAX_TOKENS) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.extractive = ExtractiveBackend()

    def warm_up(self) -> LlmBackend:
        """Evaluate the phrasing prompt's system part now, so that the first answer does not.

        llama.cpp keeps the evaluated prefix: ~80 tokens, 2-4 s on two cores.
        """
        messages = [ChatMessage("system", SYSTEM), ChatMessage("user", "Timeline:")]
        for _ in self.model.stream(messages, 1, PHRASE_STOP):
            pass
        return self

    def respond(self, q: Question, ctx: Context) -> Reply:
        return Reply(self._choose(q, ctx) if q.options else self._phrase(q, ctx))

    def _phrase(self, q: Question, ctx: Context) -> TokenStream:
        reply = self.extractive.respond(q, ctx)
        found = "".join(list(reply)).strip()
        grounds = reply.grounds
        answer = found
        if phrasable(q, found, grounds.evidence):
            messages = phrase_messages(q, found, grounds.evidence)
            phrased = "".join(self.model.stream(messages, self.max_tokens, PHRASE_STOP))
            phrased = with_time(phrased, found, grounds.evidence)
            if keeps_fact(q, found, phrased, grounds.evidence):
                answer = phrased
            else:
                log.debug("llm phrasing %r lost the fact of %r", phrased, found)
        yield from stream_words(answer)
        return grounds

    def _choose(self, q: Question, ctx: Context) -> TokenStream:
        support = option_support(q, ctx.timeline, ctx.time_of(q))
        scores = [score for _, score in support]
        posterior = None
        if model_decides(scores) and isinstance(self.model, LikelihoodModel):
            lines = choice_lines(q, ctx, [s for s, _ in support if s is not None])
            logprobs = self.model.continuation_logprobs(
                choice_messages(q, lines), choice_continuations(q)
            )
            posterior = option_posterior(logprobs)
        i = decide(scores, posterior)
        best, score = support[i]
        log.debug("llm choice %s: evidence %s, model %s -> %s", q.text, scores, posterior, i)
        guessed = None
        if score < FOUND and posterior is not None:
            guessed = f"{LETTERS[i]}. {q.options[i]} (the likeliest given what was seen and heard)."
        return (yield from stated_choice(q, ctx, support, i, guessed))


def choice_lines(q: Question, ctx: Context, tops: Sequence[Scored]) -> list[str]:
    """The events a choice is read from: the related ones and each option's best, in time order."""
    scored = {id(s.event): s for s in [*select_events(q, ctx.timeline, ctx.time_of(q)), *tops]}
    return timeline_lines(list(scored.values()), ctx.view.items, q.asked_at)
