"""The reasoner: a worker thread that answers questions from a bounded queue.

`ask()` returns at once with an `AnswerStream`; iterate it for tokens as they
come, then read `.answer`. Each question is answered from what memory held at
the stream time it was asked (`asked_at`): evidence after that time is never
used, however long the question waited. The reasoner only reads memory (short
locks inside memory and timeline), so it never blocks perception.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from streamer.capture.base import JOIN_TIMEOUT
from streamer.errors import USER_ERRORS, StreamerError
from streamer.memory.base import Memory
from streamer.memory.items import MemoryQuery, MemoryView
from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Backend, Context, Reply
from streamer.reasoning.evidence import question_time
from streamer.reasoning.question import Question, parse_question
from streamer.types import Answer

MAX_PENDING = 32  # questions waiting; more are refused with a clear message


class BusyError(StreamerError):
    """Too many questions are waiting."""


class AnswerTimeout(StreamerError, TimeoutError):
    """An answer that did not finish in the time its caller waits (a sentence, no traceback)."""


class AnswerStream:
    """Tokens of one answer as they are produced, then the finished `Answer`."""

    def __init__(self, question: Question) -> None:
        self.question = question
        self.answer: Answer | None = None
        self._tokens: queue.Queue[str | None] = queue.Queue()
        self._done = threading.Event()
        self._t0 = time.perf_counter()

    def __iter__(self) -> Iterator[str]:
        while True:
            tok = self._tokens.get()
            if tok is None:
                return
            yield tok

    def result(self, timeout: float | None = None) -> Answer:
        """Wait for the finished answer."""
        if not self._done.wait(timeout):
            raise AnswerTimeout(
                f"The answer did not finish in {timeout:.0f} s; ask again with a smaller model "
                "or memory (--memory window), or on a faster machine."
            )
        assert self.answer is not None
        return self.answer

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def _put(self, token: str) -> None:
        self._tokens.put(token)

    def _finish(self, answer: Answer) -> None:
        self.answer = answer
        self._done.set()
        self._tokens.put(None)


@dataclass
class _Job:
    stream: AnswerStream
    memory: Memory | None  # the memory this answer reads


class Reasoner:
    """Answers questions in its own thread, in the order they were asked."""

    def __init__(
        self,
        timeline: Timeline,
        memory: Memory | None,
        backend: Backend,
        now: Callable[[], float],
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.timeline, self.memory, self.backend, self.now = timeline, memory, backend, now
        self._jobs: queue.Queue[_Job | None] = queue.Queue(max_pending)
        self._thread: threading.Thread | None = None
        self.answered = 0
        self.latencies: list[tuple[float, float]] = []  # (first token s, total s) per answer

    def start(self) -> Reasoner:
        self._thread = threading.Thread(target=self._run, name="reasoner", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = JOIN_TIMEOUT) -> None:
        if self._thread is None:
            return
        try:
            self._jobs.put(None, timeout=timeout)
        except queue.Full:
            pass
        self._thread.join(timeout)

    def ask(
        self,
        text: str,
        options: list[str] | None = None,
        memory: Memory | None = None,
        prompt: str | None = None,
    ) -> AnswerStream:
        """Queue a question asked now. Raises QuestionError/BusyError.

        `memory`: read it instead of the reasoner's own (another strategy fed the
        same observations, `Session.add_memory`); the timeline is the same.
        `prompt`: the user turn verbatim, e.g. a benchmark's template (Question.prompt).
        """
        q = parse_question(text, self.now(), options, prompt)
        stream = AnswerStream(q)
        try:
            self._jobs.put_nowait(_Job(stream, memory if memory is not None else self.memory))
        except queue.Full:
            raise BusyError("Too many questions are waiting; ask again in a moment.") from None
        return stream

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._answer(job.stream, job.memory)

    def _answer(self, stream: AnswerStream, memory: Memory | None) -> None:
        q = stream.question
        parts: list[str] = []
        first = 0.0
        error = None
        reply: Reply | None = None
        try:
            reply = self.backend.respond(q, self.context(q, memory))
            for tok in reply:
                if not parts:
                    first = time.perf_counter() - stream._t0
                parts.append(tok)
                stream._put(tok)
        except USER_ERRORS as e:  # one sentence for the user: a missing model, a closed source
            error = str(e)
        except Exception as e:  # a backend bug must not kill the worker or hang the asker
            error = f"The {self.backend.name} backend failed: {type(e).__name__}: {e}"
        total = time.perf_counter() - stream._t0
        if error and not parts:
            stream._put(error)
            parts.append(error)
            first = total
        grounds = reply.grounds if reply is not None and error is None else None
        index = grounds.option_index if grounds is not None else None
        answer = Answer(
            question=q.text,
            text="".join(parts).strip(),
            asked_at=q.asked_at,
            evidence=list(grounds.evidence) if grounds is not None else [],
            option=None if index is None else q.options[index],
            option_index=index,
            backend=self.backend.name,
            first_token_s=round(first, 4),
            total_s=round(total, 4),
            error=error,
        )
        self.answered += 1
        self.latencies.append((answer.first_token_s, answer.total_s))
        stream._finish(answer)

    def context(self, q: Question, memory: Memory | None = None) -> Context:
        """What the backend reads for `q`: the timeline and `memory` (default: its own) read for it.

        The memory is asked for the question's time window (a time phrase, or the
        span around an anchor), never past `asked_at`, ranked by the backend's
        query vector when it has one.
        """
        memory = memory if memory is not None else self.memory
        time = question_time(q, self.timeline)
        if memory is None:
            return Context(self.timeline, MemoryView(items=(), tokens=0, frames_seen=0), time=time)
        lo, hi = time.window
        query = MemoryQuery(
            vector=self.backend.query_vector(q),
            window=(lo, max(lo, hi)),
            now=q.asked_at,
            text=q.text,
        )
        return Context(self.timeline, memory.read(query), memory, time)
