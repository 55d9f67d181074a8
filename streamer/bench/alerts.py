"""Alert benchmark: planted events and near misses in a generated stream, watched live.

A stream of `minutes` (30 by default) holds `events` planted occurrences and as many
distractors, spread over one slot each, for three watches:

- "tell me when someone mentions the budget": sentences with "budget"; distractors
  are the same sentences with another noun ("the report", "the invoice");
- "tell me when the sign says exit": cards reading EXIT …; distractors ENTRANCE …, GATE …;
- "let me know when the screen turns red": a red screen; distractors blue, green, purple.

The stream is replayed in real time at each speed (1x and 4x by default) through the
default session. An alert matches an event of its watch within TOLERANCE seconds of
stream time (each event once); the rest are false. Latency: from the moment the event
could be known (a sentence's end, a card's first frame) to the alert, in stream
seconds (perception's stream time when it fired) and wall seconds.

    python launch.py bench alerts --minutes 30 --out bench
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streamer.bench.delivery import SESSION, Probe, outage
from streamer.bench.delivery import markdown as delivery_markdown
from streamer.bench.peers import MOSQUITTO
from streamer.bench.report import percentile, table, write
from streamer.session import Session, SessionConfig
from streamer.store import read_json, write_json_atomic
from streamer.synth import Card, ClipScript, Speech, render

SPEECH_WATCH = "tell me when someone mentions the budget"
SIGN_WATCH = "tell me when the sign says exit"
RED_WATCH = "let me know when the screen turns red"
WATCHES = (SPEECH_WATCH, SIGN_WATCH, RED_WATCH)
TOLERANCE = 2.0  # stream seconds between an alert's time and its event's
CARD_SECONDS = 3.0
LEAD_S = 3.0  # seconds of plain scene before the first slot
OUTAGE_S = 60.0  # the webhook's outage after the replays: the backlog it leaves
TARGETS = {"recall": 0.95, "precision": 0.95, "p95_delay_s": 2.0}  # the delay at 1x

SENTENCES = (
    "The {w} for the {thing} is due on {day}.",
    "We went over the {w} for the {thing} again.",
    "Please send the {w} to {name} before {day}.",
)
SPEECH_NOUNS = ("report", "invoice", "schedule", "plan")  # the distractors' word for budget
THINGS = ("garden", "kitchen", "office", "workshop", "school trip", "new roof")
NAMES = ("Anna", "Peter", "Maria", "David", "Sofia", "James")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
SIGNS = ("EXIT {n} OPEN", "EXIT ON THE LEFT", "EMERGENCY EXIT {n}", "EXIT CLOSED")
OTHER_SIGNS = ("ENTRANCE {n} OPEN", "GATE {n} ON THE LEFT", "PLATFORM {n}", "LIFT CLOSED")
RED = (200, 30, 30)
OTHER_COLOURS = ((30, 70, 190), (40, 150, 50), (120, 50, 150))  # blue, green, purple


@dataclass(frozen=True)
class Planted:
    watch: str  # the watch it is for
    t: float  # stream time it starts
    known: float  # stream time it can be known: a sentence's end, a card's start
    real: bool  # an occurrence (True) or a distractor (False)
    what: str


def plan(
    minutes: float, events: int, seed: int = 0
) -> tuple[ClipScript, list[tuple[str, float, bool, str]]]:
    """The clip and its (watch, t, real, text) items: `events` occurrences, as many near misses."""
    rng = random.Random(seed)
    duration = minutes * 60.0
    kinds = [WATCHES[i % 3] for i in range(events)]
    items = [(w, True) for w in kinds] + [(w, False) for w in kinds]
    rng.shuffle(items)
    slot = (duration - LEAD_S - 5.0) / len(items)
    if slot < 2 * CARD_SECONDS + TOLERANCE:
        raise ValueError(f"{len(items)} items do not fit in {minutes:g} minutes")
    cards, speech, out = [], [], []
    for i, (watch, real) in enumerate(items):
        t = round(LEAD_S + i * slot + rng.uniform(0.0, slot - 2 * CARD_SECONDS), 2)
        if watch == SPEECH_WATCH:
            word = "budget" if real else rng.choice(SPEECH_NOUNS)
            text = rng.choice(SENTENCES).format(
                w=word, thing=rng.choice(THINGS), name=rng.choice(NAMES), day=rng.choice(DAYS)
            )
            speech.append(Speech(t, text))
        elif watch == SIGN_WATCH:
            text = rng.choice(SIGNS if real else OTHER_SIGNS).format(n=rng.randint(1, 9))
            cards.append(Card(t, t + CARD_SECONDS, text))
        else:
            colour = RED if real else rng.choice(OTHER_COLOURS)
            text = "red screen" if real else f"screen {colour}"
            cards.append(Card(t, t + CARD_SECONDS, "", background=colour))
        out.append((watch, t, real, text))
    return ClipScript(duration, cards=cards, speech=speech), out


def planted(items: Sequence[tuple[str, float, bool, str]], facts: dict[str, Any]) -> list[Planted]:
    """The items with the stream time each can first be known (speech: its measured end)."""
    ends = {round(float(s["t"]), 2): float(s["end"]) for s in facts["speech"]}
    return [
        Planted(w, t, ends.get(round(t, 2), t) if w == SPEECH_WATCH else t, real, text)
        for w, t, real, text in items
    ]


def score(
    events: Sequence[Planted], alerts: Sequence[dict[str, Any]], speed: float = 1.0
) -> dict[str, Any]:
    """Recall, precision and delays of `alerts` ({watch, t, at, wall}) against `events`.

    `wall`: seconds from the replay's start to the alert; at `speed`, an event's moment
    on that clock is its stream time / speed.
    """
    real = [e for e in events if e.real]
    matched: set[int] = set()
    true, delays, wall = 0, [], []
    by_watch: dict[str, list[float]] = {w: [] for w in WATCHES}
    for a in sorted(alerts, key=lambda a: a["t"]):
        best = min(
            (
                i
                for i, e in enumerate(real)
                if e.watch == a["watch"] and i not in matched and abs(e.t - a["t"]) <= TOLERANCE
            ),
            key=lambda i: abs(real[i].t - a["t"]),
            default=None,
        )
        if best is None:
            continue
        matched.add(best)
        true += 1
        delays.append(max(0.0, a["at"] - real[best].known))
        by_watch.setdefault(a["watch"], []).append(delays[-1])
        wall.append(max(0.0, a["wall"] - real[best].known / speed))
    return {
        "events": len(real),
        "distractors": len(events) - len(real),
        "alerts": len(alerts),
        "recall": round(len(matched) / len(real), 4) if real else 0.0,
        "precision": round(true / len(alerts), 4) if alerts else 0.0,
        "p50_delay_s": round(percentile(delays, 50), 3),
        "p95_delay_s": round(percentile(delays, 95), 3),
        "p50_wall_s": round(percentile(wall, 50), 3),
        "p95_wall_s": round(percentile(wall, 95), 3),
        "delay_by_watch": {  # p50, p95 stream seconds per watch
            w: [round(percentile(d, 50), 3), round(percentile(d, 95), 3)]
            for w, d in by_watch.items()
            if d
        },
        "missed": [
            f"{e.watch} @ {e.t:.1f} s: {e.what}" for i, e in enumerate(real) if i not in matched
        ],
    }


def replay(
    path: Path, speed: float, probe: Probe | None = None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Follow the clip in real time at `speed` with the three watches; the alerts fired.

    With a `probe`, each alert is delivered to its broker and webhook too: (alerts, delivery).
    """
    session = Session(SessionConfig(str(path), pace="realtime", speed=speed))
    ids = {session.watches.watch(w).id: w for w in WATCHES}
    if probe is not None:
        session.watches.notify_to(probe.notifier, SESSION)
    session.start()
    t0 = time.time()
    try:
        while not session.wait(1.0):
            pass
    finally:
        session.stop()
    fired = [
        {"watch": ids[a.watch], "t": a.t, "at": a.at, "wall": a.wall - t0}
        for a in session.watches.alerts()
    ]
    return fired, probe.result(session.watches.alerts()) if probe is not None else None


def bench_alerts(
    minutes: float = 30.0,
    events: int = 40,
    speeds: Sequence[float] = (1.0, 4.0),
    out_dir: Path | str = "bench",
    seed: int = 0,
    progress: Callable[[str], None] = print,
) -> dict[str, Any]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    script, items = plan(minutes, events, seed)
    clip = out / f"alerts-{minutes:g}min-{events}events-seed{seed}.mp4"
    known = clip.with_suffix(".facts.json")
    if clip.exists() and known.exists():  # the same plan rendered before: reuse it
        facts = read_json(known)
    else:
        progress(f"rendering {minutes:g} minutes with {events} events and {events} distractors")
        facts = render(script, str(clip))
        write_json_atomic(known, facts)
    truth = planted(items, facts)
    rows: dict[str, Any] = {}
    delivery = None
    for speed in speeds:
        progress(f"replaying at {speed:g}x ({minutes / speed:.1f} wall minutes)")
        if speed == speeds[0] and Path(MOSQUITTO).exists():  # delivery measured on the first
            with Probe(out / "outbox-bench.sqlite") as probe:
                alerts, delivery = replay(clip, speed, probe)
        else:
            alerts, _ = replay(clip, speed)
        result = score(truth, alerts, speed)
        result["fired"] = alerts  # every alert, for a look at the slow ones
        rows[f"{speed:g}x"] = result
        progress(f"{speed:g}x: {_line(result)}")
    result = {"minutes": minutes, "events": events, "seed": seed, "targets": TARGETS, "runs": rows}
    if delivery is not None:
        seconds = min(OUTAGE_S, minutes * 20.0)  # 60 s, shorter for a run of a few minutes
        progress(f"delivery: {delivery}; now a {seconds:g} s webhook outage")
        delivery["outage"] = outage(seconds, out / "outbox-outage.sqlite")
        progress(f"outage: {delivery['outage']}")
        result["delivery"] = delivery
    text = markdown(result) + (delivery_markdown(delivery) if delivery is not None else "")
    write(out, "alerts", result, text)
    return result


def _line(r: dict[str, Any]) -> str:
    return (
        f"recall {r['recall']:.2%}, precision {r['precision']:.2%}, "
        f"delay p50 {r['p50_delay_s']} s p95 {r['p95_delay_s']} s"
    )


def markdown(result: dict[str, Any]) -> str:
    rows = [
        [
            speed,
            r["events"],
            r["distractors"],
            r["alerts"],
            r["recall"],
            r["precision"],
            r["p50_delay_s"],
            r["p95_delay_s"],
            r["p50_wall_s"],
            r["p95_wall_s"],
        ]
        for speed, r in result["runs"].items()
    ]
    runs = result["runs"].items()
    per_watch = [[speed, w, *d] for speed, r in runs for w, d in r["delay_by_watch"].items()]
    missed = [f"- {speed}: {m}" for speed, r in result["runs"].items() for m in r["missed"]]
    return (
        f"# Alerts: {result['minutes']:g}-minute generated stream, {result['events']} planted "
        f"events + {result['events']} distractors, seed {result['seed']}\n\n"
        "Targets at 1x: recall ≥ 95 %, precision ≥ 95 %, p95 delay ≤ 2 s of stream time.\n\n"
        + table(
            [
                "speed",
                "events",
                "distractors",
                "alerts",
                "recall",
                "precision",
                "delay p50 s",
                "delay p95 s",
                "wall p50 s",
                "wall p95 s",
            ],
            rows,
        )
        + "\nDelay by watch (stream seconds from when it could be known):\n\n"
        + table(["speed", "watch", "delay p50 s", "delay p95 s"], per_watch)
        + ("\n**Missed**\n\n" + "\n".join(missed) + "\n" if missed else "")
    )
