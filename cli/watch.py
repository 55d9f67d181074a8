"""`launch.py watch SOURCE --when "a person appears" [--when ...] [--json]`: alerts as they fire.

A file is followed in real time (as a live source is) unless `--pace none`
replays it as fast as perception goes; each alert is printed the moment it fires
(one JSON object per line with `--json`), and a summary at the end of the stream.
A live source runs until Ctrl-C or `--for SECONDS`.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from cli.args import (
    add_device,
    add_language,
    add_network,
    add_notify,
    add_save,
    network_options,
    positive,
)
from cli.notify import finish_notifier, open_notifier
from streamer.errors import StreamerError
from streamer.memory.items import DEFAULT_MEMORY
from streamer.timeref import format_clock

if TYPE_CHECKING:
    from streamer.notify import Notifier
    from streamer.session import Session
    from streamer.watch import Alert, Watch

HELP = "follow a source and print an alert each time something you asked for happens"
POLL_S = 0.2  # seconds between two looks at a live session's state


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", help="file path, URL, or webcam:N+mic:NAME")
    parser.add_argument(
        "--when",
        action="append",
        required=True,
        metavar="TEXT",
        help='what to watch for, e.g. "a person appears", "someone says budget" (repeatable)',
    )
    parser.add_argument(
        "--pace",
        choices=("realtime", "none"),
        default="realtime",
        help="a file: follow it in real time (default) or as fast as perception goes",
    )
    parser.add_argument("--speed", type=positive, default=1.0, help="realtime replay speed")
    parser.add_argument(
        "--for", dest="seconds", type=positive, help="stop after this many seconds of stream"
    )
    parser.add_argument("--backend", default="extractive", help="reasoning backend (vlm:ID looks)")
    parser.add_argument("--memory", default=DEFAULT_MEMORY, help="memory strategy")
    add_device(parser)
    add_language(parser)
    add_network(parser)
    add_save(parser, "autosave the session (and its watches)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per alert")
    add_notify(parser)


def run(args: argparse.Namespace) -> int:
    notifier = open_notifier(args.notify)  # a bad URL is refused before any model loads
    try:
        return _watch(args, notifier)
    finally:
        finish_notifier(notifier, args.notify_wait)


def _watch(args: argparse.Namespace, notifier: Notifier | None) -> int:
    from streamer.capture import is_live
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    live = is_live(args.source)
    session = Session(
        SessionConfig(
            args.source,
            pace="realtime" if live else args.pace,
            speed=args.speed,
            memory=args.memory,
            backend=args.backend,
            device=args.device,
            perception=PerceptionConfig(language=args.language),
            save_dir=args.save,
            overwrite=args.overwrite,
            source_options=network_options(args),
        )
    )
    watches = [session.watches.watch(_as_watch(text)) for text in args.when]
    out = threading.Lock()
    for w in watches:
        _say({"watch": w.id, "text": w.text, "watching_for": w.description}, args.json, out)
    session.watches.on_alert(lambda a: _say(_alert_record(a), args.json, out, a))
    if notifier is not None:
        session.watches.notify_to(notifier, _session_name(args))
    t0 = time.monotonic()
    session.start()
    try:
        _follow(session, args.seconds)
    finally:
        session.stop()
    summary = _summary(session, watches, time.monotonic() - t0)
    _say({"summary": summary}, args.json, out)
    return 0


def _session_name(args: argparse.Namespace) -> str:
    """What names this run in MQTT topics: its save folder, or its source's file name."""
    from pathlib import Path

    return Path(args.save or args.source.rstrip("/")).name or "watch"


def _as_watch(text: str) -> str:
    """'a person appears' -> 'tell me when a person appears' (a full sentence is kept)."""
    from streamer.watch import understand

    if not text.strip():
        raise StreamerError('Give --when what to watch for, such as --when "a person appears".')
    return text if understand(text) is not None else f"tell me when {text.strip()}"


def _follow(session: Session, seconds: float | None) -> None:
    if session.config.is_replay:
        session.run_until(seconds)  # None: the whole file
        return
    while not session.wait(POLL_S):
        if seconds is not None and session.stream_time() >= seconds:
            return
        error = session.stats().error
        if error:
            raise StreamerError(error)


def _alert_record(a: Alert) -> dict[str, Any]:
    return {
        "alert": a.watch,
        "watch": a.watch_text,
        "t": round(a.t, 3),
        "at": round(a.at, 3),
        "delay_s": round(a.delay, 3),
        "sentence": a.sentence,
        "evidence": {"kind": a.evidence.kind, "text": a.evidence.text},
    }


def _summary(session: Session, watches: list[Watch], wall: float) -> dict[str, Any]:
    alerts = session.watches.alerts()
    delays = sorted(a.delay for a in alerts)
    source = session.source.stats() if session.source is not None else None
    return {
        "stream_seconds": round(session.stream_time(), 3),
        "reconnects": source.reconnects if source is not None else 0,  # a network stream's drops
        "gap_seconds": round(source.gap_seconds, 3) if source is not None else 0.0,
        "wall_seconds": round(wall, 3),
        "alerts": len(alerts),
        "by_watch": {w.description: sum(a.watch == w.id for a in alerts) for w in watches},
        "median_delay_s": round(delays[len(delays) // 2], 3) if delays else None,
    }


def _say(
    record: dict[str, Any], as_json: bool, lock: threading.Lock, alert: Alert | None = None
) -> None:
    with lock:
        if as_json:
            print(json.dumps(record), flush=True)
        elif alert is not None:
            print(
                f"[{format_clock(alert.at)}] watch {alert.watch}: {alert.sentence} "
                f"({alert.delay:.1f} s after)",
                flush=True,
            )
        elif "watching_for" in record:
            print(f"watch {record['watch']}: {record['watching_for']}", file=sys.stderr)
        else:
            s = record["summary"]
            counts = ", ".join(f"{n} for {d}" for d, n in s["by_watch"].items())
            print(
                f"{s['alerts']} alerts over {format_clock(s['stream_seconds'])} of stream "
                f"({counts})",
                flush=True,
            )
