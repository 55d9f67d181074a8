"""Benchmarks by name: `load_benchmark("ovbench", annotations=..., video_root=...)`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from streamer.errors import StreamerError
from streamer.eval.types import Benchmark

BENCHMARKS = ("ovbench", "ovo-bench", "streamingbench", "vstream", "rvs", "synthetic")


def default_cache() -> Path:
    """Where generated streams and frame-folder videos go: $XDG_CACHE_HOME/streamer/eval."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "streamer" / "eval"


@dataclass(frozen=True)
class BenchmarkArgs:
    name: str
    annotations: str | None = None  # file or folder of annotations (synthetic: a questions file)
    video_root: str | None = None
    minutes: float = 1.0  # synthetic: stream length
    seed: int = 0  # synthetic
    cache: str | None = None  # synthetic streams are generated here
    limit: int | None = None  # at most this many (found) videos
    subset: str = "all"  # StreamingBench: "real" (real-time visual understanding) or "all"
    context_s: float | None = None  # StreamingBench: each question sees only this much before it
    protocol: str | None = None  # a checkout of the benchmark's repository: its prompts, its data


def load_benchmark(args: BenchmarkArgs) -> Benchmark:
    """The benchmark's videos found and questions, in a stable order."""
    if args.name not in BENCHMARKS:
        raise StreamerError(
            f"Unknown benchmark {args.name!r}; choose one of {', '.join(BENCHMARKS)}."
        )
    if args.name == "synthetic":
        bench = _synthetic(args)
    elif args.protocol:
        bench = _protocol(args)
    else:
        if not args.annotations:
            raise StreamerError(f"Give the {args.name} annotation file with --annotations.")
        if args.name == "ovbench":
            from streamer.eval.ovbench import load_ovbench

            bench = load_ovbench(args.annotations, args.video_root)
        elif args.name == "ovo-bench":
            from streamer.eval.ovo_bench import load_ovo_bench

            bench = load_ovo_bench(args.annotations, args.video_root)
        elif args.name == "streamingbench":
            from streamer.eval.streamingbench import load_streamingbench

            bench = load_streamingbench(
                args.annotations, args.video_root, args.subset, args.context_s
            )
        else:
            from streamer.eval.vstream import load_rvs, load_vstream

            load = load_vstream if args.name == "vstream" else load_rvs
            bench = load(args.annotations, args.video_root)
    if args.limit is not None:
        bench.videos = bench.videos[: max(0, args.limit)]
    return bench


def _protocol(args: BenchmarkArgs) -> Benchmark:
    """OVO-Bench or StreamingBench asked in the templates of the checkout at args.protocol."""
    from streamer.eval.protocol import protocol_annotations, protocol_templates

    assert args.protocol is not None
    templates = protocol_templates(args.name, args.protocol)
    annotations = args.annotations or protocol_annotations(args.name, args.protocol)
    if args.name == "ovo-bench":
        from streamer.eval.ovo_bench import load_ovo_bench

        bench = load_ovo_bench(annotations, args.video_root, templates)
    else:
        from streamer.eval.streamingbench import load_streamingbench

        bench = load_streamingbench(
            annotations, args.video_root, args.subset, args.context_s, templates
        )
    bench.prompts = templates.described
    return bench


def _synthetic(args: BenchmarkArgs) -> Benchmark:
    from streamer.eval.synthetic import SyntheticSpec, generate, load_synthetic

    if args.annotations:  # a questions file written earlier (or the committed test fixture)
        return load_synthetic(args.annotations)
    if args.minutes <= 0:
        raise StreamerError("--minutes must be positive.")
    folder = Path(args.cache) if args.cache else default_cache() / "synthetic"
    return load_synthetic(generate(SyntheticSpec(minutes=args.minutes, seed=args.seed), folder))
