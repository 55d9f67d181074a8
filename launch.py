#!/usr/bin/env python3
"""streamer's command line. Run `python launch.py --help`."""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
