"""Nothing lost: a process killed with alerts pending delivers them at the next start, in order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from streamer.notify import Notifier, notice_of
from streamer.notify.config import outbox_path
from tests.notify.conftest import Receiver, alert, free_port

ROOT = Path(__file__).resolve().parents[2]
# A process that holds five alerts for a receiver that is down, says so, and waits to be killed.
HOLDER = """
import sys, time
from streamer.notify import Notifier, notice_of
from tests.notify.conftest import alert
notifier = Notifier.for_urls([sys.argv[1]])
notifier.start()
for n in range(1, 6):
    notifier.submit(notice_of(alert(n), "door"))
print("held", flush=True)
time.sleep(120)
"""


def test_alerts_pending_when_a_process_is_killed_go_out_at_the_next_start(homes):
    url = f"http://127.0.0.1:{free_port()}/hook"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    finally:
        holder.send_signal(signal.SIGKILL)  # no exit handler runs: only the disk remembers
        holder.wait(10)
    assert outbox_path().exists()
    receiver = Receiver(int(url.split(":")[2].split("/")[0])).start()
    try:
        notifier = Notifier.for_urls([url])
        assert notifier.stats()[0].pending == 5  # the backlog, found by the channel's URL
        notifier.start()
        notifier.submit(notice_of(alert(6), "door"))  # fired after the restart: comes after
        got = receiver.wait_for(6)
        assert notifier.close(wait=5.0) == 0
    finally:
        receiver.stop()
    ids = [json.loads(r.body)["id"] for r in got]
    assert ids == [notice_of(alert(n), "door").id for n in range(1, 7)]
