"""A session with `--memory kv`: frames prefilled into the tiny LLaVA-OneVision's KV cache."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from streamer.errors import StreamerError
from streamer.memory.kv import KV_NEEDS_VLM, KvMemory
from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig

ASK_AT = 8.0  # s into the 12 s gate clip
FPS = 1.0  # frames sampled a second: 8 blocks before ASK_AT
TOP_K = 3  # blocks retrieved per layer (of 8): retrieval really chooses
RAM_MB = 0.25  # ~2 blocks of ~100 KB in RAM, the rest on disk


def kv_session(clip: Path, backend: str, **config: object) -> Session:
    return Session(
        SessionConfig(
            str(clip),
            pace="none",
            memory="kv",
            memory_options={"top_k": TOP_K, "ram_mb": RAM_MB},
            backend=backend,
            perception=PerceptionConfig(sample_fps=FPS, ocr=False, speech=False),
            **config,  # type: ignore[arg-type]
        )
    )


def prefill_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "kv-prefill" and t.is_alive()]


@pytest.mark.parametrize("family", ["tiny_llava", "tiny_qwen", "tiny_smolvlm"])
def test_a_replay_answers_from_its_kv_blocks(clip, request, family):
    s = kv_session(clip[0], f"vlm:{request.getfixturevalue(family)}").start()
    try:
        assert isinstance(s.memory, KvMemory) and "kv" in Session.memory_names()
        s.run_until(ASK_AT)
        stream = s.ask("What is shown in the video?")
        pieces = list(stream)
        answer = stream.result(120)
        assert answer.error is None and answer.backend == "vlm" and answer.text
        assert "".join(pieces).strip() == answer.text
        frames = [e for e in answer.evidence if e.kind == "frame"]
        assert frames and all(e.end <= ASK_AT and e.thumbnail for e in frames)
        assert len(frames) <= TOP_K * s.memory.stream.layout.n_layers
        sampled = s.perception.stats().frames_sampled  # type: ignore[union-attr]
        blocks = s.memory.blocks_until(ASK_AT)
        assert len(blocks) == s.memory.frames_seen == sampled == int(ASK_AT * FPS)

        stats = s.stats().memory
        assert stats is not None and stats.frames_held == len(blocks) and stats.frames_dropped == 0
        assert stats.disk_bytes > 0 and 0 < stats.bytes_held
        levels = {lv.name: len(lv.items) for lv in s.memory_snapshot().levels}  # type: ignore[union-attr]
        assert levels["disk"] > 0 and levels["ram"] > 0

        used, text = s.memory.answer("What was shown first?", asked_at=3.0, max_tokens=4)
        assert used and all(it.t <= 3.0 for it in used) and isinstance("".join(text), str)
        scored_over, sums = s.memory.option_scores("What was shown first?", ["A", "B"], 3.0)
        assert scored_over == used and len(sums) == 2  # the blocks the answer reads, retrieved once

        choice = s.ask("What is in view?", ["a card", "a gate", "a bird"]).result(120)
        assert choice.error is None and choice.option_index in (0, 1, 2)  # option scoring
    finally:
        s.stop()
    assert not prefill_threads()  # the worker ended with the session
    assert s.ask("And now?").result(120).error is None  # a stopped session still answers


def test_kv_needs_a_vlm_backend(clip):
    with pytest.raises(StreamerError) as e:
        kv_session(clip[0], "extractive").start()
    assert str(e.value) == KV_NEEDS_VLM


def test_a_saved_kv_session_reopens_and_retrieves_the_same_blocks(clip, tiny_llava, tmp_path):
    folder = tmp_path / "saved"
    s = kv_session(clip[0], f"vlm:{tiny_llava}", save_dir=str(folder)).start()
    question = "What is shown in the video?"
    try:
        s.run_until(ASK_AT)
        assert isinstance(s.memory, KvMemory)
        blocks = folder / "memory" / "kv"
        assert s.memory.stream.store.folder == blocks  # spilled where the save keeps them
        assert s.memory.settle(60)  # every frame seen so far is a block
        s.save()
        sizes = {f.name: f.stat().st_size for f in blocks.iterdir()}
        first = {f.name: f.read_bytes() for f in blocks.iterdir()}
        s.save()  # nothing new: nothing written
        assert {f.name: f.stat().st_size for f in blocks.iterdir()} == sizes
        live = s.memory.stream.retrieve(question, upto=len(s.memory.blocks_until(ASK_AT)))
        k_live = s.memory.stream.store.get([live[0][0]], 0)[0][0]
        said = s.ask(question).result(120)
    finally:
        s.stop()
    for name, data in first.items():  # a later save only appended: old blocks unchanged
        assert (blocks / name).read_bytes()[: len(data)] == data

    r = Session.open(folder)
    try:
        assert isinstance(r.memory, KvMemory) and r.memory.frames_seen == int(ASK_AT * FPS)
        assert r.memory.stream.retrieve(question) == live
        np.testing.assert_array_equal(r.memory.stream.store.get([live[0][0]], 0)[0][0], k_live)
        again = r.ask(question).result(120)
        assert again.error is None and again.text == said.text
        assert [e.start for e in again.evidence] == [e.start for e in said.evidence]
        assert {lv.name: len(lv.items) for lv in r.memory_snapshot().levels}["disk"] == 8  # type: ignore[union-attr]
    finally:
        r.stop()


def test_a_kv_save_reopens_only_with_its_model(clip, tiny_llava, tmp_path):
    from streamer.memory.registry import load_memory

    s = kv_session(clip[0], f"vlm:{tiny_llava}", save_dir=str(tmp_path / "saved")).start()
    s.run_until(2.0)
    s.stop()
    with pytest.raises(StreamerError, match="only with a vlm"):
        load_memory(tmp_path / "saved" / "memory")


KILLED = """
import sys
sys.path.insert(0, {root!r})
from streamer.perception import PerceptionConfig
from streamer.session import Session, SessionConfig
config = SessionConfig(
    {clip!r}, pace="none", memory="kv", memory_options={{"ram_mb": 0.25}},
    backend="vlm:{model}", save_dir={folder!r}, autosave_seconds=0.3,
    perception=PerceptionConfig(sample_fps=4.0, ocr=False, speech=False),
)
Session(config).start().run_until(None)
print("end of stream", flush=True)
"""


def test_sigkill_while_encoding_and_saving_keeps_every_saved_block(clip, tiny_llava, tmp_path):
    """Killed at a random moment of a run that autosaves every 0.3 s: the last save reopens."""
    import json
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT

    folder = tmp_path / "saved"
    script = KILLED.format(root=str(ROOT), clip=str(clip[0]), model=tiny_llava, folder=str(folder))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    state = folder / "memory" / "state.json"
    saved = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:  # two saves with blocks
            if state.exists():
                saved = len(json.loads(state.read_text())["blocks"])
                if saved >= 8:
                    break
            time.sleep(0.05)
    finally:
        proc.kill()  # SIGKILL: no stop, no last save
        proc.wait(30)
    assert saved >= 8, "the run never saved 8 blocks"
    r = Session.open(folder)
    try:
        assert isinstance(r.memory, KvMemory)
        held = r.memory.blocks_until(1e9)
        assert len(held) >= saved  # nothing of the save read before the kill is lost
        assert r.ask("What is shown in the video?").result(120).error is None
    finally:
        r.stop()


class Gated:
    """The tiny model, its frame prefills held until `go` is set: a slow LM, for the drop policy."""

    def __init__(self, model: object) -> None:
        self.model, self.go = model, threading.Event()

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def kv_pass(self, embeds, context, positions, logits=False, queries=False):  # type: ignore[no-untyped-def]
        if context:  # a frame's pass (the sinks' pass has no context)
            self.go.wait(30)
        return self.model.kv_pass(embeds, context, positions, logits, queries)  # type: ignore[attr-defined]


def test_a_live_stream_drops_what_the_prefill_cannot_take(llava, demo_frames):
    from models.vlm.kv import KvLanguageModel
    from streamer.memory.kv import QUEUE_FRAMES, KvConfig
    from streamer.types import Observation

    gated = Gated(llava)
    assert isinstance(gated, KvLanguageModel)
    memory = KvMemory(KvConfig(when_busy="drop", window=1), llava.info, gated)  # type: ignore[arg-type]
    f = llava.encode(demo_frames[:1])[0]
    extra = 3
    for i in range(QUEUE_FRAMES + 1 + extra):  # one in the worker, a full queue, `extra` more
        memory.write(Observation(float(i), i, b"jpeg", (), f.feature, f.tokens, space=f.space))
    assert memory.frames_dropped >= extra  # perception never waited
    gated.go.set()
    assert memory.settle(60)
    memory.finish()
    assert not prefill_threads()
    kept = memory.blocks_until(1e9)
    assert len(kept) == memory.frames_seen - memory.frames_dropped
    assert kept[-1].t == float(QUEUE_FRAMES + extra)  # the oldest waiting were dropped, not it


def test_questions_are_answered_while_frames_keep_being_encoded(llava, demo_frames):
    """Answers at 3 s read only blocks up to 3 s, while the worker goes on encoding."""
    from streamer.memory.kv import KvConfig
    from streamer.types import Observation

    memory = KvMemory(KvConfig(window=2, top_k=2), llava.info, llava)
    f = llava.encode(demo_frames[:1])[0]
    for i in range(4):  # 0..3 s encoded before the first question
        memory.write(Observation(float(i), i, b"jpeg", (), f.feature, f.tokens, space=f.space))
    assert memory.settle(60)
    writer = threading.Thread(
        target=lambda: [
            memory.write(Observation(float(i), i, b"jpeg", (), f.feature, f.tokens, space=f.space))
            for i in range(4, 16)
        ]
    )
    writer.start()
    counts = []
    while writer.is_alive() or len(counts) < 2:
        used, pieces = memory.answer("What is shown?", asked_at=3.0, max_tokens=2, wait=0)
        "".join(pieces)
        assert used and all(it.t <= 3.0 for it in used)
        counts.append(len(memory.blocks_until(1e9)))
    writer.join()
    assert memory.settle(60) and len(memory.blocks_until(1e9)) == 16
    assert counts[0] < 16  # the first answer came while frames were still being encoded
    memory.finish()
