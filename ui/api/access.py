"""Who may call the API: HTTP Basic with the app's --auth, or a bearer --api-key.

Checked by one middleware on the API's app, so every route answers 401 without
it (the OpenAPI document too); with neither set the API is open, which only a
local bind allows (`ui.app.check_access`).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

UNAUTHORIZED = (
    "This API needs a login: send 'Authorization: Bearer <the --api-key>' or HTTP Basic "
    "with the --auth user and password."
)


@dataclass(frozen=True)
class Access:
    basic: tuple[str, str] | None = None  # --auth user:password
    api_key: str | None = None  # --api-key, sent as a bearer token

    @property
    def open(self) -> bool:
        return self.basic is None and not self.api_key

    def allows(self, header: str | None) -> bool:
        """The Authorization header carries one of the credentials set."""
        if self.open:
            return True
        scheme, _, value = (header or "").partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and self.api_key:
            return hmac.compare_digest(value.encode(), self.api_key.encode())
        if scheme.lower() == "basic" and self.basic is not None:
            try:
                given = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return False
            wanted = f"{self.basic[0]}:{self.basic[1]}"
            return hmac.compare_digest(given.encode(), wanted.encode())
        return False


class AccessMiddleware:
    """401 with an OpenAI-style error body on any request without the credentials.

    Plain ASGI (not BaseHTTPMiddleware), so streamed answers and the alerts'
    event stream pass through untouched.
    """

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app, self.access = app, access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.access.allows(Headers(scope=scope).get("authorization")):
            await self.app(scope, receive, send)
            return
        challenge = "Bearer" if self.access.api_key else 'Basic realm="streamer"'
        refused = JSONResponse(
            {"error": {"message": UNAUTHORIZED, "type": "invalid_request_error", "code": 401}},
            status_code=401,
            headers={"WWW-Authenticate": challenge},
        )
        await refused(scope, receive, send)
