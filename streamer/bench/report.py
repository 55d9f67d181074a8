"""Benchmark results: a JSON file and a Markdown table side by side, written atomically."""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from streamer import __version__
from streamer.store import write_bytes_atomic, write_json_atomic


def machine() -> dict[str, Any]:
    import os

    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "streamer": __version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
    }


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), linear between ranks; 0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = int(pos), min(int(pos) + 1, len(xs) - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table."""

    def cell(v: Any) -> str:
        return f"{v:.3g}" if isinstance(v, float) and abs(v) < 1000 else str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def write(out_dir: Path | str, name: str, result: dict[str, Any], markdown: str) -> Path:
    """Write `<name>.json` and `<name>.md` into `out_dir`; returns the Markdown path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_json_atomic(out / f"{name}.json", {**result, "machine": machine()})
    write_bytes_atomic(out / f"{name}.md", markdown.encode("utf-8"))
    return out / f"{name}.md"
