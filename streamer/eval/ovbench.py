"""OVBench (VideoChat-Online, CVPR 2025): 7,005 multiple-choice questions asked mid-stream.

Four annotation files, one per source (ava, coin, hirest, tao), each a JSON list of

    {"video", "question", "candidates", "answer", "answer_type", "sub_answer_type",
     "middle_frame_timestamp", "start", "end", ["fps"], ["image_file"]}

The question is asked at `end` (its "now"), the stream runs from `start`; both are
seconds of the video file (for AVA, whose clips begin 895 s into the film,
`middle_frame_timestamp` is in film time and `end` in clip time). `answer` is the
right candidate's text (a letter is accepted too). TAO videos are folders of
frames at `fps`; their records name the frame the question was written on
(`image_file`) and their options are bounding boxes written as text.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.locate import VideoRoot
from streamer.eval.records import parse_json, read_text, record
from streamer.eval.types import Benchmark, EvalQuestion, EvalVideo

SUBSETS = ("ava", "coin", "hirest", "tao")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DEFAULT_FRAMES_FPS = 30.0  # TAO frame folders without an `fps` field


def annotation_files(path: str | Path) -> list[Path]:
    """The OVBench JSON files at `path`: a folder of them or one file."""
    p = Path(path).expanduser()
    if p.is_dir():
        files = sorted(p.glob("*.json"))
    elif p.is_file():
        files = [p]
    else:
        raise StreamerError(f"OVBench annotations not found at {p}; give the folder of *.json.")
    if not files:
        raise StreamerError(f"{p} holds no OVBench *.json annotation files.")
    return files


def load_records(path: str | Path) -> list[tuple[str, int, dict[str, Any]]]:
    """(subset, index in its file, record) for every record of every file at `path`."""
    out = []
    for f in annotation_files(path):
        data = parse_json(read_text(f, "OVBench"), str(f))
        if not isinstance(data, list):
            raise StreamerError(f"{f} is not an OVBench file: it holds no list of questions.")
        out += [(f.stem.lower(), i, r) for i, r in enumerate(data)]
    return out


def to_question(subset: str, index: int, r: dict[str, Any]) -> EvalQuestion:
    """One record as a multiple-choice question asked at `end`."""
    options = tuple(str(c) for c in r["candidates"])
    answer = str(r["answer"]).strip()
    index_of = {o.strip().lower(): i for i, o in enumerate(options)}
    if answer.lower() in index_of:
        answer_index = index_of[answer.lower()]
    elif len(answer) == 1 and answer.upper() in LETTERS[: len(options)]:
        answer_index = LETTERS.index(answer.upper())
    else:
        raise StreamerError(f"OVBench {subset} record {index}: answer {answer!r} is no option.")
    return EvalQuestion(
        qid=f"{subset}/{index}",
        question=str(r["question"]),
        at=float(r["end"]),
        answer=options[answer_index],
        options=options,
        answer_index=answer_index,
        answer_type=str(r.get("answer_type", "")),
        sub_type=str(r.get("sub_answer_type", "")),
        scoring="choice",
        window=(float(r.get("start", 0.0)), float(r["end"])),
        image_file=r.get("image_file"),
    )


def load_ovbench(annotations: str | Path, video_root: str | Path | None) -> Benchmark:
    """All records, grouped into one stream per (video, start); videos not found are counted."""
    groups: dict[tuple[str, str, float], list[EvalQuestion]] = defaultdict(list)
    fps: dict[tuple[str, str, float], float | None] = {}
    for subset, i, r in load_records(annotations):
        with record(f"OVBench {subset} record {i}"):
            key = (subset, str(r["video"]), float(r.get("start", 0.0)))
            groups[key].append(to_question(subset, i, r))
            fps.setdefault(key, None if r.get("fps") is None else float(r["fps"]))
    root = VideoRoot(video_root)
    bench = Benchmark("ovbench", [], annotations=[str(f) for f in annotation_files(annotations)])
    for (subset, video_id, start), questions in sorted(groups.items()):
        image = next((q.image_file for q in questions if q.image_file), None)
        found = root.find(video_id, subset, image)
        if found is None:
            bench.missing_videos.append(f"{subset}/{video_id}")
            bench.missing_questions += len(questions)
            continue
        rate = fps[(subset, video_id, start)] if found.frames else None
        bench.videos.append(
            EvalVideo(
                video_id,
                str(found.path),
                questions,
                start=start,
                subset=subset,
                frames_fps=float(rate or DEFAULT_FRAMES_FPS) if found.frames else None,
            )
        )
    return bench
