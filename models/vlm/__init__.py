"""Vision-language models: a frame encoder in the LM's embedding space plus a generator.

`base.py` holds the `VisionLanguageModel` protocol every family adapter meets;
`adapter.py` what the adapters share (loading, encoding, splicing, the one greedy
loop and option scoring of `decoding.py`); one file per family
(`llava_onevision.py`, `smolvlm.py`, `qwen2_5_vl.py`) with its template,
placeholders and pixel preparation, ending in its row of `registry.FAMILIES`;
`families.py` the published sizes of the supported checkpoints. Importing this
package is cheap: torch and
transformers are imported when a model is loaded.
"""

from models.vlm.base import Part, UnsupportedModelError, VisionLanguageModel

__all__ = ["Part", "UnsupportedModelError", "VisionLanguageModel"]
