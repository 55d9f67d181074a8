"""Adapters around real packaged models, and the one place their weights are found.

- `weights`: locate, assemble and verify packaged weights; the user cache; atomic writes.
- `frame_encoder`: EfficientNet-Lite0 tags, pooled feature and spatial tokens per frame.
- `ocr`: RapidOCR lines of on-screen text.
- `speech`: Silero VAD speech spans, Whisper base transcripts, a streaming transcriber.
- `text_embedder`: all-MiniLM-L6-v2 sentence embeddings.
- `protocols`: the small interfaces `streamer/` codes against.

Nothing here imports `streamer/` or `ui/`. Heavy libraries are imported lazily,
when a model is first used, so importing this package is cheap.
"""

import os

# OpenMP threads (torch's, CTranslate2's) sleep when they run out of work instead of
# spinning: perception's threads share the few cores with them. On 2 cores beside one
# busy process, spinning torch threads held a SmolVLM2-256M-sized model's decoding to
# 1-3 tokens/s and its frames to 3-3.8 s; passive, 19 tokens/s and 2.0-2.1 s.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
