"""Scale-out: one Ray task per video, on a local Ray or an existing cluster.

The driver keeps writing the shards: each task streams its video and returns
the records, which are appended to that video's shard when the task finishes
(a killed run loses only the videos in flight). Workers load the models once
per worker process. On a cluster every node needs streamer installed and the
videos at the same path (a shared filesystem).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.stream import RunConfig, stream_video
from streamer.eval.types import EvalVideo

LOCAL_CPUS = 2  # a local Ray runs this many videos at once
LOCAL = "local"  # --ray without an address


def _stream_task(video: EvalVideo, config: RunConfig, answered: set[str]) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    stream_video(video, config, answered, records.append)
    return records


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise StreamerError(
            "Ray is not installed; install the eval extra (pip install -e '.[eval]') "
            "or run without --ray."
        ) from None
    return ray


def run_on_ray(
    todo: Sequence[tuple[EvalVideo, set[str]]],
    config: RunConfig,
    on_done: Callable[[EvalVideo, list[dict[str, Any]]], None],
    address: str = LOCAL,
) -> None:
    """Stream every video of `todo` as a Ray task; `on_done` gets each video's records."""
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        try:
            if address == LOCAL:
                ray.init(num_cpus=LOCAL_CPUS, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise StreamerError(f"Cannot start or reach Ray at {address}: {e}") from e
    try:
        task = ray.remote(num_cpus=1)(_stream_task)
        pending = {task.remote(v, config, answered): v for v, answered in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                on_done(pending.pop(ref), ray.get(ref))
    finally:
        if started:
            ray.shutdown()
