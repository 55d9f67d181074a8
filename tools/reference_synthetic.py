#!/usr/bin/env python3
"""The synthetic stream's sign and speech questions through vlm:<reference> and through the
llm backend with the same language model, from one replay (the same timeline lines).

vlm: the reference model (Qwen2.5-Coder-0.5B-Instruct in LLaVA-OneVision-0.5B's shape,
random vision: real language model, random vision) over the window memory's frames and
the timeline lines; llm: the packaged 0.5B GGUF of that LM (`llm:PATH`); extractive
beside them. One JSON line per answer, with `right` by the eval's own scoring.

    python launch.py eval --benchmark synthetic --minutes 10 --out runs/syn10  # makes the file
    python tools/reference_synthetic.py \
        ~/.cache/streamer/eval/synthetic/synthetic-10min-seed0-320x180.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    from models import weights
    from models.vlm.reference import reference_folder
    from streamer.eval.scoring import judge
    from streamer.eval.synthetic import load_synthetic
    from streamer.perception.config import PerceptionConfig
    from streamer.reasoning.llm_choice import SYSTEM
    from streamer.reasoning.reasoner import Reasoner
    from streamer.reasoning.registry import make_backend
    from streamer.reasoning.vlm import VlmBackend
    from streamer.session import Session
    from streamer.session_config import SessionConfig

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("questions", help="a synthetic questions file (eval --benchmark synthetic)")
    p.add_argument("--types", default="sign-,speech-", help="answer types kept (prefixes)")
    p.add_argument("--every", type=int, default=1, help="every Nth kept question")
    p.add_argument("--until", type=float, help="only questions asked up to this stream time (s)")
    p.add_argument(
        "--backends",
        default="vlm,llm,extractive",
        help="of vlm, vlm-model (every choice the model's, none decided by the timeline), "
        "vlm-likeliest (a choice by the options' likelihood, nothing written), "
        "vlm-system (the llm backend's system line), llm, extractive",
    )
    args = p.parse_args()
    (video,) = load_synthetic(args.questions).videos
    assert video.path is not None
    kinds = tuple(args.types.split(","))
    kept = [q for q in video.questions if q.answer_type.startswith(kinds)]
    kept = [q for q in kept if args.until is None or q.at <= args.until]
    questions = sorted(kept[:: args.every], key=lambda q: q.at)
    perception = PerceptionConfig(language="en")
    config = SessionConfig(
        video.path,
        pace="none",
        memory="window",
        device="cpu",
        backend=f"vlm:{reference_folder()}",
        perception=perception,
    )
    s = Session(config).start()
    names = args.backends.split(",")
    vlm = s._backend
    assert isinstance(vlm, VlmBackend)
    makers = {
        "vlm-model": lambda: VlmBackend(vlm.model, timeline_decides=False),
        "vlm-likeliest": lambda: VlmBackend(vlm.model, choose="likeliest", timeline_decides=False),
        "vlm-system": lambda: VlmBackend(vlm.model),
        "llm": lambda: make_backend(f"llm:{weights.ensure(weights.QWEN_CODER_0_5B)}"),
        "extractive": lambda: make_backend("extractive"),
    }
    others = {name: makers[name]() for name in names if name != "vlm"}
    model_system = getattr(vlm.model, "system", None)
    t0 = time.time()
    for q in questions:
        s.run_until(q.at)
        options = list(q.options) if q.options else None
        for name in names:
            if name == "vlm":
                a = s.ask(q.question, options).result(3600)
            else:
                if name == "vlm-system":  # the same model, told what a timeline is
                    vlm.model.system = SYSTEM  # type: ignore[attr-defined]
                r = Reasoner(s.timeline, s.memory, others[name], lambda at=q.at: at).start()
                try:
                    a = r.ask(q.question, options).result(3600)
                finally:
                    r.stop()
                    vlm.model.system = model_system  # type: ignore[attr-defined]
            right = judge(q, a.text, a.option_index)
            print(
                json.dumps(
                    {
                        "qid": q.qid,
                        "type": q.answer_type,
                        "at": q.at,
                        "backend": name,
                        "question": q.question,
                        "options": options,
                        "gold": q.answer,
                        "answer": a.text,
                        "option_index": a.option_index,
                        "right": right,
                        "error": a.error,
                        "ttft_s": round(a.first_token_s, 2),
                        "wall_s": round(time.time() - t0, 1),
                    }
                ),
                flush=True,
            )
    s.stop()


if __name__ == "__main__":
    main()
