#!/usr/bin/env python3
"""Generate the bundled demo clip (assets/demo.mp4) and its facts (assets/demo.json).

Every card, shape and sentence is listed with its time in the sidecar JSON, so
tests and demos can ask about them and know the answer. Each shape carries its
name as a caption ("RED CIRCLE"): the packaged models read text and speech, not
colours, so the caption is what makes a shape's colour answerable by default.

    python tools/make_demo.py assets/demo.mp4
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from streamer.synth import COLORS, Card, ClipScript, Shape, Speech, render  # noqa: E402

DEMO = ClipScript(
    duration=72.0,
    cards=[
        Card(0.0, 3.0, "STREAMER DEMO\nask me what you saw and heard"),
        Card(3.0, 6.0, "GATE 7 CLOSES AT NOON"),
        Card(14.0, 19.0, "BUDGET 2027\n40,000 EUROS", background=(90, 20, 20)),
        Card(26.0, 31.0, "MEETING MOVED TO ROOM 214", background=(20, 70, 60)),
        Card(
            40.0,
            45.0,
            "PLATFORM 3\nTRAIN TO LYON 16:45",
            background=(40, 40, 40),
            foreground=(255, 200, 0),
        ),
        Card(56.0, 60.0, "EXIT ON THE LEFT", background=(0, 90, 30)),
    ],
    shapes=[
        Shape(6.0, 8.0, "circle", "red", label="RED CIRCLE"),
        Shape(20.0, 24.0, "square", "blue", label="BLUE SQUARE"),
        Shape(34.0, 38.0, "triangle", "yellow", label="YELLOW TRIANGLE"),
        Shape(62.0, 66.0, "circle", "purple", label="PURPLE CIRCLE"),
    ],
    speech=[
        Speech(8.0, "The delivery van arrived at the north entrance."),
        Speech(19.5, "She said the budget for next year is forty thousand euros."),
        Speech(32.0, "The meeting has moved to room two fourteen."),
        Speech(47.0, "Remember to water the plants on Friday."),
        Speech(66.5, "The package is on the kitchen table."),
    ],
)


def main(path: str) -> None:
    facts = render(DEMO, path)
    facts["colors"] = {name: list(rgb) for name, rgb in COLORS.items()}
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(facts, f, indent=1)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/demo.mp4")
