"""Benchmarks write their JSON and Markdown (their figures are not asserted: noisy machines)."""

from __future__ import annotations

import json

import pytest

from streamer.bench.decode import bench_decode
from streamer.bench.latency import bench_latency, text_events
from streamer.bench.plots import embed_plot
from streamer.bench.timeline import bench_timeline
from tests.conftest import DEMO


def test_decode_bench_writes_json_and_markdown(tmp_path):
    result = bench_decode(str(DEMO), runs=2, out_dir=tmp_path)
    assert result["frames"] == 720 and len(result["runs"]) == 2
    saved = json.loads((tmp_path / "decode.json").read_text())
    assert saved["median_decode_fps"] > 0 and saved["machine"]["cpus"] >= 1
    md = (tmp_path / "decode.md").read_text()
    assert "| demo.mp4 | 640x360 | 720 |" in md


def test_latency_bench_answers_every_question(tmp_path):
    result = bench_latency(minutes=(0.5, 1), backends=("extractive",), out_dir=tmp_path)
    runs = result["backends"]["extractive"]["runs"]
    assert runs["1"]["n"] == 30 and runs["1"]["first_p50"] > 0
    assert "extractive" in (tmp_path / "latency.md").read_text()
    assert embed_plot("latency", tmp_path) == "plots/latency_first_token.png"  # real runs drawn
    png = (tmp_path / "plots" / "latency_first_token.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![latency](plots/latency_first_token.png)" in (tmp_path / "latency.md").read_text()
    assert embed_plot("decode", tmp_path) is None  # a table without a plot


def test_features_only_timeline_is_reproducible():
    a, b = text_events(2.0, seed=3), text_events(2.0, seed=3)
    assert a == b and all(e.end <= 120.0 for e in a)
    assert {e.kind for e in a} == {"speech", "ocr", "tags"}


def test_timeline_bench_writes_json_and_markdown(tmp_path):
    result = bench_timeline(sizes=(50, 200), runs=1, queries=3, out_dir=tmp_path)
    assert [r["events"] for r in result["sizes"]] == [50, 200]
    assert all(m["same"] == 1.0 for r in result["sizes"] for m in r["queries"].values())
    saved = json.loads((tmp_path / "timeline.json").read_text())
    assert saved["k"] == 64 and saved["machine"]["cpus"] >= 1
    assert "| 200 |" in (tmp_path / "timeline.md").read_text()


def test_vlm_bench_writes_json_and_markdown(tmp_path):
    from streamer.bench.vlm import bench_vlm

    result = bench_vlm(
        "tiny",
        minutes=(0.1, 0.2),
        strategies=("window", "pyramid"),
        answers=1,
        tokens=2,
        device="cpu",
        out_dir=tmp_path,
    )
    assert [(r["strategy"], r["minutes"]) for r in result["runs"]] == [
        ("window", 0.1),
        ("window", 0.2),
        ("pyramid", 0.1),
        ("pyramid", 0.2),
    ]
    assert set(result["ttft_ratio"]) == {"window", "pyramid"}
    # the whole prompt is timed: every visual token and the text around the frames
    assert all(r["prompt_tokens"] > r["visual_tokens"] > 0 for r in result["runs"])
    saved = json.loads((tmp_path / "vlm.json").read_text())
    assert saved["note"].startswith("random weights") and saved["device"] == "cpu"
    assert "random weights: speed is real, words are nonsense" in (tmp_path / "vlm.md").read_text()


@pytest.mark.parametrize("family", ["smolvlm2-256m", "qwen2.5-vl-3b"])
def test_vlm_bench_builds_every_family(tmp_path, monkeypatch, family):
    """The published LM widths, one layer deep, a small vocabulary: the same code path."""
    from dataclasses import replace

    from models.vlm import synthetic
    from streamer.bench.vlm import bench_vlm

    row, shape = synthetic.RANDOM_MODELS[family]
    small = replace(shape, lm_layers=1, vision_layers=1, vision_hidden=384, vocab=1024)
    monkeypatch.setitem(synthetic.RANDOM_MODELS, family, (row, small))
    result = bench_vlm(
        family,
        minutes=(0.1,),
        strategies=("pyramid",),
        answers=1,
        tokens=2,
        device="cpu",
        out_dir=tmp_path,
    )
    (run,) = result["runs"]
    assert result["model"] == shape.model_id and result["encode_ms_per_frame"] > 0
    assert run["prompt_tokens"] > run["visual_tokens"] > 0 and run["ttft_s"] > 0


def test_kv_bench_writes_json_and_markdown(tmp_path):
    from streamer.bench.kv import bench_kv

    result = bench_kv(
        "tiny",
        minutes=(1, 2),
        answers=1,
        tokens=2,
        ram_gb=0.0001,
        device="cpu",
        out_dir=tmp_path,
    )
    one, two = result["runs"]
    assert (one["blocks"], two["blocks"]) == (30, 60)  # 0.5 fps
    assert two["disk_bytes"] > one["disk_bytes"] > 0 and two["ram_bytes"] <= 0.0001 * 2**30
    assert result["encode_frames_per_s"] > 0
    per_hour = result["block_bytes"] * 1800 / 2**30  # 0.5 fps
    assert abs(result["kv_gib_per_hour"] - per_hour) < 0.01
    assert abs(result["disk_gib_per_hour"] - per_hour) < 0.01  # RAM full: every block to disk
    for run in (one, two):  # every block is in RAM or on disk, whole
        assert run["ram_bytes"] + run["disk_bytes"] == run["blocks"] * result["block_bytes"]
    md = (tmp_path / "kv.md").read_text()
    assert "random weights: speed is real, words are nonsense" in md and "| 60 |" in md
    assert result["reopened_blocks"] == 60 and result["reopen_retrieves_the_same"] is True
    assert "reopened (60 blocks)" in md
    # the answer reads the retrieved blocks right after the sinks: its last position is
    # the same at 1 and 2 minutes, while at the stream's positions it grows with the stream
    assert one["last_position"] == two["last_position"] < one["last_position_before"]
    assert two["last_position_before"] > one["last_position_before"] + 29 * 4
    assert two["reindex_ms"] >= 0 and two["ttft_before_s"] > 0
    assert result["max_position_embeddings"] and "last position" in md


def test_soak_bench_samples_the_process_and_plots_it(tmp_path):
    from PIL import Image

    from streamer.bench.soak import bench_soak

    result = bench_soak(minutes=0.1, sample_s=2, out_dir=tmp_path)
    samples = result["samples"]
    assert len(samples) >= 3 and samples[-1]["minutes"] >= 0.1
    assert samples[-1]["stream_minutes"] > 0 and samples[-1]["timeline_events"] > 0
    assert all(s["rss_mb"] > 100 and s["threads"] > 1 and s["open_files"] > 3 for s in samples)
    assert result["rss_ratio"] == round(result["rss_end_mb"] / result["rss_ref_mb"], 4)
    assert result["autosave_mb_end"] > 0  # the session autosaved while it ran
    assert "RSS" in (tmp_path / "soak.md").read_text()
    with Image.open(tmp_path / "soak.png") as plot:
        assert plot.size == (1120, 440)
