"""Answer latency after 1, 10 and 60 minutes of stream, per backend.

Features-only streams: a text timeline as perception writes it (a sentence every
20 s, a card every 30 s, a tag line per scene) embedded with the real MiniLM
model, and a memory fed synthetic observations at 1 fps. The same questions
are asked at the end of each length; constant-time answering keeps the
60-minute latency near the 1-minute one.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from streamer.bench.memory import synthetic_stream
from streamer.bench.perception import PLACES, THINGS, WORDS
from streamer.bench.report import percentile, table, write
from streamer.memory import make_memory
from streamer.memory.items import DEFAULT_MEMORY
from streamer.memory.timeline import Timeline
from streamer.reasoning.reasoner import Reasoner
from streamer.types import TextEvent

QUESTIONS = [
    ("When was the delivery van at the loading dock?", None),
    ("What did the sign say just now?", None),
    ("Where is the red bicycle?", None),
    ("What was said in the first minute?", None),
    ("Did anyone mention a coffee machine?", None),
    ("How many times was the tall ladder mentioned?", None),
    ("What happened in the last 30 seconds?", None),
    ("Where is the blue umbrella?", ["at the roof", "at the main hall", "at the side door"]),
    ("What was said right before the last card?", None),
    ("Is there a dog?", None),
]
TAGS = ["street sign", "scoreboard", "web site", "traffic light", "parking meter", "monitor"]


def text_events(minutes: float, seed: int = 0) -> list[TextEvent]:
    rng = random.Random(seed)
    end = minutes * 60
    events = [
        TextEvent("speech", f"The {rng.choice(THINGS)} is at the {rng.choice(PLACES)}.", t, t + 3.0)
        for t in range(5, int(end), 20)
    ]
    events += [
        TextEvent("ocr", f"{rng.choice(WORDS)} {rng.randint(1, 99)}", t, t + 5.0)
        for t in range(10, int(end), 30)
    ]
    t = 0.0
    while t < end:  # one tag line per scene of 5-40 s
        length = rng.uniform(5, 40)
        events.append(TextEvent("tags", rng.choice(TAGS), t, min(end, t + length), 0.4))
        t += length
    return sorted(events, key=lambda e: e.start)


def build(minutes: float, embedder: Any, memory: str = DEFAULT_MEMORY) -> tuple[Timeline, Any]:
    timeline = Timeline(embedder.embed, embedder.dim)
    for e in text_events(minutes):
        timeline.add(e)
    mem = make_memory(memory)
    for obs in synthetic_stream(int(minutes * 60), 1.0):
        mem.write(obs)
    return timeline, mem


def measure(
    backend: Any, timeline: Timeline, memory: Any, now: float, repeats: int = 3
) -> dict[str, Any]:
    reasoner = Reasoner(timeline, memory, backend, lambda: now).start()
    first, total = [], []
    try:
        for _ in range(repeats):
            for q, options in QUESTIONS:
                a = reasoner.ask(q, options).result(timeout=600)
                first.append(a.first_token_s)
                total.append(a.total_s)
    finally:
        reasoner.stop()
    return {
        "n": len(first),
        "first_p50": percentile(first, 50),
        "first_p95": percentile(first, 95),
        "total_p50": percentile(total, 50),
        "total_p95": percentile(total, 95),
    }


def bench_latency(
    minutes: tuple[float, ...] = (1, 10, 60),
    backends: tuple[str, ...] = ("extractive", "llm"),
    out_dir: Path | str = "bench",
    device: str = "auto",
) -> dict[str, Any]:
    from streamer.modelset import load_models
    from streamer.reasoning.registry import make_backend

    embedder = load_models(ocr=False, speech=False).embedder
    result: dict[str, Any] = {"minutes": list(minutes), "backends": {}}
    rows = []
    for name in backends:
        backend = make_backend(name, device)
        if backend.name != name:  # fell back: that backend is not installed here
            result["backends"][name] = {"skipped": f"{name} backend not available"}
            continue
        runs = {}
        for m in minutes:
            timeline, memory = build(m, embedder)
            runs[m] = measure(
                backend, timeline, memory, now=m * 60, repeats=3 if name == "extractive" else 1
            )
            runs[m]["timeline_events"] = len(timeline)
            r = runs[m]
            rows.append(
                [
                    name,
                    f"{m:g}",
                    r["timeline_events"],
                    r["first_p50"] * 1000,
                    r["first_p95"] * 1000,
                    r["total_p50"] * 1000,
                    r["total_p95"] * 1000,
                ]
            )
        ratio = runs[minutes[-1]]["first_p50"] / max(runs[minutes[0]]["first_p50"], 1e-9)
        result["backends"][name] = {
            "runs": {str(k): v for k, v in runs.items()},
            "first_p50_ratio_last_over_first": ratio,
        }
        rows.append([name, f"{minutes[-1]:g}/{minutes[0]:g} ratio", "", ratio, "", "", ""])
    md = "Answer latency (ms) at the end of features-only streams, pyramid memory\n\n" + table(
        [
            "backend",
            "minutes",
            "timeline events",
            "first token p50",
            "first token p95",
            "total p50",
            "total p95",
        ],
        rows,
    )
    write(out_dir, "latency", result, md)
    return result
