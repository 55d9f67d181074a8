"""PNG plots of the benchmark tables (`bench all` embeds them in memory.md and latency.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamer.eval.plots import lines_png


def memory_plot(result: dict[str, Any], out: Path) -> str | None:
    """RSS against stream length, one line per memory strategy (`bench_memory`'s result)."""
    minutes = result["minutes"]
    lines = {r["strategy"]: list(zip(minutes, r["rss_mb"])) for r in result["rows"]}
    labels = ("stream length (min)", "process RSS (MiB)", "memory held: RSS by stream length")
    return lines_png(out, "memory_rss.png", lines, labels)


def latency_plot(result: dict[str, Any], out: Path) -> str | None:
    """First-token p50 against stream length, one line per backend (`bench_latency`'s)."""
    lines = {
        name: [(float(m), 1000 * r["first_p50"]) for m, r in b["runs"].items()]
        for name, b in result["backends"].items()
        if "runs" in b
    }
    labels = ("stream length (min)", "first token p50 (ms)", "answer latency by stream length")
    return lines_png(out, "latency_first_token.png", lines, labels)


PLOTTERS = {"memory": memory_plot, "latency": latency_plot}


def embed_plot(kind: str, out_dir: Path | str) -> str | None:
    """Draw `kind`'s plot from `<kind>.json` and append it to `<kind>.md`; its path or None."""
    plot = PLOTTERS.get(kind)
    out = Path(out_dir)
    if plot is None or not (out / f"{kind}.json").is_file():
        return None
    from streamer.store import read_json

    path = plot(read_json(out / f"{kind}.json"), out)
    if path is not None:
        md = out / f"{kind}.md"
        md.write_text(md.read_text(encoding="utf-8") + f"\n![{kind}]({path})\n", encoding="utf-8")
    return path
