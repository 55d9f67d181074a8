"""The command line: `launch.py [app|ingest|ask|eval|bench] ...`.

Errors a user can meet are printed as one sentence (no traceback) with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from streamer.errors import USER_ERRORS

EXIT_USER_ERROR = 2


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
    ing.add_argument(
        "--perceive",
        action="store_true",
        help="also run perception and print the text timeline and stage timings",
    )
    ing.set_defaults(func=lambda a: _command("ingest", a))

    ask = sub.add_parser("ask", help="replay a source up to a time and ask about it")
    ask.add_argument("source", help="file path, URL, or a saved session folder")
    ask.add_argument("--question", "-q", help="the question")
    ask.add_argument(
        "--at",
        type=float,
        default=None,
        help="ask at this stream time in seconds (default: the end)",
    )
    ask.add_argument("--options", help='multiple-choice options separated by "|"')
    ask.add_argument("--questions", help="JSONL file: one {question, at, options} per line")
    ask.add_argument("--memory", default="pyramid", help="memory strategy")
    ask.add_argument("--backend", default="extractive", help="reasoning backend")
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument("--quiet", action="store_true", help="no progress bar")
    ask.set_defaults(func=lambda a: _command("ask", a))
    return p


def _command(name: str, args: argparse.Namespace) -> int:
    import importlib

    module = importlib.import_module(f"streamer.commands.{name}")
    result: int = module.run(args)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except USER_ERRORS as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
