"""Watches and alerts as saved in `watches.json`, and read back only when every field fits.

`watches_records` writes the file's object; `saved_watches` reads it back. A
damaged or hand-edited file raises ValueError saying what does not fit, never a
bare KeyError deep in a reopen.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from streamer.types import Evidence
from streamer.watch.alert import Alert, Watch

WATCHES_FILE = "watches.json"
THUMBNAILS_SAVED = 200  # the newest alerts saved with their thumbnail: the file stays < ~2 MB


@dataclass(frozen=True)
class SavedWatch:
    """A watch as saved: understood again from its text when it is taken back."""

    id: int
    text: str
    since: float  # stream time it was registered, seconds


@dataclass(frozen=True)
class SavedWatches:
    """What `watches.json` holds."""

    next_id: int  # the id the next watch gets
    watches: tuple[SavedWatch, ...]
    alerts: tuple[Alert, ...]


def watches_records(
    next_id: int, watches: Sequence[Watch], alerts: Sequence[Alert]
) -> dict[str, Any]:
    """The watches and alerts as a JSON-ready object (thumbnails as base64 JPEG)."""
    first_pictured = len(alerts) - THUMBNAILS_SAVED
    return {
        "next_id": next_id,
        "watches": [{"id": w.id, "text": w.text, "since": w.since} for w in watches],
        "alerts": [alert_record(a, picture=i >= first_pictured) for i, a in enumerate(alerts)],
    }


def saved_watches(records: Any) -> SavedWatches:
    """Read back what `watches_records` wrote; ValueError, saying what does not fit, otherwise."""
    if not isinstance(records, dict):
        raise ValueError("not a JSON object")
    try:
        watches = tuple(watch_from_record(r) for r in list_of(records, "watches"))
        alerts = tuple(alert_from_record(r) for r in list_of(records, "alerts"))
        next_id = whole(records.get("next_id", 1))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise ValueError(f"{type(e).__name__}: {e}") from None
    return SavedWatches(next_id, watches, alerts)


def list_of(records: dict[str, Any], key: str) -> list[Any]:
    """The list saved under `key` (none saved: empty)."""
    value = records.get(key, [])
    if not isinstance(value, list):
        raise TypeError(f"{key!r} is {type(value).__name__}, not a list")
    return value


def whole(value: Any) -> int:
    """A saved whole number (a float, bool or text is not one)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not a whole number")
    return value


def number(value: Any) -> float:
    """A saved finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{value!r} is not a finite number")
    return float(value)


def text(value: Any) -> str:
    """A saved text."""
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a text")
    return value


def watch_from_record(r: Any) -> SavedWatch:
    """A saved watch (TypeError/ValueError when a field does not fit)."""
    if not isinstance(r, dict):
        raise TypeError(f"a watch is {type(r).__name__}, not an object")
    words = text(r["text"])
    if not words.strip(" ?.!"):
        raise ValueError("a watch has no words")
    return SavedWatch(whole(r["id"]), words, number(r["since"]))


def alert_record(a: Alert, picture: bool = True) -> dict[str, Any]:
    e = a.evidence
    thumb = e.thumbnail if picture else None
    return {
        "watch": a.watch,
        "watch_text": a.watch_text,
        "t": a.t,
        "known": a.known,
        "at": a.at,
        "wall": a.wall,
        "sentence": a.sentence,
        "evidence": {
            "start": e.start,
            "end": e.end,
            "kind": e.kind,
            "text": e.text,
            "thumbnail": base64.b64encode(thumb).decode() if thumb else None,
        },
    }


def alert_from_record(r: Any) -> Alert:
    """An alert as `alert_record` saved it (TypeError/ValueError when a field does not fit)."""
    if not isinstance(r, dict) or not isinstance(r.get("evidence"), dict):
        raise TypeError("an alert is not an object with evidence")
    e = r["evidence"]
    thumb = base64.b64decode(text(e["thumbnail"]), validate=True) if e.get("thumbnail") else None
    evidence = Evidence(
        number(e["start"]), number(e["end"]), text(e["kind"]), text(e["text"]), 1.0, thumb
    )
    return Alert(
        whole(r["watch"]),
        text(r["watch_text"]),
        number(r["t"]),
        number(r["known"]),
        number(r["at"]),
        number(r["wall"]),
        text(r["sentence"]),
        evidence,
    )
