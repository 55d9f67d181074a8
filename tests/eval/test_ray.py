"""Ray: each video task asks for what its backend needs; a tiny vlm run over Ray equals in-process.

The GPU cases are read from real Ray remote functions built for a cluster that
reports GPUs (none is here); the run streams a silent generated clip through
the tiny random LLaVA-OneVision checkpoint on a local Ray of two CPUs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from streamer.errors import StreamerError
from streamer.eval.ray_tasks import TASK_CPUS, remote_task, task_options
from streamer.eval.runner import finish, run_benchmark
from streamer.eval.stream import RunConfig
from streamer.eval.vstream import load_vstream
from streamer.synth import Card, ClipScript, render
from tests.eval.conftest import ASSETS, answers, deterministic
from tests.models.vlm.conftest import tiny_llava  # noqa: F401  (the checkpoint fixture)

ray = pytest.importorskip("ray")
VLM = "vlm:llava-hf/llava-onevision-qwen2-0.5b-ov-hf"
CPUS = {"num_cpus": TASK_CPUS}
GPU = {"num_cpus": TASK_CPUS, "num_gpus": 1}


@pytest.mark.parametrize(
    ("backend", "device", "cluster_gpus", "want"),
    [
        ("extractive", "auto", 0, CPUS),
        ("extractive", "cuda", 8, CPUS),  # --device concerns a vlm only
        ("llm", "auto", 8, CPUS),
        (VLM, "cuda", 8, GPU),
        (VLM, "auto", 8, GPU),  # auto: a GPU where the cluster has them
        (VLM, "auto", 0, CPUS),
        (VLM, "cpu", 8, CPUS),
    ],
)
def test_each_backend_asks_for_what_it_needs(
    backend: str, device: str, cluster_gpus: int, want: dict[str, Any]
) -> None:
    config = RunConfig(backend=backend, device=device)
    assert task_options(config, TASK_CPUS, cluster_gpus) == want
    remote = remote_task(_Cluster(cpus=16, gpus=cluster_gpus), config)
    options = remote._default_options
    assert options["num_cpus"] == TASK_CPUS
    assert options.get("num_gpus", 0) == want.get("num_gpus", 0)


class _Cluster:
    """A GPU cluster as remote_task sees one: its resources; remote functions are Ray's own."""

    def __init__(self, cpus: int, gpus: int) -> None:
        self.resources = {"CPU": float(cpus), "GPU": float(gpus)}

    def cluster_resources(self) -> dict[str, float]:
        return self.resources

    remote = staticmethod(ray.remote)


@pytest.fixture(scope="module")
def local_ray() -> Any:
    if ray.is_initialized():
        ray.shutdown()
    try:
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as e:
        pytest.skip(f"Ray could not start here: {e}")
    yield ray
    ray.shutdown()


def test_the_local_cluster_refuses_tasks_it_can_never_run(local_ray: Any) -> None:
    one = remote_task(local_ray, RunConfig(), cpus=1)._default_options
    assert one["num_cpus"] == 1 and "num_gpus" not in one
    with pytest.raises(StreamerError, match="has none; run with --device cpu"):
        remote_task(local_ray, RunConfig(backend=VLM, device="cuda"))
    with pytest.raises(StreamerError, match="asks for 3 CPUs but the Ray cluster has 2; lower"):
        remote_task(local_ray, RunConfig(), cpus=3)


def test_a_tiny_vlm_over_ray_gives_the_in_process_rows(
    local_ray: Any,
    tiny_llava: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    root = tmp_path / "videos"
    script = ClipScript(  # silent: the same frames give the same answers in every process
        duration=12.0,
        cards=[Card(3.0, 6.0, "GATE 7\nCLOSES AT NOON")],
        width=320,
        height=180,
        fps=5,
        audio=False,
    )
    root.mkdir()
    render(script, str(root / "ego_sample_0001.mp4"))
    bench = load_vstream(ASSETS / "vstream-qa-sample.json", root)
    config = RunConfig(backend=f"vlm:{tiny_llava}", device="cpu")
    run_benchmark(bench, config, tmp_path / "here", progress=False)
    run_benchmark(bench, config, tmp_path / "ray", "local", progress=False, ray_cpus=2)
    here, there = (finish(bench, tmp_path / d, embed=False) for d in ("here", "ray"))
    assert there["questions"]["answered_by"] == {"vlm": 3}
    assert answers(tmp_path / "ray") == answers(tmp_path / "here")
    assert deterministic(there) == deterministic(here)
    assert (
        there["by_sub_type"] == here["by_sub_type"]
        and there["series"]["stream_s"] == (here["series"]["stream_s"])
    )
