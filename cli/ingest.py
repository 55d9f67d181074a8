"""`launch.py ingest SOURCE`: capture (and optionally perceive) a source, print stats."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

from cli.args import add_language, add_network, add_save, network_options, positive, stream_time
from cli.progress import StreamProgress
from streamer.errors import StreamerError
from streamer.timeref import format_clock

if TYPE_CHECKING:
    from streamer.memory.items import MemoryStats
    from streamer.perception import PerceptionStats
    from streamer.types import TextEvent

HELP = "capture a source to its end and print stats (--perceive: and what was seen and heard)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="file path, URL, webcam:N or mic:NAME")
    parser.add_argument(
        "--pace",
        choices=("none", "realtime"),
        default="none",
        help="none: as fast as possible (default); realtime: at the file's speed",
    )
    parser.add_argument("--speed", type=positive, default=1.0, help="replay speed (realtime)")
    parser.add_argument("--start", type=stream_time, default=0.0, help="start at this time (s)")
    parser.add_argument(
        "--capture-fps",
        type=positive,
        default=None,
        help="thin capture: the source emits at most this many frames per second of stream",
    )
    parser.add_argument(
        "--sample-fps",
        type=positive,
        default=None,
        help="with --perceive: frames perception samples per second of stream, plus cuts (1)",
    )
    # the old flag, for one release: capture thinning, or perception sampling with --perceive
    parser.add_argument("--fps", dest="legacy_fps", type=positive, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=positive, default=None, help="stop after N s of stream")
    parser.add_argument("--loop", action="store_true", help="loop a file forever (live demo)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--perceive",
        action="store_true",
        help="also run perception and print the text timeline and stage timings",
    )
    add_save(parser, "with --perceive: autosave into DIR (and save at the end)")
    add_language(parser)
    add_network(parser)


def run(args: argparse.Namespace) -> int:
    if args.legacy_fps is not None:  # --fps kept the meaning it had for each mode
        if args.perceive:
            args.sample_fps = args.sample_fps or args.legacy_fps
        else:
            args.capture_fps = args.capture_fps or args.legacy_fps
    if args.perceive:
        return _perceive(args)
    if args.save:
        raise StreamerError("--save keeps what perception found; add --perceive.")
    from streamer.capture import open_source, replayed, source_config
    from streamer.ingest import run_ingest

    config = source_config(args.source, fps=args.capture_fps, **network_options(args))
    replay = {"pace": args.pace, "speed": args.speed, "start": args.start, "loop": args.loop}
    source = open_source(replayed(config, **replay))
    progress = StreamProgress(args.seconds, enabled=not args.quiet)

    def on_item(item: object) -> None:
        if progress.bar is None and progress.total is None:
            progress.total = source.duration
        progress.update(getattr(item, "t", 0.0))

    try:
        report = run_ingest(source, seconds=args.seconds, on_item=on_item)
    finally:
        progress.close()
    if report.note:
        print(f"warning: {report.note}", file=sys.stderr)
    _print(report.to_dict(), args.json)
    return 0


def _perceive(args: argparse.Namespace) -> int:
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    if args.capture_fps is not None:
        raise StreamerError(
            "--capture-fps thins a plain ingest; with --perceive use --sample-fps instead."
        )
    cfg = SessionConfig(
        args.source,
        pace=args.pace,
        speed=args.speed,
        start=args.start,
        loop=args.loop,
        perception=PerceptionConfig(sample_fps=args.sample_fps or 1.0, language=args.language),
        save_dir=args.save,
        overwrite=args.overwrite,
        source_options=network_options(args),
    )
    with Session(cfg) as s:
        progress = StreamProgress(args.seconds or s.duration, enabled=not args.quiet)
        progress.poll(s.stream_time)
        try:
            s.run_until(args.seconds)
        finally:
            progress.close()
        st = s.stats()
    p = st.perception
    assert p is not None
    events = s.timeline_events()
    if args.json:
        print(json.dumps(_perceived_record(p, events, st.memory)))
        return 0
    for e in events:
        print(f"{format_clock(e.start):>7}–{format_clock(e.end):<7} {e.kind:<6} {e.text}")
    print()
    _print(_totals(p), False)
    for k, v in p.stages.items():
        print(
            f"{'stage ' + k:>22}: {round(v.seconds, 3)} s for {v.items} items "
            f"({round(v.per_item_ms, 1)} ms each)"
        )
    return 0


def _totals(p: PerceptionStats) -> dict[str, object]:
    """What perception counted, as printed: seconds to 0.001, speeds to 0.01."""
    return {
        "frames": p.frames_in,
        "sampled": p.frames_sampled,
        "observations": p.observations,
        "audio_seconds": round(p.audio_seconds, 3),
        "stream_seconds": round(p.stream_time, 3),
        "wall_seconds": round(p.wall_seconds, 3),
        "x_realtime": round(p.x_realtime, 2),
        "dropped": p.frames_dropped,
        "lag": round(p.lag, 3),
    }


def _perceived_record(
    p: PerceptionStats, events: list[TextEvent], memory: MemoryStats | None
) -> dict[str, object]:
    """`ingest --perceive --json`: the totals, each stage's timing, the timeline, the memory."""
    stages = {
        k: {
            "seconds": round(v.seconds, 3),
            "items": v.items,
            "ms_per_item": round(v.per_item_ms, 1),
        }
        for k, v in p.stages.items()
    }
    timeline = [{"start": e.start, "end": e.end, "kind": e.kind, "text": e.text} for e in events]
    held = asdict(memory) if memory is not None else None
    return {**_totals(p), "stages": stages, "timeline": timeline, "memory": held}


def _print(d: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(d))
        return
    for k, v in d.items():
        print(f"{k:>22}: {v}")
