"""Decode throughput: a file read with `pace="none"` (no models), median of N runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamer.bench.report import median, table, write
from streamer.capture import open_source, source_config
from streamer.ingest import run_ingest


def bench_decode(source: str, runs: int = 3, out_dir: Path | str = "bench") -> dict[str, Any]:
    reports = [run_ingest(open_source(source_config(source))) for _ in range(runs)]
    fps = [r.decode_fps for r in reports]
    xrt = [r.x_realtime for r in reports]
    r0 = reports[0].to_dict()
    result = {
        "source": source,
        "runs": [r.to_dict() for r in reports],
        "frames": r0["frames"],
        "size": f"{r0['width']}x{r0['height']}",
        "median_decode_fps": median(fps),
        "median_x_realtime": median(xrt),
    }
    md = f"Decode throughput, `pace=none`, median of {runs} runs\n\n" + table(
        [
            "source",
            "size",
            "frames",
            "audio s",
            "frames/s (median)",
            "x realtime (median)",
            "frames/s (all runs)",
        ],
        [
            [
                Path(source).name,
                result["size"],
                r0["frames"],
                r0["audio_seconds"],
                median(fps),
                median(xrt),
                ", ".join(f"{v:.0f}" for v in fps),
            ]
        ],
    )
    write(out_dir, "decode", result, md)
    return result
