"""The backend registry, the reply a backend returns, and the memory view it is handed."""

from __future__ import annotations

import numpy as np
import pytest

from streamer.errors import StreamerError
from streamer.memory import make_memory
from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Backend, Context, Grounds, Reply, TokenStream
from streamer.reasoning.question import Question
from streamer.reasoning.reasoner import Reasoner
from streamer.reasoning.registry import BACKEND_NAMES, make_backend
from streamer.types import Evidence
from tests.memory.helpers import stream


def test_registry_names_and_errors():
    assert BACKEND_NAMES == ("extractive", "llm", "vlm", "openai")
    assert make_backend("extractive").name == "extractive"
    for bad in ("nope", "vision:some/model", ""):
        with pytest.raises(StreamerError, match="Unknown backend") as e:
            make_backend(bad)
        assert "\n" not in str(e.value)
    with pytest.raises(StreamerError, match="takes no model"):
        make_backend("extractive:model.gguf")
    with pytest.raises(StreamerError, match="vlm backend needs a model"):
        make_backend("vlm")


def test_reply_streams_then_grounds():
    def tokens() -> TokenStream:
        yield "At "
        yield "0:03."
        return Grounds([Evidence(3.0, 4.0, "ocr", "GATE", 1.0)], option_index=1)

    reply = Reply(tokens())
    with pytest.raises(RuntimeError):
        reply.grounds  # noqa: B018 - not known before the tokens are read
    assert "".join(reply) == "At 0:03."
    assert reply.grounds.option_index == 1 and reply.grounds.evidence[0].start == 3.0
    assert list(Reply.text("two words")) == ["two ", "words"]


class Spy(Backend):
    """Records the context it was handed; ranks frames by a fixed vector."""

    name = "spy"

    def __init__(self, vector: np.ndarray | None) -> None:
        self.vector = vector
        self.seen: list[Context] = []

    def query_vector(self, q: Question) -> np.ndarray | None:
        return self.vector

    def respond(self, q: Question, ctx: Context) -> Reply:
        self.seen.append(ctx)
        return Reply.text("ok")


def _asked(memory, backend, text: str, now: float) -> Context:
    r = Reasoner(Timeline(), memory, backend, lambda: now).start()
    try:
        assert r.ask(text).result(10).error is None
    finally:
        r.stop()
    return backend.seen[-1]


@pytest.mark.parametrize("strategy", ["window", "uniform", "pyramid"])
def test_memory_is_read_for_the_question(strategy):
    memory = make_memory(strategy)
    for obs in stream(120):  # 0..119 s at 1 fps
        memory.write(obs)
    spy = Spy(None)
    everything = _asked(memory, spy, "what is on screen?", now=119.0).view
    assert everything.items and everything.frames_seen == 120
    early = _asked(memory, spy, "what was shown in the first minute?", now=119.0).view
    assert all(it.span[0] <= 60.0 for it in early.items)
    assert len(early.items) < len(everything.items)
    assert bool(early.items) == (strategy != "window")  # the window holds only the last 4 s
    before = _asked(memory, spy, "what is on screen?", now=30.0).view
    assert all(it.span[0] <= 30.0 for it in before.items)  # nothing after the question


def test_a_query_vector_ranks_the_view():
    memory = make_memory("uniform")
    observations = list(stream(60))
    for obs in observations:
        memory.write(obs)
    target = observations[10].feature
    view = _asked(memory, Spy(target), "which frame?", now=59.0).view
    assert view.relevant > 0 and view.scores[0] == max(view.scores)
    assert view.scores[0] > 0.9  # the held frame nearest to frame 10's scene leads


def test_an_answer_that_runs_past_its_wait_is_one_sentence_that_says_what_to_do():
    from streamer.errors import USER_ERRORS
    from streamer.reasoning.question import parse_question
    from streamer.reasoning.reasoner import AnswerStream

    stream = AnswerStream(parse_question("What did the sign say?", 3.0))
    with pytest.raises(TimeoutError) as caught:  # callers that wait on TimeoutError still do
        stream.result(timeout=0.01)
    assert isinstance(caught.value, USER_ERRORS)  # the CLI and app print it, no traceback
    assert str(caught.value).startswith("The answer did not finish in 0 s;")
    assert "--memory window" in str(caught.value)
