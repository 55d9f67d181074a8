"""The command line: `launch.py [app|serve|ingest|ask|watch|eval|bench|models|devices] ...`.

`app` is the default. Each command lives in `cli/<name>.py` with `HELP`, `add_arguments(parser)`
and `run(args) -> int`; heavy imports happen inside `run`. Errors a user can meet are
printed as one sentence (no traceback) with exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

from streamer.errors import USER_ERRORS

EXIT_USER_ERROR = 2
COMMANDS = ("app", "serve", "ingest", "ask", "watch", "eval", "bench", "models", "devices")
DEFAULT_COMMAND = "app"


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"cli.{name}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="launch.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command")
    for name in COMMANDS:
        module = _module(name)
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(run=module.run)
    return p


# OpenCV logs its own warnings for a camera it cannot open (several lines, before our
# one sentence says so); read when cv2 loads, so set before any command imports it.
OPENCV_LOG_LEVEL = "FATAL"


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("OPENCV_LOG_LEVEL", OPENCV_LOG_LEVEL)
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help"):
        argv = [DEFAULT_COMMAND, *argv]
    args = parser.parse_args(argv)
    args.argv = argv  # the command as given, for reports that record what made them
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 0
    try:
        result: int = args.run(args)
        return result
    except USER_ERRORS as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
