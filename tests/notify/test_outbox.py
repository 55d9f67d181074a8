"""The outbox on disk: oldest first per channel; an alert leaves when every channel has it."""

from __future__ import annotations

import sqlite3

from streamer.notify import Outbox, notice_of
from tests.notify.conftest import JPEG, alert

A, B = "mqtt://broker/x", "https://example.org/hook"


def test_an_alert_stays_until_each_of_its_channels_acknowledged_it(tmp_path):
    path = tmp_path / "outbox.sqlite"
    box = Outbox(path)
    notices = [notice_of(alert(n), "door") for n in (1, 2, 3)]
    assert all(box.add(n, [A, B]) for n in notices)
    assert not box.add(notices[0], [A, B])  # the same id again: held once
    assert not box.add(notice_of(alert(4), "door"), [])  # no channel: nothing held
    seq, first = box.next(A) or (0, None)
    assert first == notices[0] and first.jpeg == JPEG  # the whole notice comes back
    box.done(A, seq)
    assert box.pending(A) == 2 and box.pending(B) == 3
    assert (box.next(A) or (0, None))[1] == notices[1]  # A goes on; B still has the first
    box.failed(B, seq, "B is not reachable")
    assert box.counts(B) == (0, "B is not reachable") and box.counts(A) == (1, None)
    box.close()
    again = Outbox(path)  # a restart: the same state, from disk
    assert again.pending(A) == 2 and (again.next(B) or (0, None))[1] == notices[0]
    again.done(B, seq)
    again.close()
    with sqlite3.connect(path) as db:  # the first alert left once both had it
        ids = [r[0] for r in db.execute("SELECT id FROM alerts ORDER BY seq")]
    assert ids == [notices[1].id, notices[2].id]
