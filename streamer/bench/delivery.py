"""Alert delivery, measured against real receivers: a Mosquitto broker and a webhook.

`bench alerts` attaches a `Probe` to its 1x replay: every alert goes through the
outbox to both channels, and each arrival's wall time is taken at the receiver,
so the latency is fired -> broker (a subscriber's receipt) and fired -> webhook
(the request's arrival). Then `outage` holds the webhook down for `seconds`
while alerts keep firing, brings it back, and counts what arrives: how many,
in order or not, duplicates, and how long the backlog took to go out.

    with Probe(out / "outbox.sqlite") as probe:
        session.watches.notify_to(probe.notifier, "bench")
        ...
        delivery = probe.result(session.watches.alerts())
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from streamer.bench.peers import Broker, Receiver, Subscriber
from streamer.bench.report import percentile, table
from streamer.notify import Notice, Notifier, Outbox, notice_of, parse_channel

if TYPE_CHECKING:
    from streamer.watch import Alert

SESSION = "bench"
DRAIN_S = 30.0  # the longest wait for the last deliveries after the replay
OUTAGE_ALERTS = 20  # alerts fired during an outage, evenly spread


class Probe:
    """A broker, a webhook receiver, an MQTT subscriber and a notifier sending to both."""

    def __init__(self, outbox: Path) -> None:
        outbox.unlink(missing_ok=True)  # a fresh outbox: no backlog of an earlier run
        self._outbox = outbox
        self._broker = Broker()
        self.receiver = Receiver()
        self.notifier: Notifier

    def __enter__(self) -> Probe:
        port = self._broker.__enter__()
        self.receiver.start()
        self.subscriber = Subscriber(port, f"{SESSION}/+/watch/+")
        channels = [
            parse_channel(f"mqtt://127.0.0.1:{port}/{SESSION}"),
            parse_channel(f"http://127.0.0.1:{self.receiver.port}/hook"),
        ]
        self.notifier = Notifier(channels, Outbox(self._outbox))
        self.notifier.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.notifier.close()
        self.subscriber.close()
        self.receiver.stop()
        self._broker.__exit__()

    def result(self, alerts: Sequence[Alert]) -> dict[str, Any]:
        """Latencies from fired to each receiver, once the last deliveries are in."""
        left = self.notifier.wait(DRAIN_S)
        fired = {n.id: n.fired for n in (notice_of(a, SESSION) for a in alerts)}
        broker = [(at, json.loads(p)["id"]) for at, _, p, _ in self.subscriber.got]
        hook = [(r.at, json.loads(r.body)["id"]) for r in self.receiver.got]
        return {
            "alerts": len(fired),
            "pending_after_s": [DRAIN_S, left],
            "broker": _latencies(broker, fired),
            "webhook": _latencies(hook, fired),
            "acknowledged": {c.kind: c.delivered for c in self.notifier.stats()},  # by the outbox
        }


def _latencies(arrived: list[tuple[float, str]], fired: dict[str, float]) -> dict[str, Any]:
    first: dict[str, float] = {}
    for at, i in arrived:
        first.setdefault(i, at)
    waits = [first[i] - t for i, t in fired.items() if i in first]
    return {
        "delivered": len(first),
        "duplicates": len(arrived) - len(first),
        "p50_s": round(percentile(waits, 50), 4) if waits else None,
        "p95_s": round(percentile(waits, 95), 4) if waits else None,
        "max_s": round(max(waits), 4) if waits else None,
    }


def outage(seconds: float, outbox: Path, alerts: int = OUTAGE_ALERTS) -> dict[str, Any]:
    """The webhook down for `seconds` while `alerts` fire; what arrives once it is back."""
    outbox.unlink(missing_ok=True)
    receiver = Receiver()
    notifier = Notifier([parse_channel(f"http://127.0.0.1:{receiver.port}/hook")], Outbox(outbox))
    notifier.start()
    sent = []
    for i in range(alerts):
        sent.append(_notice(i))
        notifier.submit(sent[-1])
        time.sleep(seconds / alerts)
    receiver.start()
    back = time.time()
    try:
        left = notifier.wait(DRAIN_S + seconds)
        got = [json.loads(r.body)["id"] for r in receiver.got]
    finally:
        notifier.close()
        receiver.stop()
    firsts = list(dict.fromkeys(got))
    return {
        "outage_s": seconds,
        "fired": len(sent),
        "delivered": len(firsts),
        "pending": left,
        "in_order": firsts == [n.id for n in sent][: len(firsts)],
        "duplicates": sum(c - 1 for c in Counter(got).values()),
        "backlog_done_s": round(receiver.got[-1].at - back, 3) if receiver.got else None,
    }


def _notice(i: int) -> Notice:
    return Notice(
        id=f"outage-{time.time_ns()}-{i}",
        session=SESSION,
        watch=1,
        watch_text="tell me when the screen turns red",
        sentence=f"At {i}:00 the screen turned red.",
        kind="frame",
        what="red screen",
        t=float(i),
        at=float(i),
        delay=0.0,
        fired=time.time(),
        jpeg=None,
    )


def markdown(delivery: dict[str, Any]) -> str:
    rows = [
        [name, d["delivered"], d["duplicates"], d["p50_s"], d["p95_s"], d["max_s"]]
        for name, d in (("broker", delivery["broker"]), ("webhook", delivery["webhook"]))
    ]
    o = delivery.get("outage")
    lines = [
        f"\n## Delivery of the first run's {delivery['alerts']} alerts (fired -> received, s)\n\n",
        table(["channel", "delivered", "duplicates", "p50 s", "p95 s", "max s"], rows),
    ]
    if o:
        lines.append(
            f"\nWebhook down {o['outage_s']:g} s while {o['fired']} alerts fired: "
            f"{o['delivered']} delivered ({o['pending']} pending), in order: {o['in_order']}, "
            f"duplicates: {o['duplicates']}, the backlog out {o['backlog_done_s']} s after it "
            "came back.\n"
        )
    return "".join(lines)
