"""The outbox: every alert on disk until each of its channels acknowledged it.

SQLite, not an append-only JSONL: an alert's state changes per channel (tried,
failed, acknowledged) and SQLite makes each change one transaction that
survives a kill (WAL journal, synchronous=FULL: fsynced at each commit), with no
log to compact; it is in Python's standard library. A channel is known by its
URL without credentials, so the next start with the same `--notify` finds its
backlog.

    box = Outbox(path)
    box.add(notice, ["mqtt://broker:1883/streamer"])
    seq, notice = box.next("mqtt://broker:1883/streamer")  # the oldest not delivered
    box.done("mqtt://broker:1883/streamer", seq)
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from streamer.notify.notice import Notice

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- the order alerts fired in
    id TEXT UNIQUE NOT NULL,
    body TEXT NOT NULL,
    jpeg BLOB,
    fired REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    channel TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES alerts(seq),
    tries INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (channel, seq)
);
CREATE TABLE IF NOT EXISTS channels (
    channel TEXT PRIMARY KEY,
    delivered INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
);
"""
BUSY_MS = 10_000  # another process (the app beside a `watch`) holding the write lock


class Outbox:
    """Alerts waiting for their channels, oldest first; safe to share between threads."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_MS / 1000, check_same_thread=False, isolation_level=None
        )
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
        self.path.chmod(0o600)  # alert texts and pictures: the user's own

    def add(self, notice: Notice, channels: Sequence[str]) -> bool:
        """Hold `notice` for `channels`; False when an alert of that id was held already."""
        if not channels:
            return False  # no one to wait for: a row nothing would ever remove
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            row = self._db.execute("SELECT seq FROM alerts WHERE id = ?", (notice.id,)).fetchone()
            if row is not None:
                return False
            cur = self._db.execute(
                "INSERT INTO alerts (id, body, jpeg, fired) VALUES (?, ?, ?, ?)",
                (notice.id, json.dumps(notice.body(picture=False)), notice.jpeg, notice.fired),
            )
            self._db.executemany(
                "INSERT INTO pending (channel, seq) VALUES (?, ?)",
                [(c, cur.lastrowid) for c in channels],
            )
            return True

    def next(self, channel: str) -> tuple[int, Notice] | None:
        """The oldest alert `channel` has not acknowledged, with its sequence number."""
        with self._lock:
            row = self._db.execute(
                "SELECT a.seq, a.body, a.jpeg, a.fired FROM pending p JOIN alerts a USING (seq) "
                "WHERE p.channel = ? ORDER BY p.seq LIMIT 1",
                (channel,),
            ).fetchone()
        if row is None:
            return None
        seq, body, jpeg, fired = row
        return seq, _notice(json.loads(body), jpeg, fired)

    def done(self, channel: str, seq: int) -> None:
        """`channel` acknowledged alert `seq`: it leaves the outbox when no channel waits for it."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            gone = self._db.execute(
                "DELETE FROM pending WHERE channel = ? AND seq = ?", (channel, seq)
            ).rowcount
            self._count(channel, gone, None)
            left = self._db.execute("SELECT 1 FROM pending WHERE seq = ?", (seq,)).fetchone()
            if left is None:
                self._db.execute("DELETE FROM alerts WHERE seq = ?", (seq,))

    def failed(self, channel: str, seq: int, error: str) -> None:
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "UPDATE pending SET tries = tries + 1 WHERE channel = ? AND seq = ?",
                (channel, seq),
            )
            self._count(channel, 0, error)

    def _count(self, channel: str, delivered: int, error: str | None) -> None:
        self._db.execute("INSERT OR IGNORE INTO channels (channel) VALUES (?)", (channel,))
        if delivered:  # a success clears the error: it is the last error while it lasts
            self._db.execute(
                "UPDATE channels SET delivered = delivered + ?, last_error = NULL "
                "WHERE channel = ?",
                (delivered, channel),
            )
        elif error is not None:
            self._db.execute(
                "UPDATE channels SET last_error = ? WHERE channel = ?", (error, channel)
            )

    def pending(self, channel: str) -> int:
        with self._lock:
            (n,) = self._db.execute(
                "SELECT COUNT(*) FROM pending WHERE channel = ?", (channel,)
            ).fetchone()
        return int(n)

    def counts(self, channel: str) -> tuple[int, str | None]:
        """(alerts `channel` ever acknowledged through this outbox, its unresolved last error)."""
        with self._lock:
            row = self._db.execute(
                "SELECT delivered, last_error FROM channels WHERE channel = ?", (channel,)
            ).fetchone()
        return (int(row[0]), row[1]) if row else (0, None)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _notice(body: dict[str, object], jpeg: bytes | None, fired: float) -> Notice:
    b = body
    return Notice(
        id=str(b["id"]),
        session=str(b["session"]),
        watch=int(str(b["watch"])),
        watch_text=str(b["watch_text"]),
        sentence=str(b["sentence"]),
        kind=str(b["kind"]),
        what=str(b["what"]),
        t=float(str(b["t"])),
        at=float(str(b["at"])),
        delay=float(str(b["delay_s"])),
        fired=fired,
        jpeg=jpeg,
    )
