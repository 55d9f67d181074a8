"""`POST /v1/chat/completions` and `GET /v1/models`, as OpenAI's clients expect them.

The last user message is the question; it is asked of the app's current
session as of now (the same `AppController.ask` the page's chat uses). The
answer's evidence rides in an extra top-level field, `streamer`, of the
completion (of the last chunk when streaming).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from streamer.types import Answer
from ui.api.schemas import ChatRequest, answer_json
from ui.api.thumbnails import Thumbnails
from ui.controller import AppController, Asked

MODEL = "streamer"  # the app's current session, whichever backend it runs
ANSWER_WAIT = 600.0  # seconds an answer may take (a vlm on a CPU)
START_WAIT = 180.0  # seconds a question waits for the launch's source to start


def question_of(body: ChatRequest) -> str:
    """The text of the last user message (text parts of a multi-part one joined)."""
    for message in reversed(body.messages):
        if message.role != "user":
            continue
        content = message.content
        if isinstance(content, list):
            content = " ".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
        if content and content.strip():
            return content.strip()
    raise HTTPException(400, "Send at least one user message with the question as its text.")


def model_ids(app: AppController) -> list[str]:
    """`streamer`, and `streamer/<backend>` for the current session's backend."""
    backend = app.backend()
    return [MODEL] + ([f"{MODEL}/{backend}"] if backend else [])


def build_chat(app: AppController, thumbnails: Thumbnails) -> APIRouter:
    router = APIRouter(tags=["OpenAI-compatible"])

    @router.get("/models", summary="The sessions/backends a completion can name")
    def models() -> dict[str, Any]:
        live = app.live()
        data = [
            {
                "id": name,
                "object": "model",
                "created": 0,
                "owned_by": "streamer",
                "streamer": {"label": live.label, "state": live.state},
            }
            for name in model_ids(app)
        ]
        return {"object": "list", "data": data}

    @router.post("/chat/completions", summary="Ask about the running stream", response_model=None)
    def completions(body: ChatRequest, request: Request) -> dict[str, Any] | StreamingResponse:
        if body.model not in model_ids(app):
            raise HTTPException(
                404, f"The model {body.model!r} is not served here; GET /v1/models lists them."
            )
        asked = app.ask(question_of(body), body.options, wait=START_WAIT)
        base = str(request.url_for("thumbnail", name="x"))[:-1]
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if body.stream:
            chunks = _chunks(asked, cid, body.model, thumbnails, base)
            return StreamingResponse(chunks, media_type="text/event-stream")
        tokens = "".join(asked.stream)
        answer = asked.stream.result(ANSWER_WAIT)
        message = {"role": "assistant", "content": answer.text or tokens.strip()}
        return {
            **_head(cid, body.model, "chat.completion"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": _usage(answer),
            "streamer": answer_json(answer, thumbnails, base),
        }

    return router


def _chunks(asked: Asked, cid: str, model: str, thumbnails: Thumbnails, base: str) -> Iterator[str]:
    """Server-sent events: a role chunk, one chunk per token, the finish with evidence."""
    head = _head(cid, model, "chat.completion.chunk")

    def event(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return f"data: {json.dumps({**head, 'choices': [choice], **extra})}\n\n"

    yield event({"role": "assistant", "content": ""})
    for token in asked.stream:
        yield event({"content": token})
    answer = asked.stream.result(ANSWER_WAIT)
    yield event({}, "stop", usage=_usage(answer), streamer=answer_json(answer, thumbnails, base))
    yield "data: [DONE]\n\n"


def _head(cid: str, model: str, kind: str) -> dict[str, Any]:
    return {"id": cid, "object": kind, "created": int(time.time()), "model": model}


def _usage(answer: Answer) -> dict[str, int]:
    """Words, not tokens: the extractive backend has no tokenizer (clients only sum these)."""
    asked, said = len(answer.question.split()), len(answer.text.split())
    return {"prompt_tokens": asked, "completion_tokens": said, "total_tokens": asked + said}
