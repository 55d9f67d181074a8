"""Real peers for the notification tests (streamer/bench/peers.py), and alerts as fired."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from streamer.bench.peers import MOSQUITTO, Broker, Receiver, free_port
from streamer.types import Evidence
from streamer.watch import Alert

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) + b"\xff\xd9"  # bytes framed as a JPEG


@pytest.fixture
def broker() -> Iterator[int]:
    """The port of a Mosquitto started on a free port (stopped after the test)."""
    if not Path(MOSQUITTO).exists():
        pytest.skip("Debian's mosquitto is not installed (make test installs it)")
    with Broker() as port:
        yield port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.stop()


__all__ = ["Receiver", "free_port"]


def alert(n: int, watch: int = 1, text: str = "tell me when someone mentions the budget") -> Alert:
    """The n-th alert of a watch, as `Watches` fires it: at n * 10 s of stream."""
    t = 10.0 * n
    said = f"the budget is due on day {n}"
    return Alert(
        watch=watch,
        watch_text=text,
        t=t,
        known=t + 1.5,
        at=t + 2.0,
        wall=time.time(),
        sentence=f"At {t:.0f} s someone said “{said}”.",
        evidence=Evidence(t, t + 1.5, "speech", said, 1.0, JPEG),
    )


@pytest.fixture
def homes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """XDG config and data homes of their own: the outbox and notify.json live there."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path
