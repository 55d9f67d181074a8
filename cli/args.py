"""Argument types that turn a bad number into argparse's one-line usage error, never a traceback.

parser.add_argument("--speed", type=positive, default=1.0)
"""

from __future__ import annotations

import argparse
import math
import os

from models.vlm.device import DEVICES  # no torch at import


def add_device(parser: argparse.ArgumentParser) -> None:
    """`--device auto|cpu|cpu-int8|cuda`: where a vlm backend runs (others ignore it)."""
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where a vlm backend runs: cuda when there is a GPU (auto, the default), or cpu "
        "(float32; cpu-int8: its vision tower's linear layers in int8, faster, checked on "
        "random weights only)",
    )


def add_save(parser: argparse.ArgumentParser, what: str) -> None:
    """`--save DIR` (`what` it does) and `--overwrite`: no save is replaced unasked."""
    parser.add_argument("--save", metavar="DIR", help=what)
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="with --save: replace a session of another source saved in DIR (the same source "
        "saved again is continued from where it ended)",
    )


def add_api_key(parser: argparse.ArgumentParser) -> None:
    """`--api-key KEY` (or $STREAMER_API_KEY): a bearer token the /v1 API then requires."""
    parser.add_argument(
        "--api-key",
        default=os.environ.get("STREAMER_API_KEY") or None,
        metavar="KEY",
        help="require 'Authorization: Bearer KEY' (or the --auth login) on the API at /v1 "
        "(default: $STREAMER_API_KEY; set there, it stays out of the process list)",
    )


def add_notify(parser: argparse.ArgumentParser) -> None:
    """`--notify URL` (repeatable) and `--notify-wait S`: where alerts go (cli/notify.py)."""
    parser.add_argument(
        "--notify",
        action="append",
        metavar="URL",
        help="deliver each alert there too (repeatable): mqtt://host:1883/topic-prefix, "
        "https://… (a webhook), ntfy://host/topic; logins and secrets go in "
        "~/.config/streamer/notify.json (chmod 600)",
    )
    parser.add_argument(
        "--notify-wait",
        type=non_negative,
        default=10.0,
        metavar="S",
        help="at exit, wait up to S seconds for pending deliveries (10); the rest go out at "
        "the next start",
    )


def add_language(parser: argparse.ArgumentParser) -> None:
    """`--language CODE`: what is spoken in the stream (default: detected in each stream)."""
    parser.add_argument(
        "--language",
        type=language,
        default=None,
        metavar="CODE",
        help="what is spoken, as a Whisper code (en, de, fr, ...); skips detecting it, which "
        "can mishear a stream's first short sentence (default: detected in each stream)",
    )


def language(text: str) -> str:
    """A language code Whisper reads."""
    from models.speech import check_language

    try:
        return check_language(text.strip().lower())
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def positive(text: str) -> float:
    """A finite number above 0 (a speed, a rate, a length)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} must be above 0")
    return value


def non_negative(text: str) -> float:
    """A finite number of 0 or more (a stream time)."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text} must be 0 or more")
    return value


MAX_STREAM_S = 366 * 24 * 3600  # a year of stream: past it a time is a typo, not a stream


def stream_time(text: str) -> float:
    """A stream time in seconds: 0 to a year (1e308 printed as a 300-digit clock before)."""
    value = non_negative(text)
    if value > MAX_STREAM_S:
        raise argparse.ArgumentTypeError(
            f"{text} s is past any stream; give at most {MAX_STREAM_S} (a year)"
        )
    return value


def count(text: str) -> int:
    """A whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} must be 1 or more")
    return value


def port(text: str) -> int:
    """A TCP port number, 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port: give 1 to 65535")
    return value


def add_network(parser: argparse.ArgumentParser) -> None:
    """`--rtsp-transport tcp|udp` and `--max-attempts N` for a network stream that stops."""
    parser.add_argument(
        "--rtsp-transport",
        choices=("tcp", "udp"),
        default=None,
        help="how an rtsp:// stream is carried (default tcp: no lost packets behind a NAT)",
    )
    parser.add_argument(
        "--max-attempts",
        type=count,
        default=None,
        metavar="N",
        help="reconnect attempts in a row before a network stream is taken as gone (default 8, "
        "about 27 s of waits)",
    )


def network_options(args: argparse.Namespace) -> dict[str, object]:
    """The source options `add_network` gave, only those set (the source's defaults stand)."""
    given = {"rtsp_transport": args.rtsp_transport, "max_attempts": args.max_attempts}
    return {k: v for k, v in given.items() if v is not None}


def add_kv_options(parser: argparse.ArgumentParser) -> None:
    """The kv memory's settings (`--memory kv`); the other strategies ignore them."""
    parser.add_argument(
        "--kv-ram-gb",
        type=positive,
        default=None,
        help="kv memory: GiB of KV blocks kept in RAM before the oldest go to disk (0.5)",
    )
    parser.add_argument(
        "--kv-top-k", type=count, default=None, help="kv memory: blocks retrieved a layer (16)"
    )
    parser.add_argument(
        "--kv-retrieve",
        choices=("internal", "embedding"),
        default=None,
        help="kv memory: blocks chosen by the question's attention queries (internal, ReKV) "
        "or by its mean token embedding against each frame's mean visual token",
    )
    parser.add_argument(
        "--kv-positions",
        choices=("compact", "stream"),
        default=None,
        help="kv memory: an answer reads the retrieved blocks re-indexed right after the "
        "attention sinks (compact) or at their stream positions, past the LM's context on "
        "long streams (stream: to compare)",
    )


def kv_options(args: argparse.Namespace) -> dict[str, object]:
    """The kv settings given on the command line, as `SessionConfig.memory_options`.

    Only for a memory of the kv kind (known by its class, not its name); {} for the others.
    """
    from streamer.memory.kv import KvMemory
    from streamer.memory.registry import memory_class

    strategy = memory_class(str(getattr(args, "memory", "")))
    if strategy is None or not issubclass(strategy, KvMemory):
        return {}
    given = {
        "ram_mb": args.kv_ram_gb * 1024 if args.kv_ram_gb is not None else None,
        "top_k": args.kv_top_k,
        "retrieve": args.kv_retrieve,
        "positions": args.kv_positions,
    }
    return {k: v for k, v in given.items() if v is not None}
