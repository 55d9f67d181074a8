"""Several memory strategies run on one perception pass per video (`eval --compare`).

    folders = {"pyramid": Path("runs/cmp/pyramid"), "star": Path("runs/cmp/star")}
    run_shared(bench, RunConfig(), folders)          # each video perceived once
    reports = {m: finish(bench, out) for m, out in folders.items()}

Perception (decode, frame encoder, detector, OCR, speech) is most of a replay's
cost, and every strategy would see exactly the same observations and timeline.
So each video is streamed once: each strategy's memory receives every
observation, and each question is asked once per strategy at its time
(`stream_lanes`). Every strategy keeps its own run folder, written exactly as
its own `run_benchmark` would write it, so reports, resume and `--rescore` work
per folder. A resumed comparison streams a video only for the strategies whose
folder has not finished it.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.runner import prepare, progress_bar, write_record
from streamer.eval.shards import Shard
from streamer.eval.stream import Lane, RunConfig, stream_lanes
from streamer.eval.types import Benchmark, EvalVideo
from streamer.memory.registry import reads_model


def shares_replay(memory: str) -> bool:
    """Whether strategy `memory` can be fed another strategy's replay (`Session.add_memory`).

    Not a memory that reads the model (`Memory.reads_model`, the kv memory): it prefills the
    vlm's own cache in its own worker, so it runs on its own. Unknown names are refused later.
    """
    return not reads_model(memory)


def run_shared(
    bench: Benchmark,
    config: RunConfig,
    folders: dict[str, Path],
    progress: bool = True,
    source: dict[str, Any] | None = None,
) -> None:
    """Stream every video some folder has not finished, once, for each such strategy.

    `folders`: run folder by memory strategy; `config` holds what they share (its
    `memory` is replaced by each folder's).
    """
    refused = [m for m in folders if not shares_replay(m)]
    if refused:
        raise StreamerError(f"The {refused[0]} memory cannot share a replay; run it on its own.")
    for memory, out in folders.items():
        prepare(out, bench, replace(config, memory=memory), source)
    names = ",".join(folders)
    bar = progress_bar(0, f"{bench.name} {names}/{config.backend}", progress)
    todo = [(video, lanes) for video in bench.videos if (lanes := _pending(video, folders, bar))]
    bar.total = sum(_to_ask(video, lane) for video, lanes in todo for lane in lanes)
    bar.refresh()
    try:
        for video, lanes in todo:
            bar.set_postfix_str(video.video_id[:30], refresh=False)
            stream_lanes(video, config, lanes)
    finally:
        bar.close()


def _pending(video: EvalVideo, folders: dict[str, Path], bar: Any) -> list[Lane]:
    """The strategies whose folder has not finished `video`, each with the qids it has."""
    lanes = []
    for memory, out in folders.items():
        shard = Shard(out, video)
        state = shard.load()
        if not state.done:
            lanes.append(Lane(memory, set(state.answers), partial(write_record, shard, bar=bar)))
    return lanes


def _to_ask(video: EvalVideo, lane: Lane) -> int:
    return sum(q.qid not in lane.answered for q in video.questions)
