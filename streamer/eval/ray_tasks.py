"""Scale-out: one Ray task per video, on a local Ray or an existing cluster.

The driver keeps writing the shards: each task streams its video and returns
the records, which are appended to that video's shard when the task finishes
(a killed run loses only the videos in flight). Workers load the models once
per worker process. On a cluster every node needs streamer installed and the
videos at the same path (a shared filesystem).

Each task asks for what its backend needs (`task_options`): `cpus` CPUs for
perception (decoding, frame encoder, OCR, speech), and one GPU too when a vlm
backend runs on cuda (`--device cuda`, or `auto` on a cluster that has GPUs),
so a cluster runs as many videos at once as it has GPUs free. Ray sets each
task's OMP_NUM_THREADS to its CPUs, and hides the GPUs a task did not ask for.
A GPU task's worker exits after its video (Ray's default for GPU tasks: it
frees the GPU's memory), so there a vlm loads once per video.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.stream import RunConfig, stream_video
from streamer.eval.types import EvalVideo
from streamer.reasoning.registry import backend_kind

TASK_CPUS = 2  # per video: decoding and the frame encoder overlap the OCR and speech workers
LOCAL = "local"  # --ray without an address


def needs_gpu(config: RunConfig, cluster_gpus: float) -> bool:
    """A vlm backend on cuda: asked for, or `auto` where the cluster has a GPU."""
    if backend_kind(config.backend) != "vlm":
        return False
    return config.device == "cuda" or (config.device == "auto" and cluster_gpus >= 1)


def task_options(config: RunConfig, cpus: int, cluster_gpus: float) -> dict[str, Any]:
    """The resources one video task of `config` asks Ray for."""
    options: dict[str, Any] = {"num_cpus": cpus}
    if needs_gpu(config, cluster_gpus):
        options["num_gpus"] = 1
    return options


def remote_task(ray: Any, config: RunConfig, cpus: int = TASK_CPUS) -> Any:
    """The Ray remote function streaming one video, with the resources it needs here.

    Raises:
        StreamerError: the cluster can never run such a task (no GPU, too few CPUs).
    """
    resources = ray.cluster_resources()
    gpus, have_cpus = resources.get("GPU", 0.0), resources.get("CPU", 0.0)
    options = task_options(config, cpus, gpus)
    if options.get("num_gpus", 0) > gpus:
        raise StreamerError(
            "--device cuda asks for one GPU per video task, but the Ray cluster has none; "
            "run with --device cpu or on a cluster with GPUs."
        )
    if cpus > have_cpus:
        raise StreamerError(
            f"Each video task asks for {cpus} CPUs but the Ray cluster has {have_cpus:g}; "
            "lower --ray-cpus."
        )
    return ray.remote(**options)(_stream_task)


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
    cpus: int = TASK_CPUS,
) -> None:
    """Stream every video of `todo` as a Ray task of `cpus` CPUs (and a GPU where needed).

    `on_done` gets each video's records. A local Ray gets this machine's cores
    (at least one task's worth) and its GPUs.
    """
    ray = import_ray()
    started = not ray.is_initialized()
    if started:
        try:
            if address == LOCAL:
                local = max(cpus, os.cpu_count() or 1)
                ray.init(num_cpus=local, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=address, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            raise StreamerError(f"Cannot start or reach Ray at {address}: {e}") from e
    try:
        task = remote_task(ray, config, cpus)
        pending = {task.remote(v, config, answered): v for v, answered in todo}
        while pending:
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                on_done(pending.pop(ref), ray.get(ref))
    finally:
        if started:
            ray.shutdown()
