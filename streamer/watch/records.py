"""Watches and alerts as saved in `watches.json`, and read back only when every field fits.

A damaged or hand-edited file raises TypeError/ValueError saying what does not
fit (binascii.Error, for a bad thumbnail, is a ValueError), never a bare KeyError
deep in a reopen.
"""

from __future__ import annotations

import base64
import math
from typing import Any

from streamer.types import Evidence
from streamer.watch.alert import Alert


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


def watch_from_record(r: Any) -> tuple[int, str, float]:
    """(id, text, since) of a saved watch."""
    if not isinstance(r, dict):
        raise TypeError(f"a watch is {type(r).__name__}, not an object")
    words = text(r["text"])
    if not words.strip(" ?.!"):
        raise ValueError("a watch has no words")
    return whole(r["id"]), words, number(r["since"])


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
