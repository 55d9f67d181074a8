#!/usr/bin/env python3
"""kv answers and first-token times per memory at several stream lengths, on the reference model.

The reference model is a real language model (Qwen2.5-Coder-0.5B-Instruct) inside
LLaVA-OneVision-0.5B's shape with a random vision tower: its words are real, what it
"sees" is noise, so the facts reach it through the timeline lines (docs/results/
reference-model.md).

A clip with the demo's cards and speech in its first 72 s, then its plain scene, is
replayed for real up to REAL seconds into the kv memory and, beside it, the pyramid,
star, window and uniform memories (one perception pass). Longer streams continue
from the last real filler frames: kv blocks copied with their keys turned to each
new position (`turn_keys`; RoPE makes an encoding depend on relative positions only,
apart from the distance to the sinks), the other memories written the same
observations at later times. At each length the same questions are asked from the
kv memory with its blocks at their stream positions and re-indexed (compact), and
from each other memory for its first-token time. One JSON line per answer.

    python tools/make_demo.py ...  # not needed: the clip is made here
    python tools/reference_kv.py --minutes 10 60 --real 97 --clip /tmp/demo-10min.mp4
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

FPS = 0.5  # frames a second into the memories (ReKV's setting)
TEMPLATES = 5  # the last real filler frames a longer stream repeats
MEMORIES = ("pyramid", "star", "window", "uniform")
QUESTIONS = (
    "When does gate 7 close?",
    "What is the budget for 2027?",
    "Which room was the meeting moved to?",
    "Where did the delivery van arrive?",
)


def out(**kw: Any) -> None:
    print(json.dumps(kw), flush=True)


def make_clip(path: str, minutes: float) -> None:
    """The demo's cards and speech, then its plain scene up to `minutes`."""
    from streamer.synth import render
    from tools.make_demo import DEMO

    render(dataclasses.replace(DEMO, duration=minutes * 60), path)


def ask_kv(session: Any, now: float) -> None:
    from streamer.reasoning.reasoner import Reasoner

    stream = session.memory.stream
    r = Reasoner(session.timeline, session.memory, session._backend, lambda: now).start()
    try:
        for mode in ("stream", "compact"):
            stream.reindex = mode == "compact"
            for q in QUESTIONS:
                a = r.ask(q).result(3600)
                start = stream._next if mode == "stream" else stream._sink_len + 16 * 196
                frames = sorted({round(e.start) for e in a.evidence if e.kind == "frame"})
                out(
                    minutes=round(now / 60, 2),
                    blocks=len(stream.positions),
                    positions=mode,
                    question=q,
                    answer=a.text,
                    ttft_s=round(a.first_token_s, 2),
                    total_s=round(a.total_s, 2),
                    question_start=start,
                    frames=frames,
                )
    finally:
        r.stop()
        stream.reindex = True


def ask_others(session: Any, others: dict[str, Any], now: float) -> None:
    from streamer.reasoning.reasoner import Reasoner

    backend = session._backend
    backend.max_tokens = 16  # the first token is the prefill's; a short answer is enough
    try:
        for name, memory in others.items():
            r = Reasoner(session.timeline, memory, backend, lambda: now).start()
            try:
                for q in QUESTIONS[:3]:
                    a = r.ask(q).result(3600)
                    fed = sum(1 for e in a.evidence if e.kind == "frame")
                    out(
                        minutes=round(now / 60, 2),
                        memory=name,
                        question=q,
                        answer=a.text,
                        ttft_s=round(a.first_token_s, 2),
                        total_s=round(a.total_s, 2),
                        frames_fed=fed,
                    )
            finally:
                r.stop()
    finally:
        backend.max_tokens = 80


def fill_kv(session: Any, templates: list[int], minutes: float) -> None:
    """kv blocks of the template frames, keys turned to each next position, to `minutes`."""
    from models.vlm.kv import turn_keys

    memory, stream = session.memory, session.memory.stream
    rotary, n_real = stream.model.kv_rotary, templates[-1] + 1
    while len(stream.positions) < int(minutes * 60 * FPS):
        i = len(stream.positions)
        tpl = templates[(i - n_real) % len(templates)]
        old = stream.positions[tpl]
        shift = np.full(old.shape, stream._next) - old[..., :1]
        keys, values = [], []
        for layer in range(stream.layout.n_layers):
            ((k, v),) = stream.store.get([tpl], layer)
            keys.append(turn_keys(k, shift, rotary))
            values.append(v)
        stream.add_block(keys, values, i / FPS)
        item = memory._blocks[tpl]
        with memory._lock:
            t = i / FPS
            memory._blocks.append(dataclasses.replace(item, t=t, span=(t, t), seq=item.seq + i))


def fill_others(others: dict[str, Any], seen: list[Any], minutes: float) -> None:
    """The other memories written the last real observations again, at later times."""
    last = seen[-1]
    t, i = last.t + 1 / FPS, 0
    while t <= minutes * 60:
        obs = dataclasses.replace(seen[i % len(seen)], t=t, seq=last.seq + 10 * i + 10)
        for memory in others.values():
            memory.write(obs)
        t, i = t + 1 / FPS, i + 1


def main() -> None:
    from models.vlm.reference import reference_folder
    from streamer.perception.config import PerceptionConfig
    from streamer.session import Session
    from streamer.session_config import SessionConfig

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--clip", default="/tmp/reference-kv-clip.mp4", help="made when missing")
    p.add_argument("--real", type=float, default=97.0, help="seconds replayed for real")
    p.add_argument("--minutes", type=float, nargs="*", default=[10.0, 60.0])
    args = p.parse_args()
    if not os.path.exists(args.clip):
        make_clip(args.clip, max(2.0, args.real / 60 + 0.5))
    perception = PerceptionConfig(sample_fps=FPS, language="en")
    backend = f"vlm:{reference_folder()}"
    config = SessionConfig(
        args.clip, pace="none", memory="kv", backend=backend, device="cpu", perception=perception
    )
    t0 = time.time()
    s = Session(config).start()
    others = {name: s.add_memory(name) for name in MEMORIES}
    seen: list[Any] = []
    observe = s._observe

    def keep(obs: Any) -> None:  # the last real observations: what a longer stream repeats
        seen.append(obs)
        del seen[:-TEMPLATES]
        observe(obs)

    s.perception._on_observation = keep
    s.run_until(args.real)
    s.memory.settle()
    n_real = len(s.memory.stream.positions)
    out(event="replayed", real_s=args.real, blocks=n_real, wall_s=round(time.time() - t0, 1))
    ask_kv(s, args.real)
    ask_others(s, others, args.real)
    templates = list(range(n_real - TEMPLATES, n_real))
    for minutes in args.minutes:
        t1 = time.time()
        fill_kv(s, templates, minutes)
        fill_others(others, seen, minutes)
        out(
            event="filled",
            minutes=minutes,
            blocks=len(s.memory.stream.positions),
            last_position=s.memory.stream._next,
            wall_s=round(time.time() - t1, 1),
        )
        ask_kv(s, minutes * 60)
        ask_others(s, others, minutes * 60)
    s.stop()


if __name__ == "__main__":
    main()
