"""Saved files: JSON, JSONL and safetensors, written atomically, read back with one-sentence errors.

Every write goes through `models.atomic.atomic_file` (a temporary name in the
same folder, fsync, rename, fsync the folder), so a crash leaves either the old
file or the new one, never half of one. Tensors are safetensors, everything
else JSON; nothing is ever pickled.

    write_json_atomic(folder / "manifest.json", {"version": 1})
    save_arrays_atomic(folder / "tensors.safetensors", {"tokens": tokens})
    append_jsonl(folder / "timeline.jsonl", [{"t": 3.0, "text": "hello"}])
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import safetensors.numpy

from models.atomic import TMP_MARK, atomic_file, remove_stale_tmp
from streamer.errors import StreamerError

# What a damaged JSON text can raise: JSONDecodeError and UnicodeDecodeError are ValueErrors,
# as is a number past Python's 4300-digit limit; nesting past the recursion limit is a
# RecursionError.
JSON_ERRORS = (ValueError, RecursionError)
TAIL_CHUNK = 4096  # bytes read backwards at a time when repairing a torn JSONL tail


class StoreError(StreamerError):
    """A saved file is missing, damaged or of an unknown format."""


def damaged(path: Path, why: str) -> StoreError:
    """The one sentence a user sees for a file that cannot be read back.

    `why` may quote the file (a key, a value): its line breaks become spaces.
    """
    why = " ".join(why.split())
    return StoreError(f"Session file {path} is damaged ({why}); it cannot be loaded.")


# -- writing ------------------------------------------------------------------------
def write_bytes_atomic(path: Path | str, data: bytes) -> None:
    """Write `data` to `path` atomically: temp file, fsync, rename, fsync the folder."""
    with atomic_file(Path(path)) as tmp:
        tmp.write_bytes(data)


def write_json_atomic(path: Path | str, obj: Any) -> None:
    """Write `obj` as UTF-8 JSON, atomically. NaN and infinities are refused."""
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=1)
    write_bytes_atomic(path, text.encode("utf-8"))


def save_arrays_atomic(
    path: Path | str, arrays: Mapping[str, np.ndarray], metadata: dict[str, str] | None = None
) -> None:
    """Write named arrays as one safetensors file, atomically."""
    contiguous = {k: np.ascontiguousarray(v) for k, v in arrays.items()}
    write_bytes_atomic(path, safetensors.numpy.save(contiguous, metadata=metadata))


def append_jsonl(path: Path | str, records: Iterable[Mapping[str, Any]]) -> None:
    """Append records, one JSON object a line, then flush and fsync.

    A line torn by an earlier crash (no final newline) is cut off first, so a
    new record never glues onto it.
    """
    path = Path(path)
    lines = b"".join(
        json.dumps(r, ensure_ascii=False, allow_nan=False).encode("utf-8") + b"\n" for r in records
    )
    with open(path, "a+b") as f:
        _cut_torn_tail(f)
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


def _cut_torn_tail(f: BinaryIO) -> None:
    """Truncate a file opened "a+b" after its last newline (or to empty if it has none)."""
    end = f.seek(0, os.SEEK_END)
    pos = end
    while pos > 0:
        start = max(0, pos - TAIL_CHUNK)
        f.seek(start)
        chunk = f.read(pos - start)
        if pos == end and chunk.endswith(b"\n"):
            return
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            f.truncate(start + newline + 1)
            return
        pos = start
    f.truncate(0)


ORPHAN_TMP_S = 60.0  # a temporary file this old has no writer left: a session saves in ~1 s


def remove_orphaned_temp_files(folder: Path) -> None:
    """Delete the temporary files a killed save left in a session folder and its subfolders.

    Safe while another writer saves there: its temporary files are younger than ORPHAN_TMP_S.
    """
    if not folder.is_dir():
        return
    for entry in (folder, *sorted(folder.iterdir())):
        if entry.is_dir() and TMP_MARK not in entry.name:
            remove_stale_tmp(entry, older_than=ORPHAN_TMP_S)


def remove_temp_files(folder: Path) -> None:
    """Delete temporary files a killed writer left in `folder`. Call only when no write runs."""
    remove_stale_tmp(folder, older_than=0.0)


# -- reading ------------------------------------------------------------------------
def read_bytes(path: Path | str) -> bytes:
    """The bytes of a saved file; StoreError if it is missing or unreadable."""
    path = Path(path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise StoreError(f"Session file {path} is missing; it cannot be loaded.") from None
    except OSError as e:
        raise StoreError(f"Session file {path} cannot be read ({e.strerror}).") from None


def read_json(path: Path | str) -> Any:
    """Parse a JSON file written by `write_json_atomic`."""
    path = Path(path)
    data = read_bytes(path)
    try:
        return json.loads(data.decode("utf-8"))
    except JSON_ERRORS as e:
        raise damaged(path, f"not valid JSON: {e}") from None


def load_arrays(path: Path | str) -> dict[str, np.ndarray]:
    """Load the arrays of a safetensors file (owned, writable copies)."""
    path = Path(path)
    data = read_bytes(path)
    try:
        return dict(safetensors.numpy.load(data))
    except Exception as e:  # SafetensorError is not exported under a stable name
        raise damaged(path, f"not a valid safetensors file: {e}") from None


def read_jsonl(path: Path | str) -> list[dict[str, Any]]:
    """Records of a JSONL file; a torn last line (a crash mid-append) is ignored."""
    path = Path(path)
    lines = read_bytes(path).split(b"\n")
    last = len(lines) - 1  # after the final newline comes b"" or a torn line
    out: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line.decode("utf-8"))
        except JSON_ERRORS as e:
            if i == last:
                break
            raise damaged(path, f"line {i + 1} is not valid JSON: {e}") from None
        if not isinstance(record, dict):
            raise damaged(path, f"line {i + 1} is not a JSON object")
        out.append(record)
    return out
