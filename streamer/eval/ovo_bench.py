"""OVO-Bench (CVPR 2025): backward, real-time and forward questions on 644 videos.

One JSON list (`ovo_bench_new.json` of github.com/JoeLeelyf/OVO-Bench, its
`data/` folder), each record tagged with its task:

    backward (EPM, ASI, HLD) and real-time (STU, OJR, ATR, ACR, OCR, FPD):
        {"id", "task", "video", "realtime", "question", "options": [...], "gt": 0-based}
    forward, active responding: one question re-asked at each `test_info` time
        REC {"id", "task", "video", "activity", "test_info": [{"realtime", "count"}]}
        SSR {"id", "task", "video", "test_info": [{"realtime", "step", "type": 0|1}], ...}
        CRR {"id", "task", "video", "question", "answer", "ask_time", "clue_time",
             "test_info": [{"realtime", "type": 0|1}]}

`video` is a path under the video root ("COIN/xZecGPPhbHE.mp4"); each video is
streamed once from its start and every question (every forward probe) asked at
its `realtime`, with memory of everything before it. The official scorer
(`streamer.eval.official`) scores each probe on its own, as the benchmark's
script does. Without the benchmark's templates (`streamer.eval.protocol`, eval
--protocol) the questions are our own phrasing of what they ask: REC "How many
times did they <activity>?" (a number), SSR "is this step being performed now?"
and CRR "can the question be answered yet?" (yes / no; type 1 means yes); with
them, each question goes to the backend as the template the benchmark fills.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.locate import VideoRoot
from streamer.eval.protocol import Templates, ovo_prompt
from streamer.eval.records import parse_json, read_text, record
from streamer.eval.types import Benchmark, EvalQuestion, EvalVideo

CATEGORIES = {
    "backward": ("EPM", "ASI", "HLD"),
    "realtime": ("STU", "OJR", "ATR", "ACR", "OCR", "FPD"),
    "forward": ("REC", "SSR", "CRR"),
}
CATEGORY_OF = {task: cat for cat, tasks in CATEGORIES.items() for task in tasks}


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """The records of an OVO-Bench annotation file (or of every *.json in a folder)."""
    p = Path(path).expanduser()
    files = sorted(p.glob("*.json")) if p.is_dir() else [p]
    if not p.exists() or not files:
        raise StreamerError(f"OVO-Bench annotations not found at {p}; give ovo_bench_new.json.")
    out: list[dict[str, Any]] = []
    for f in files:
        data = parse_json(read_text(f, "OVO-Bench"), str(f))
        if not isinstance(data, list):
            raise StreamerError(f"{f} is not an OVO-Bench file: it holds no list of records.")
        out += data
    return out


def to_questions(r: dict[str, Any], templates: Templates | None = None) -> list[EvalQuestion]:
    """One record as its questions: one multiple-choice question, or one per forward probe."""
    task = str(r["task"])
    category = CATEGORY_OF.get(task)
    if category is None:
        raise ValueError(f"task {task!r} is none of {', '.join(CATEGORY_OF)}")
    rid = str(r["id"])
    if category != "forward":
        options = tuple(str(o) for o in r["options"])
        gt = int(r["gt"])
        if not 0 <= gt < len(options):
            raise ValueError(f"gt {gt} is no option")
        question = str(r["question"])
        return [
            EvalQuestion(
                qid=rid,
                question=question,
                at=float(r["realtime"]),
                answer=options[gt],
                options=options,
                answer_index=gt,
                answer_type=category,
                sub_type=task,
                scoring="choice",
                prompt=ovo_prompt(templates, task, question, options) if templates else None,
            )
        ]
    return [_probe(rid, task, i, r, p, templates) for i, p in enumerate(r["test_info"])]


def _probe(
    rid: str, task: str, i: int, r: dict[str, Any], p: dict[str, Any], t: Templates | None
) -> EvalQuestion:
    # what the benchmark's template is filled with: the activity, the step, the question
    filler = str(r["activity"] if task == "REC" else p["step"] if task == "SSR" else r["question"])
    if task == "REC":
        question, answer, scoring = (
            f"How many times did they {r['activity']}?",
            str(p["count"]),
            "number",
        )
    elif task == "SSR":
        question = f"Is someone performing this step right now: {p['step']}?"
        answer, scoring = _yes(p["type"]), "yesno"
    else:  # CRR
        question = f"Is there enough seen so far to answer: {r['question']}"
        answer, scoring = _yes(p["type"]), "yesno"
    return EvalQuestion(
        qid=f"{rid}/{i}",
        question=question,
        at=float(p["realtime"]),
        answer=answer,
        answer_type="forward",
        sub_type=task,
        scoring=scoring,
        prompt=ovo_prompt(t, task, filler) if t else None,
    )


def _yes(kind: object) -> str:
    if kind not in (0, 1):
        raise ValueError(f"type {kind!r} is neither 0 nor 1")
    return "Yes" if kind == 1 else "No"


def load_ovo_bench(
    annotations: str | Path, video_root: str | Path | None, templates: Templates | None = None
) -> Benchmark:
    """Every record, grouped into one stream per video; videos not found are counted."""
    groups: dict[str, list[EvalQuestion]] = defaultdict(list)
    for i, r in enumerate(read_records(annotations)):
        with record(f"OVO-Bench record {i}"):
            groups[str(r["video"])] += to_questions(r, templates)
    root = VideoRoot(video_root)
    bench = Benchmark("ovo-bench", [], annotations=[str(annotations)])
    for video, questions in sorted(groups.items()):
        found = root.find(video) or root.find(Path(video).name)
        if found is None or found.frames:
            bench.missing_videos.append(video)
            bench.missing_questions += len(questions)
            continue
        video_id = str(Path(video).with_suffix(""))  # "COIN/xZecGPPhbHE": unique across sources
        bench.videos.append(EvalVideo(video_id, str(found.path), questions))
    return bench
