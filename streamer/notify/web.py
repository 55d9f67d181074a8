"""The HTTP channels: a webhook (JSON POST, signed with HMAC-SHA256) and ntfy (a phone app).

A webhook receives the notice as JSON (`Notice.body`, the frame as base64 in
`jpeg`) with its id in `X-Streamer-Alert-Id`; with a secret, the header
`X-Streamer-Signature: sha256=<hex>` is HMAC-SHA256 of the exact body bytes, so
the receiver checks it with `hmac.compare_digest`. Any 2xx acknowledges.

ntfy gets the frame as an attachment (the request body) and the title,
message and tags in headers (RFC 2047 where they are not ASCII, which ntfy decodes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request
from email.header import Header

from streamer.notify.channel import Channel, DeliveryError, Secrets
from streamer.notify.notice import Notice

TIMEOUT_S = 10.0  # a receiver slower than this counts as down; the worker tries again
SIGNATURE = "X-Streamer-Signature"
ALERT_ID = "X-Streamer-Alert-Id"
TAGS = {"speech": "speech_balloon", "ocr": "memo", "objects": "eyes", "frame": "camera"}


def signature(secret: str, body: bytes) -> str:
    """The signature header's value: 'sha256=' and the hex HMAC of `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _Http(Channel):
    def __init__(self, key: str, secrets: Secrets, url: str) -> None:
        super().__init__(key, secrets)
        self.url = url

    def _post(self, body: bytes, headers: dict[str, str], method: str = "POST") -> None:
        s = self.secrets
        if s.token:
            headers["Authorization"] = f"Bearer {s.token}"
        elif s.user is not None:
            login = f"{s.user}:{s.password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(login).decode()
        request = urllib.request.Request(self.url, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:
                reply.read()
        except urllib.error.HTTPError as e:  # urlopen raises for every status but 2xx
            raise DeliveryError(f"{self.key} answered {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", e)
            raise DeliveryError(f"{self.key} is not reachable ({reason})") from None


class WebhookChannel(_Http):
    kind = "webhook"

    def send(self, notice: Notice) -> None:
        body = json.dumps(notice.body()).encode()
        headers = {"Content-Type": "application/json", ALERT_ID: notice.id}
        if self.secrets.secret:
            headers[SIGNATURE] = signature(self.secrets.secret, body)
        self._post(body, headers)


class NtfyChannel(_Http):
    kind = "ntfy"

    def send(self, notice: Notice) -> None:
        headers = {
            "Title": _header(f"streamer: watch {notice.watch}, {notice.watch_text}"),
            "Message": _header(notice.sentence),
            "Tags": ",".join(["bell", TAGS.get(notice.kind, "bell")]),
            ALERT_ID: notice.id,
        }
        if notice.jpeg:
            headers["Filename"] = f"{notice.session}-watch{notice.watch}.jpg"
            self._post(notice.jpeg, headers, "PUT")
        else:
            self._post(notice.sentence.encode(), headers)


def _header(text: str) -> str:
    """`text` as a header value: itself when ASCII, else RFC 2047 (UTF-8, base64)."""
    text = " ".join(text.split())
    if text.isascii():
        return text
    return Header(text, "utf-8").encode(maxlinelen=10_000)
