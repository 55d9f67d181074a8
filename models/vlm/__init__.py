"""Vision-language models: a frame encoder in the LM's embedding space plus a generator.

`base.py` holds the `VisionLanguageModel` protocol every family adapter meets;
`families.py` the published sizes of the supported checkpoints; one module per
family (`llava_onevision.py`, `smolvlm.py`), sharing greedy decoding and option
scoring from `inputs_embeds` (`decoding.py`). Importing this package is cheap: torch and
transformers are imported when a model is loaded.
"""

from models.vlm.base import Part, UnsupportedModelError, VisionLanguageModel

__all__ = ["Part", "UnsupportedModelError", "VisionLanguageModel"]
