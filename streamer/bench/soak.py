"""Soak benchmark: one session with the default models, run for a long time.

The demo clip loops at full speed (`pace="none"`, the packaged models, the
autosave on, one question asked at every sample), and every `sample_s`
seconds the process's resident memory, threads, open files and the size of
its temporary and autosave folders are read. A bounded session keeps RSS flat:
the target is RSS at the end over RSS at 10 minutes <= 1.1, with threads and
open files constant and the folders bounded (the timeline grows a few KB a
minute).

    python launch.py bench soak --minutes 120 --out bench
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from streamer.bench.memory import rss_mb
from streamer.bench.report import table, write
from streamer.bench.soak_plot import plot
from streamer.modelset import load_models
from streamer.session import Session, SessionConfig

DEMO_CLIP = Path(__file__).resolve().parents[2] / "assets" / "demo.mp4"
SAMPLE_S = 30.0  # seconds between samples
REF_MINUTES = 10.0  # the RSS the end is compared with (half the run when it is shorter)
RSS_TARGET = 1.1  # RSS(end) / RSS(10 min)
QUESTIONS = ("What did the sign say?", "What was said about the budget?", "What is on screen now?")
ANSWER_WAIT = 60.0  # s


@dataclass(frozen=True)
class Sample:
    minutes: float  # wall minutes since the session started
    stream_minutes: float  # stream time reached
    rss_mb: float
    threads: int  # OS threads of the process (native ones included)
    open_files: int  # file descriptors
    temp_mb: float  # the private temporary folder
    autosave_mb: float  # the session's autosave folder
    timeline_events: int
    answer_s: float  # time to answer this sample's question


def bench_soak(
    minutes: float = 120.0,
    sample_s: float = SAMPLE_S,
    out_dir: Path | str = Path("bench"),
    source: str | None = None,
    progress: Callable[[Sample], None] | None = None,
) -> dict[str, Any]:
    """Run the session for `minutes` of wall time; write soak.json, soak.md and soak.png."""
    with tempfile.TemporaryDirectory(prefix="streamer-soak-") as tmp:
        root = Path(tmp)
        saves, scratch = root / "autosave", root / "tmp"
        scratch.mkdir()
        old_tmp, old_tempdir = os.environ.get("TMPDIR"), tempfile.tempdir
        os.environ["TMPDIR"], tempfile.tempdir = str(scratch), str(scratch)
        try:
            samples = _run(source or str(DEMO_CLIP), minutes, sample_s, saves, scratch, progress)
        finally:
            tempfile.tempdir = old_tempdir
            if old_tmp is None:
                os.environ.pop("TMPDIR", None)
            else:
                os.environ["TMPDIR"] = old_tmp
    result = summarise(samples, minutes)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plot(samples, out / "soak.png")
    write(out, "soak", result, markdown(result))
    return result


def _run(
    source: str,
    minutes: float,
    sample_s: float,
    saves: Path,
    scratch: Path,
    progress: Callable[[Sample], None] | None,
) -> list[Sample]:
    models = load_models()
    models.load_all()  # the clock starts with the models loaded, as in the app after launch
    config = SessionConfig(source, pace="none", loop=True, save_dir=str(saves))
    session = Session(config, models=models).start()
    assert session.perception is not None
    session.perception.hold_at(None)  # a pace=none replay waits at its gate; the soak never holds
    t0, stop = time.monotonic(), threading.Event()
    samples: list[Sample] = []
    try:
        while True:
            elapsed = time.monotonic() - t0
            samples.append(_sample(session, elapsed, len(samples), saves, scratch))
            if progress is not None:
                progress(samples[-1])
            if elapsed >= minutes * 60 or session.stats().error:
                break
            stop.wait(min(sample_s, max(0.0, minutes * 60 - elapsed)))
    finally:
        session.stop()
    return samples


def _sample(session: Session, elapsed: float, n: int, saves: Path, scratch: Path) -> Sample:
    t = time.perf_counter()
    session.ask(QUESTIONS[n % len(QUESTIONS)]).result(ANSWER_WAIT)
    answer_s = time.perf_counter() - t
    stats = session.stats()
    return Sample(
        minutes=round(elapsed / 60, 3),
        stream_minutes=round(stats.stream_time / 60, 3),
        rss_mb=round(rss_mb(), 1),
        threads=_threads(),
        open_files=len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1,
        temp_mb=round(folder_mb(scratch), 3),
        autosave_mb=round(folder_mb(saves), 3),
        timeline_events=stats.timeline_events,
        answer_s=round(answer_s, 3),
    )


def summarise(samples: list[Sample], minutes: float) -> dict[str, Any]:
    """The figures of a run: RSS ratio, thread/file ranges after the reference, folder sizes."""
    ref_minutes = min(REF_MINUTES, minutes / 2)
    ref = min(samples, key=lambda s: abs(s.minutes - ref_minutes))
    end = samples[-1]
    after = [s for s in samples if s.minutes >= ref.minutes]
    return {
        "minutes": minutes,
        "ran_minutes": end.minutes,
        "stream_minutes": end.stream_minutes,
        "ref_minutes": ref.minutes,
        "rss_ref_mb": ref.rss_mb,
        "rss_end_mb": end.rss_mb,
        "rss_peak_mb": max(s.rss_mb for s in samples),
        "rss_ratio": round(end.rss_mb / ref.rss_mb, 4),
        "rss_target": RSS_TARGET,
        "rss_ok": end.rss_mb / ref.rss_mb <= RSS_TARGET,
        "threads_range": [min(s.threads for s in after), max(s.threads for s in after)],
        "open_files_range": [min(s.open_files for s in after), max(s.open_files for s in after)],
        "temp_mb_max": max(s.temp_mb for s in samples),
        "autosave_mb_end": end.autosave_mb,
        "timeline_events_end": end.timeline_events,
        "answer_s_max": max(s.answer_s for s in samples),
        "samples": [asdict(s) for s in samples],
    }


def markdown(r: dict[str, Any]) -> str:
    ref, end = f"{r['ref_minutes']:g}", f"{r['ran_minutes']:g}"
    rows = [
        [f"RSS at {ref} min (MiB)", f"{r['rss_ref_mb']:.0f}"],
        [f"RSS at {end} min (MiB)", f"{r['rss_end_mb']:.0f}"],
        [f"RSS {end} / {ref} min", f"{r['rss_ratio']:.3f} (target <= {r['rss_target']})"],
        ["RSS peak (MiB)", f"{r['rss_peak_mb']:.0f}"],
        [f"threads after {ref} min", "–".join(map(str, r["threads_range"]))],
        [f"open files after {ref} min", "–".join(map(str, r["open_files_range"]))],
        ["temp folder, largest (MiB)", f"{r['temp_mb_max']:.2f}"],
        ["autosave folder at the end (MiB)", f"{r['autosave_mb_end']:.2f}"],
        ["timeline events at the end", str(r["timeline_events_end"])],
        ["slowest answer (s)", f"{r['answer_s_max']:.2f}"],
    ]
    head = (
        f"# Soak: {end} min of wall time, {r['stream_minutes']:g} min of stream\n\n"
        "The demo clip looped at full speed (pace=none), the packaged models, autosave on, "
        "one question per sample. Plot: soak.png.\n\n"
    )
    verdict = "within" if r["rss_ok"] else "OVER"
    return head + table(["figure", "value"], rows) + f"\nRSS growth is {verdict} the target.\n"


def folder_mb(folder: Path) -> float:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:  # removed while walked (an atomic rename)
                pass
    return total / 2**20


def _threads() -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return threading.active_count()
