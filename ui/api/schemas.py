"""The API's request bodies and the JSON it gives for streamer's own types.

Requests are pydantic models (FastAPI validates them and writes the OpenAPI
document from them); answers, watches and alerts become plain JSON here, once.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from streamer.memory.items import DEFAULT_MEMORY
from streamer.types import Answer, Evidence
from streamer.watch import Alert, Watch
from ui.api.thumbnails import Thumbnails


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ... are accepted and ignored
    role: str
    content: str | list[dict[str, Any]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request; the last user message is the question."""

    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ...: ignored
    model: str = "streamer"
    messages: list[ChatMessage]
    stream: bool = False
    options: list[str] | None = Field(
        default=None, description="streamer extra: multiple-choice options for the question"
    )


class AskRequest(BaseModel):
    question: str = Field(min_length=1)
    options: list[str] | None = None
    at: float | None = Field(
        default=None,
        ge=0,
        description="stream time (s) to ask at: waits for the stream to get there; "
        "a time already past is asked now (see asked_at)",
    )
    timeout: float = Field(default=120.0, gt=0, le=3600, description="seconds to wait for `at`")


class StartBody(BaseModel):
    source: str = Field(min_length=1, description="file path, URL, webcam:N or webcam:N+mic:NAME")
    speed: float = 1.0
    loop: bool = False
    memory: str = DEFAULT_MEMORY
    backend: str = "extractive"


class WatchBody(BaseModel):
    text: str = Field(min_length=1, examples=["tell me when someone says budget"])


class ReopenBody(BaseModel):
    name: str = Field(min_length=1, description="a saved session's folder name")


class SaveBody(BaseModel):
    name: str | None = None


def evidence_json(e: Evidence, thumbnails: Thumbnails, base: str) -> dict[str, Any]:
    return {
        "start": round(e.start, 3),
        "end": round(e.end, 3),
        "kind": e.kind,
        "text": e.text,
        "score": round(e.score, 4),
        "thumbnail_url": f"{base}{thumbnails.put(e.thumbnail)}" if e.thumbnail else None,
    }


def answer_json(a: Answer, thumbnails: Thumbnails, base: str) -> dict[str, Any]:
    """The fields `launch.py ask --json` prints, evidence with thumbnail URLs."""
    out: dict[str, Any] = {
        "question": a.question,
        "answer": a.text,
        "asked_at": a.asked_at,
        "evidence": [evidence_json(e, thumbnails, base) for e in a.evidence],
        "option": a.option,
        "option_index": a.option_index,
        "backend": a.backend,
        "first_token_s": a.first_token_s,
        "total_s": a.total_s,
        "error": a.error,
    }
    return out


def watch_json(w: Watch) -> dict[str, Any]:
    return {"id": w.id, "text": w.text, "description": w.description, "since": w.since}


def alert_json(a: Alert, generation: int, n: int) -> dict[str, Any]:
    """One alert; `id` is stable within the app's run: generation and index in its session."""
    return {
        "id": f"{generation}-{n}",
        "watch": a.watch,
        "watch_text": a.watch_text,
        "sentence": a.sentence,
        "t": a.t,
        "at": a.at,
        "delay": a.delay,
        "wall": a.wall,
        "evidence": {"kind": a.evidence.kind, "text": a.evidence.text},
    }
