"""The vision tower's linear layers in int8 on a CPU: the encoder that keeps up on a laptop.

Dynamic quantisation (torch's `quantize_dynamic`): each `nn.Linear` of the vision
tower keeps int8 weights (one scale per output channel) and quantises its input
per call; attention products, norms, the patch embedding and the projector stay
float32, and so does the language model. On the 2-core CPU it took the
SmolVLM2-256M-sized tower from about 2.0 to 1.35 s a frame; the tokens it gives
differ from float32 ones by about 5 % (relative norm; cosine 0.998) at random
weights. Only `--device cpu-int8` asks for it: random weights say nothing of a real
SigLIP tower's outlier activations, which one scale per input handles badly.

Example:
    >>> layers = int8_vision(vlm.model)  # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["int8_vision"]


def int8_vision(model: Any, part: str) -> int:
    """Quantise the vision tower of a transformers VLM in place; the layers made int8.

    `part`: where the family keeps the tower under `model.model` (its `Family.vision_part`).

    Raises:
        ValueError: the model has no vision tower there.
    """
    import torch
    from torch import nn

    inner = getattr(model, "model", model)
    tower = getattr(inner, part, None)
    if tower is None:
        raise ValueError(f"{type(model).__name__} has no vision tower {part!r} to quantise")
    linear = sum(isinstance(m, nn.Linear) for m in tower.modules())
    engines = torch.backends.quantized.supported_engines
    if "x86" in engines:  # fbgemm + onednn by shape: the faster of the two here
        torch.backends.quantized.engine = "x86"
    with warnings.catch_warnings():  # torch points eager quantisation users to torchao
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        quantize_dynamic(  # type: ignore[no-untyped-call]
            tower, {nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True
        )
    return linear
