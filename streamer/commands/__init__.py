"""The bodies of the `launch.py` commands; `streamer/cli.py` parses and dispatches."""
