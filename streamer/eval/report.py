"""Merging a run folder's shards into one report: accuracy, baselines, latency, memory.

    report = build_report(bench, out, run_info)   # a JSON-ready dict
    write_report(report, out)                     # out/report.json and out/report.md

Accuracy is over the questions answered, overall and per `answer_type` and
sub-type, with yes/no questions also counted apart (they hide a ~50% floor).
Open answers add exact match, contains, token F1 and embedding cosine (MiniLM,
the embedder the timeline uses). An LLM judge of the open answers (`judge`) is
optional; its yes-share and 0-5 score are extra columns beside those.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from streamer.eval.baselines import majority_predictions, random_expected
from streamer.eval.judge import Asked, Judge, Verdict, judge_answers
from streamer.eval.official import official_scores
from streamer.eval.provenance import annotation_hashes
from streamer.eval.scoring import Row, judge, text_scores
from streamer.eval.shards import Shard
from streamer.eval.types import AnswerRecord, Benchmark, EvalQuestion, VideoRecord
from streamer.store import write_json_atomic

EPS = 1e-6  # seconds: float slack when checking that nothing came from the future
JUDGE_NOTE = "not run (eval --judge llm runs one); open answers are scored deterministically"
JUDGE_HEADLINE = (
    "extra columns only: the deterministic scores (contains, exact, token F1, cosine) stay "
    "the headline; a local judge's numbers are not comparable to GPT-judged ones"
)
PERCENTILES = (50, 90, 99)


def collect(bench: Benchmark, out: Path) -> tuple[list[Row], list[VideoRecord], int]:
    """Scored rows of every answered question, the video records, and how many went unanswered."""
    pairs: list[tuple[EvalQuestion, AnswerRecord]] = []
    videos: list[VideoRecord] = []
    unanswered = 0
    for v in bench.videos:
        state = Shard(out, v).load()
        if state.video is not None:
            videos.append(state.video)
        for q in v.questions:
            a = state.answers.get(q.qid)
            if a is None:
                unanswered += 1
            else:
                pairs.append((q, a))
    questions = [q for q, _ in pairs]
    majority = majority_predictions(questions)
    rand = random_expected(questions)
    rows = [
        Row(q, a, judge(q, a.prediction, a.option_index), r, judge(q, m))
        for (q, a), r, m in zip(pairs, rand, majority)
    ]
    for row in rows:
        if row.q.scoring == "text":
            row.text = text_scores(row.q.answer, row.a.prediction)
    return rows, videos, unanswered


def add_cosines(rows: Sequence[Row], embed: Callable[[list[str]], np.ndarray]) -> None:
    """Embedding cosine between gold and answer for the open answers (unit rows: a dot)."""
    open_rows = [r for r in rows if r.q.scoring == "text"]
    if not open_rows:
        return
    gold = embed([r.q.answer for r in open_rows])  # (n, 384)
    pred = embed([r.a.prediction or " " for r in open_rows])  # (n, 384)
    for r, c in zip(open_rows, np.sum(gold * pred, axis=1)):
        r.cosine = round(float(c), 4)


def _mean(xs: Sequence[float]) -> float | None:
    return round(float(np.mean(xs)), 4) if len(xs) else None


def summarise(rows: Sequence[Row]) -> dict[str, Any]:
    """Accuracy and baselines of a group of rows (and open-answer scores if any)."""
    out: dict[str, Any] = {
        "n": len(rows),
        "accuracy": _mean([float(r.correct) for r in rows]),
        "random": _mean([r.random for r in rows]),
        "majority": _mean([float(r.majority) for r in rows]),
    }
    texts = [r for r in rows if r.text is not None]
    if texts:
        out["open"] = {
            "n": len(texts),
            "exact": _mean([r.text.exact for r in texts if r.text]),
            "contains": _mean([r.text.contains for r in texts if r.text]),
            "f1": _mean([r.text.f1 for r in texts if r.text]),
            "cosine": _mean([r.cosine for r in texts if r.cosine is not None]),
        }
        verdicts = [r.verdict for r in texts if r.verdict is not None]
        if verdicts:
            out["open"]["judge"] = _judged(verdicts)
    return out


def _judged(verdicts: Sequence[Verdict]) -> dict[str, Any]:
    """Share judged a match and mean 0-5 score, over the verdicts that say each."""
    matches = [float(v.match) for v in verdicts if v.match is not None]
    scores = [float(v.score) for v in verdicts if v.score is not None]
    return {"n": len(verdicts), "yes": _mean(matches), "score": _mean(scores)}


def add_verdicts(rows: Sequence[Row], out: Path, judge: Judge | None) -> Any:
    """The judge's verdicts on the open answers (stored ones, new ones given `judge`).

    Returns the report's "judge" section: the note when no judge ever ran here.
    """
    open_rows = [r for r in rows if r.q.scoring == "text"]
    asked = [Asked(r.q.qid, r.q.question, r.q.answer, r.a.prediction) for r in open_rows]
    verdicts, info = judge_answers(out, asked, judge)
    if info is None:
        return JUDGE_NOTE
    for r in open_rows:
        r.verdict = verdicts.get(r.q.qid)
    got = [r.verdict for r in open_rows if r.verdict is not None]
    unread = sum(1 for v in got if v.match is None or v.score is None)
    return {**info, "judged": len(got), "unreadable": unread, "note": JUDGE_HEADLINE}


def _groups(rows: Sequence[Row], key: Callable[[Row], str]) -> dict[str, dict[str, Any]]:
    by: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        by[key(r)].append(r)
    return {k: summarise(v) for k, v in sorted(by.items())}


def _percentiles(xs: Sequence[float]) -> dict[str, float | None]:
    arr = np.asarray(xs, dtype=float)
    out: dict[str, float | None] = {
        f"p{p}": round(float(np.percentile(arr, p)), 4) if len(arr) else None for p in PERCENTILES
    }
    out["mean"] = round(float(arr.mean()), 4) if len(arr) else None
    return out


def _memory(videos: Sequence[VideoRecord]) -> dict[str, Any]:
    mems = [v.memory for v in videos if v.memory]
    if not mems:
        return {}
    return {
        "strategy": mems[0]["strategy"],
        "frames_seen": int(sum(m["frames_seen"] for m in mems)),
        "frames_held_mean": round(float(np.mean([m["frames_held"] for m in mems])), 2),
        "tokens_max": int(max(m["tokens"] for m in mems)),
        "budget_tokens": int(max(m["budget_tokens"] for m in mems)),
        "bytes_held_max": int(max(m["bytes_held"] for m in mems)),
    }


def _future_violations(rows: Sequence[Row]) -> int:
    """Answers resting on evidence from after the moment they were asked (must be 0)."""
    return sum(
        any(e.start > r.a.asked_at + EPS or e.end > r.a.asked_at + EPS for e in r.a.evidence)
        or r.a.asked_at > r.q.at + EPS
        for r in rows
    )


def _lookahead(rows: Sequence[Row]) -> dict[str, Any]:
    """How far past the question's moment memory and timeline reached when it was asked.

    Frames are held back exactly at the question's time; audio arrives in chunks
    (0.2 s) and a chunk that began before the moment is heard whole, so up to one
    chunk of speech may lie past it.
    """
    over = [r.a.seen_until - r.a.asked_at for r in rows if r.a.seen_until > r.a.asked_at + EPS]
    return {"answers": len(over), "max_s": round(max(over, default=0.0), 3)}


def _counts(
    bench: Benchmark, rows: Sequence[Row], videos: Sequence[VideoRecord], unanswered: int
) -> dict[str, Any]:
    return {
        "videos": {
            "found": len(bench.videos),
            "missing": len(bench.missing_videos),
            "streamed": sum(1 for v in videos if v.error is None),
            "errors": {v.video_id: v.error for v in videos if v.error},
        },
        "questions": {
            "total": bench.questions + bench.missing_questions,
            "answered": len(rows),
            "missing_video": bench.missing_questions,
            "unanswered": unanswered,
            "backend_errors": sum(1 for r in rows if r.a.error),
            "answered_by": dict(Counter(r.a.backend or "?" for r in rows)),
        },
    }


def _series(bench: Benchmark, rows: Sequence[Row]) -> dict[str, list[Any]]:
    """Per answer, in stream-time order: what the plots draw (`streamer.eval.plots`).

    behind_s is perception's wall time minus the stream time it had covered when
    asked (answering time included): how far a live run at this speed would trail.
    """
    start = {v.video_id: v.start for v in bench.videos}
    ordered = sorted(rows, key=lambda r: r.a.asked_at)
    behind = [
        None
        if r.a.perceive_wall_s is None
        else round(r.a.perceive_wall_s - (r.a.asked_at - start.get(r.a.video_id, 0.0)), 3)
        for r in ordered
    ]
    return {
        "video": [r.a.video_id for r in ordered],
        "stream_s": [r.a.asked_at for r in ordered],
        "first_token_s": [r.a.first_token_s for r in ordered],
        "memory_mb": [
            None if r.a.memory_bytes is None else round(r.a.memory_bytes / 1e6, 3) for r in ordered
        ],
        "behind_s": behind,
    }


def build_report(
    bench: Benchmark,
    out: Path,
    run_info: dict[str, Any],
    embed: Callable[[list[str]], np.ndarray] | None = None,
    judge: Judge | None = None,
) -> dict[str, Any]:
    """The report of the run in `out` over `bench`'s videos (JSON-ready)."""
    rows, videos, unanswered = collect(bench, out)
    if embed is not None:
        add_cosines(rows, embed)
    judged = add_verdicts(rows, out, judge)
    evidence = [e for r in rows for e in r.a.evidence]
    stream_s = sum(v.stream_time for v in videos)
    wall_s = sum(v.wall_s for v in videos)
    official = official_scores(bench.name, rows)
    return {
        "benchmark": bench.name,
        **run_info,
        **_counts(bench, rows, videos, unanswered),
        "overall": summarise(rows),
        "without_yesno": summarise([r for r in rows if not r.q.is_yesno]),
        "yesno": summarise([r for r in rows if r.q.is_yesno]),
        "by_answer_type": _groups(rows, lambda r: r.q.answer_type or "(none)"),
        "by_sub_type": _groups(rows, lambda r: f"{r.q.answer_type}/{r.q.sub_type}"),
        **({"official": official} if official is not None else {}),
        "asked": {  # whose words the questions were in, and the annotation files as read
            "prompts": bench.prompts or "streamer's own phrasing",
            "annotations": annotation_hashes(bench.annotations),
        },
        "judge": judged,
        "latency_s": {
            "first_token": _percentiles([r.a.first_token_s for r in rows]),
            "total": _percentiles([r.a.total_s for r in rows]),
        },
        "memory": _memory(videos),
        "evidence": {
            "moments": len(evidence),
            "frame_held_share": _mean([float(e.frame_held) for e in evidence]),
        },
        "future_violations": _future_violations(rows),
        "lookahead": _lookahead(rows),
        "series": _series(bench, rows),
        "streaming": {
            "stream_s": round(stream_s, 3),
            "wall_s": round(wall_s, 3),
            "x_realtime": round(stream_s / wall_s, 2) if wall_s else None,
            # strategies perceived on the same replays (eval --compare): the wall time is theirs too
            "shared_with": sorted({m for v in videos for m in v.shared_with or ()}),
        },
    }


def write_report(report: dict[str, Any], out: Path) -> Path:
    """out/report.json and out/report.md; returns the Markdown file."""
    from streamer.eval.plots import report_plots
    from streamer.eval.report_md import render_markdown

    report["plots"] = report_plots(report, out)  # paths relative to `out`; [] without matplotlib
    write_json_atomic(out / "report.json", report)
    md = out / "report.md"
    md.write_text(render_markdown(report), encoding="utf-8")
    return md
