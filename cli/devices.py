"""`launch.py devices`: the cameras and microphones a source can name.

webcam:0               a camera by index (or webcam:NAME, webcam:/dev/video2)
mic:default, mic:3     a microphone by index, or mic:NAME (any part of its name)
webcam:0+mic:default   both, on one clock
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

HELP = "list the cameras and microphones (index, name, default rate)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--probe", action="store_true", help="open each camera to read its frame rate"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace) -> int:
    from streamer.capture.devices import list_cameras, list_microphones

    cameras = list_cameras(probe=args.probe)
    mics, why = list_microphones()
    if args.json:
        out = {
            "cameras": [{**asdict(d), "spec": d.spec} for d in cameras],
            "microphones": [{**asdict(d), "spec": d.spec} for d in mics],
            "microphones_note": why,
        }
        print(json.dumps(out))
        return 0
    print("Cameras (webcam:INDEX or webcam:NAME):")
    for d in cameras:
        print(f"  {d.label}")
    if not cameras:
        print("  none found (no /dev/video* device)")
    print("Microphones (mic:INDEX, mic:NAME or mic:default):")
    for d in mics:
        print(f"  {d.label}")
    if not mics:
        print(f"  none found{f': {why}' if why else ''}")
    print("Both on one clock: webcam:0+mic:default")
    return 0
