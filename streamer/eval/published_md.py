"""The official table of published responses, as markdown, to set beside the script's print.

Percentages have two decimals, as OVO-Bench's score.py prints them ("Total Avg.:
63.00"); StreamingBench's count.py writes fractions, shown here as percentages.
"""

from __future__ import annotations

from typing import Any

from streamer.eval.published import PublishedScore
from streamer.eval.report_md import table

OVO_AVERAGES = (
    ("backward", "Backward Avg."),
    ("realtime", "Realtime Avg."),
    ("forward", "Forward Avg."),
)


def pct2(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2f}"


def render_published(s: PublishedScore) -> str:
    head = [f"# {s.benchmark}: published responses scored by streamer's rules", ""]
    head += [f"results: {', '.join(s.results)}"]
    if s.model:
        head += [f"model: {s.model}"]
    if s.annotations:
        head += [f"gold: {s.annotations} (sha256 {s.annotations_sha256})"]
    else:
        head += ["gold: the results files' own (no --annotations given)"]
    head += ["", f"{s.official['scorer']}.", ""]
    body = _ovo(s.official) if s.benchmark == "ovo-bench" else _streamingbench(s)
    return "\n".join(head + body + _renumbered(s) + _changed(s)) + "\n"


def _tasks(o: dict[str, Any]) -> list[list[str]]:
    return [[t, str(g["n"]), pct2(g["accuracy"])] for t, g in o["tasks"].items()]


def _ovo(o: dict[str, Any]) -> list[str]:
    rows = _tasks(o)
    rows += [[name, "", pct2(o["averages"][key])] for key, name in OVO_AVERAGES]
    rows += [
        ["Total Avg. (score.py: mean of the three averages)", "", pct2(o["total_avg"])],
        ["mean over tasks (ours; no script prints it)", "", pct2(o["mean_over_tasks"])],
    ]
    return table(("task", "n", "accuracy %"), rows) + [""]


def _streamingbench(s: PublishedScore) -> list[str]:
    o = s.official
    rows = _tasks(o) + [["total (count.py)", str(o["total"]["n"]), pct2(o["total"]["accuracy"])]]
    rows += [[f"{c} (ours)", str(g["n"]), pct2(g["accuracy"])] for c, g in o["categories"].items()]
    # a proactive-output file alone has no multiple-choice rows (count.py prints none)
    out = table(("task type", "n", "accuracy %"), rows) + [""] if o["total"]["n"] else []
    if o.get("proactive"):
        prows = [
            [t, str(g["n"]), pct2(g["time_accuracy"]), pct2(g["answer_accuracy"])]
            for t, g in o["proactive"].items()
        ]
        out += [
            "Proactive output (count.py: the last turn within 2 s of the gold time; "
            "then the gold output in its words):",
            "",
        ]
        out += table(("task type", "n", "time accuracy %", "answer accuracy %"), prows) + [""]
    if s.unanswered:
        n = s.unanswered
        have = "question has" if n == 1 else "questions have"
        out += [f"{n} {have} no response: not counted, as in count.py.", ""]
    return out


def _changed(s: PublishedScore) -> list[str]:
    if not s.annotations:
        return []
    if not s.changed:
        return ["Every item's gold is the same in the results files and the annotations."]
    n = len(s.changed)
    items = "item's gold differs" if n == 1 else "items' gold differs"
    out = [f"{n} {items} (scored here by the annotations):", ""]
    rows = [[c.qid, c.task, c.results, c.annotations] for c in s.changed]
    return out + table(("item", "task", "results file", "annotations"), rows)


def _renumbered(s: PublishedScore) -> list[str]:
    if not s.renumbered:
        return []
    pairs = ", ".join(f"{r.task} {r.results_id} -> {r.annotations_id}" for r in s.renumbered)
    return [
        f"{len(s.renumbered)} records share an id with another record of the results files; "
        f"each is matched by its video and question to the annotation record it answers: {pairs}.",
        "",
    ]
