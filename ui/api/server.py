"""The API's FastAPI app: routes, errors in one sentence, access, the OpenAPI document."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from streamer.errors import USER_ERRORS, StreamerError
from streamer.reasoning.question import QuestionError
from streamer.reasoning.reasoner import BusyError
from streamer.watch import WatchError
from ui.api.access import Access, AccessMiddleware
from ui.api.alerts import build_alerts
from ui.api.chat import build_chat
from ui.api.rest import build_rest
from ui.api.thumbnails import Thumbnails
from ui.controller import AppController

API_PATH = "/v1"  # where the API is mounted: OpenAI clients take base_url=<server>/v1
# The HTTP status of each user error (any other: 409, a conflict with what is playing).
STATUS: dict[type[Exception], int] = {QuestionError: 400, WatchError: 400, BusyError: 429}


def build_api(app: AppController, access: Access | None = None) -> FastAPI:
    """The API over `app`, to mount at API_PATH (docs at /v1/docs, /v1/openapi.json)."""
    api = FastAPI(
        title="streamer API",
        summary="Ask a running video stream questions, watch it, and hear its alerts.",
        version="1",
    )
    thumbnails = Thumbnails()
    api.include_router(build_chat(app, thumbnails))
    api.include_router(build_rest(app, thumbnails))
    api.include_router(build_alerts(app))
    api.add_middleware(AccessMiddleware, access=access or Access())
    for kind in USER_ERRORS:  # a missing model is no StreamerError: it is listed there too
        api.add_exception_handler(kind, _user_error)
    api.add_exception_handler(HTTPException, _http_error)
    api.add_exception_handler(RequestValidationError, _bad_request)
    return api


def error(message: str, status: int) -> JSONResponse:
    """OpenAI's error shape, which its clients turn into an exception with `message`."""
    kind = "invalid_request_error" if status < 500 else "server_error"
    body = {"error": {"message": message, "type": kind, "code": status}, "detail": message}
    return JSONResponse(body, status_code=status)


async def _user_error(request: Request, e: Exception) -> JSONResponse:
    if not isinstance(e, StreamerError):  # a model that is missing: the server cannot answer
        return error(str(e), 503)
    return error(str(e), STATUS.get(type(e), 409))


async def _http_error(request: Request, e: Exception) -> JSONResponse:
    assert isinstance(e, HTTPException)
    return error(str(e.detail), e.status_code)


async def _bad_request(request: Request, e: Exception) -> JSONResponse:
    assert isinstance(e, RequestValidationError)
    first = e.errors()[0] if e.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    return error(f"Bad request: {where or 'body'}: {first.get('msg', 'invalid')}.", 422)
