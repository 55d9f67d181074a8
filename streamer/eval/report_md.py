"""Markdown views of reports: one run (`report.md`) and several strategies side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f}%"


def num(x: float | None, digits: int = 3) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def _group_rows(groups: dict[str, dict[str, Any]], judged: bool = False) -> list[list[str]]:
    rows = []
    for name, g in groups.items():
        o = g.get("open")
        extra = ["", "", "", ""] + (["", ""] if judged else [])
        if o:
            extra = [pct(o["exact"]), pct(o["contains"]), num(o["f1"], 2), num(o["cosine"], 2)]
            if judged:
                j = o.get("judge") or {}
                extra += [pct(j.get("yes")), num(j.get("score"), 2)]
        rows.append(
            [name, str(g["n"]), pct(g["accuracy"]), pct(g["random"]), pct(g["majority"]), *extra]
        )
    return rows


GROUP_HEAD = ("", "n", "accuracy", "random", "majority", "exact", "contains", "token F1", "cosine")
JUDGE_HEAD = ("judge yes", "judge 0-5")


def render_markdown(r: dict[str, Any]) -> str:
    cfg = r.get("config", {})
    judged = isinstance(r.get("judge"), dict)
    head = (*GROUP_HEAD, *JUDGE_HEAD) if judged else GROUP_HEAD
    out = [
        f"# {r['benchmark']}: memory {cfg.get('memory')}, backend {cfg.get('backend')}",
        "",
        _summary(r),
        "",
        *_asked(r.get("asked")),
        *table(
            ("", "n", "accuracy", "random choice", "majority answer"),
            [
                [name, str(g["n"]), pct(g["accuracy"]), pct(g["random"]), pct(g["majority"])]
                for name, g in (
                    ("all", r["overall"]),
                    ("without yes/no", r["without_yesno"]),
                    ("yes/no only", r["yesno"]),
                )
            ],
        ),
        "",
        *_official(r.get("official")),
        "## By answer type",
        "",
        *table(head, _group_rows(r["by_answer_type"], judged)),
        "",
        "## By sub-type",
        "",
        *table(head, _group_rows(r["by_sub_type"], judged)),
        "",
        *_judge(r["judge"]),
        *_latency_memory(r),
        "",
        *_plots(r.get("plots")),
        *_reproduce(cfg, r.get("provenance") or {}),
    ]
    return "\n".join(out)


def _reproduce(cfg: dict[str, Any], p: dict[str, Any]) -> list[str]:
    """The command, commit, seed, versions and model hashes that made the answers."""
    out = ["## Reproducibility", ""]
    for what, made in (("Made by", p), *(("Resumed by", m) for m in p.get("resumed", []))):
        out += _made_by(what, made)
    if p.get("rescored"):
        out += _made_by("Rescored (report rebuilt from the stored answers) by", p["rescored"])
    out += [f"Seed: {p.get('seed')} ({p.get('seed_note', '')}).", ""]
    out += ["```", *(f"{k}: {v}" for k, v in {**cfg, **p.get("versions", {})}.items()), "```"]
    models = [
        [m["role"], str(m.get("name") or m.get("id")), _hashes(m)] for m in p.get("models", [])
    ]
    return [*out, "", *table(("model", "name", "sha256"), models), ""]


def _made_by(what: str, made: dict[str, Any]) -> list[str]:
    command = " ".join(made.get("command") or ["(not recorded)"])
    commit = made.get("commit", "(not a git clone)") + (" (dirty)" if made.get("dirty") else "")
    return [f"{what}: `{command}`, at commit {commit}.", ""]


def _hashes(m: dict[str, Any]) -> str:
    if "sha256" in m:
        return f"`{m['sha256']}`"
    files = m.get("files") or {}
    return "<br>".join(f"{name}: `{h}`" for name, h in files.items()) or "–"


def _judge(j: Any) -> list[str]:
    """The judge's model and prompt, or the sentence saying none ran."""
    if not isinstance(j, dict):
        return [f"LLM judge: {j}.", ""]
    model = j["model"]
    return [
        "## LLM judge",
        "",
        f"{model.get('name')} (sha256 `{model.get('sha256', '–')}`, llama-cpp-python "
        f"{model.get('llama-cpp-python')}), {j['decoding']}: {j['judged']} open answers "
        f"judged, {j['unreadable']} replies unreadable; {j['note']}. Its prompt "
        f"({j['prompt_id']}):",
        "",
        "```",
        f"system: {j['prompt']['system']}",
        f"user: {j['prompt']['user']}",
        "```",
        "",
    ]


def _official(o: dict[str, Any] | None) -> list[str]:
    """The benchmark's own scores (OVO-Bench, StreamingBench), each average named."""
    if not o:
        return []
    out = ["## Official scoring", "", f"{o['scorer']}.", ""]
    if "averages" in o:  # OVO-Bench
        avg = o["averages"]
        rows = [[name, pct(avg[key])] for key, name in OVO_NAMES if key in avg]
        rows += [
            ['score.py "Total Avg." (mean of backward, real-time, forward)', pct(o["total_avg"])],
            ["backward + real-time (mean of the two; no forward)", pct(o["backward_realtime"])],
            ["mean over tasks (ours; no script prints it)", pct(o["mean_over_tasks"])],
        ]
    else:  # StreamingBench
        rows = [['count.py "total" (every question)', pct(o["total"]["accuracy"])]]
        rows += [[c, pct(g["accuracy"])] for c, g in o["categories"].items()]
    out += table(("", "accuracy"), rows) + [""]
    tasks = [[t, str(g["n"]), pct(g["accuracy"])] for t, g in o["tasks"].items()]
    return out + table(("task", "n", "accuracy"), tasks) + [""]


OVO_NAMES = (
    ("backward", "backward tracing"),
    ("realtime", "real-time perception"),
    ("forward", "forward active responding"),
)


PLOT_TITLES = {
    "accuracy.png": "accuracy per answer type, beside the baselines",
    "latency.png": "first-token latency against stream time",
    "memory.png": "memory held against stream time",
    "lag.png": "perception behind real time over the run",
    "accuracy_by_strategy.png": "accuracy per answer type and memory strategy",
}


def _plots(paths: list[str] | None) -> list[str]:
    if paths is None:
        return []
    if not paths:
        return ["No plots: matplotlib is not installed (the `eval` extra).", ""]
    out = ["## Plots", ""]
    for p in paths:
        title = PLOT_TITLES.get(p.rsplit("/", 1)[-1], p)
        out += [f"![{title}]({p})", ""]
    return out


def _summary(r: dict[str, Any]) -> str:
    v, q, look = r["videos"], r["questions"], r["lookahead"]
    by = ", ".join(f"{k} ({n})" for k, n in q["answered_by"].items()) or "none"
    return (
        f"{q['answered']} of {q['total']} questions answered on {v['streamed']} videos; "
        f"{v['missing']} videos ({q['missing_video']} questions) not found under the video root; "
        f"{q['unanswered']} unanswered (video errors: {len(v['errors'])}); "
        f"{q['backend_errors']} backend errors; answered by {by}. "
        f"{r['future_violations']} answers rested on evidence from after their question; "
        f"{look['answers']} were asked with speech heard up to {look['max_s']} s past their "
        "moment (audio comes in 0.2 s chunks)."
    )


def _asked(a: dict[str, Any] | None) -> list[str]:
    """Whose words the questions were asked in, and each annotation file's sha256."""
    if not a:  # a report written before reports recorded it
        return []
    files = "; ".join(f"{f} (sha256 `{h}`)" for f, h in a["annotations"].items())
    return [f"Questions asked in {a['prompts']}; annotations: {files or 'none recorded'}.", ""]


def _latency_memory(r: dict[str, Any]) -> list[str]:
    lat, m, s = r["latency_s"], r["memory"], r["streaming"]
    rows = [
        [name, num(d["p50"]), num(d["p90"]), num(d["p99"]), num(d["mean"])]
        for name, d in (("first token", lat["first_token"]), ("total", lat["total"]))
    ]
    out = ["## Latency (seconds)", "", *table(("", "p50", "p90", "p99", "mean"), rows), ""]
    out += [
        "## Memory and streaming",
        "",
        f"- strategy {m.get('strategy', '–')}: {m.get('frames_held_mean', '–')} frames held "
        f"on average, at most {m.get('tokens_max', '–')} tokens of a {m.get('budget_tokens', '–')} "
        f"budget, at most {m.get('bytes_held_max', 0) / 1e6:.2f} MB held",
        f"- evidence moments with a frame still in memory: "
        f"{pct(r['evidence']['frame_held_share'])} of {r['evidence']['moments']}",
        f"- streamed {s['stream_s']:.0f} s of video in {s['wall_s']:.0f} s "
        f"({s['x_realtime']}x real time)" + _shared(s.get("shared_with")),
    ]
    return out


def _shared(others: list[str] | None) -> str:
    """How a --compare run's replays were shared, if they were."""
    if not others:
        return ""
    return f", one perception pass shared with {', '.join(others)} (the same wall time)"


RECENT_FRAMES = "window"  # the memory that keeps only the latest frames: a baseline row
RECENT_FRAMES_NOTE = (
    "*window* is the recent-frames baseline: the same backend fed only the last few frames "
    "(no long-term visual memory); a memory design is worth its cost only above it."
)


def _official_columns(first: dict[str, Any]) -> list[tuple[str, Any]]:
    """(header, report -> value) for the benchmark's own headline scores, if it has them."""
    o = first.get("official") or {}
    if "averages" in o:
        return [
            ("OVO Total Avg.", lambda r: r["official"]["total_avg"]),
            ("OVO backward+real-time", lambda r: r["official"]["backward_realtime"]),
        ]
    if "total" in o:
        return [("StreamingBench total", lambda r: r["official"]["total"]["accuracy"])]
    return []


def render_comparison(reports: dict[str, dict[str, Any]], plots: list[str] | None = None) -> str:
    """One table: a row per strategy (or run), then the baselines on the same questions."""
    first = next(iter(reports.values()))
    types = list(first["by_answer_type"])
    official = _official_columns(first)
    head = ["", "n", "all", "w/o yes/no", "yes/no", *types, *(h for h, _ in official)]
    judged = any(isinstance(r.get("judge"), dict) for r in reports.values())
    head += [*(JUDGE_HEAD if judged else ()), "1st token p50 s", "frames held"]
    head += ["evidence frame held"]
    rows = []
    for name, r in reports.items():
        by = r["by_answer_type"]
        j = (r["overall"].get("open") or {}).get("judge") or {}
        judge_cells = [pct(j.get("yes")), num(j.get("score"), 2)] if judged else []
        rows.append(
            [
                f"{name} (recent-frames baseline)" if name == RECENT_FRAMES else name,
                str(r["overall"]["n"]),
                pct(r["overall"]["accuracy"]),
                pct(r["without_yesno"]["accuracy"]),
                pct(r["yesno"]["accuracy"]),
                *(pct(by[t]["accuracy"]) if t in by else "–" for t in types),
                *(pct(get(r)) for _, get in official),
                *judge_cells,
                num(r["latency_s"]["first_token"]["p50"]),
                str(r["memory"].get("frames_held_mean", "–")),
                pct(r["evidence"]["frame_held_share"]),
            ]
        )
    fby = first["by_answer_type"]
    for base in ("random", "majority"):
        rows.append(
            [
                f"*{base} baseline*",
                str(first["overall"]["n"]),
                pct(first["overall"][base]),
                pct(first["without_yesno"][base]),
                pct(first["yesno"][base]),
                *(pct(fby[t][base]) for t in types),
                *("" for _ in official),
                *(["", ""] if judged else []),
                "",
                "",
                "",
            ]
        )
    note = ["", RECENT_FRAMES_NOTE] if RECENT_FRAMES in reports else []
    pictures = ["", *_plots(plots)] if plots else []
    return "\n".join([*table(head, rows), *note, *pictures]).rstrip("\n") + "\n"
