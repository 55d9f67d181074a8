"""Reading benchmark annotation files: JSON that is refused in one sentence when it does not fit.

data = parse_json(read_text(path, "OVBench"), str(path))
with record(f"{path} record 3"):
    question = to_question(data[3])
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.store import JSON_ERRORS


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of an annotation file; StreamerError if it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as e:
        raise StreamerError(f"{path} is not a readable {what} file ({e.strerror}).") from None
    except UnicodeDecodeError as e:
        raise StreamerError(f"{path} is not a {what} file: it is not UTF-8 text ({e}).") from None


def parse_json(text: str, where: str) -> Any:
    """`text` as JSON; `where` names it in the sentence of a StreamerError ("x.json line 3")."""
    try:
        return json.loads(text)
    except JSON_ERRORS as e:
        raise StreamerError(f"{where} is not valid JSON ({e}).") from None


@contextmanager
def record(where: str) -> Iterator[None]:
    """Turn a record of the wrong shape (a field missing or mistyped) into one sentence."""
    try:
        yield
    except KeyError as e:
        raise StreamerError(f"{where} has no {e.args[0]!r} field.") from None
    except (TypeError, ValueError, AttributeError) as e:
        why = " ".join(str(e).split())  # the message may quote the record's text
        raise StreamerError(f"{where} does not fit ({why}).") from None
