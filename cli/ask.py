"""`launch.py ask SOURCE --question Q [--at T]`: replay up to T, ask, print the answer.

SOURCE may also be a saved session folder: it is reopened and asked without replay,
or a live device (webcam:0+mic:default): it is watched for --at seconds, then asked.
With `--questions FILE.jsonl` ({"question", "at", "options"} per line) every
question is asked at its own stream time in one pass.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.args import (
    MAX_STREAM_S,
    add_device,
    add_kv_options,
    add_language,
    add_network,
    add_save,
    kv_options,
    network_options,
    positive,
    stream_time,
)
from cli.progress import StreamProgress
from cli.terminal import printable
from streamer.errors import StreamerError
from streamer.eval.records import parse_json, read_text
from streamer.memory.items import DEFAULT_MEMORY
from streamer.timeref import format_clock
from streamer.types import Answer

if TYPE_CHECKING:
    from streamer.session import Session

HELP = "replay a source up to a time and ask about it"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", help="file path, URL, webcam:N+mic:NAME (with --at), or a saved session folder"
    )
    parser.add_argument("--question", "-q", help="the question")
    parser.add_argument(
        "--at",
        type=stream_time,
        default=None,
        help="ask at this stream time in seconds (default: the end)",
    )
    parser.add_argument("--options", help='multiple-choice options separated by "|"')
    parser.add_argument("--questions", help="JSONL file: one {question, at, options} per line")
    parser.add_argument("--memory", default=DEFAULT_MEMORY, help="memory strategy")
    parser.add_argument("--backend", default="extractive", help="reasoning backend")
    add_device(parser)
    add_language(parser)
    add_network(parser)
    parser.add_argument(
        "--sample-fps",
        type=positive,
        default=1.0,
        help="frames perception samples per second of stream, plus cuts (default 1)",
    )
    add_save(parser, "autosave the session into DIR (and at the end): ask it later")
    add_kv_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object per answer")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def load_questions(args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.questions:
        path = Path(args.questions)
        if not path.exists():
            raise StreamerError(f"Questions file not found: {path}.")
        out = []
        for n, line in enumerate(read_text(path, "questions").split("\n"), 1):
            if line.strip():
                record = parse_json(line, f"{path} line {n}")
                problem = _bad_question(record)
                if problem:
                    raise StreamerError(f"{path} line {n}: {problem}.")
                out.append(record)
        if not out:
            raise StreamerError(
                f'There are no questions in {path}; write one {{"question": "...", "at": 30}} '
                "a line."
            )
        return sorted(out, key=lambda q: float("inf") if q.get("at") is None else q["at"])
    if args.question is None:
        raise StreamerError("Give a question with --question or a file with --questions.")
    options = [o for o in (args.options or "").split("|") if o.strip()] or None
    return [{"question": args.question, "at": args.at, "options": options}]


def _bad_question(record: object) -> str | None:
    """Why a --questions record cannot be asked, or None."""
    if not isinstance(record, dict):
        return 'give an object like {"question": "...", "at": 30}'
    question, at, options = record.get("question"), record.get("at"), record.get("options")
    if not isinstance(question, str) or not question.strip():
        return 'it has no "question" text'
    if at is not None and (
        isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at <= MAX_STREAM_S
    ):
        return f'"at" must be a stream time in seconds (0 to a year), not {at!r}'
    if options is not None and not (
        isinstance(options, list) and all(isinstance(o, str) for o in options)
    ):
        return '"options" must be a list of texts'
    return None


def run(args: argparse.Namespace) -> int:
    from streamer.capture import is_live
    from streamer.manifest import is_saved_session
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    questions = load_questions(args)
    live = is_live(args.source)
    if live and any(q.get("at") is None for q in questions):
        raise StreamerError(
            f"{args.source} is live and has no end; give --at SECONDS to watch before asking."
        )
    if is_saved_session(args.source):
        if args.save:
            raise StreamerError(f"{args.source} is already a saved session; ask it without --save.")
        session = Session.open(args.source)
    else:
        session = Session(
            SessionConfig(
                args.source,
                pace="realtime" if live else "none",  # a device cannot be held: it runs on
                memory=args.memory,
                memory_options=kv_options(args),
                backend=args.backend,
                device=args.device,
                perception=PerceptionConfig(sample_fps=args.sample_fps, language=args.language),
                save_dir=args.save,
                overwrite=args.overwrite,
                source_options=network_options(args),
            )
        ).start()
    told: set[str] = set()  # the stream's own note (an early end) is said once
    for left_out in session.notes:  # what a reopen had to leave out
        print(f"note: {left_out}", file=sys.stderr)
    try:
        for q in questions:
            if session.source is not None:
                at, note = _within(session, q.get("at"))
                _replay(session, at, args.quiet)
                if note:
                    print(note, file=sys.stderr)
                _tell_stream_note(session, told)
            stream = session.ask(q["question"], q.get("options"))
            if not args.json:
                print(f"[{format_clock(stream.question.asked_at)}] Q: {printable(q['question'])}")
                _print_answer(stream)
            answer = stream.result(timeout=600)
            _report(answer, args.json, q, next(iter(told), None), _reconnects(session))
    finally:
        session.stop()
    return 0


def _print_answer(tokens: Iterable[str]) -> None:
    """'A: ' and the tokens as they come, on one line.

    'A: ' waits for the first token: a model that loads on the first question
    draws its progress bar before the line, not through it.
    """
    started = False
    for token in tokens:
        print(("" if started else "A: ") + printable(token), end="", flush=True)
        started = True
    print("" if started else "A: ")


def _within(session: Session, at: float | None) -> tuple[float | None, str | None]:
    """`at`, or None (the end) with a note to print once the replay got there."""
    end = session.duration
    if at is not None and end is not None and at >= end:
        note = (
            f"note: {format_clock(at)} is past the end of the stream ({format_clock(end)}); "
            "asking at the end."
        )
        return None, note
    seen = session.stream_time()  # a session resumed from --save DIR starts where it ended
    if at is not None and at < seen:
        note = (
            f"note: the session saved in {session.config.save_dir} had already seen "
            f"{format_clock(seen)}; asking there."
        )
        return at, note
    return at, None


def _tell_stream_note(session: Session, told: set[str]) -> None:
    """Print the source's note (a cut file, a stream that stopped early) the first time."""
    source = session.source.stats() if session.source is not None else None
    if source is not None and source.note and source.note not in told:
        told.add(source.note)
        print(f"warning: {source.note}", file=sys.stderr)


def _replay(session: Session, at: float | None, quiet: bool) -> None:
    total = at if at is not None else session.duration
    progress = StreamProgress(total, enabled=not quiet, desc="replay").poll(session.stream_time)
    try:
        session.run_until(at)
    finally:
        progress.close()


def _reconnects(session: Session) -> tuple[int, float] | None:
    """(times, seconds missed) a network stream came back before the answer; None if never."""
    source = session.source.stats() if session.source is not None else None
    if source is None or not source.reconnects:
        return None
    return source.reconnects, round(source.gap_seconds, 3)


def _report(
    answer: Answer,
    as_json: bool,
    q: dict[str, Any],
    stream_note: str | None,
    reconnects: tuple[int, float] | None = None,
) -> None:
    if as_json:
        out: dict[str, Any] = {
            "question": answer.question,
            "answer": answer.text,
            "asked_at": answer.asked_at,
            "evidence": [
                {"start": round(e.start, 3), "end": round(e.end, 3), "kind": e.kind, "text": e.text}
                for e in answer.evidence
            ],
            "first_token_s": answer.first_token_s,
            "total_s": answer.total_s,
            "backend": answer.backend,
        }
        if q.get("options"):
            out["option"] = answer.option
            out["option_index"] = answer.option_index
        if answer.error:
            out["error"] = answer.error
        if stream_note:  # the answer was made from a stream that ended early
            out["stream_note"] = stream_note
        if reconnects is not None:  # it dropped and came back: the time it was away
            out["reconnects"], out["gap_s"] = reconnects
        print(json.dumps(out), flush=True)
        return
    for e in answer.evidence:
        span = f"{format_clock(e.start)}–{format_clock(e.end)}"
        print(f"   evidence {span} {e.kind}: {printable(e.text)}")
    print(
        f"   ({answer.first_token_s * 1000:.0f} ms to first token, "
        f"{answer.total_s * 1000:.0f} ms in all)",
        file=sys.stderr,
    )
