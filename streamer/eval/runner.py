"""Running a benchmark into a run folder, serially or on Ray, resumable, with a progress bar.

    run_benchmark(bench, RunConfig(memory="star"), Path("runs/star"))
    report = finish(bench, Path("runs/star"))     # report.json + report.md

A run folder holds `run.json` (what is measured), `shards/` (one JSONL per
video) and the report. Running again into the same folder resumes: finished
videos are skipped and the rest asked only what they have no answer for.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from functools import partial
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.judge import Judge
from streamer.eval.provenance import provenance, rescored
from streamer.eval.report import build_report, write_report
from streamer.eval.shards import Shard
from streamer.eval.stream import RunConfig, saved_identity, stream_video
from streamer.eval.types import Benchmark, EvalVideo
from streamer.store import read_json, write_json_atomic

RUN_FILE = "run.json"


def prepare(
    out: Path, bench: Benchmark, config: RunConfig, source: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Create or check `out/run.json`: a folder holds one benchmark and one config.

    `source` says how the benchmark was loaded and by which command (`eval
    --rescore` loads it again from there); a resumed run keeps the first one's.
    """
    out.mkdir(parents=True, exist_ok=True)
    identity = {"benchmark": bench.name, **config.identity()}
    if bench.prompts:  # answers asked in the benchmark's templates are no resume of ours
        identity["prompts"] = "benchmark"
    path = out / RUN_FILE
    if path.exists():
        old = read_json(path)
        if saved_identity(old.get("identity") or {}) != identity:
            raise StreamerError(
                f"{out} holds a run of {old.get('identity')}, not {identity}; "
                "choose another --out folder (or delete that one) to start afresh."
            )
        made = old.get("provenance")
        if made is not None and source is not None:  # a resumed run: say who finished it
            made.setdefault("resumed", []).append(_resume_note(source))
        source = old.get("source") or source
    else:
        made = None
    info = {"identity": identity, "config": {**asdict(config), "annotations": bench.annotations}}
    if source is not None:
        info["source"] = source
    info["provenance"] = made or _provenance(source, config)
    write_json_atomic(path, info)
    return info


def _provenance(source: dict[str, Any] | None, config: RunConfig) -> dict[str, Any]:
    source = source or {}
    seed = (source.get("benchmark_args") or {}).get("seed")
    return provenance(source.get("command"), seed, config.backend)


def _resume_note(source: dict[str, Any]) -> dict[str, Any]:
    note = rescored(source.get("command"))
    note.pop("versions")
    return note


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
    ray_cpus: int | None = None,
) -> None:
    """Stream every unfinished video of `bench` (on Ray when `ray_address` is given).

    On Ray each video is a task of `ray_cpus` CPUs (default `ray_tasks.TASK_CPUS`),
    plus a GPU for a vlm backend on cuda.
    """
    prepare(out, bench, config, source)
    todo = pending(bench, out)
    total = sum(len([q for q in v.questions if q.qid not in done]) for v, done in todo)
    bar = progress_bar(total, f"{bench.name} {config.memory}/{config.backend}", progress)
    try:
        if ray_address is None:
            for video, done in todo:
                shard = Shard(out, video)
                bar.set_postfix_str(video.video_id[:30], refresh=False)
                stream_video(video, config, done, partial(write_record, shard, bar=bar))
        else:
            from streamer.eval.ray_tasks import TASK_CPUS, run_on_ray

            def on_done(video: EvalVideo, records: list[dict[str, Any]]) -> None:
                shard = Shard(out, video)
                for r in records:
                    write_record(shard, r, bar=bar)

            run_on_ray(todo, config, on_done, ray_address, ray_cpus or TASK_CPUS)
    finally:
        bar.close()


def write_record(shard: Shard, record: dict[str, Any], *, bar: Any) -> None:
    shard.append(record)
    if record["type"] == "answer":
        bar.update(1)


def progress_bar(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(
        total=total, desc=desc, unit="q", file=sys.stderr, disable=not enabled, dynamic_ncols=True
    )


def finish(
    bench: Benchmark,
    out: Path,
    embed: bool = True,
    rescore_command: list[str] | None = None,
    judge: Judge | None = None,
) -> dict[str, Any]:
    """Merge the shards into `out/report.json` and `out/report.md`; returns the report.

    The report carries the run's provenance (run.json); a rescore, given its own
    `rescore_command`, adds that beside it. A `judge` judges the open answers
    that have no stored verdict (`streamer.eval.judge`).
    """
    info = read_json(out / RUN_FILE)
    embedder = None
    if embed:
        from streamer.modelset import load_models

        embedder = load_models(ocr=False, speech=False).embedder.embed
    made = info.get("provenance") or {
        **_provenance(info.get("source"), RunConfig(**_known(info["config"]))),
        "note": "this run folder predates recorded provenance: versions are the report's",
    }
    if rescore_command is not None:
        made = {**made, "rescored": rescored(rescore_command)}
    run_info = {"config": info["config"], "command": made.get("command"), "provenance": made}
    report = build_report(bench, out, run_info, embedder, judge)
    write_report(report, out)
    return report


def _known(config: dict[str, Any]) -> dict[str, Any]:
    """The RunConfig fields of a saved config (it also holds the annotation files)."""
    from dataclasses import fields

    names = {f.name for f in fields(RunConfig)}
    return {k: v for k, v in config.items() if k in names}
