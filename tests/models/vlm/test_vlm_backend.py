"""The vlm backend on the tiny LLaVA-OneVision: what it feeds the model and what it returns."""

from __future__ import annotations

import numpy as np

from streamer.memory.items import MemoryItem, MemoryView
from streamer.memory.timeline import Timeline
from streamer.reasoning.backend import Context
from streamer.reasoning.question import parse_question
from streamer.reasoning.vlm import VlmBackend, model_prompt
from tests.models.vlm.conftest import FRAME_TIMES

ASKED_AT = 45.0  # s: after the three demo frames (5, 20, 40 s)


def view_of(llava, frames) -> MemoryView:  # type: ignore[no-untyped-def]
    """A memory view holding the demo frames as single-frame items, newest first."""
    items = [
        MemoryItem(
            tokens=f.tokens,
            feature=f.feature,
            t=t,
            span=(t, t + 0.1),
            frames=1,
            level="window",
            weight=1.0,
            seq=int(t * 10),
            thumbnail=b"\xff\xd8jpeg",
        )
        for f, t in zip(llava.encode(frames), FRAME_TIMES)
    ]
    items.reverse()  # the backend must put them back in time order
    return MemoryView(tuple(items), sum(i.n_tokens for i in items), frames_seen=len(items))


def test_answer_streams_from_the_frames_it_was_fed(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    view = view_of(llava, demo_frames)
    backend = VlmBackend(llava, max_tokens=6)
    q = parse_question("What is shown in the video?", ASKED_AT)
    ctx = Context(Timeline(), view)
    fed = backend.fed_frames(q, ctx)
    assert [f.t for f in fed] == sorted(FRAME_TIMES)
    parts, _ = model_prompt(llava, q, fed, [])
    # one video first, then the frames' times in words
    assert all(isinstance(p, np.ndarray) for p in parts[: len(FRAME_TIMES)])
    assert isinstance(parts[len(FRAME_TIMES)], str) and "at 0:05, " in parts[len(FRAME_TIMES)]
    assert sum(p.shape[0] * p.shape[1] for p in parts if isinstance(p, np.ndarray)) == view.tokens
    reply = backend.respond(q, ctx)
    pieces = list(reply)
    assert len(pieces) > 1
    assert "".join(pieces) == "".join(llava.generate(parts, 6)).lstrip()
    frames = [e for e in reply.grounds.evidence if e.kind == "frame"]
    assert len(frames) == len(FRAME_TIMES)
    assert all(e.end <= ASKED_AT and e.thumbnail for e in frames)


def test_a_choice_is_always_an_option(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    view = view_of(llava, demo_frames)
    q = parse_question("What is in view?", ASKED_AT, ["a rabbit", "a gate", "a bird"])
    reply = VlmBackend(llava, max_tokens=4).respond(q, Context(Timeline(), view))
    list(reply)
    assert reply.grounds.option_index in (0, 1, 2)


def test_a_pooled_level_is_not_what_the_model_reads(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """A memory may keep a coarser level (for retrieval, or set by hand): the model never saw
    such a grid, so only the whole frames are fed; the pooled one is left to the timeline."""
    import dataclasses

    from streamer.memory import make_memory
    from streamer.memory.pooling import area_pool

    assert make_memory("pyramid", encoder=llava.info).config.grids == (14, 14, 14)
    view = view_of(llava, demo_frames)
    coarse = dataclasses.replace(view.items[0], tokens=area_pool(view.items[0].tokens, 4))
    mixed = dataclasses.replace(view, items=(coarse, *view.items[1:]))
    q = parse_question("What is shown in the video?", ASKED_AT)
    fed = VlmBackend(llava).fed_frames(q, Context(Timeline(), mixed))
    assert [f.t for f in fed] == sorted(FRAME_TIMES)[:-1]  # all but the pooled newest
    assert all(f.tokens.shape[:2] == llava.info.grid for f in fed)


def test_a_likeliest_choice_is_the_option_the_model_scores_highest(llava, demo_frames) -> None:  # type: ignore[no-untyped-def]
    """`choose="likeliest"`: nothing is generated; the answer is the option of the highest
    mean log-probability per token over the same prompt a reply would read."""
    from streamer.reasoning.vlm import likeliest

    view = view_of(llava, demo_frames)
    options = ["a rabbit", "a gate", "a bird on a wire"]
    q = parse_question("What is in view?", ASKED_AT, options)
    ctx = Context(Timeline(), view)
    backend = VlmBackend(llava, choose="likeliest")
    reply = backend.respond(q, ctx)
    text = "".join(reply)
    parts, times = model_prompt(llava, q, backend.fed_frames(q, ctx), [])
    sums = [llava.option_logprob(parts, o, times) for o in options]
    assert reply.grounds.option_index == likeliest(llava, options, sums)
    assert text == options[likeliest(llava, options, sums)]
