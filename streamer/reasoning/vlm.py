"""The vlm backend: a vision-language model reads the held frames themselves.

The prompt is one user turn: the frames of the memory view in time order, as
the model's family writes the frames of a video (`video_parts`: LLaVA-OneVision
one video of the frames back to back, then their times in words; SmolVLM2 its
processor's intro and "Frame from 00:03:" lines; Qwen2.5-VL one video whose
M-RoPE positions carry the frames' stream times),

    <196 tokens of a frame><196 tokens> ... The video lasts 1:12, and 3 frames ...

then the relevant timeline lines (chosen and written as the llm backend writes
them), then the question and its options. The answer streams as the model
writes it. Its evidence is the frames it was fed (kind "frame") and the
timeline events the answer cites. A multiple-choice question lists its options
unlettered and asks for an option's words; the answer is the option the reply
names, and when none can be read, the option whose words the model finds
likeliest (`option_logprob`, per token: a longer option does not lose for its
length). What the timeline clearly decides the model does not overrule (`found`): a
choice the timeline decides is stated from it, the model not asked, and an open answer
that misses the value one line heard or shown holds is replaced by the found answer.
`timeline_decides=False` leaves every answer to the model, and a benchmark's verbatim
prompt (which shows the model no timeline) always does.

Frames are fed only when their tokens are in the model's own space (the
session's encoder is the model's vision tower); a memory of another encoder
gives the model the timeline alone.

With the kv memory the frames are not fed again: the model answers over the
memory's own KV cache (the attention sinks, the blocks retrieved for the
question among those at or before its time), and those blocks are the evidence.
A multiple-choice reply whose option cannot be read is the option the model
finds likeliest over those same blocks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

import numpy as np

from models.protocols import FrameEncoder
from models.vlm.base import Part, VisionLanguageModel
from streamer.memory.items import MemoryItem
from streamer.memory.kv import KvMemory
from streamer.reasoning.answers import model_text, nothing_about
from streamer.reasoning.backend import Backend, Context, Grounds, Reply, TokenStream
from streamer.reasoning.evidence import answer_first
from streamer.reasoning.found import kept_to_timeline
from streamer.reasoning.question import Question
from streamer.reasoning.timeline_prompt import (
    CHOICE_RULE,
    CHOICE_STOP,
    STOP,
    cited_evidence,
    options_line,
    parse_option,
    select_events,
    timeline_lines,
)
from streamer.timeref import format_clock
from streamer.types import Evidence

log = logging.getLogger("streamer")

MAX_TOKENS = 80  # one or two sentences
# How a multiple choice is decided: "reply" reads the option the model writes (its
# likeliest option where the reply names none); "likeliest" writes nothing and takes the
# option whose words the model finds likeliest, as likelihood-scored benchmarks do. Either
# way, with `timeline_decides` a choice the timeline clearly decides is not asked (`found`).
Choose = Literal["reply", "likeliest"]
INSTRUCTION = "Answer the question about the video in one sentence."
YES_NO_RULE = "Answer with Yes or No."


class VlmBackend(Backend):
    """Answers with a vision-language model over the frames the memory holds."""

    name = "vlm"

    def __init__(
        self,
        model: VisionLanguageModel,
        max_tokens: int = MAX_TOKENS,
        choose: Choose = "reply",
        timeline_decides: bool = True,
    ) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.choose = choose
        self.timeline_decides = timeline_decides

    def frame_encoder(self) -> FrameEncoder:
        return self.model  # its vision tower and projector: tokens in the LM's space

    def looks(self, question: str, frames: Sequence[tuple[float, np.ndarray]], now: float) -> bool:
        """A watch's yes/no look: does the model think "Yes" likelier than "No" over `frames`?

        `frames`: the newest (stream time, tokens) observations, in this model's space.
        """
        ours = [(t, tok) for t, tok in frames if self.reads(tok)]
        if not ours:
            return False
        parts = [*self.model.video_parts(ours, now), f"Question: {question}\n{YES_NO_RULE}"]
        times = [t for t, _ in ours]
        yes, no = self.model.option_logprobs(parts, ["Yes", "No"], times)
        return yes > no

    def respond(self, q: Question, ctx: Context) -> Reply:
        if not len(ctx.timeline) and not ctx.view.frames_seen:
            return Reply.text(nothing_about(q, ctx))  # nothing to read yet
        return Reply(self._answer(q, ctx))

    def _answer(self, q: Question, ctx: Context) -> TokenStream:
        def ask() -> TokenStream:
            if isinstance(ctx.memory, KvMemory):
                return self._from_kv(q, ctx, ctx.memory)
            return self._generate(q, ctx)

        if not self.timeline_decides:
            return (yield from ask())
        return (yield from kept_to_timeline(q, ctx, ask))

    def _from_kv(self, q: Question, ctx: Context, memory: KvMemory) -> TokenStream:
        """The answer over the memory's own KV cache: sinks + retrieved blocks + question.

        The question text is what `prompt_parts` writes after the frames (timeline lines,
        question, options); the evidence is the retrieved blocks' frames.
        """
        scored = select_events(q, ctx.timeline, ctx.time_of(q))
        (text,) = prompt_parts(q, timeline_lines(scored, ctx.view.items, q.asked_at))
        assert isinstance(text, str)
        stop = CHOICE_STOP if q.options else STOP
        if q.options and self.choose == "likeliest":
            used, sums = memory.option_scores(text, q.options, q.asked_at)  # nothing generated
            best = likeliest(self.model, q.options, sums)
            option: int | None = best
            reply = q.options[best]
            yield reply
        else:
            used, pieces = memory.answer(text, q.asked_at, self.max_tokens, stop)
            reply = yield from model_text(pieces)
            option = parse_option(reply, q.options) if q.options else None
        if q.options and option is None:  # unreadable reply: the likeliest option, over the cache
            sums = memory.option_scores(text, q.options, q.asked_at)[1]
            option = likeliest(self.model, q.options, sums)
        evidence = answer_first(
            cited_evidence(reply, scored, ctx.view.items, q.asked_at),
            frame_evidence(used, q.asked_at),
        )
        return Grounds(evidence, option)

    def reads(self, tokens: np.ndarray) -> bool:
        """Whether the model reads a held frame's `tokens`: its own space, at its own grid.

        A coarser level a memory keeps (for retrieval, or set by hand) is a blend of tokens
        the model never saw; it is left to the timeline, not fed.
        """
        info = self.model.info
        return tokens.ndim == 3 and tokens.shape[2] == info.dim and tokens.shape[:2] == info.grid

    def fed_frames(self, q: Question, ctx: Context) -> list[MemoryItem]:
        """The view's items the model reads (`reads`), not after `asked_at`, in time order."""
        items = [i for i in ctx.view.items if i.t <= q.asked_at]
        ours = [i for i in items if self.reads(i.tokens)]
        if len(ours) < len(items):
            log.warning(
                "%d held frames are not %s's own whole frames; the vlm reads the timeline "
                "for them.",
                len(items) - len(ours),
                self.model.info.space,
            )
        return sorted(ours, key=lambda i: (i.t, i.seq))

    def _generate(self, q: Question, ctx: Context) -> TokenStream:
        frames = self.fed_frames(q, ctx)
        scored = select_events(q, ctx.timeline, ctx.time_of(q))
        lines = timeline_lines(scored, ctx.view.items, q.asked_at)
        parts, times = model_prompt(self.model, q, frames, lines)
        stop = CHOICE_STOP if q.options else STOP
        if q.options and self.choose == "likeliest":
            sums = self.model.option_logprobs(parts, q.options, times)
            best = likeliest(self.model, q.options, sums)
            option: int | None = best
            text = q.options[best]
            yield text  # the option's words are the answer
        else:
            text = yield from model_text(self.model.generate(parts, self.max_tokens, stop, times))
            option = None
        if q.options and option is None:
            option = parse_option(text, q.options)
            if option is None:  # unreadable reply: the likeliest option
                sums = self.model.option_logprobs(parts, q.options, times)
                option = likeliest(self.model, q.options, sums)
        evidence = answer_first(
            cited_evidence(text, scored, ctx.view.items, q.asked_at),
            frame_evidence(frames, q.asked_at),
        )
        return Grounds(evidence, option)


def model_prompt(
    model: VisionLanguageModel, q: Question, frames: Sequence[MemoryItem], lines: list[str]
) -> tuple[list[Part], list[float]]:
    """The parts of the user turn for `q` and the stream time of each visual part.

    The frames as `model`'s family writes a video of them (a stream as long as the
    question's time), then `prompt_parts`.
    """
    video = model.video_parts([(i.t, i.tokens) for i in frames], q.asked_at)
    return [*video, *prompt_parts(q, lines)], [i.t for i in frames]


def prompt_parts(q: Question, lines: list[str]) -> list[Part]:
    """What follows the frames: the timeline lines, then the question and its options.

    A verbatim prompt (a benchmark's template) is all that follows: the benchmark's
    protocol shows the model the video and its words, nothing of ours.
    """
    if q.prompt is not None:
        return [q.prompt]
    text = ["Timeline:", *lines, ""] if lines else []
    text += [f"Question: {q.text}"]
    if q.options:
        text += [options_line(q.options), CHOICE_RULE]
    else:
        text.append(INSTRUCTION)
    return ["\n".join(text)]


def likeliest(model: VisionLanguageModel, options: Sequence[str], sums: Sequence[float]) -> int:
    """The option of the highest mean log-probability per token (ties: the earlier one).

    `sums`: each option's summed log-probability; its token count comes from the model's
    tokenizer where it has one (else the sum decides).
    """
    tokenizer = getattr(model, "tokenizer", None)

    def count(text: str) -> int:
        if tokenizer is None:
            return 1
        return max(1, len(tokenizer(text, add_special_tokens=False)["input_ids"]))

    means = [s / count(o) for o, s in zip(options, sums)]
    return max(range(len(means)), key=lambda i: (means[i], -i))


def frame_evidence(frames: Sequence[MemoryItem], now: float) -> list[Evidence]:
    """One "frame" record per frame the model was fed, never past `now`."""
    return [
        Evidence(
            min(item.span[0], now),
            min(item.span[1], now),
            "frame",
            f"frame at {format_clock(item.t)}",
            1.0,
            item.thumbnail,
        )
        for item in frames
    ]
