"""The command line: `launch.py [app|ingest|ask|eval|bench] ...`.

Errors a user can meet are printed as one sentence (no traceback) with exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from streamer.errors import StreamerError

EXIT_USER_ERROR = 2


class StreamProgress:
    """A progress bar in stream seconds on stderr, opened at the first item."""

    def __init__(self, source: Any, seconds: float | None, enabled: bool = True) -> None:
        self.source, self.seconds, self.enabled = source, seconds, enabled
        self.bar: Any = None

    def update(self, item: Any) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm

            total = self.seconds or self.source.stats().extra.get("duration")
            self.bar = tqdm(
                total=round(total, 1) if total else None,
                unit="s",
                desc="stream",
                file=sys.stderr,
                dynamic_ncols=True,
                bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total} s "
                "[{elapsed}<{remaining}]"
                if total
                else None,
            )
        t = round(item.t, 1)
        if t > self.bar.n:
            self.bar.update(t - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _ingest(args: argparse.Namespace) -> int:
    from streamer.capture import open_source
    from streamer.ingest import run_ingest

    source = open_source(
        args.source,
        pace=args.pace,
        speed=args.speed,
        start=args.start,
        fps=args.fps,
        loop=args.loop,
    )
    progress = StreamProgress(source, args.seconds, enabled=not args.quiet)
    try:
        report = run_ingest(source, seconds=args.seconds, on_item=progress.update)
    finally:
        progress.close()
    if args.json:
        print(json.dumps(report.to_dict()))
    else:
        for k, v in report.to_dict().items():
            print(f"{k:>22}: {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="launch.py", description=__doc__)
    sub = p.add_subparsers(dest="command")

    ing = sub.add_parser("ingest", help="capture a source to its end and print stats")
    ing.add_argument("source", help="file path, URL, webcam:N or mic:NAME")
    ing.add_argument(
        "--pace",
        choices=("none", "realtime"),
        default="none",
        help="none: as fast as possible (default); realtime: at the file's speed",
    )
    ing.add_argument("--speed", type=float, default=1.0, help="replay speed factor (realtime)")
    ing.add_argument("--start", type=float, default=0.0, help="start at this stream time (s)")
    ing.add_argument("--fps", type=float, default=None, help="sample frames at this rate")
    ing.add_argument("--seconds", type=float, default=None, help="stop after N s of stream")
    ing.add_argument("--loop", action="store_true", help="loop a file forever (live demo)")
    ing.add_argument("--json", action="store_true", help="print one JSON object")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")
    ing.set_defaults(func=_ingest)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except StreamerError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
