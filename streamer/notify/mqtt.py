"""The MQTT channel: one topic per session and watch, QoS 1, retained, Home Assistant discovery.

Topics under the URL's prefix (default `streamer`):

    <prefix>/status                          online | offline (retained; offline is the last will)
    <prefix>/<session>/watch/<n>             the last alert of watch n, JSON (retained)
    <prefix>/<session>/watch/<n>/image       its frame, JPEG (retained)
    <prefix>/<session>/watch/<n>/event       the same alert, not retained: Home Assistant's
                                             event entity, which a reconnect must not fire again
    homeassistant/event/streamer_<session>_w<n>/config   discovery: an event entity per watch
    homeassistant/image/streamer_<session>_w<n>/config   discovery: the watch's last frame

A publish counts as delivered when the broker acknowledged it (PUBACK). The
client connects in the background and reconnects by itself: a broker that is
down never stops the watching; alerts wait in the outbox.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from streamer.notify.channel import Channel, DeliveryError, Secrets
from streamer.notify.notice import Notice

DEFAULT_PREFIX = "streamer"
DISCOVERY = "homeassistant"  # Home Assistant's default discovery prefix
CONNECT_WAIT_S = 3.0  # how long `open` waits for the broker before saying it is not there
ACK_WAIT_S = 10.0  # a PUBACK slower than this: not delivered, tried again
KEEPALIVE_S = 30
RECONNECT_S = (1, 30)  # paho's reconnect backoff, seconds: first and longest


class MqttChannel(Channel):
    kind = "mqtt"

    def __init__(self, key: str, secrets: Secrets, host: str, port: int, prefix: str) -> None:
        super().__init__(key, secrets)
        self.host, self.port = host, port
        self.prefix = prefix or DEFAULT_PREFIX
        self.status_topic = f"{self.prefix}/status"
        self._connected = threading.Event()
        self._announced: set[tuple[str, int]] = set()  # discovery sent on this connection
        self._error: str | None = None
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=f"streamer-{os.getpid()}-{id(self):x}"
        )
        if secrets.user is not None:
            client.username_pw_set(secrets.user, secrets.password)
        client.will_set(self.status_topic, "offline", qos=1, retain=True)
        client.reconnect_delay_set(*RECONNECT_S)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        self._client = client

    def _on_connect(self, client: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        if reason.is_failure:
            self._error = f"the broker at {self.host}:{self.port} refused: {reason}"
            return
        self._announced.clear()  # a broker restarted without persistence forgot them
        client.publish(self.status_topic, "online", qos=1, retain=True)
        self._connected.set()

    def _on_disconnect(self, _c: mqtt.Client, _u: Any, _f: Any, reason: Any, _p: Any) -> None:
        self._connected.clear()

    def open(self) -> str | None:
        try:
            self._client.connect_async(self.host, self.port, KEEPALIVE_S)
        except (OSError, ValueError) as e:
            return f"MQTT broker {self.key} cannot be used ({e})."
        self._client.loop_start()  # connects and reconnects in its own thread
        if self._connected.wait(CONNECT_WAIT_S):
            return None
        why = f" ({self._error})" if self._error else ""
        return (
            f"The MQTT broker {self.key} is not reachable yet{why}; watching goes on and its "
            "alerts wait in the outbox until it is."
        )

    def topic(self, notice: Notice) -> str:
        return f"{self.prefix}/{notice.session}/watch/{notice.watch}"

    def send(self, notice: Notice) -> None:
        if not self._connected.is_set():
            raise DeliveryError(self._error or f"not connected to {self.key}")
        topic = self.topic(notice)
        if (notice.session, notice.watch) not in self._announced:
            for config_topic, config in discovery(self, notice):
                self._publish(config_topic, json.dumps(config))
            self._announced.add((notice.session, notice.watch))
        if notice.jpeg:  # the picture first: an automation woken by the alert finds it there
            self._publish(f"{topic}/image", notice.jpeg)
        payload = json.dumps({"event_type": "alert", **notice.body(picture=False)})
        self._publish(topic, payload)
        self._publish(f"{topic}/event", payload, retain=False)

    def _publish(self, topic: str, payload: str | bytes, retain: bool = True) -> None:
        info = self._client.publish(topic, payload, qos=1, retain=retain)
        try:
            info.wait_for_publish(ACK_WAIT_S)
        except (ValueError, RuntimeError) as e:
            raise DeliveryError(f"{self.key}: {e}") from None
        if not info.is_published():
            raise DeliveryError(f"{self.key} did not acknowledge within {ACK_WAIT_S:g} s")

    def close(self) -> None:
        if self._connected.is_set():
            info = self._client.publish(self.status_topic, "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(ACK_WAIT_S / 5)
            except (ValueError, RuntimeError):
                pass  # the last will says it for us
        self._client.disconnect()
        self._client.loop_stop()


def discovery(channel: MqttChannel, notice: Notice) -> list[tuple[str, dict[str, Any]]]:
    """Home Assistant discovery: the watch as an event entity, its last frame as an image."""
    uid = f"streamer_{notice.session}_w{notice.watch}".replace("-", "_")
    device = {
        "identifiers": [f"streamer_{notice.session}".replace("-", "_")],
        "name": f"streamer {notice.session}",
        "manufacturer": "streamer",
    }
    common = {
        "device": device,
        "availability_topic": channel.status_topic,
        "payload_available": "online",
        "payload_not_available": "offline",
    }
    name = f"Watch {notice.watch}: {notice.watch_text}"
    event = {
        **common,
        "name": name,
        "unique_id": uid,
        "state_topic": f"{channel.topic(notice)}/event",
        "event_types": ["alert"],
        "icon": "mdi:bell-ring",
    }
    image = {
        **common,
        "name": f"{name} (frame)",
        "unique_id": f"{uid}_frame",
        "image_topic": f"{channel.topic(notice)}/image",
        "content_type": "image/jpeg",
    }
    return [
        (f"{DISCOVERY}/event/{uid}/config", event),
        (f"{DISCOVERY}/image/{uid}/config", image),
    ]
