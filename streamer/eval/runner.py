"""Running a benchmark into a run folder, serially or on Ray, resumable, with a progress bar.

    run_benchmark(bench, RunConfig(memory="star"), Path("runs/star"))
    report = finish(bench, Path("runs/star"))     # report.json + report.md

A run folder holds `run.json` (what is measured), `shards/` (one JSONL per
video) and the report. Running again into the same folder resumes: finished
videos are skipped and the rest asked only what they have no answer for.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from streamer import __version__
from streamer.errors import StreamerError
from streamer.eval.report import build_report, write_report
from streamer.eval.shards import Shard
from streamer.eval.stream import RunConfig, saved_identity, stream_video
from streamer.eval.types import Benchmark, EvalVideo
from streamer.store import read_json, write_json_atomic

RUN_FILE = "run.json"
PACKAGES = (
    "numpy",
    "av",
    "torch",
    "onnxruntime",
    "faster-whisper",
    "rapidocr-onnxruntime",
    "sentence-transformers",
    "faiss-cpu",
    "llama-cpp-python",
    "ray",
)


def versions() -> dict[str, str]:
    """streamer, Python and the packages that shape the answers (not imported: looked up)."""
    out = {
        "streamer": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    commit = _git_commit()
    if commit:
        out["git"] = commit
    return out


def _git_commit() -> str | None:
    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        return None
    try:
        res = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return res.stdout.strip() or None


def prepare(
    out: Path, bench: Benchmark, config: RunConfig, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Create or check `out/run.json`: a folder holds one benchmark and one config.

    `source` says how the benchmark was loaded and by which command (`eval
    --rescore` loads it again from there); a resumed run keeps the first one's.
    """
    out.mkdir(parents=True, exist_ok=True)
    identity = {"benchmark": bench.name, **config.identity()}
    path = out / RUN_FILE
    if path.exists():
        old = read_json(path)
        if saved_identity(old.get("identity") or {}) != identity:
            raise StreamerError(
                f"{out} holds a run of {old.get('identity')}, not {identity}; "
                "choose another --out folder (or delete that one) to start afresh."
            )
        source = old.get("source") or source
    info = {"identity": identity, "config": {**asdict(config), "annotations": bench.annotations}}
    if source is not None:
        info["source"] = source
    write_json_atomic(path, info)
    return info


def pending(bench: Benchmark, out: Path) -> list[tuple[EvalVideo, set[str]]]:
    """Videos not finished yet, each with the qids it already has answers for."""
    todo = []
    for v in bench.videos:
        state = Shard(out, v).load()
        if not state.done:
            todo.append((v, set(state.answers)))
    return todo


def run_benchmark(
    bench: Benchmark,
    config: RunConfig,
    out: Path,
    ray_address: str | None = None,
    progress: bool = True,
    source: dict[str, Any] | None = None,
) -> None:
    """Stream every unfinished video of `bench` (on Ray when `ray_address` is given)."""
    prepare(out, bench, config, source)
    todo = pending(bench, out)
    total = sum(len([q for q in v.questions if q.qid not in done]) for v, done in todo)
    bar = _bar(total, f"{bench.name} {config.memory}/{config.backend}", progress)
    try:
        if ray_address is None:
            for video, done in todo:
                shard = Shard(out, video)
                bar.set_postfix_str(video.video_id[:30], refresh=False)
                stream_video(video, config, done, partial(_write, shard, bar=bar))
        else:
            from streamer.eval.ray_tasks import run_on_ray

            def on_done(video: EvalVideo, records: list[dict[str, Any]]) -> None:
                shard = Shard(out, video)
                for r in records:
                    _write(shard, r, bar=bar)

            run_on_ray(todo, config, on_done, ray_address)
    finally:
        bar.close()


def _write(shard: Shard, record: dict[str, Any], *, bar: Any) -> None:
    shard.append(record)
    if record["type"] == "answer":
        bar.update(1)


def _bar(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total, desc=desc, unit="q", file=sys.stderr, disable=not enabled, dynamic_ncols=True
    )


def finish(bench: Benchmark, out: Path, embed: bool = True) -> dict[str, Any]:
    """Merge the shards into `out/report.json` and `out/report.md`; returns the report."""
    info = read_json(out / RUN_FILE)
    embedder = None
    if embed:
        from streamer.modelset import load_models

        embedder = load_models(ocr=False, speech=False).embedder.embed
    run_info = {"config": info["config"], "versions": versions()}
    if info.get("source"):
        run_info["command"] = info["source"].get("command")
    report = build_report(bench, out, run_info, embedder)
    write_report(report, out)
    return report
