"""Text from a stream or a user, made safe to print on a terminal.

A question, an OCR line or a spoken sentence may hold escape codes ("\\x1b[2J"
clears the screen); printed raw, the terminal would obey them. Control
characters are shown as their escapes instead.

    print(printable("red \\x1b[31mtext"))   # red \\x1b[31mtext, as typed
"""

from __future__ import annotations

import unicodedata


def printable(text: str) -> str:
    """`text` with every control or format character but a tab written as its escape."""
    return "".join(
        c if c == "\t" or not unicodedata.category(c).startswith("C") else _escape(c) for c in text
    )


def _escape(c: str) -> str:
    return repr(c)[1:-1] if c.isascii() else f"\\u{ord(c):04x}"
