"""VStream-QA (Flash-VStream) and ReKV's RVS repackaging: open-ended questions on long videos.

VStream-QA, a JSON list of clips of long videos (Ego4D, MovieNet):

    {"id", "video_id", "question", "answer", "answer_type",
     "start_time", "end_time", "duration"}

RVS (ReKV's real-time VStream repackaging), a JSON list of videos:

    {"video_id", "video_path", "duration",
     "conversations": [{"question", "answer", "start_time", "end_time"}, ...]}

Either way the whole video is streamed from its start and each question asked at
its `end_time`; [start_time, end_time] is the stretch it is about (kept as the
question's `window`). A yes/no gold answer is judged by the answer's first word.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.locate import Found, VideoRoot
from streamer.eval.records import parse_json, read_text, record
from streamer.eval.types import Benchmark, EvalQuestion, EvalVideo


def _read_list(path: str | Path, what: str) -> list[dict[str, Any]]:
    p = Path(path).expanduser()
    if not p.is_file():
        raise StreamerError(f"{what} annotations not found at {p}; give the JSON file.")
    data = parse_json(read_text(p, what), str(p))
    if isinstance(data, dict):  # some releases wrap the list: {"data": [...]}
        data = next((v for v in data.values() if isinstance(v, list)), None)
    if not isinstance(data, list):
        raise StreamerError(f"{p} is not a {what} file: it holds no list of records.")
    return data


def _question(
    qid: str, r: dict[str, Any], answer_type: str = "", sub_type: str = ""
) -> EvalQuestion:
    answer = str(r["answer"]).strip()
    start, end = float(r.get("start_time", 0.0)), float(r["end_time"])
    yesno = re.fullmatch(r"(yes|no)\b[\s\S]*", answer.lower()) is not None
    return EvalQuestion(
        qid=qid,
        question=str(r["question"]),
        at=end,
        answer=answer,
        answer_type=answer_type or ("yes/no" if yesno else "open"),
        sub_type=sub_type,
        scoring="yesno" if yesno else "text",
        window=(start, end),
    )


def load_vstream(annotations: str | Path, video_root: str | Path | None) -> Benchmark:
    """VStream-QA records grouped by video; each question asked at its `end_time`."""
    groups: dict[str, list[EvalQuestion]] = defaultdict(list)
    for i, r in enumerate(_read_list(annotations, "VStream-QA")):
        with record(f"VStream-QA record {i}"):
            qid = str(r.get("id", f"{r['video_id']}/{i}"))
            groups[str(r["video_id"])].append(_question(qid, r, str(r.get("answer_type", ""))))
    root = VideoRoot(video_root)
    bench = Benchmark("vstream", [], annotations=[str(annotations)])
    for video_id, questions in sorted(groups.items()):
        _add(bench, video_id, root.find(video_id), questions)
    return bench


def load_rvs(annotations: str | Path, video_root: str | Path | None) -> Benchmark:
    """RVS videos with their conversations; `video_path` is tried first, then the id."""
    root = VideoRoot(video_root)
    bench = Benchmark("rvs", [], annotations=[str(annotations)])
    for n, v in enumerate(_read_list(annotations, "RVS")):
        with record(f"RVS record {n}"):
            video_id = str(v["video_id"])
            questions = [
                _question(f"{video_id}/{i}", c, sub_type=str(v.get("source", "")))
                for i, c in enumerate(v.get("conversations", []))
            ]
            found = _by_path(v.get("video_path"), video_root) or root.find(video_id)
        _add(bench, video_id, found, questions)
    bench.videos.sort(key=lambda e: e.video_id)
    return bench


def _by_path(path: str | None, root: str | Path | None) -> Found | None:
    """RVS's `video_path`: absolute, relative to the root, or its file name under the root."""
    if not path:
        return None
    p = Path(path).expanduser()
    tries = [p] if p.is_absolute() else []
    if root:
        tries += [Path(root).expanduser() / path, Path(root).expanduser() / p.name]
    return next((Found(t, frames=False) for t in tries if t.is_file()), None)


def _add(bench: Benchmark, video_id: str, found: Found | None, qs: list[EvalQuestion]) -> None:
    if found is None or found.frames:
        bench.missing_videos.append(video_id)
        bench.missing_questions += len(qs)
    else:
        bench.videos.append(EvalVideo(video_id, str(found.path), qs))
