"""Responses in a benchmark's own results format, scored by our rules into its official table.

    score = score_published("ovo-bench", ["OVO-Bench/results/Gemini"],
                            "OVO-Bench/data/ovo_bench_new.json")
    score.official["total_avg"]   # score.py's "Total Avg.", as a fraction
    score.changed                 # items whose gold the annotation file revised

The first check of an evaluation tool: feed it responses whose official score is
known and see the same number. Read are

- OVO-Bench: its `results/<model>/*.json`, each {"backward": [...], "realtime":
  [...], "forward": [...]}; a backward / real-time item holds "response" and
  "ground_truth" (a letter), a forward item is its annotation record with a
  "response" in each `test_info` probe;
- StreamingBench: the question files its `src/eval.py` writes back, each question
  holding the model's response under the model's name (given, or the one key a
  question file does not have); the sequential-QA files (lists of lists) too, and
  the proactive-output file, whose questions hold the model's dialog and are
  scored by count.py's proactive rule (`official.sb_proactive_right`) into a table
  of their own: on time (the last turn within 2 s of the gold time) and right (on
  time, and the gold output in the last turn's words).

Without annotations every item is scored against the gold the results file
carries, so the table is the official script's; with them, against the
annotation file's, and each item whose gold differs is listed.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from streamer.errors import StreamerError
from streamer.eval.official import (
    ovo_gold,
    ovo_item_right,
    ovo_table,
    proactive_table,
    sb_proactive_right,
    streamingbench_table,
)
from streamer.eval.records import parse_json, read_text, record

# The fields of a StreamingBench question; any other key is a model's response.
SB_FIELDS = frozenset(
    {"task_type", "question", "time_stamp", "answer", "options", "required_ability"}
    | {"ground_truth_time_stamp", "ground_truth_output", "audio_path", "time"}
)
PUBLISHED = ("ovo-bench", "streamingbench")


@dataclass(frozen=True)
class Item:
    """One scored response: `gold` as the script reads it (a letter, a count, Yes/No)."""

    qid: str
    task: str
    response: str | None
    gold: str
    where: tuple[str, str] = ("", "")  # backward / real-time: (video file name, question)


@dataclass(frozen=True)
class GoldChange:
    """An item whose gold the annotation file gives otherwise than the results file."""

    qid: str
    task: str
    results: str
    annotations: str


@dataclass(frozen=True)
class Renumbered:
    """A results record whose id another record of the file also has, matched by its video
    and question to the annotation record it answers (an older annotation file's ids)."""

    results_id: str
    annotations_id: str
    task: str


@dataclass
class PublishedScore:
    benchmark: str
    results: list[str]
    official: dict[str, Any]  # the table, as `streamer.eval.official` names its entries
    annotations: str | None = None
    annotations_sha256: str | None = None
    changed: list[GoldChange] = field(default_factory=list)
    renumbered: list[Renumbered] = field(default_factory=list)
    unanswered: int = 0  # StreamingBench: questions with no response (count.py skips them)
    model: str | None = None


def sha256_of(path: Path) -> str:
    """The sha256 of a file, or of a folder's *.json files in name order."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()


def _json_files(path: str | Path, what: str) -> list[Path]:
    p = Path(path).expanduser()
    files = sorted(p.glob("*.json")) if p.is_dir() else [p] if p.is_file() else []
    if not files:
        raise StreamerError(f"No {what} found at {p}; give a results .json file or its folder.")
    return files


def _load(f: Path, what: str) -> Any:
    return parse_json(read_text(f, what), str(f))


def ovo_items(data: Any, where: str) -> list[Item]:
    """The items of one OVO-Bench results file, each forward probe one item."""
    if not isinstance(data, dict):
        raise StreamerError(f"{where} is not an OVO-Bench results file: it holds no categories.")
    items: list[Item] = []
    for cat in ("backward", "realtime"):
        for i, r in enumerate(data.get(cat) or []):
            with record(f"{where} {cat} item {i}"):
                reply, where_ = _reply(r["response"]), (Path(r["video"]).name, r["question"])
                items.append(Item(str(r["id"]), str(r["task"]), reply, r["ground_truth"], where_))
    for i, r in enumerate(data.get("forward") or []):
        with record(f"{where} forward item {i}"):
            task = str(r["task"])
            for j, p in enumerate(r["test_info"]):
                gold = str(p["count"]) if task == "REC" else ("Yes" if p["type"] == 1 else "No")
                items.append(Item(f"{r['id']}/{j}", task, _reply(p.get("response")), gold))
    return items


def _reply(value: Any) -> str | None:
    """A response as text: some published files hold a batch's list of one reply."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]  # QWen2VL_72B's forward replies, ["1"]: score.py stops on them
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f"its response {value!r} is not text")


@dataclass
class OvoGolds:
    """An OVO-Bench annotation file's gold per item id, and the ids of each video's question."""

    gold: dict[str, str] = field(default_factory=dict)
    ids: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)

    def match(self, it: Item, taken: set[str]) -> str:
        """The annotation id of a results record whose id is not its own alone: the record
        of the same task, video and question, with the same gold where one has it."""
        free = [i for i in self.ids.get((it.task, *it.where), []) if i not in taken]
        same = [i for i in free if self.gold[i] == it.gold]
        return (same or free or [it.qid])[0]


def ovo_golds(annotations: str | Path) -> OvoGolds:
    """Each item's gold in an OVO-Bench annotation file, by the ids results files use."""
    from streamer.eval.ovo_bench import read_records, to_questions

    out = OvoGolds()
    for i, r in enumerate(read_records(annotations)):
        with record(f"OVO-Bench record {i}"):
            out.gold.update({q.qid: ovo_gold(q) for q in to_questions(r)})
            if "options" in r:
                key = (str(r["task"]), Path(str(r["video"])).name, str(r["question"]))
                out.ids.setdefault(key, []).append(str(r["id"]))
    return out


def sb_questions(data: Any, where: str) -> list[dict[str, Any]]:
    """Every question of a StreamingBench file, tagged with its video and a readable id."""
    if not isinstance(data, list):
        raise StreamerError(f"{where} is not a StreamingBench file: it holds no list of videos.")
    videos = [v for entry in data for v in (entry if isinstance(entry, list) else [entry])]
    out = []
    for i, v in enumerate(videos):
        with record(f"{where} video {i}"):
            for j, q in enumerate(v["questions"]):
                qid = f"{Path(str(v['video_path'])).stem}@{q['time_stamp']}#{j}"
                out.append({**q, "_qid": qid, "_key": (v["video_path"], q["time_stamp"], j)})
    return out


def _model_name(questions: list[dict[str, Any]], given: str | None, where: str) -> str:
    if given:
        return given
    names = sorted({k for q in questions for k in q if k not in SB_FIELDS and k[0] != "_"})
    if len(names) != 1:
        found = ", ".join(names) or "none"
        raise StreamerError(
            f"{where} holds responses of {len(names)} models ({found}); name one with --model."
        )
    return names[0]


def _sb_response(value: Any) -> str | None:
    """A response as count.py reads it: a string (a list's first element in SQA files)."""
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None


def _sb_proactive(q: dict[str, Any], reply: Any) -> tuple[str, bool, bool] | None:
    """(task type, on time, right output) of a proactive-output question, None unanswered."""
    from streamer.eval.streamingbench import clock

    right = sb_proactive_right(
        clock(q["ground_truth_time_stamp"]), str(q["ground_truth_output"]), reply
    )
    return None if right is None else (str(q["task_type"]), *right)


def score_ovo(results: list[Path], annotations: str | None) -> PublishedScore:
    items = [it for f in results for it in ovo_items(_load(f, "OVO-Bench results"), str(f))]
    golds = ovo_golds(annotations) if annotations else OvoGolds()
    # Published files made with an older annotation file can hold two records under one
    # id (Gemini's EPM 192: the questions now 192 and 194); those are matched by question.
    shared = {q for q, n in Counter(it.qid for it in items).items() if n > 1}
    taken: set[str] = set()
    changed, renumbered, hits = [], [], []
    for it in items:
        qid = golds.match(it, taken) if it.qid in shared and golds.gold else it.qid
        taken.add(qid)
        if qid != it.qid:
            renumbered.append(Renumbered(it.qid, qid, it.task))
        gold = golds.gold.get(qid, it.gold)
        if gold != it.gold:
            changed.append(GoldChange(qid, it.task, it.gold, gold))
        hits.append((it.task, ovo_item_right(it.task, gold, it.response)))
    official = {"scorer": "OVO-Bench score.py rules on each published response", **ovo_table(hits)}
    score = PublishedScore("ovo-bench", [str(f) for f in results], official, changed=changed)
    score.renumbered = renumbered
    return score


def score_streamingbench(
    results: list[Path], annotations: str | None, model: str | None
) -> PublishedScore:
    questions = [q for f in results for q in sb_questions(_load(f, "StreamingBench"), str(f))]
    name = _model_name(questions, model, ", ".join(str(f) for f in results))
    golds: dict[Any, str] = {}
    if annotations:
        for f in _json_files(annotations, "StreamingBench questions"):
            data = _load(f, "StreamingBench questions")
            golds.update({q["_key"]: str(q["answer"]) for q in sb_questions(data, str(f))})
    changed, hits, unanswered = [], [], 0
    proactive: list[tuple[str, bool, bool]] = []
    for q in questions:
        if "ground_truth_output" in q:  # the proactive-output task: count.py's own rule
            scored = _sb_proactive(q, q.get(name))
            if scored is None:
                unanswered += 1
            else:
                proactive.append(scored)
            continue
        reply = _sb_response(q.get(name))
        if reply is None:
            unanswered += 1
            continue
        gold = golds.get(q["_key"], str(q["answer"]))
        if gold != str(q["answer"]):
            changed.append(GoldChange(q["_qid"], str(q["task_type"]), str(q["answer"]), gold))
        hits.append((str(q["task_type"]), reply[:1] == gold))
    official = {
        "scorer": "StreamingBench count.py: each response's first character against the gold",
        **streamingbench_table(hits),
    }
    if proactive:  # apart from `total`, as count.py's proactive table is
        official["proactive"] = proactive_table(proactive)
    score = PublishedScore("streamingbench", [str(f) for f in results], official, changed=changed)
    score.unanswered, score.model = unanswered, name
    return score


def score_published(
    benchmark: str, results: str | Path, annotations: str | None = None, model: str | None = None
) -> PublishedScore:
    """Score a results file (or folder) of `benchmark` in its own format."""
    if benchmark not in PUBLISHED:
        raise StreamerError(f"--score reads {' or '.join(PUBLISHED)} results, not {benchmark}.")
    files = _json_files(results, f"{benchmark} results")
    if benchmark == "ovo-bench":
        score = score_ovo(files, annotations)
    else:
        score = score_streamingbench(files, annotations, model)
    if annotations:
        score.annotations = str(annotations)
        score.annotations_sha256 = sha256_of(Path(annotations).expanduser())
    return score
