"""Where a vision-language model runs and in which float type: `--device auto|cpu|cpu-int8|cuda`.

- cpu: float32 (bf16 matmuls are slow on most CPUs), exactly the published weights,
  torch using every core this process may run on;
- cpu-int8: the same with the vision tower's linear layers in int8
  (`models/vlm/quantize.py`: 1.4-1.6x faster frames). Not the default: its error
  (tokens within about 5 % of float32's) was measured on random weights only, and a
  real SigLIP tower's outlier activations are what per-tensor int8 inputs handle badly,
  so it waits for a fidelity check on the real weights (int8 vs float32 tokens and
  answers);
- cuda: bfloat16 where the GPU supports it (Ampere and newer), else float16;
- auto: cuda when torch sees a GPU, else cpu.

Example:
    >>> placement("cpu")  # doctest: +SKIP
    Placement(device='cpu', dtype='float32', vision_int8=False)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

__all__ = ["DEVICES", "DeviceError", "Placement", "placement"]

DEVICES = ("auto", "cpu", "cpu-int8", "cuda")


class DeviceError(RuntimeError):
    """The device asked for is not here (one sentence that says what to use instead)."""


@dataclass(frozen=True)
class Placement:
    """A concrete device and the float type a model is loaded in there."""

    device: str  # "cpu" or "cuda"
    dtype: str  # torch dtype name: "float32", "bfloat16", "float16"
    vision_int8: bool = False  # the vision tower's linear layers in int8 (a CPU only)

    @property
    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype)


def cores() -> int:
    """CPU cores this process may use (its affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def placement(device: str = "auto") -> Placement:
    """The placement for `device`; on cpu also sets torch's threads to the cores.

    Raises:
        DeviceError: an unknown name, or "cuda" when torch sees no CUDA GPU.
    """
    import torch

    name = device.strip().lower()
    if name not in DEVICES:
        raise DeviceError(f"Unknown device {device!r}; use one of {', '.join(DEVICES)}.")
    has_cuda = torch.cuda.is_available()
    if name == "cuda" and not has_cuda:
        raise DeviceError(
            "--device cuda was asked for but torch sees no CUDA GPU here; "
            "use --device cpu (or auto)."
        )
    if name == "cuda" or (name == "auto" and has_cuda):
        return Placement("cuda", "bfloat16" if torch.cuda.is_bf16_supported() else "float16")
    torch.set_num_threads(cores())
    return Placement("cpu", "float32", vision_int8=name == "cpu-int8")
