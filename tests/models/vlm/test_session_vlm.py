"""A session with a vlm backend: the model's own vision side fills the memory it reads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig

ASK_AT = 8.0  # s into the 12 s gate clip


def replay(clip: Path, model: Path, memory: str) -> tuple[Session, list[int], list[float]]:
    """Replay to ASK_AT with `memory`, ask once; (session, tokens fed per frame, their times)."""
    s = Session(
        SessionConfig(
            str(clip),
            pace="none",
            memory=memory,
            backend=f"vlm:{model}",
            perception=PerceptionConfig(sample_fps=2.0, ocr=False, speech=False),
        )
    ).start()
    assert s.reasoner is not None
    vlm = s.reasoner.backend.model  # type: ignore[attr-defined]
    fed: list[int] = []
    generate = vlm.generate

    def recording(parts, *args, **kwargs):  # type: ignore[no-untyped-def]
        fed.extend(p.shape[0] * p.shape[1] for p in parts if isinstance(p, np.ndarray))
        times = args[2] if len(args) > 2 else kwargs.get("times")
        assert times is not None and len(times) == len(fed)  # each frame's stream time
        return generate(parts, *args, **kwargs)

    vlm.generate = recording
    s.run_until(ASK_AT)
    answer = s.ask("What is shown in the video?").result(120)
    assert answer.error is None and answer.backend == "vlm" and answer.text
    frames = [e for e in answer.evidence if e.kind == "frame"]
    assert frames and all(e.end <= ASK_AT for e in frames)
    assert len(frames) == len(fed)  # one evidence record per frame the model read
    return s, fed, [e.start for e in frames]


# every strategy on LLaVA-OneVision (square 14x14 frames); the pooling ones on SmolVLM2
# (8x8) and Qwen2.5-VL (9x16: levels keep the frame's shape)
CASES = [("tiny_llava", m) for m in ("window", "uniform", "pyramid", "star")] + [
    (family, m) for family in ("tiny_smolvlm", "tiny_qwen") for m in ("pyramid", "star")
]


@pytest.mark.parametrize(("family", "memory"), CASES)
def test_the_memory_holds_the_models_tokens(clip, request, family, memory):
    s, fed, _ = replay(clip[0], request.getfixturevalue(family), memory)
    try:
        info = s.reasoner.backend.model.info  # type: ignore[union-attr]
        assert s.memory is not None and s.memory.space == info.space
        view = s.memory.read()
        assert all(it.tokens.shape[2] == info.dim for it in view.items)
        assert sum(fed) == view.tokens  # every held token, and only those, was fed
        assert 0 < view.tokens <= s.memory.budget_tokens
        h, w = info.grid
        for it in view.items:  # a pooled level keeps the frame's aspect
            gh, gw = it.tokens.shape[:2]
            assert gh <= h and gw <= w and abs(gw / gh - w / h) <= 1 / gh
    finally:
        s.stop()


def test_strategies_feed_different_moments(clip, tiny_llava):
    times = {}
    for memory in ("window", "uniform"):
        s, _, times[memory] = replay(clip[0], tiny_llava, memory)
        s.stop()
    assert times["window"] != times["uniform"]
    assert min(times["window"]) > min(times["uniform"])  # the window forgot the start


@pytest.fixture(scope="module", params=["upright", "stored-sideways"])
def phone_clip(request, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    """The 12 s gate clip filmed upright: 360 x 640 px (9:16); stored upright, or as a
    phone stores it (frames on their side, a display matrix to turn them)."""
    from dataclasses import replace

    from streamer.synth import render
    from tests.capture.helpers import write_phone_clip
    from tests.conftest import CLIP_SCRIPT

    folder = tmp_path_factory.mktemp("phone")
    path = folder / "gate7-upright.mp4"
    render(replace(CLIP_SCRIPT, width=360, height=640), str(path))
    if request.param == "upright":
        return path
    write_phone_clip(path, folder / "gate7-phone.mp4")
    return folder / "gate7-phone.mp4"


def test_a_phone_stream_is_read_at_its_own_aspect(phone_clip, tiny_qwen):
    """The session tells Qwen2.5-VL the opened source's frame size before it builds the
    memory: every held frame is the upright 16 x 9 grid, and the model reads them all.
    A file stored sideways is known upright when it opens, before its first frame."""
    s, fed, _ = replay(phone_clip, tiny_qwen, "window")
    try:
        info = s.reasoner.backend.model.info  # type: ignore[union-attr]
        assert info.grid == (16, 9)
        view = s.memory.read()  # type: ignore[union-attr]
        assert view.items and all(it.tokens.shape[:2] == (16, 9) for it in view.items)
        assert fed == [16 * 9] * len(view.items)
    finally:
        s.stop()


def test_a_start_that_fails_after_the_source_opened_stops_it(clip, tiny_qwen):
    """The source opens before the memory is built (its frame size first): an unknown
    memory then fails in one sentence and leaves no capture thread (conftest checks)."""
    from streamer.errors import StreamerError

    s = Session(SessionConfig(str(clip[0]), pace="none", memory="rekv", backend=f"vlm:{tiny_qwen}"))
    with pytest.raises(StreamerError, match="Unknown memory 'rekv'"):
        s.start()
    assert s.source is not None and s.source.stats().state != "idle"  # it had opened
