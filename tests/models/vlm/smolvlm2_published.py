"""SmolVLM2's published chat template and processor settings, as the checkpoints ship them.

Written out here so the structural test needs no download. Sources:
- `CHAT_TEMPLATE`: the `chat_template` of HuggingFaceTB/SmolVLM2-256M-Video-Instruct
  (and -500M-), as transformers' own processor test sets it
  (tests/models/smolvlm/test_processing_smolvlm.py, `prepare_processor_dict`). It
  writes text and image items; for a video, SmolVLMProcessor writes the frames as
  text and images itself (`replace_video_token`), which this template then frames.
- `PROCESSOR_CONFIG`: processor_config.json of both checkpoints.
- `VIDEO_SAMPLING`: `video_sampling` of their preprocessor_config.json.
"""

from __future__ import annotations

CHAT_TEMPLATE = (
    "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}"
    "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}"
    "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}"
    "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}"
    "<end_of_utterance>\n{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)
PROCESSOR_CONFIG = {"image_seq_len": 64, "processor_class": "SmolVLMProcessor"}
VIDEO_SAMPLING = {"fps": 1, "max_frames": 64, "video_size": {"longest_edge": 512}}
