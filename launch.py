#!/usr/bin/env python3
"""streamer's command line. Run `.venv/bin/python launch.py --help` (README.md: Set-up)."""

import sys

OWN_PACKAGES = ("cli", "streamer", "models", "ui", "tools")


def _run() -> int:
    try:
        from cli.main import main

        return main()
    except ModuleNotFoundError as e:
        if (e.name or "").partition(".")[0] in OWN_PACKAGES or e.name is None:
            raise  # a broken checkout, not a missing dependency
        print(
            f"error: {e.name} is not installed for {sys.executable}; run streamer with the "
            "Python that `make run` set up (.venv/bin/python launch.py ...), or activate it "
            "first (. .venv/bin/activate).",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":
    sys.exit(_run())
