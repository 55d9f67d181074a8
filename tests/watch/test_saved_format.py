"""`watches.json` keeps its format: a file written before persistence left `watches.py`
(the object below, saved by that code) reads back and is written again unchanged."""

from __future__ import annotations

import copy
import json

from streamer.types import TextEvent
from streamer.watch import Watches

SAVED = {
    "next_id": 3,
    "watches": [
        {"id": 1, "text": "tell me when someone mentions the budget", "since": 0.0},
        {"id": 2, "text": "tell me when the scene changes", "since": 1.5},
    ],
    "alerts": [
        {
            "watch": 1,
            "watch_text": "tell me when someone mentions the budget",
            "t": 3.0,
            "known": 4.5,
            "at": 5.0,
            "wall": 1796635528.7629833,
            "sentence": 'At 0:03 someone said "The budget is due".',
            "evidence": {
                "start": 3.0,
                "end": 4.5,
                "kind": "speech",
                "text": "The budget is due",
                "thumbnail": None,
            },
        }
    ],
}


def test_a_saved_file_reads_back_and_is_written_unchanged() -> None:
    w = Watches(now=lambda: 5.0)
    w.restore(copy.deepcopy(SAVED))
    assert [(x.id, x.text, x.since) for x in w.watching()] == [
        (1, "tell me when someone mentions the budget", 0.0),
        (2, "tell me when the scene changes", 1.5),
    ]
    [alert] = w.alerts()
    assert alert.watch == 1 and alert.evidence.text == "The budget is due"
    assert json.dumps(w.records()) == json.dumps(SAVED)  # same keys, same order, same values


def test_the_same_watches_written_now_give_the_same_file() -> None:
    w = Watches(now=lambda: 5.0).start()
    try:
        w.add("tell me when someone mentions the budget", at=0.0)
        w.add("tell me when the scene changes", at=1.5)
        w.text(0, TextEvent("speech", "The budget is due", 3.0, 4.5))
        assert w.settle(5)
    finally:
        w.stop()
    records = w.records()
    assert isinstance(records["alerts"][0]["wall"], float)  # time.time() when it fired
    records["alerts"][0]["wall"] = SAVED["alerts"][0]["wall"]
    assert json.dumps(records) == json.dumps(SAVED)


def test_a_stopped_worker_starts_again_and_checks_what_comes_next() -> None:
    w = Watches(now=lambda: 0.0).start()
    w.add("tell me when someone mentions the budget", at=0.0)
    w.stop()
    w.stop()  # a second stop does not leave a stop message for the next worker
    w.start()
    try:
        w.text(0, TextEvent("speech", "The budget is due", 3.0, 4.5))
        assert w.settle(5) and len(w.alerts()) == 1
    finally:
        w.stop()
