"""What the openai backend sends: where (`Endpoint`) and which messages (`chat_messages`).

`openai:MODEL@URL` names a model on a server the user already runs, spoken to
through the OpenAI chat completions API (Ollama, llama.cpp's llama-server, vLLM,
LM Studio, transformers serve, or OpenAI itself):

    parse_endpoint("llava:7b@localhost:11434")  -> Endpoint("llava:7b", "http://localhost:11434/v1")
    parse_endpoint("gpt-4o-mini")               -> Endpoint("gpt-4o-mini", "https://api.openai.com/v1")

The API key is read from the environment (`STREAMER_OPENAI_API_KEY`, else
`OPENAI_API_KEY`) when a request is made: it is never part of the name, so it is
never logged nor saved with a session.

The user turn is the frames the memory chose, oldest first, each an image (a JPEG
data URL) after its stream time in text, then the timeline lines and the question:

    [0:03] <image>  [0:08] <image> ...  Timeline: ... Question: ... Answer ... one sentence.

A pyramid memory's levels become image sizes: level1 frames go at the size held,
level2 at half that side, level3 at a quarter (`LEVEL_SCALES`); window and uniform
frames go as held.

Options are listed unlettered and the reply is asked for an option's words, as the
llm backend asks (`llm_choice`): given lettered options and "its letter, a full
stop and its text", Qwen2.5-Coder-0.5B replied "C. at midnight" to the demo's
"When does gate 7 close?" beside "GATE 7 CLOSES AT NOON"; given these, "at noon".
"""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from streamer.errors import StreamerError
from streamer.memory.items import MemoryItem
from streamer.reasoning.llm_choice import CHOICE_RULE
from streamer.reasoning.question import Question
from streamer.reasoning.vlm import INSTRUCTION
from streamer.timeref import format_clock

KEY_ENVS = ("STREAMER_OPENAI_API_KEY", "OPENAI_API_KEY")  # first set wins
NO_KEY = "none"  # local servers take any key; the client wants a non-empty one
DEFAULT_URL = "https://api.openai.com/v1"
FRAME_SIDE = 640  # px, longest side of a held frame: 640x360 for 16:9, ~300-600 image tokens
LEVEL_SCALES = {"level1": 1.0, "level2": 0.5, "level3": 0.25}  # pyramid: full, half, quarter
MIN_SIDE = 32  # px: a smaller image says nothing and some servers refuse it
MAX_FRAMES = 16  # images in one request: the pyramid holds 16; most servers take that many
JPEG_QUALITY = 85
FRAMES_INTRO = "Frames of the video, oldest first, each after its time:"


@dataclass(frozen=True)
class Endpoint:
    """A model on an OpenAI-compatible server."""

    model: str
    base_url: str  # ends in the API's root, e.g. "http://localhost:11434/v1"

    def __str__(self) -> str:
        return f"{self.model}@{self.base_url}"


def parse_endpoint(arg: str | None) -> Endpoint:
    """`MODEL@URL` (or `MODEL`, for OpenAI's own API) as an `Endpoint`. StreamerError if empty.

    A URL without a scheme gets http://, one without a path gets /v1 (where every
    server named in the module docstring serves the API).
    """
    model, at, url = (arg or "").rpartition("@") if "@" in (arg or "") else (arg or "", "", "")
    model, url = model.strip(), url.strip()
    if not model or (at and not url):
        raise StreamerError(
            "The openai backend needs a model and the server's URL: "
            "openai:MODEL@http://HOST:PORT/v1 (e.g. openai:llava:7b@http://localhost:11434/v1)."
        )
    if not url:
        return Endpoint(model, DEFAULT_URL)
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    scheme, _, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    path = path.rstrip("/")
    return Endpoint(model, f"{scheme}://{host}/{path if slash and path else 'v1'}")


def api_key() -> str:
    """The API key from the environment (see KEY_ENVS), or a placeholder for servers without."""
    for name in KEY_ENVS:
        if os.environ.get(name):
            return os.environ[name]
    return NO_KEY


def frame_image(item: MemoryItem) -> bytes:
    """The JPEG of a held frame at its level's size (`LEVEL_SCALES`; other levels as held)."""
    scale = LEVEL_SCALES.get(item.level, 1.0)
    if scale == 1.0:
        return item.thumbnail
    image = cv2.imdecode(np.frombuffer(item.thumbnail, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return item.thumbnail
    h, w = image.shape[:2]
    factor = max(scale, MIN_SIDE / min(h, w))
    if factor >= 1.0:
        return item.thumbnail
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return buf.tobytes() if ok else item.thumbnail


def data_url(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def chat_messages(
    q: Question, frames: Sequence[MemoryItem], lines: list[str]
) -> list[dict[str, Any]]:
    """One user turn: each frame's time and image (none: text alone), then the prompt's text.

    A verbatim prompt (Question.prompt) gets no words of ours in the user turn: the frames
    carry only their times, and the timeline lines, if any, go before it as a system turn.
    """
    text = prompt_text(q, lines)
    raw = q.prompt is not None
    timeline = "\n".join(["Timeline:", *lines])
    head = [{"role": "system", "content": timeline}] if raw and lines else []
    if not frames:
        return [*head, {"role": "user", "content": text}]
    content: list[dict[str, Any]] = [] if raw else [{"type": "text", "text": FRAMES_INTRO}]
    for item in frames:
        content.append({"type": "text", "text": f"[{format_clock(item.t)}]"})
        content.append({"type": "image_url", "image_url": {"url": data_url(frame_image(item))}})
    content.append({"type": "text", "text": text})
    return [*head, {"role": "user", "content": content}]


def prompt_text(q: Question, lines: list[str]) -> str:
    """What follows the frames: the timeline lines, the question, its options unlettered.

    A verbatim prompt (a benchmark's template) is the text, alone.
    """
    if q.prompt is not None:
        return q.prompt
    text = ["Timeline:", *lines, ""] if lines else []
    text.append(f"Question: {q.text}")
    if q.options:
        text += ["Options: " + "; ".join(q.options), CHOICE_RULE]
    else:
        text.append(INSTRUCTION)
    return "\n".join(text)


def sent_frames(items: Sequence[MemoryItem], now: float) -> list[MemoryItem]:
    """The view's frames a request carries: not after `now`, the latest MAX_FRAMES, oldest first."""
    held = sorted((i for i in items if i.t <= now), key=lambda i: (i.t, i.seq))
    return held[-MAX_FRAMES:]
