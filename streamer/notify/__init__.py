"""Alerts delivered beyond the app: a webhook, ntfy, MQTT (with Home Assistant discovery).

Each alert goes to an outbox on disk first (`outbox.py`), then to every channel
by one delivery worker per channel (`notifier.py`) that keeps their order and
retries with backoff; an alert leaves the outbox when each channel acknowledged it.

    notifier = Notifier.for_urls(["mqtt://127.0.0.1:1883/streamer"])
    session.watches.notify_to(notifier, "front-door")   # every alert of its watches
    ...
    left = notifier.close(wait=10.0)           # pending deliveries, bounded
"""

from streamer.notify.channel import Channel, DeliveryError, NotifyError
from streamer.notify.notice import Notice, notice_of
from streamer.notify.notifier import ChannelStats, Notifier
from streamer.notify.outbox import Outbox
from streamer.notify.urls import parse_channel

__all__ = [
    "Channel",
    "ChannelStats",
    "DeliveryError",
    "Notice",
    "NotifyError",
    "Notifier",
    "Outbox",
    "notice_of",
    "parse_channel",
]
