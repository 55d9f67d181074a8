"""Shared strategies and checks for the property tests: arbitrary input, one-sentence errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from streamer.errors import StreamerError

# JSON values of any shape (what a damaged or hand-edited file may hold).
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def raises_only_sentences(call: Callable[[], Any]) -> Any:
    """Run `call`; it may fail only with a StreamerError of one line. Returns its result or None."""
    try:
        return call()
    except StreamerError as e:
        assert "\n" not in str(e), f"a message of several lines: {str(e)!r}"
        assert str(e).strip(), "an empty message"
        return None


def json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode("utf-8")
