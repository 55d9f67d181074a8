"""`launch.py watch --notify mqtt://…` against a real Mosquitto broker started on a free port.

The gate clip (tests/conftest.py): card "GATE 7 CLOSES AT NOON" 3-6 s, "… north entrance." from 8 s.
"""

from __future__ import annotations

import json
import time

from cli.main import EXIT_USER_ERROR, main
from streamer.bench.peers import Subscriber, free_port

EVENT_KEYS = {"name", "unique_id", "state_topic", "event_types", "device", "availability_topic"}
IMAGE_KEYS = {"name", "unique_id", "image_topic", "content_type", "device"}


def test_every_alert_of_a_watch_run_reaches_the_broker_in_order_retained_and_discovered(
    clip, broker, homes, capsys
):
    live = Subscriber(broker, "gate/#", "homeassistant/#")
    down = f"mqtt://127.0.0.1:{free_port()}/gate"  # a broker that is not there: watching goes on
    try:
        code = main(
            [
                "watch",
                str(clip[0]),
                "--pace",
                "none",
                "--json",
                "--when",
                "the sign says gate 7",
                "--when",
                "tell me when someone mentions the north entrance",
                "--notify",
                f"mqtt://127.0.0.1:{broker}/gate",
                "--notify",
                down,
                "--notify-wait",
                "1",
            ]
        )
        time.sleep(0.3)  # the last status message on its way to the subscriber
    finally:
        live.close()
    got = [(t, p, r) for _, t, p, r in live.got]
    out, err = capsys.readouterr()
    assert code == 0
    printed = [json.loads(line) for line in out.splitlines() if '"alert"' in line]
    assert sorted(a["alert"] for a in printed) == [1, 2]
    assert err.count("not reachable yet") == 1 and "still pending" in err
    alerts = [
        (t, json.loads(p), r)
        for t, p, r in got
        if t.startswith("gate/gate7-mp4/") and not t.endswith(("/image", "/event"))
    ]
    assert [t for t, _, _ in alerts] == [f"gate/gate7-mp4/watch/{a['alert']}" for a in printed]
    assert [a["t"] for _, a, _ in alerts] == [a["t"] for a in printed]  # in the order fired
    assert [a["sentence"] for _, a, _ in alerts] == [a["sentence"] for a in printed]
    assert all(a["event_type"] == "alert" and len(a["id"]) == 20 for _, a, _ in alerts)
    images = [p for t, p, _ in got if t.endswith("/image")]
    events = [(t, json.loads(p), r) for t, p, r in got if t.endswith("/event")]
    assert [(t + "/event", a, False) for t, a, _ in alerts] == events  # HA's, not retained
    assert len(images) == 2 and all(p.startswith(b"\xff\xd8") for p in images)  # JPEGs
    statuses = [p for t, p, _ in got if t == "gate/status"]
    assert statuses[0] == b"online" and statuses[-1] == b"offline"
    _check_discovery(got)
    later = Subscriber(broker, "gate/+/watch/+")  # comes after the run: gets what was retained
    time.sleep(0.3)
    later.close()
    later_got = [(t, p, r) for _, t, p, r in later.got]
    assert sorted((t, json.loads(p)["id"], r) for t, p, r in later_got) == sorted(
        (t, a["id"], True) for t, a, _ in alerts
    )


def _check_discovery(got: list[tuple[str, bytes, bool]]) -> None:
    configs = {t: json.loads(p) for t, p, _ in got if t.startswith("homeassistant/")}
    events = {t: c for t, c in configs.items() if t.startswith("homeassistant/event/")}
    images = {t: c for t, c in configs.items() if t.startswith("homeassistant/image/")}
    assert len(events) == 2 and len(images) == 2  # an entity per watch, and its frame
    for topic, c in events.items():
        assert EVENT_KEYS <= set(c) and c["event_types"] == ["alert"], c
        assert topic == f"homeassistant/event/{c['unique_id']}/config"
        assert c["state_topic"].startswith("gate/gate7-mp4/watch/")
        assert c["state_topic"].endswith("/event")
        assert c["availability_topic"] == "gate/status" and c["device"]["identifiers"]
    for c in images.values():
        assert IMAGE_KEYS <= set(c) and c["content_type"] == "image/jpeg"
        watch = {e["state_topic"].removesuffix("/event") for e in events.values()}
        assert c["image_topic"] in {f"{w}/image" for w in watch}
    assert {c["name"] for c in events.values()} == {
        "Watch 1: tell me when the sign says gate 7",
        "Watch 2: tell me when someone mentions the north entrance",
    }


def test_a_channel_of_an_unknown_kind_is_one_sentence(clip, homes, capsys):
    code = main(["watch", str(clip[0]), "--when", "a person appears", "--notify", "ftp://h/x"])
    assert code == EXIT_USER_ERROR
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and err.count(". ") == 0 and "mqtt://" in err
