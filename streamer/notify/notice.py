"""One alert as the channels send it: what a phone or a home automation needs, and a stable id.

The id is made from the session, the watch and the moment, so the same alert
submitted twice (a resumed session that fires it again) is one row in the
outbox, and a receiver that got it twice can drop the second by its id.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from streamer.watch import Alert

ID_HEX = 20  # 80 bits of sha256: no two alerts of one user meet by chance


@dataclass(frozen=True)
class Notice:
    """An alert ready to deliver."""

    id: str
    session: str  # a name made of [a-z0-9_-], used in MQTT topics
    watch: int
    watch_text: str  # the watch's words, as the user wrote them
    sentence: str  # what happened: 'At 0:12 someone said "the budget is due".'
    kind: str  # the evidence's kind: speech, ocr, objects, frame, tags
    what: str  # the evidence's text
    t: float  # stream time it happened, seconds
    at: float  # stream time the alert fired, seconds
    delay: float  # seconds from when it could be known to the alert
    fired: float  # time.time() when it fired
    jpeg: bytes | None  # the frame of the moment

    def body(self, picture: bool = True) -> dict[str, Any]:
        """The JSON a webhook receives (and MQTT's payload, without the picture)."""
        out: dict[str, Any] = {
            "id": self.id,
            "session": self.session,
            "watch": self.watch,
            "watch_text": self.watch_text,
            "sentence": self.sentence,
            "kind": self.kind,
            "what": self.what,
            "t": round(self.t, 3),
            "at": round(self.at, 3),
            "delay_s": round(self.delay, 3),
            "fired": datetime.fromtimestamp(self.fired, UTC).isoformat(timespec="milliseconds"),
        }
        if picture:
            out["jpeg"] = base64.b64encode(self.jpeg).decode() if self.jpeg else None
        return out


def session_name(text: str) -> str:
    """'Front door.mp4' -> 'front-door-mp4': safe in an MQTT topic and an entity id."""
    name = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")
    return name[:64] or "session"


def notice_of(alert: Alert, session: str) -> Notice:
    """The notice of `alert` fired in the session called `session`."""
    e = alert.evidence
    name = session_name(session)
    key = f"{name}|{alert.watch}|{alert.t:.3f}|{alert.known:.3f}|{alert.sentence}"
    return Notice(
        id=hashlib.sha256(key.encode()).hexdigest()[:ID_HEX],
        session=name,
        watch=alert.watch,
        watch_text=alert.watch_text,
        sentence=alert.sentence,
        kind=e.kind,
        what=e.text,
        t=alert.t,
        at=alert.at,
        delay=alert.delay,
        fired=alert.wall,
        jpeg=e.thumbnail,
    )
