"""Does a vlm's vision side keep up with a live stream while OCR and speech run beside it?

A real-time session follows the generated stream of `bench perception` (a spoken
sentence every 20 s, a text card every 30 s, shapes between) with the
random-weight model as its frame encoder at the vlm's sampling rate; OCR, speech
and the object detector run as in any session, on the same cores. Measured: the
time of each encode call per frame (median, p95), samples dropped because
perception fell behind, and the lag of what is being seen behind the picture
(sampled every half second). It keeps up when nothing is dropped and a frame
encodes within the time between two samples.

    python launch.py bench vlm --family smolvlm2-256m --live 5 --out bench
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from models.protocols import EncoderInfo, FrameEncoder, FrameFeatures
from streamer.bench.perception import ensure_long_stream
from streamer.bench.report import percentile

POLL_S = 0.5  # seconds between two looks at the perception lag


class TimedEncoder:
    """A frame encoder that notes (seconds, frames) of every call it passes on."""

    def __init__(self, inner: FrameEncoder) -> None:
        self.inner = inner
        self.calls: list[tuple[float, int]] = []

    @property
    def info(self) -> EncoderInfo:
        return self.inner.info

    def encode(self, images: Sequence[np.ndarray]) -> list[FrameFeatures]:
        t0 = time.perf_counter()
        out = self.inner.encode(images)
        self.calls.append((time.perf_counter() - t0, len(images)))
        return out


def keeps_up(vlm: FrameEncoder, minutes: float, fps: float, out_dir: Path | str) -> dict[str, Any]:
    """Follow `minutes` of the generated stream in real time with `vlm` encoding frames."""
    from streamer.modelset import load_models
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    path = ensure_long_stream(Path(out_dir), minutes)
    encoder = TimedEncoder(vlm)
    models = replace(load_models(), encoder=encoder)
    config = SessionConfig(str(path), pace="realtime", perception=PerceptionConfig(sample_fps=fps))
    session = Session(config, models=models)
    lags: list[float] = []
    session.start()
    try:
        while not session.wait(POLL_S):
            p = session.stats().perception
            if p is not None:
                lags.append(p.lag)
    finally:
        session.stop()
    p = session.stats().perception
    assert p is not None
    per_frame = [1000 * s / n for s, n in encoder.calls if n]
    budget_ms = 1000 / fps
    stage = {k: round(v.seconds, 2) for k, v in p.stages.items() if v.calls}
    result: dict[str, Any] = {
        "stream": path.name,
        "minutes": minutes,
        "sample_fps": fps,
        "encode_calls": len(encoder.calls),
        "frames_encoded": sum(n for _, n in encoder.calls),
        "encode_ms_p50": round(percentile(per_frame, 50), 1),
        "encode_ms_p95": round(percentile(per_frame, 95), 1),
        "budget_ms": round(budget_ms, 1),
        "frames_dropped": p.frames_dropped,
        "lag_p95_s": round(percentile(lags, 95), 2) if lags else 0.0,
        "lag_max_s": round(max(lags, default=0.0), 2),
        "speech_seconds": stage.get("speech", 0.0),
        "ocr_seconds": stage.get("ocr", 0.0),
        "detect_seconds": stage.get("detect", 0.0),
        "text_events": p.text_events,
        "error": p.error,
    }
    result["keeps_up"] = p.frames_dropped == 0 and result["encode_ms_p50"] <= budget_ms
    return result


def render_live(live: dict[str, Any]) -> str:
    """The Markdown paragraph of a live run."""
    verdict = "keeps up" if live["keeps_up"] else "does not keep up"
    return (
        f"\nLive ({live['minutes']:g} min of `{live['stream']}` in real time, "
        f"{live['sample_fps']:g} sampled fps, OCR, speech and the detector beside it): "
        f"{verdict}. Encode {live['encode_ms_p50']:.0f} ms/frame median, "
        f"{live['encode_ms_p95']:.0f} p95 (budget {live['budget_ms']:.0f}); "
        f"{live['frames_encoded']} frames in {live['encode_calls']} calls; "
        f"{live['frames_dropped']} samples dropped; lag p95 {live['lag_p95_s']:.1f} s, "
        f"max {live['lag_max_s']:.1f} s; speech {live['speech_seconds']:.0f} s, "
        f"OCR {live['ocr_seconds']:.0f} s, detector {live['detect_seconds']:.0f} s of work "
        f"({live['text_events']} text events).\n"
    )
