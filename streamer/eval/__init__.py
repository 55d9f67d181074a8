"""Batch evaluation: benchmark videos replayed as streams, each question asked at its own time.

    from streamer.eval.benchmarks import BenchmarkArgs, load_benchmark
    from streamer.eval.runner import finish, run_benchmark
    from streamer.eval.stream import RunConfig

    bench = load_benchmark(BenchmarkArgs("synthetic", minutes=10))
    run_benchmark(bench, RunConfig(memory="pyramid"), Path("runs/syn"))  # resumable shards
    report = finish(bench, Path("runs/syn"))                             # report.json/.md

Loaders: `ovbench`, `vstream` (VStream-QA and RVS), `synthetic` (needle in the
stream, planted by `synthetic_facts`), with `locate` and `frames` finding the
videos; `stream` asks at stream time through the `Session` API only; `scoring`
and `baselines` judge; `report` and `report_md` merge the shards; `ray_tasks`
scales out. Nothing is imported here, so `launch.py --help` stays light.
"""
