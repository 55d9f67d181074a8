"""Standing questions: "tell me when …" understood once, checked on every new event.

`understand` turns the sentence into a `Condition`; `check` holds the triggers
that decide when it starts to hold (with hysteresis); `Watches` is the worker
that runs them beside perception and records the `Alert`s.
"""

from streamer.watch.alert import Alert, Watch
from streamer.watch.records import WATCHES_FILE
from streamer.watch.understand import Condition, asks_for_watches, stop_target, understand
from streamer.watch.watches import WatchError, Watches

__all__ = [
    "WATCHES_FILE",
    "Alert",
    "Condition",
    "Watch",
    "WatchError",
    "Watches",
    "asks_for_watches",
    "stop_target",
    "understand",
]
