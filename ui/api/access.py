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

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

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


class AccessMiddleware(BaseHTTPMiddleware):
    """401 with an OpenAI-style error body on any request without the credentials."""

    def __init__(self, app: object, access: Access) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.access = access

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if self.access.allows(request.headers.get("authorization")):
            return await call_next(request)
        challenge = "Bearer" if self.access.api_key else 'Basic realm="streamer"'
        return JSONResponse(
            {"error": {"message": UNAUTHORIZED, "type": "invalid_request_error", "code": 401}},
            status_code=401,
            headers={"WWW-Authenticate": challenge},
        )
