"""The HTTP channels against a real HTTP receiver (stdlib http.server in a thread)."""

from __future__ import annotations

import base64
import hmac
import json
import time
from email.header import decode_header, make_header

from streamer.notify import Notifier, notice_of
from streamer.notify.config import remember
from streamer.notify.web import ALERT_ID, SIGNATURE, signature
from tests.notify.conftest import JPEG, Receiver, alert, free_port

SECRET = "correct horse battery staple"


def test_a_webhook_down_for_the_first_alerts_gets_each_once_in_order_signed(homes):
    port = free_port()
    url = remember(f"http://127.0.0.1:{port}/hook", secret=SECRET)
    notifier = Notifier.for_urls([url])
    assert notifier.start() == []
    notices = [notice_of(alert(n), "front door") for n in range(1, 6)]
    for n in notices:
        notifier.submit(n)
    notifier.submit(notices[2])  # fired again (a resumed session): the same id, held once
    time.sleep(1.0)  # the receiver is down: tried, refused, kept
    (down,) = notifier.stats()
    assert down.pending == 5 and down.delivered == 0 and "not reachable" in (down.last_error or "")
    receiver = Receiver(port).start()
    try:
        got = receiver.wait_for(5)
        assert notifier.close(wait=5.0) == 0
    finally:
        receiver.stop()
    bodies = [json.loads(r.body) for r in got]
    assert [b["id"] for b in bodies] == [n.id for n in notices]  # in order, each once
    assert [r.headers[ALERT_ID] for r in got] == [n.id for n in notices]
    for r in got:  # what the receiver checks: HMAC-SHA256 of the exact body
        assert hmac.compare_digest(r.headers[SIGNATURE], signature(SECRET, r.body))
        assert not hmac.compare_digest(r.headers[SIGNATURE], signature("guess", r.body))
    first = bodies[0]
    assert first["watch"] == 1 and first["session"] == "front-door"
    assert first["sentence"] == notices[0].sentence and first["kind"] == "speech"
    assert first["t"] == 10.0 and first["delay_s"] == 0.5
    assert base64.b64decode(first["jpeg"]) == JPEG


def test_a_receiver_that_answers_an_error_keeps_the_alert_with_the_error_shown(homes):
    receiver = Receiver(status=503).start()
    try:
        notifier = Notifier.for_urls([f"http://127.0.0.1:{receiver.port}/hook"])
        notifier.start()
        notifier.submit(notice_of(alert(1), "s"))
        assert len(receiver.wait_for(1)) >= 1
        time.sleep(0.2)
        (stats,) = notifier.stats()
        assert stats.pending == 1 and stats.delivered == 0 and "503" in (stats.last_error or "")
        receiver.status = 200  # it recovers: the retry (backoff 0.5 s, 1 s, ...) gets through
        assert notifier.close(wait=5.0) == 0
    finally:
        receiver.stop()
    ids = {json.loads(r.body)["id"] for r in receiver.got}
    assert len(ids) == 1  # the same alert each try: a receiver drops repeats by id


def test_ntfy_gets_title_message_tags_and_the_frame_attached(homes):
    receiver = Receiver().start()
    try:
        notifier = Notifier.for_urls([f"http://127.0.0.1:{receiver.port}/door-alerts?ntfy"])
        notifier.start()
        notice = notice_of(alert(1), "s")
        notifier.submit(notice)
        (r,) = receiver.wait_for(1)
        notifier.close(wait=5.0)
    finally:
        receiver.stop()
    assert r.method == "PUT" and r.path == "/door-alerts" and r.body == JPEG

    def text(header: str) -> str:
        return str(make_header(decode_header(r.headers[header])))  # RFC 2047, as ntfy reads it

    assert text("Message") == notice.sentence  # “quotes” are not ASCII: encoded
    assert text("Title") == "streamer: watch 1, tell me when someone mentions the budget"
    assert r.headers["Tags"] == "bell,speech_balloon" and r.headers["Filename"].endswith(".jpg")


def test_a_sessions_stats_show_each_channel(homes):
    from streamer.session import Session, SessionConfig

    receiver = Receiver().start()
    try:
        notifier = Notifier.for_urls([f"http://127.0.0.1:{receiver.port}/hook"])
        notifier.start()
        session = Session(SessionConfig())
        session.watches.notify_to(notifier, "door")
        for listener in session.watches._watches._listeners:  # as the watches' worker calls them
            listener(alert(1))
        receiver.wait_for(1)
        notifier.wait(5.0)
        (stats,) = session.stats().notify
        assert (stats.kind, stats.delivered, stats.pending) == ("webhook", 1, 0)
        assert stats.channel == f"http://127.0.0.1:{receiver.port}/hook"
        notifier.close()
    finally:
        receiver.stop()
