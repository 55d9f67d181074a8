"""StreamingBench (2024): 900 videos, five multiple-choice questions each, asked mid-stream.

The question files of github.com/THUNLP-MT/StreamingBench (`src/data/`, one per
part: real-time visual understanding, omni-source, contextual), each a JSON list of

    {"time": "[0:00:00 - 0:01:00]", "video_path": "./videos/sample_2_....mp4",
     "video_categories": "...",
     "questions": [{"task_type", "question", "time_stamp": "00:00:50",
                    "options": ["A. ...", "B. ..."], "answer": "B", "required_ability"}]}

Asked in our words (the question, its options beside it), or with `templates`
(eval --protocol) in the benchmark's own prompt (`streamer.eval.protocol`).

Two settings:

- streaming (the default here): each video is streamed once from its start and
  every question asked at its `time_stamp`, with memory of everything before it;
- `context_s=60` (the benchmark's main setting, "60 seconds of context preceding
  the query time"): each question gets its own stream that starts 60 s before
  its time, so nothing older can help or mislead it.

`subset="real"` keeps the ten real-time visual understanding tasks; the full set
is every file given. Questions without options (the proactive-output part) are
left out: they are not multiple choice (`eval --score` scores a proactive output
file by count.py's rule, streamer/eval/published.py). The options asked are the
four its prompt shows (`shown_options`), each under the letter it is shown with.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.locate import VideoRoot
from streamer.eval.protocol import Templates, sb_prompt
from streamer.eval.records import parse_json, read_text, record
from streamer.eval.types import Benchmark, EvalQuestion, EvalVideo

REAL_TIME_TASKS = (
    "Object Perception",
    "Causal Reasoning",
    "Clips Summarize",
    "Attribute Perception",
    "Event Understanding",
    "Text-Rich Understanding",
    "Prospective Reasoning",
    "Spatial Understanding",
    "Action Perception",
    "Counting",
)
OMNI_TASKS = (
    "Emotion Recognition",
    "Scene Understanding",
    "Source Discrimination",
    "Multimodal Alignment",
)
SUBSETS = ("real", "all")
SHOWN = 4  # the option slots of StreamingBench's prompt (PROMPT_TEMPLATE)
LETTER_PREFIX = re.compile(r"^\s*\(?([A-Z])[.):]\s*")  # "A. text", "(B) text", "C.text"


def category(task: str) -> str:
    if task in REAL_TIME_TASKS:
        return "real-time"
    return "omni-source" if task in OMNI_TASKS else "contextual"


def clock(text: str) -> float:
    """Seconds of "HH:MM:SS", "H:MM:SS" or "MM:SS" (fractions allowed)."""
    parts = str(text).strip().split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"time {text!r} is not HH:MM:SS")
    seconds = 0.0
    for p in parts:
        seconds = seconds * 60 + float(p)
    return seconds


def shown_options(entries: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The options StreamingBench's prompt shows, as (texts, the letter each is shown under).

    Its eval fills four slots: a list whose first entry begins "A." is shown as it
    stands, so a fifth entry on is dropped and an entry without a letter (a fragment of
    the option before it, in a few omni-source questions) is shown with none; any other
    list is lettered A-D by place. Empty entries and letterless fragments show nothing
    to choose and are left out here; the rest keep the letter they are shown under.
    """
    first = entries[:SHOWN]
    lettered = bool(first) and first[0].startswith("A.")
    texts: list[str] = []
    letters: list[str] = []
    for i, e in enumerate(first):
        m = LETTER_PREFIX.match(e)
        text = (e[m.end() :] if m else e).strip()
        if text and (m or not lettered):
            texts.append(text)
            letters.append(m.group(1) if lettered and m else chr(65 + i))
    return tuple(texts), tuple(letters)


def to_question(qid: str, r: dict[str, Any], templates: Templates | None = None) -> EvalQuestion:
    entries = [str(o) for o in r["options"]]
    options, letters = shown_options(entries)
    letter = str(r["answer"]).strip().upper()[:1]
    if not letter.isalpha() or not options:
        raise ValueError(f"answer {r['answer']!r} is no option letter")
    # a gold letter no shown option carries (two omni-source questions): asked all the
    # same, and never right, as in count.py
    index = letters.index(letter) if letter in letters else None
    task = str(r["task_type"])
    return EvalQuestion(
        qid=qid,
        question=str(r["question"]),
        at=clock(r["time_stamp"]),
        answer=options[index] if index is not None else letter,
        options=options,
        answer_index=index,
        letters=None if letters == tuple("ABCD"[: len(letters)]) else letters,
        gold_letter=None if index is not None else letter,
        answer_type=category(task),
        sub_type=task,
        scoring="choice",
        prompt=sb_prompt(templates, str(r["question"]), entries) if templates else None,
    )


def _files(path: str | Path) -> list[Path]:
    p = Path(path).expanduser()
    files = sorted(p.glob("*.json")) if p.is_dir() else [p] if p.is_file() else []
    if not files:
        raise StreamerError(
            f"StreamingBench questions not found at {p}; give a questions_*.json file or "
            "their folder."
        )
    return files


def load_streamingbench(
    annotations: str | Path,
    video_root: str | Path | None,
    subset: str = "all",
    context_s: float | None = None,
    templates: Templates | None = None,
) -> Benchmark:
    """The questions of `subset`, one stream per video (or per question and start)."""
    if subset not in SUBSETS:
        raise StreamerError(f"StreamingBench subset must be one of {', '.join(SUBSETS)}.")
    groups: dict[tuple[str, float], list[EvalQuestion]] = defaultdict(list)
    files = _files(annotations)
    for f in files:
        data = parse_json(read_text(f, "StreamingBench"), str(f))
        if not isinstance(data, list):
            raise StreamerError(f"{f} is not a StreamingBench file: it holds no list of videos.")
        for i, v in enumerate(data):
            with record(f"{f.name} record {i}"):
                video = str(v["video_path"])
                for j, r in enumerate(v["questions"]):
                    if not r.get("options") or (
                        subset == "real" and r["task_type"] not in REAL_TIME_TASKS
                    ):
                        continue
                    q = to_question(f"{f.stem}/{i}/{j}", r, templates)
                    start = 0.0 if context_s is None else max(0.0, q.at - context_s)
                    groups[(video, start)].append(q)
    name = "streamingbench" if context_s is None else f"streamingbench-{context_s:g}s"
    bench = Benchmark(name, [], annotations=[str(f) for f in files])
    root = VideoRoot(video_root)
    for (video, start), questions in sorted(groups.items()):
        found = root.find(video) or root.find(Path(video).name)
        if found is None or found.frames:
            bench.missing_videos.append(video)
            bench.missing_questions += len(questions)
            continue
        bench.videos.append(EvalVideo(Path(video).stem, str(found.path), questions, start=start))
    return bench
