"""`--notify URL` on `app`, `watch` and `serve`: alerts delivered beyond the terminal and the page.

notifier = open_notifier(args.notify)       # NotifyError, one sentence, for a bad URL
...
finish_notifier(notifier, args.notify_wait)  # waits for pending deliveries, bounded
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from streamer.notify import Notifier


def open_notifier(urls: Sequence[str] | None) -> Notifier | None:
    """The notifier of the channels named, started (a backlog goes out now); None for none."""
    if not urls:
        return None
    from streamer.notify import Notifier

    notifier = Notifier.for_urls(urls)
    for line in notifier.start():  # a receiver that is down: said once, watching goes on
        print(line, file=sys.stderr)
    return notifier


def finish_notifier(notifier: Notifier | None, wait: float) -> int:
    """Give pending deliveries up to `wait` s, saying how many; the rest wait for the next start."""
    if notifier is None:
        return 0
    pending = notifier.pending()
    if pending:
        print(f"Delivering {pending} pending alerts (up to {wait:g} s)…", file=sys.stderr)
    left = notifier.close(wait)
    if left:
        print(
            f"{left} alert deliveries are still pending; they are kept in the outbox and go out "
            "at the next start with the same --notify.",
            file=sys.stderr,
        )
    return left
