"""A scripted language model: it replies what the test wrote and records what it was sent.

It follows the `LanguageModel` protocol of models/llm.py the way `LlamaModel`
does: `stream` is a generator (nothing happens until it is read), the reply
ends at the first stop string (which is not sent, as llama.cpp does) or after
`max_tokens` pieces. With it the llm backend's own code (prompt, option
parsing, citations, fallbacks) runs in `make test`; what a real model answers
is tested in test_llm.py under `-m llm`.

    model = ScriptedModel("At 0:08, the van arrived.", ["B", ". at the north entrance"])
    backend = LlmBackend(model)
    ...
    model.calls[0].user  # the prompt of the first question

A reply is a string (sent a word at a time, as a model streams) or a list of
pieces. A piece can also be an exception, raised at that point of the reply,
or a `threading.Event`, waited for before the rest is sent.
"""

from __future__ import annotations

import re
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from models.llm import ChatMessage

Piece = str | BaseException | threading.Event
GATE_TIMEOUT = 30.0  # seconds a reply waits for its test to open a gate


@dataclass(frozen=True)
class Call:
    """One request the model received."""

    messages: tuple[ChatMessage, ...]
    max_tokens: int
    stop: tuple[str, ...]

    @property
    def system(self) -> str:
        return "\n".join(m.content for m in self.messages if m.role == "system")

    @property
    def user(self) -> str:
        """The last user message: the prompt of the question."""
        return [m.content for m in self.messages if m.role == "user"][-1]


class ScriptedModel:
    """A `LanguageModel` that plays back one scripted reply per request."""

    name = "scripted"

    def __init__(self, *replies: str | Sequence[Piece]) -> None:
        self._replies: deque[Sequence[Piece]] = deque(
            words(r) if isinstance(r, str) else list(r) for r in replies
        )
        self.calls: list[Call] = []

    def stream(
        self, messages: Sequence[ChatMessage], max_tokens: int, stop: Sequence[str] = ()
    ) -> Iterator[str]:
        self.calls.append(Call(tuple(messages), max_tokens, tuple(stop)))
        if not self._replies:
            raise AssertionError("the model was asked more often than the test scripted")
        text = ""
        for n, piece in enumerate(self._replies.popleft()):
            if n >= max_tokens:
                return
            if isinstance(piece, BaseException):
                raise piece
            if isinstance(piece, threading.Event):
                assert piece.wait(GATE_TIMEOUT), "the test never opened the gate"
                continue
            cut = min((i for s in stop if (i := (text + piece).find(s)) >= 0), default=-1)
            if cut >= 0:  # a stop string: send what comes before it and end
                if cut > len(text):
                    yield (text + piece)[len(text) : cut]
                return
            text += piece
            yield piece


def words(text: str) -> list[str]:
    """`text` in model-like pieces: each word with the space before it."""
    return re.findall(r"\s*\S+", text)


class ScriptedScorer(ScriptedModel):
    """A `ScriptedModel` that also scores continuations (`LikelihoodModel`): per request, the
    scripted per-token log-probabilities of each continuation, in the order asked.

        model = ScriptedScorer(logprobs=[[[-0.1], [-4.0, -0.2]]])  # one request, two options
        model.scored[0]  # (messages, continuations) of the first scoring request
    """

    def __init__(
        self, *replies: str | Sequence[Piece], logprobs: Sequence[list[list[float]]] = ()
    ) -> None:
        super().__init__(*replies)
        self._logprobs = deque(logprobs)
        self.scored: list[tuple[tuple[ChatMessage, ...], tuple[str, ...]]] = []

    def continuation_logprobs(
        self, messages: Sequence[ChatMessage], continuations: Sequence[str]
    ) -> list[list[float]]:
        self.scored.append((tuple(messages), tuple(continuations)))
        if not self._logprobs:
            raise AssertionError("the model was asked to score more often than the test scripted")
        scores = self._logprobs.popleft()
        assert len(scores) == len(continuations), "scripted scores for another number of options"
        return scores
