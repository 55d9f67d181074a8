"""PNG plots of a run (`report.md` embeds them) and of a comparison (`compare.md`).

    report_plots(report, out)         # out/plots/accuracy.png, latency.png, memory.png, lag.png
    compare_plots(reports, out)       # out/plots/accuracy_by_strategy.png

Drawn with matplotlib's Agg backend (no display); without matplotlib (the
`eval` extra) no plot is drawn and the reports say so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PLOTS = "plots"
DPI = 110
SIZE = (7.0, 3.6)  # inches: 770 x 396 px at DPI


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        return None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt: Any, fig: Any, out: Path, name: str) -> str:
    folder = out / PLOTS
    folder.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(folder / name, dpi=DPI)
    plt.close(fig)
    return f"{PLOTS}/{name}"


def _pct(x: float | None) -> float:
    return 0.0 if x is None else 100.0 * x


def report_plots(report: dict[str, Any], out: Path) -> list[str]:
    """Accuracy per answer type, first-token latency, memory held and perception lag."""
    plt = _pyplot()
    if plt is None or not report["overall"]["n"]:
        return []
    paths = [_accuracy(plt, report, out)]
    s = report["series"]
    for key, name, label in (
        ("first_token_s", "latency.png", "first token (s)"),
        ("memory_mb", "memory.png", "memory held (MB)"),
        ("behind_s", "lag.png", "perception behind real time (s; below 0: ahead of it)"),
    ):
        lines: dict[str, list[tuple[float, float]]] = {}
        for video, t, v in zip(s["video"], s["stream_s"], s[key]):
            if v is not None:
                lines.setdefault(video, []).append((t, v))
        if lines:
            paths.append(_over_time(plt, out, name, lines, label))
    return paths


def _accuracy(plt: Any, report: dict[str, Any], out: Path) -> str:
    groups = report["by_answer_type"]
    names = list(groups)
    xs = range(len(names))
    fig, ax = plt.subplots(figsize=SIZE)
    width = 0.27
    for k, (key, label) in enumerate(
        (("accuracy", "answered"), ("random", "random choice"), ("majority", "majority answer"))
    ):
        ax.bar(
            [x + (k - 1) * width for x in xs],
            [_pct(groups[n][key]) for n in names],
            width,
            label=label,
        )
    ax.set_xticks(list(xs), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 118)  # room above 100% for the legend
    ax.set_title(f"{report['benchmark']}: accuracy per answer type")
    ax.legend(fontsize=8, ncol=3, loc="upper center")
    return _save(plt, fig, out, "accuracy.png")


LEGEND_MAX = 8  # videos named in a legend; more are drawn unnamed


def _over_time(
    plt: Any, out: Path, name: str, lines: dict[str, list[tuple[float, float]]], label: str
) -> str:
    """One line per video: (stream time, value) at each of its questions."""
    fig = _lines(plt, lines, "stream time when asked (s)", label, f"{label} against stream time")
    return _save(plt, fig, out, name)


def _lines(
    plt: Any, lines: dict[str, list[tuple[float, float]]], xlabel: str, ylabel: str, title: str
) -> Any:
    fig, ax = plt.subplots(figsize=SIZE)
    for name, points in lines.items():
        xs, ys = zip(*points)
        ax.plot(xs, ys, "o-", markersize=3, linewidth=1, label=name[:40])
    if 1 < len(lines) <= LEGEND_MAX:
        ax.legend(fontsize=7)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.set_title(title)
    return fig


def lines_png(
    out: Path,
    name: str,
    lines: dict[str, list[tuple[float, float]]],
    labels: tuple[str, str, str],
) -> str | None:
    """`out/plots/<name>`: one line per key, `labels` = (x label, y label, title).

    Returns the path relative to `out`, or None without matplotlib or points.
    """
    plt = _pyplot()
    lines = {k: v for k, v in lines.items() if v}
    if plt is None or not lines:
        return None
    return _save(plt, _lines(plt, lines, *labels), out, name)


def compare_plots(reports: dict[str, dict[str, Any]], out: Path) -> list[str]:
    """Accuracy per answer type, one bar per strategy (the baselines' bars beside them)."""
    plt = _pyplot()
    first = next(iter(reports.values()), None)
    if plt is None or first is None or not first["overall"]["n"]:
        return []
    types = list(first["by_answer_type"])
    series = {
        name: [_pct(r["by_answer_type"].get(t, {}).get("accuracy")) for t in types]
        for name, r in reports.items()
    }
    series["random choice"] = [_pct(first["by_answer_type"][t]["random"]) for t in types]
    fig, ax = plt.subplots(figsize=(max(SIZE[0], 1.2 * len(types)), SIZE[1]))
    width = 0.8 / len(series)
    for k, (name, values) in enumerate(series.items()):
        ax.bar(
            [x + (k - len(series) / 2 + 0.5) * width for x in range(len(types))],
            values,
            width,
            label=name,
        )
    ax.set_xticks(list(range(len(types))), types, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("accuracy (%)")
    ax.set_ylim(0, 118)  # room above 100% for the legend
    ax.set_title(f"{first['benchmark']}: accuracy per answer type and memory strategy")
    ax.legend(fontsize=7, ncol=len(series), loc="upper center")
    return [_save(plt, fig, out, "accuracy_by_strategy.png")]
