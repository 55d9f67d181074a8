"""`launch.py eval --benchmark NAME --out DIR`: stream benchmark videos, ask at question time.

    launch.py eval --benchmark synthetic --minutes 10 --out runs/syn10
    launch.py eval --rescore runs/rvs --judge llm     # add the local LLM judge's columns
    launch.py eval --score OVO-Bench/results/Gemini --benchmark ovo-bench \
        --annotations OVO-Bench/data/ovo_bench_new.json   # published responses, official table
    launch.py eval --benchmark ovo-bench --protocol OVO-Bench/ --video-root src_videos/ \
        --out runs/ovo                                    # asked in the benchmark's own prompts
    launch.py eval --benchmark ovbench --annotations data/ovbench --video-root videos/ \
        --out runs/ovb --compare pyramid,star,window,uniform --ray

Writes per-video JSONL shards as answers come (a re-run into the same --out
resumes), then report.json and report.md; --compare writes one run folder per
memory strategy and compare.md with one table. A serial --compare perceives each
video once and feeds every strategy the same observations (kv, --ray and
--separate run one replay per strategy, each in its own process).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from cli.args import add_device, add_language, count, positive
from streamer.errors import StreamerError
from streamer.memory.items import DEFAULT_MEMORY

# The recent-frames baseline: the backend fed only the last few frames. An unchanged
# VLM fed that matches memory designs on streaming benchmarks, so every comparison
# runs it too, whether --compare names it or not.
BASELINE_MEMORY = "window"

HELP = (
    "evaluate on a benchmark (OVBench, OVO-Bench, StreamingBench, VStream-QA, RVS, synthetic), "
    "asking at stream time"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from streamer.eval.benchmarks import BENCHMARKS

    parser.add_argument("--benchmark", choices=BENCHMARKS)
    parser.add_argument("--out", help="run folder (resumed if it exists)")
    parser.add_argument(
        "--rescore",
        metavar="RUN_DIR",
        help="rebuild RUN_DIR's report from its stored answers, streaming nothing",
    )
    parser.add_argument(
        "--score",
        metavar="RESULTS",
        help="score responses in the benchmark's own results format (OVO-Bench's "
        "results/<model>/, StreamingBench's output files) and print its official table",
    )
    parser.add_argument(
        "--model",
        help="with --score on StreamingBench: the model whose responses to score (default: "
        "the only one in the file)",
    )
    parser.add_argument(
        "--annotations", help="annotation file or folder (synthetic: questions file)"
    )
    parser.add_argument("--video-root", help="folder holding the benchmark's videos")
    parser.add_argument(
        "--protocol",
        metavar="DIR",
        help="OVO-Bench, StreamingBench: ask in the benchmark's own prompt templates, read "
        "from DIR, a checkout of its repository (its annotation file is the default too); "
        "default: our own phrasing",
    )
    parser.add_argument(
        "--memory", default=DEFAULT_MEMORY, help=f"memory strategy (default {DEFAULT_MEMORY})"
    )
    parser.add_argument("--backend", default="extractive", help="reasoning backend")
    add_device(parser)
    add_language(parser)
    parser.add_argument(
        "--compare",
        help="comma-separated memory strategies to run and compare; each video is perceived "
        "once and every strategy gets the same observations (kv and --ray: one replay each)",
    )
    parser.add_argument(
        "--separate",
        action="store_true",
        help="with --compare: one replay per strategy, each in its own process (perception "
        "runs once per strategy: slower; the same answers)",
    )
    parser.add_argument("--limit", type=count, help="at most N videos")
    parser.add_argument("--minutes", type=positive, default=1.0, help="synthetic stream length")
    parser.add_argument("--seed", type=int, default=0, help="synthetic stream seed")
    parser.add_argument("--cache", help="where synthetic streams and frame-folder videos go")
    parser.add_argument(
        "--subset",
        choices=("real", "all"),
        default="all",
        help="StreamingBench: the real-time visual understanding tasks only, or all (default)",
    )
    parser.add_argument(
        "--context",
        type=positive,
        metavar="SECONDS",
        help="StreamingBench: each question streamed from this long before it (its main "
        "setting: 60); default: the whole video before it",
    )
    parser.add_argument(
        "--sample-fps",
        type=positive,
        default=1.0,
        help="frames perception samples per second of stream, plus cuts (default 1)",
    )
    # the old name, for one release
    parser.add_argument("--fps", dest="sample_fps", type=positive, help=argparse.SUPPRESS)
    parser.add_argument(
        "--ray",
        nargs="?",
        const="local",
        default=None,
        metavar="ADDRESS",
        help="one Ray task per video: a local Ray, or the cluster at ADDRESS",
    )
    parser.add_argument(
        "--judge",
        metavar="llm",
        help="also judge open answers with the local LLM (yes/no and 0-5, extra columns; "
        "needs make test-llm); llm:PATH.gguf for another model",
    )
    parser.add_argument(
        "--ray-cpus",
        type=count,
        metavar="N",
        help="CPUs each Ray video task asks for (default 2); a vlm on cuda also asks one GPU",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from streamer.memory import ALL_MEMORY_NAMES

    if args.rescore:
        return _rescore(args)
    if args.score:
        return _score(args)
    if not args.benchmark or not args.out:
        raise StreamerError("Give --benchmark and --out (or --rescore RUN_DIR).")

    memories = [m.strip() for m in (args.compare or args.memory).split(",") if m.strip()]
    unknown = [m for m in memories if m not in ALL_MEMORY_NAMES]
    if unknown or not memories:
        names = ", ".join(ALL_MEMORY_NAMES)
        raise StreamerError(f"Unknown memory {unknown}; choose from {names} (kv: with a vlm).")
    if args.compare:
        if BASELINE_MEMORY not in memories:  # every comparison shows the recent-frames row
            memories.append(BASELINE_MEMORY)
        return _compare(args, memories)
    _check_backend(args.backend, args.device)
    judge = _judge(args)  # before streaming: a missing judge fails now, not after the run
    bench, config, bench_args = _load(args)
    out = Path(args.out)
    from streamer.eval.report_md import render_markdown
    from streamer.eval.runner import finish, run_benchmark

    source = {"benchmark_args": asdict(bench_args), "command": _command(args)}
    run_benchmark(bench, config, out, args.ray, not args.quiet, source, args.ray_cpus)
    report = finish(bench, out, judge=judge)
    print(json.dumps(report) if args.json else render_markdown(report))
    print(f"report: {out / 'report.md'}", file=sys.stderr)
    return 0


def _judge(args: argparse.Namespace) -> Any:
    if not args.judge:
        return None
    from streamer.eval.judge import load_judge

    return load_judge(args.judge)


def _rescore(args: argparse.Namespace) -> int:
    """The report of a run folder again, from its stored answers (nothing is streamed)."""
    from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
    from streamer.eval.report_md import render_markdown
    from streamer.eval.runner import RUN_FILE, finish
    from streamer.store import read_json

    out = Path(args.rescore)
    if not (out / RUN_FILE).is_file():
        raise StreamerError(f"{out} is no eval run folder: it has no {RUN_FILE}.")
    saved = (read_json(out / RUN_FILE).get("source") or {}).get("benchmark_args")
    if not isinstance(saved, dict):
        raise StreamerError(
            f"{out} was made before runs recorded their benchmark; run the same eval command "
            "again into it (finished videos are not streamed again)."
        )
    judge = _judge(args)
    bench = load_benchmark(BenchmarkArgs(**saved))
    report = finish(bench, out, rescore_command=_command(args), judge=judge)
    print(json.dumps(report) if args.json else render_markdown(report))
    print(f"report: {out / 'report.md'}", file=sys.stderr)
    return 0


def _score(args: argparse.Namespace) -> int:
    """The official table of published responses, scored by our rules (nothing streamed)."""
    from streamer.eval.published import PUBLISHED, score_published
    from streamer.eval.published_md import render_published

    if args.benchmark not in PUBLISHED:
        raise StreamerError("Give --benchmark ovo-bench or streamingbench with --score.")
    score = score_published(args.benchmark, args.score, args.annotations, args.model)
    print(json.dumps(asdict(score)) if args.json else render_published(score), end="")
    return 0


def _command(args: argparse.Namespace) -> list[str]:
    """This command line as the user gave it (`cli.main` keeps it)."""
    return ["launch.py", *getattr(args, "argv", sys.argv[1:])]


def _load(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from streamer.eval.benchmarks import BenchmarkArgs, default_cache, load_benchmark
    from streamer.eval.stream import RunConfig

    cache = Path(args.cache) if args.cache else default_cache()
    bench_args = BenchmarkArgs(
        args.benchmark,
        args.annotations,
        args.video_root,
        args.minutes,
        args.seed,
        str(cache / "synthetic"),
        args.limit,
        args.subset,
        args.context,
        args.protocol,
    )
    bench = load_benchmark(bench_args)
    _say_found(bench)
    config = RunConfig(
        args.memory,
        args.backend,
        args.sample_fps,
        frames_cache=str(cache / "frames"),
        device=args.device,
        language=args.language,
    )
    return bench, config, bench_args


def _compare(args: argparse.Namespace, memories: list[str]) -> int:
    """One run folder per strategy, then one table.

    Serially, the strategies share each video's replay (`streamer.eval.fanout`):
    one perception pass feeds every memory. kv, a Ray run and --separate run each
    strategy in its own process instead; separate processes keep those runs
    independent: models loaded in a process carry state from one stream to the
    next (Whisper keeps the language it detected), which would give the first
    strategy different transcripts.
    """
    from streamer.eval.report_md import render_comparison
    from streamer.store import read_json, write_json_atomic

    shared = shared_memories(args, memories)
    if shared:
        _run_shared(args, shared)
    for memory in memories:
        if memory not in shared:
            out = Path(args.out) / memory
            argv = [*CHILD, *_child_argv(args, memory, out)]
            code = subprocess.run(argv, stdout=subprocess.DEVNULL, check=False).returncode
            if code != 0:
                raise StreamerError(f"The {memory} run failed (exit code {code}); see above.")
    reports = {memory: read_json(Path(args.out) / memory / "report.json") for memory in memories}
    from streamer.eval.plots import compare_plots

    md = render_comparison(reports, compare_plots(reports, Path(args.out)))
    (Path(args.out) / "compare.md").write_text(md, encoding="utf-8")
    write_json_atomic(Path(args.out) / "compare.json", reports)
    print(json.dumps(reports) if args.json else render_comparison(reports))
    print(f"comparison: {Path(args.out) / 'compare.md'}", file=sys.stderr)
    return 0


def shared_memories(args: argparse.Namespace, memories: list[str]) -> list[str]:
    """The strategies of a --compare run that share one replay per video (none: each its own)."""
    from streamer.eval.fanout import shares_replay

    shared = [m for m in memories if shares_replay(m)]
    if args.ray is not None or args.separate or len(shared) < 2:
        return []
    return shared


def _run_shared(args: argparse.Namespace, memories: list[str]) -> None:
    """Run `memories` on one replay per video, a run folder each, and report each folder."""
    from streamer.eval.fanout import run_shared
    from streamer.eval.runner import finish

    _check_backend(args.backend, args.device)
    judge = _judge(args)  # before streaming: a missing judge fails now, not after the run
    bench, config, bench_args = _load(args)
    source = {"benchmark_args": asdict(bench_args), "command": _command(args)}
    folders = {memory: Path(args.out) / memory for memory in memories}
    run_shared(bench, config, folders, not args.quiet, source)
    for out in folders.values():
        finish(bench, out, judge=judge)


CHILD = [sys.executable, "-c", "import sys; from cli.main import main; sys.exit(main())"]


def _child_argv(args: argparse.Namespace, memory: str, out: Path) -> list[str]:
    """This command's arguments for one strategy of a --compare run."""
    argv = ["eval", "--benchmark", args.benchmark, "--memory", memory, "--out", str(out)]
    argv += ["--backend", args.backend, "--minutes", str(args.minutes), "--seed", str(args.seed)]
    argv += ["--sample-fps", str(args.sample_fps), "--device", args.device]
    argv += ["--subset", args.subset]
    if args.language:
        argv += ["--language", args.language]
    for flag, value in (
        ("--annotations", args.annotations),
        ("--video-root", args.video_root),
        ("--limit", args.limit),
        ("--cache", args.cache),
        ("--context", args.context),
        ("--protocol", args.protocol),
        ("--judge", args.judge),
    ):
        if value is not None:
            argv += [flag, str(value)]
    if args.ray is not None:
        argv += ["--ray", args.ray]
    if args.ray_cpus is not None:
        argv += ["--ray-cpus", str(args.ray_cpus)]
    return argv + (["--quiet"] if args.quiet else [])


def _check_backend(name: str, device: str = "auto") -> None:
    """Fail before streaming anything when the backend is unknown or not installed.

    A backend that is missing may hand over to the extractive one; its answers
    would then be reported under the wrong name, so that is refused too.
    """
    from streamer.reasoning.registry import make_backend

    got = make_backend(name, device).name
    if got != name.split(":")[0]:
        raise StreamerError(
            f"The {name} backend is not available here (the {got} backend would answer "
            "instead); install it or evaluate another backend."
        )


def _say_found(bench: Any) -> None:
    total_q = bench.questions + bench.missing_questions
    print(
        f"{bench.name}: {len(bench.videos)} videos found ({bench.questions} questions), "
        f"{len(bench.missing_videos)} missing ({bench.missing_questions} of {total_q} questions "
        "skipped)",
        file=sys.stderr,
    )
    if not bench.videos:
        raise StreamerError(
            f"No {bench.name} video was found; check --video-root (expected <root>/<id>.mp4, "
            "<root>/<subset>/<id>.* or folders of frames)."
        )
